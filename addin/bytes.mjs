/**
 * Mail Connector: the bytes of a mail stay in the browser's own buffers (issue #13).
 *
 * Outlook hands attachments and the original .eml over as base64 text. Python (the pane) decides
 * what is uploaded, in which order, and keeps the state, progress and errors; this module holds
 * the bytes themselves, so that they never enter the WebAssembly heap:
 *
 *   const held = await MailConnectorBytes.fromBase64(officeValue, "content");
 *   held.size, held.sha256                 // known once the text is decoded
 *   fetch(url, { body: held.form({ action: "chunk", ... }, offset, length) })  // a Blob slice
 *
 * - Decoding runs in slices of SLICE_BYTES, each a short task (the browser paints and handles
 *   input in between): no main-thread task over a few milliseconds, whatever the file's size.
 * - The whole-file SHA-256 that `mcupload start` needs is computed while decoding, incrementally,
 *   by hash-wasm (below): `crypto.subtle.digest` only takes the whole file at once, which would
 *   hold a second full copy of a 100 MB attachment next to Office's base64 text.
 * - The decoded bytes go into Blobs (the browser keeps large ones outside the page's JS heap);
 *   chunks are Blob slices sent by `fetch` as multipart built by `FormData`.
 *
 * The object it returns is reached from Python through `mailconnector.crm.held` (the only user);
 * the text is read here from `container[key]`, so Python never converts it into a Python string.
 */

const SLICE_BYTES = 192 * 1024; // decoded per task (a multiple of 3): well under 1 ms to decode and to hash
const STAGING_BYTES = 8 * SLICE_BYTES + 3; // decoded bytes gathered into one Blob part (1.5 MB)

// ---------------------------------------------------------------------------------- yielding

const channel = typeof MessageChannel === "function" ? new MessageChannel() : null;
const waiting = [];
if (channel) channel.port1.onmessage = () => waiting.shift()?.();

/**
 * Lets the browser run other tasks (input, paint, fetch callbacks) before continuing: the next slice is a new
 * task, queued behind those already waiting. Not `scheduler.yield()`: its continuations run AHEAD of other
 * tasks, so while the .eml was decoded the attachment's upload, whose fetch answers wait in the queue, stood
 * still until the whole decode was done (~150 ms per 20 MB in the bench). Not setTimeout(0): nested timers
 * are clamped to 4 ms each.
 */
