// Pyodide's Emscripten module with pydantic-core's extension linked in at start-up.
//
// A memory snapshot is a copy of the wasm heap only: extension modules are not in it. An extension
// loaded while Python runs gets its memory from malloc, i.e. wherever the heap happened to be. Loaded
// through Emscripten's `dynamicLibraries` instead, it is linked before Python starts, at the bottom
// of the heap and at the end of the function table: the same addresses in the run that takes the
// snapshot and in every run that restores it. Both runs MUST build their module with this function.
//
// Used by boot.mjs (every pane start) and make-snapshot.mjs (the build); no other module.
import { TableLayoutMismatch, tableIdentityFactory } from "./table-identity.mjs";

// Where pydantic-core's wheel puts its extension; Python's import later dlopen()s this exact path,
// which Emscripten finds already loaded by name.
export const PYDANTIC_CORE_SO =
  "/lib/python3.14/site-packages/pydantic_core/_pydantic_core.cpython-314-wasm32-emscripten.so";

/**
 * A `createPyodideModule` for `loadPyodide()` (a private Pyodide option).
 * @param {Function} createPyodideModule default export of pyodide.asm.mjs
 * @param {string} soURL where the bytes of PYDANTIC_CORE_SO are served
 * @param {object} [restore] only when restoring a snapshot:
 * @param {number} restore.heapBytes grow the wasm memory to the snapshot's heap size before Pyodide copies
 *   it in (Pyodide asks for INITIAL_MEMORY, which this build ignores)
 * @param {Promise<WebAssembly.Module>} [restore.compiled] pyodide.asm.wasm, compiled while the snapshot was
 *   downloading: Pyodide itself compiles only once the snapshot is there
 * @param {Promise<WebAssembly.Module>} [restore.compiledSo] pydantic-core's extension, compiled ahead too
 * @param {string} [restore.soStubURL] a wasm file holding only the extension's `dylink.0` section: what
 *   Emscripten reads to place the extension in memory; the instance comes from `compiledSo`
 * @param {object} [restore.table] the wasm function table (table-identity.mjs), in the build and the pane:
 * @param {boolean} restore.table.correct the engine needs the table-identity correction (probe: "corrected")
 * @param {object} [restore.table.expected] the layout the build recorded: any other fails the restore
 *   (TableLayoutMismatch) before the snapshot is copied in
 * @param {Function} [restore.table.onLayout] receives the layout (the build records it)
 */
export function preloadingModuleFactory(
  createPyodideModule,
  soURL,
  { heapBytes = 0, compiled = null, compiledSo = null, soStubURL = null, table = { correct: false } } = {},
) {
  const withTable = tableIdentityFactory(withoutStackSwitching(createPyodideModule), table);
  return async (settings) => {
    const locate = settings.locateFile;
    const extensionURL = compiledSo && soStubURL ? soStubURL : soURL;
    settings.dynamicLibraries = [PYDANTIC_CORE_SO];
    settings.locateFile = (name, prefix) => (name === PYDANTIC_CORE_SO ? extensionURL : locate(name, prefix));
    const { instantiate, instantiateStreaming } = WebAssembly;
    if (compiled && settings.instantiateWasm) {
      const pyodideInstantiate = settings.instantiateWasm;
      settings.instantiateWasm = (imports, receive) => {
        // Pyodide's instantiateWasm adds two imports of its own, then makes exactly one
        // instantiateStreaming call on its own fetch of the same file: answer that call with the module
        // compiled ahead (or, should that have failed, let the call through).
        WebAssembly.instantiateStreaming = async (response, finalImports) => {
          WebAssembly.instantiateStreaming = instantiateStreaming;
          let module;
          try {
            module = await compiled;
          } catch {
            return instantiateStreaming(response, finalImports);
          }
          Promise.resolve(response).then((r) => r.body?.cancel(), () => {});
          return { module, instance: await instantiate(module, finalImports) };
        };
        return pyodideInstantiate(imports, receive);
      };
    }
    if (extensionURL !== soURL) {
      // Emscripten instantiates the extension from the bytes it fetched (the stub): answer with the real
      // module compiled ahead, or compile the real bytes should that have failed.
      WebAssembly.instantiate = async (source, imports) => {
        if (!(source instanceof ArrayBuffer || ArrayBuffer.isView(source)) || source.byteLength > 64) {
          return instantiate(source, imports);
        }
        WebAssembly.instantiate = instantiate;
        let module;
        try {
          module = await compiledSo;
        } catch {
          module = await WebAssembly.compileStreaming(fetch(soURL));
        }
        return { module, instance: await instantiate(module, imports) };
      };
    }
    let module;
    try {
      module = await withTable(settings);
      performance.mark("mc:wasm-ready");
    } finally {
      Object.assign(WebAssembly, { instantiate, instantiateStreaming });
    }
    // The heap copy holds table slot numbers: it restores only on the very layout it was taken with.
    const layout = withTable.layout(module);
    table.onLayout?.(layout);
    if (table.expected && ["main", "length", "hash"].some((key) => layout[key] !== table.expected[key])) {
      throw new TableLayoutMismatch(table.expected, layout);
    }
    if (heapBytes > module.HEAP8.length && !module.growMemory(heapBytes)) {
      throw new Error(`could not grow wasm memory to ${heapBytes} bytes for the snapshot`);
    }
    return module;
  };
}

