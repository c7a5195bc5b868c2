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
 * - The whole-file SHA-256 that `mcupload start` needs is computed while decoding, incrementally:
 *   `crypto.subtle.digest` only takes the whole file at once, which would hold a second full copy
 *   of a 100 MB attachment next to Office's base64 text.
 * - The decoded bytes go into Blobs (the browser keeps large ones outside the page's JS heap);
 *   chunks are Blob slices sent by `fetch` as multipart built by `FormData`.
 *
 * The object it returns is reached from Python through `mailconnector.crm.held` (the only user);
 * the text is read here from `container[key]`, so Python never converts it into a Python string.
 */

const SLICE_BYTES = 192 * 1024; // decoded per task (a multiple of 3): well under 1 ms to decode, ~1.5 ms to hash
const FOLD_PARTS = 32; // Blob parts gathered into one Blob at a time

// ---------------------------------------------------------------------------------- yielding

const channel = typeof MessageChannel === "function" ? new MessageChannel() : null;
const waiting = [];
if (channel) channel.port1.onmessage = () => waiting.shift()?.();

/** Lets the browser run other tasks (input, paint, fetch callbacks) before continuing. */
function yieldToBrowser() {
  if (globalThis.scheduler && typeof globalThis.scheduler.yield === "function") return globalThis.scheduler.yield();
  if (!channel) return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

// ---------------------------------------------------------------------------------- SHA-256

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** FIPS 180-4 SHA-256, fed piece by piece (the file never has to be in one buffer). */
export class Sha256 {
  constructor() {
    this.h = new Int32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    this.w = new Int32Array(64);
    this.tail = new Uint8Array(64);
    this.tailLength = 0;
    this.length = 0;
  }

  update(bytes) {
    let offset = 0;
    this.length += bytes.length;
    if (this.tailLength) {
      const take = Math.min(64 - this.tailLength, bytes.length);
      this.tail.set(bytes.subarray(0, take), this.tailLength);
      this.tailLength += take;
      offset = take;
      if (this.tailLength < 64) return this;
      this.blocks(this.tail, 0, 64);
      this.tailLength = 0;
    }
    const whole = (bytes.length - offset) & ~63;
    if (whole) this.blocks(bytes, offset, whole);
    offset += whole;
    if (offset < bytes.length) {
      this.tail.set(bytes.subarray(offset));
      this.tailLength = bytes.length - offset;
    }
    return this;
  }

  blocks(p, pos, len) {
    const w = this.w;
    const h = this.h;
    let h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4], h5 = h[5], h6 = h[6], h7 = h[7];
    while (len >= 64) {
      for (let i = 0; i < 16; i++) {
        const j = pos + i * 4;
        w[i] = (p[j] << 24) | (p[j + 1] << 16) | (p[j + 2] << 8) | p[j + 3];
      }
      for (let i = 16; i < 64; i++) {
        const x = w[i - 2];
        const y = w[i - 15];
        const s1 = ((x >>> 17) | (x << 15)) ^ ((x >>> 19) | (x << 13)) ^ (x >>> 10);
        const s0 = ((y >>> 7) | (y << 25)) ^ ((y >>> 18) | (y << 14)) ^ (y >>> 3);
        w[i] = (s1 + w[i - 7] + s0 + w[i - 16]) | 0;
      }
      let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, k = h7;
      for (let i = 0; i < 64; i++) {
        const sigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (k + sigma1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const sigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (sigma0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + k) | 0;
      pos += 64;
      len -= 64;
    }
    h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4; h[5] = h5; h[6] = h6; h[7] = h7;
  }

  /** The digest as lowercase hex; the object is used up. */
  hex() {
    const length = this.length;
    const pad = new Uint8Array(((this.tailLength + 9 + 63) & ~63) - this.tailLength);
    pad[0] = 0x80;
    const view = new DataView(pad.buffer);
    view.setUint32(pad.length - 8, Math.floor(length / 0x20000000)); // bits, high word
    view.setUint32(pad.length - 4, (length * 8) >>> 0); // bits, low word
    this.update(pad);
    return Array.from(this.h, (x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
  }
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

/** Collects decoded pieces into one Blob and hashes them on the way. */
class Sink {
  constructor() {
    this.hash = new Sha256();
    this.parts = [];
    this.pending = [];
  }

  add(bytes) {
    this.hash.update(bytes);
    this.pending.push(bytes.slice()); // a copy: the decoder reuses its buffer
    if (this.pending.length >= FOLD_PARTS) this.fold();
  }

  fold() {
    // The Blob takes the bytes over; the pieces can go (the page's heap stays small).
    if (this.pending.length) this.parts.push(new Blob(this.pending));
    this.pending = [];
  }

  done() {
    this.fold();
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
  const sink = new Sink();
  const buffer = new Uint8Array(SLICE_BYTES + 3);
  const sliceChars = (SLICE_BYTES / 3) * 4;
  if (nativeBase64 && !options.portable) {
    let position = 0;
    while (position < text.length) {
      const end = Math.min(text.length, position + sliceChars);
      // Whitespace is skipped; a group of four characters cut by the slice waits for the next one.
      const { read, written } = buffer.setFromBase64(text.slice(position, end), {
        lastChunkHandling: end === text.length ? "loose" : "stop-before-partial",
      });
      if (read === 0) throw new SyntaxError("The content is not base64 (it ends in the middle of a group).");
      if (written) sink.add(buffer.subarray(0, written));
      position += read;
      await yieldToBrowser();
    }
  } else {
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
  const sink = new Sink();
  const encoder = new TextEncoder();
  const step = SLICE_BYTES / 4; // characters per task
  for (let position = 0; position < text.length; ) {
    let end = Math.min(text.length, position + step);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end -= 1; // never split a surrogate pair
    sink.add(encoder.encode(text.slice(position, end)));
    position = end;
    await yieldToBrowser();
  }
  return sink.done();
}

/** Bytes already in a typed array or ArrayBuffer (tests; a dropped .eml file). */
export async function fromBytes(bytes) {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sink = new Sink();
  for (let position = 0; position < view.length; position += SLICE_BYTES) {
    sink.add(view.subarray(position, position + SLICE_BYTES));
    await yieldToBrowser();
  }
  return sink.done();
}

const api = Object.freeze({ fromBase64, fromText, fromBytes, Sha256, Held });
// Reached from Python as the global `MailConnectorBytes` (loaded by index.html before the pane starts).
globalThis.MailConnectorBytes = api;
export default api;