function yieldToBrowser() {
  if (!channel) return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

// ---------------------------------------------------------------------------------- SHA-256

// hash-wasm's SHA-256 (npm `hash-wasm`, pinned in runtime.lock.json, laid out by `python -m server vendor`):
// incremental, ~2.5x the speed of SHA-256 written in JavaScript, and its wasm holds one 64 KiB buffer.
// Loaded on first use, so that the pane's start does not pay for it. The build writes the runtime's path.
const SHA256_SCRIPT = "%RUNTIME_FROM_STATIC%/hash-wasm/sha256.umd.min.js";
let library = null;

function hashLibrary() {
  if (!library) {
    library = import(new URL(SHA256_SCRIPT, import.meta.url).href).then(() => {
      // a UMD build: as a module it defines the global `hashwasm`
      if (typeof globalThis.hashwasm?.createSHA256 !== "function") throw new Error("hash-wasm did not load");
      return globalThis.hashwasm;
    });
    library.catch(() => { library = null; }); // a later link tries again
  }
  return library;
}

/** An incremental SHA-256 (`update(bytes)`, then `hex()`), hash-wasm's. */
export async function sha256() {
  const hasher = await (await hashLibrary()).createSHA256();
  hasher.init();
  return { update: (bytes) => hasher.update(bytes), hex: () => hasher.digest("hex") };
}

// ---------------------------------------------------------------------------------- held bytes

/** Decoded bytes, as a Blob, with their size and SHA-256. */
export class Held {
  constructor(blob, sha256) {
    this.blob = blob;
    this.size = blob.size;
    this.sha256 = sha256;
  }

  /** The multipart body of one `mcupload` chunk: the fields, then `data` = bytes [offset, offset+length). */
  form(fields, offset, length) {
    const body = new FormData();
    const entries = fields instanceof Map ? fields.entries() : Object.entries(fields);
    for (const [name, value] of entries) body.append(name, String(value));
    body.append("data", this.blob.slice(offset, offset + length, "application/octet-stream"), "chunk");
    return body;
  }

  /** A copy of bytes [offset, offset+length) (only for callers that need them as such). */
  async read(offset, length) {
    return new Uint8Array(await this.blob.slice(offset, offset + length).arrayBuffer());
  }
}

/**
 * Collects decoded bytes into one Blob and hashes them on the way. The decoders write straight into
 * its staging buffer (`room()`, then `commit(n)`), which becomes a Blob part when full: the bytes are
 * copied once, into the Blob, and the page makes no garbage per slice.
 */
class Sink {
  constructor(hash) {
    this.hash = hash;
    this.parts = [];
    this.staging = new Uint8Array(STAGING_BYTES);
    this.filled = 0;
  }

  static async open() {
    return new Sink(await sha256());
  }

  /** Where the next slice goes: at least SLICE_BYTES + 3 bytes. */
  room() {
    return this.staging.subarray(this.filled);
  }

  /** The first `written` bytes of `room()` are decoded: hash them, keep them. */
  commit(written) {
    if (!written) return;
    this.hash.update(this.staging.subarray(this.filled, this.filled + written));
    this.filled += written;
    if (this.staging.length - this.filled < SLICE_BYTES + 3) this.flush();
  }

  /** Bytes from elsewhere (the portable decoder, the text encoder, a buffer): copied in. */
  add(bytes) {
    for (let offset = 0; offset < bytes.length; ) {
      const room = this.room();
      const take = Math.min(room.length, bytes.length - offset);
      room.set(bytes.subarray(offset, offset + take));
      this.commit(take);
      offset += take;
    }
  }

  flush() {
    // new Blob copies the bytes: the staging buffer is free again at once
    if (this.filled) this.parts.push(new Blob([this.staging.subarray(0, this.filled)]));
    this.filled = 0;
  }

  done() {
    this.flush();
    this.staging = null;
    return new Held(new Blob(this.parts), this.hash.hex());
  }
}

const nativeBase64 = typeof Uint8Array.prototype.setFromBase64 === "function";
const WHITESPACE = /[\t\n\f\r ]+/g;

/**
 * The bytes of base64 text `container[key]`, decoded a slice per task.
 * `options.portable` forces the decoder for browsers without `Uint8Array.prototype.setFromBase64`.
 * Rejects with a SyntaxError-like error when the text is not base64.
 */
export async function fromBase64(container, key, options = {}) {
  const text = String(container[key] ?? "");
  const sink = await Sink.open();
  const sliceChars = (SLICE_BYTES / 3) * 4;
  if (nativeBase64 && !options.portable) {
    let position = 0;
    while (position < text.length) {
      const end = Math.min(text.length, position + sliceChars);
      // Whitespace is skipped; a group of four characters cut by the slice waits for the next one.
      const { read, written } = sink.room().setFromBase64(text.slice(position, end), {
        lastChunkHandling: end === text.length ? "loose" : "stop-before-partial",
      });
      if (read === 0) throw new SyntaxError("The content is not base64 (it ends in the middle of a group).");
      sink.commit(written);
      position += read;
      await yieldToBrowser();
    }
  } else {
    const buffer = new Uint8Array(SLICE_BYTES + 3);
    let carry = "";
    for (let position = 0; position < text.length; position += sliceChars) {
      let piece = carry + text.slice(position, position + sliceChars).replace(WHITESPACE, "");
      const last = position + sliceChars >= text.length;
      const keep = last ? 0 : piece.length % 4;
      carry = keep ? piece.slice(piece.length - keep) : "";
      piece = keep ? piece.slice(0, piece.length - keep) : piece;
      let binary;
      try {
        binary = atob(piece);
      } catch (error) {
        throw new SyntaxError(`The attachment's content is not base64 (${error.message}).`);
      }
      const bytes = binary.length <= buffer.length ? buffer.subarray(0, binary.length) : new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      sink.add(bytes);
      await yieldToBrowser();
    }
  }
  return sink.done();
}

/** The UTF-8 bytes of text `container[key]` (Office's "eml" and "iCalendar" formats). */
export async function fromText(container, key) {
  const text = String(container[key] ?? "");
  const sink = await Sink.open();
  const encoder = new TextEncoder();
  const step = SLICE_BYTES / 4; // characters per task
  for (let position = 0; position < text.length; ) {
    let end = Math.min(text.length, position + step);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end -= 1; // never split a surrogate pair
    // at most 3 UTF-8 bytes per UTF-16 unit: the slice always fits in the room left
    const piece = text.slice(position, end);
    const { read, written } = encoder.encodeInto(piece, sink.room());
    if (read !== piece.length) throw new Error("bytes.mjs: a slice of text did not fit its buffer");
    sink.commit(written);
    position = end;
    await yieldToBrowser();
  }
  return sink.done();
}

/** Bytes already in a typed array or ArrayBuffer (tests; a dropped .eml file). */
export async function fromBytes(bytes) {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sink = await Sink.open();
  for (let position = 0; position < view.length; position += SLICE_BYTES) {
    sink.add(view.subarray(position, position + SLICE_BYTES));
    await yieldToBrowser();
  }
  return sink.done();
}

const api = Object.freeze({ fromBase64, fromText, fromBytes, sha256, Held });
// Reached from Python as the global `MailConnectorBytes` (loaded by index.html before the pane starts).
globalThis.MailConnectorBytes = api;
export default api;