/**
 * pyodide.asm.mjs's module factory, made to create Pyodide without WebAssembly stack switching (JSPI) in
 * every engine: the mode WebKit and Firefox always run, and Chromium now too.
 *
 * Pyodide looks for JSPI once, synchronously, when its module is created (`"Suspending" in WebAssembly`,
 * pinned 314.0.7). With it (Chromium 137 and later, hence Edge and WebView2: new Outlook for Windows),
 * every turn of the asyncio event loop runs through `callPyObjectMaybePromising`: one more browser task
 * before the handle runs, then the handle on a stack of its own. The pane never suspends Python on a
 * promise (no `run_sync`), so it pays that for nothing: measured in this Chromium, 2,000
 * `await asyncio.sleep(0)` took 137 ms with JSPI and 73 ms without. And Pyodide's JSPI mode has open
 * crash reports in Chromium: importing heavy packages under `runPythonAsync` (pyodide#6106), long-running
 * pages (pyodide#5702); a pane open all day in Outlook must not be one of them.
 *
 * Hidden for the duration of the (synchronous) call only, then put back exactly as it was: the page and
 * office.js keep the engine they have. The build's snapshot run creates its module the same way, so the
 * snapshot freezes the same mode the pane restores it into.
 * @param {Function} createPyodideModule default export of pyodide.asm.mjs
 */
export function withoutStackSwitching(createPyodideModule) {
  return (settings) => {
    const hidden = [];
    try {
      for (const name of ["Suspending", "Suspender"]) {
        const descriptor = Object.getOwnPropertyDescriptor(WebAssembly, name);
        // A page that froze WebAssembly keeps its JSPI, and Pyodide uses it as before: never a failed start.
        if (descriptor && Reflect.deleteProperty(WebAssembly, name)) hidden.push([name, descriptor]);
      }
      return createPyodideModule(settings);
    } finally {
      for (const [name, descriptor] of hidden) Object.defineProperty(WebAssembly, name, descriptor);
    }
  };
}

// Layout of the snapshot's header (Pyodide 314.0.7, API.makeSnapshot): uint32 magic, uint32 offset
// of the heap copy. The heap is everything after that offset.
export function snapshotHeapBytes(snapshot) {
  const header = new Uint32Array(snapshot.buffer, snapshot.byteOffset, 2);
  return snapshot.byteLength - header[1];
}

// Snapshots travel without their all-zero pages ("MCS1", written by server/snapshot.py): magic, uint32
// header length, JSON header [total length, [[offset, length], ...] of the kept runs], then the runs.
// About 40% of the heap is zero pages; the rest is what the browser has to decompress and copy.
const SPARSE_MAGIC = 0x3153434d; // "MCS1" little-endian

export function inflateSnapshot(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== SPARSE_MAGIC) {
    throw new Error("not a Mail Connector snapshot");
  }
  const headerLength = view.getUint32(4, true);
  const [total, runs] = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const out = new Uint8Array(total);
  let offset = 8 + headerLength;
  for (const [start, length] of runs) {
    out.set(bytes.subarray(offset, offset + length), start);
    offset += length;
  }
  if (offset !== bytes.byteLength) {
    throw new Error("snapshot is truncated or has trailing bytes");
  }
  return out;
}

// Files bundle ("MCF1"): magic, uint32 header length, JSON header [[path, size], ...], then the file
// bytes in header order. One request, compressed on the wire by the server, written with FS.writeFile
// without any unzip code in JavaScript or Python.
const MAGIC = 0x3146434d; // "MCF1" little-endian

export function packFiles(entries) {
  const header = new TextEncoder().encode(JSON.stringify(entries.map(([path, data]) => [path, data.byteLength])));
  const total = 8 + header.byteLength + entries.reduce((n, [, data]) => n + data.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.byteLength, true);
  out.set(header, 8);
  let offset = 8 + header.byteLength;
  for (const [, data] of entries) {
    out.set(data, offset);
    offset += data.byteLength;
  }
  return out;
}

export function unpackFiles(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) {
    throw new Error("not a Mail Connector files bundle");
  }
  const headerLength = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  let offset = 8 + headerLength;
  return header.map(([path, size]) => {
    const data = bytes.subarray(offset, offset + size);
    offset += size;
    return [path, data];
  });
}

export function writeFiles(FS, entries) {
  const made = new Set(); // ~270 files in ~60 folders: each folder's path is walked once
  for (const [path, data] of entries) {
    const folder = path.slice(0, path.lastIndexOf("/"));
    if (!made.has(folder)) {
      FS.mkdirTree(folder);
      made.add(folder);
    }
    FS.writeFile(path, data, { canOwn: true });
  }
}
