// The pane's Python interpreter, as PyScript's `interpreter` module (pyscript.toml): Pyodide restored
// from the memory snapshot that `python -m server build` took after importing pydantic, httpx and the
// mailconnector package; a plain Pyodide boot (install the wheels, import on first use) when the build
// has no snapshot or restoring it fails. Either way PyScript gets a normal Pyodide API back and runs
// the page's <script type="py"> on it.
//
// PyScript's contract (@pyscript/core 0.7.31 / polyscript): it `import()`s this module, reads
// `version`, calls `loadPyodide({stdout, stderr, indexURL, packages?, lockFileContents?})` and expects a
// Pyodide API. `indexURL` is replaced by the runtime's folder; `packages` never comes (pyscript.toml has
// none: the snapshot holds them, the plain boot installs BUILD.packages itself). Nothing else of
// PyScript is used here, so the module also works on its own: `(await import(url)).loadPyodide()` gives
// the same interpreter to any page (bench/pages/own-loader.mjs does that, README "Without PyScript").
//
// The build renders this file: %PYODIDE% becomes the vendored runtime's folder and %BUILD% the JSON below
// (names relative to this module, in the same content-hashed folder, cached for a year like the runtime).
//
// Everything here leans on private Pyodide options (`_loadSnapshot`, `createPyodideModule`) of the
// pinned 314.0.7: a new Pyodide version must be re-checked (tests/browser/test_fast_boot.py does it),
// and any error on the way falls back to the plain boot. Where the wasm instance is created (and can be
// adjusted, e.g. for an engine's function-table layout) is one place: preloadingModuleFactory() in
// module.mjs, used for the restore and by the build's snapshot run; the plain boot is plainBoot() below.
// All three create Pyodide without WebAssembly stack switching (module.mjs, withoutStackSwitching).
import { loadPyodide as loadPlainPyodide, version } from "%PYODIDE%/pyodide.mjs";
import createPyodideModule from "%PYODIDE%/pyodide.asm.mjs";
import {
  inflateSnapshot,
  preloadingModuleFactory,
  snapshotHeapBytes,
  unpackFiles,
  withoutStackSwitching,
  writeFiles,
} from "./module.mjs";
import { TableLayoutMismatch, tableIdentityFactory, tableIdentityProbe } from "./table-identity.mjs";

/** @type {{snapshot: string|null, files: string, so: string, soStub: string, packages: string[], home: string,
 *          stdlib: string|null, bytecode: string|null, table: {main: number, length: number, hash: string}|null}} */
const BUILD = %BUILD%;
// Restoring takes well under a second once the bytes are here; a stuck restore must not stop the pane.
const RESTORE_TIMEOUT_MS = 15_000;

export { version };

const here = (name) => new URL(name, import.meta.url).href;
const indexURL = new URL("%PYODIDE%/", import.meta.url).href;

// `?mc-boot=plain` in the page URL skips the snapshot (benchmarks and tests of the fallback path),
// `?mc-boot=http` skips Cache Storage (benchmarks).
const bootParam = new URLSearchParams(globalThis.location?.search ?? "").get("mc-boot");
const plainRequested = bootParam === "plain";

// The snapshot holds wasm function-table slot numbers, valid only on the table layout the build recorded
// (BUILD.table, taken in Chromium). WebKit lays the table out differently unless corrected
// (table-identity.mjs); where the correction does not work, the snapshot is not even downloaded.
// `?mc-table=uncorrected` leaves WebKit's table uncorrected: tests and benchmarks of what happens then.
const probed = tableIdentityProbe();
const tableIdentity =
  probed === "corrected" && new URLSearchParams(globalThis.location?.search ?? "").get("mc-table") === "uncorrected"
    ? "uncorrected"
    : probed;
performance.mark(`mc:table-${tableIdentity}`);
const snapshotUsable = Boolean(BUILD.snapshot && BUILD.table) && tableIdentity !== "unsupported";
if (BUILD.snapshot && !snapshotUsable && !plainRequested) {
  performance.mark("mc:snapshot-skipped");
  console.warn(`Mail Connector: this engine's wasm tables cannot take the Python snapshot (${tableIdentity}).`);
}

// Decoded copies of the boot's big files in Cache Storage, one cache per build (the folder's hash).
// The HTTP cache keeps them brotli-compressed and decodes them on every start: measured here, reading the
// 28 MB snapshot took 270-460 ms from the HTTP cache and ~70 ms from Cache Storage, and compiling the
// wasm 150-220 ms against ~40 ms. Only a speed-up: any failure goes to the network (HTTP cache).
const CACHE = `mail-connector-boot/${new URL(".", import.meta.url).pathname.split("/").slice(-3, -2)[0]}`;
const cacheStorage =
  globalThis.caches && !bootParam ? caches.open(CACHE).catch(() => null) : Promise.resolve(null);
const toStore = [];

async function cachedFetch(url) {
  const cache = await cacheStorage;
  const hit = await cache?.match(url).catch(() => undefined);
  if (hit) {
    performance.mark(`mc:cache-hit:${url.split("/").pop()}`);
    return hit;
  }
  const response = await fetch(url);
  if (cache && response.ok) {
    toStore.push([url, response.clone()]);
  }
  return response;
}

async function fetchBytes(url) {
  const response = await cachedFetch(url);
  if (!response.ok) {
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

// After a good start: store what came from the network, drop the caches of earlier builds.
async function storeForNextStart() {
  const cache = await cacheStorage;
  if (!cache) return;
  for (const [url, response] of toStore.splice(0)) {
    await cache.put(url, response).catch(() => {});
  }
  for (const name of await caches.keys()) {
    if (name.startsWith("mail-connector-boot/") && name !== CACHE) await caches.delete(name);
  }
  performance.mark("mc:cache-stored");
}

// Started as soon as this module is evaluated. index.html also preloads these URLs, so on a first
// visit the bytes are already on their way; the wasm compiles while the snapshot downloads.
const files = fetchBytes(here(BUILD.files));
let snapshot = snapshotUsable && !plainRequested ? fetchBytes(here(BUILD.snapshot)) : null;
let compiled = snapshot ? WebAssembly.compileStreaming(cachedFetch(`${indexURL}pyodide.asm.wasm`)) : null;
let compiledSo = snapshot ? WebAssembly.compileStreaming(cachedFetch(here(BUILD.so))) : null;
for (const pending of [files, snapshot, compiled, compiledSo]) {
  pending?.catch(() => {}); // failures are handled where they are awaited
}

// Python run once the snapshot is restored, so that it matches a freshly started interpreter where the
// snapshot froze the build machine's state: random generators would replay the same sequence in every
// pane; the time zone and LANG are the headless build browser's; directory caches predate the files
// written back. Then the restore check. One run: each runPython parses and compiles its code first.
const AFTER_RESTORE = `
import _imp, importlib, os, random, time
import js
random.seed()
fresh_time = _imp.create_builtin(time.__spec__)
_imp.exec_builtin(fresh_time)
for name in ("timezone", "altzone", "daylight", "tzname"):
    setattr(time, name, getattr(fresh_time, name))
os.environ["LANG"] = js.navigator.language.replace("-", "_") + ".UTF-8"
importlib.invalidate_caches()

# Cheap proof that the restored heap and the freshly linked pydantic-core agree with each other.
import pydantic_core
assert pydantic_core.SchemaValidator({"type": "int"}).validate_python("7") == 7
`;

// Emscripten's C library reads the time zone once (tzset) and keeps it in static memory: the snapshot
// holds the build machine's. Refill those C globals from this browser; a fresh instance of the `time`
// module (Pyodide has no time.tzset) then computes time.timezone and time.tzname from them.
function rereadTimeZone(module) {
  const [std, dst] = [module.HEAPU32[module._tzname >>> 2], module.HEAPU32[(module._tzname >>> 2) + 1]];
  if (std && dst) {
    module.__tzset_js(module._timezone, module._daylight, std, dst);
  }
}

// In a namespace of its own: nothing of this shows in __main__.
function runIsolated(pyodide, code) {
  const namespace = pyodide.toPy({});
  try {
    pyodide.runPython(code, { globals: namespace });
  } finally {
    namespace.destroy();
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function restore(options) {
  const sparse = await snapshot;
  performance.mark("mc:snapshot-fetched");
  const bytes = inflateSnapshot(sparse);
  snapshot = null; // the heap copy is all that is needed from here on
  const factory = preloadingModuleFactory(createPyodideModule, here(BUILD.so), {
    heapBytes: snapshotHeapBytes(bytes),
    compiled,
    compiledSo,
    soStubURL: BUILD.soStub ? here(BUILD.soStub) : null,
    table: { correct: tableIdentity === "corrected", expected: BUILD.table },
  });
  compiled = compiledSo = null;
  const pyodide = await withTimeout(
    loadPlainPyodide({ ...options, indexURL, packages: [], _loadSnapshot: bytes, createPyodideModule: factory }),
    RESTORE_TIMEOUT_MS,
    "restoring the snapshot",
  );
  performance.mark("mc:heap-restored");
  // Pyodide keeps its options: without this, the 45 MB heap copy would stay alive next to the heap.
  delete pyodide._api.config._loadSnapshot;
  // Package and app sources back on disk, for imports that happen later (lazy submodules, data files).
  writeFiles(pyodide.FS, unpackFiles(await files));
  for (const name of BUILD.packages) {
    pyodide.loadedPackages[name] = "default channel";
  }
  rereadTimeZone(pyodide._module);
  runIsolated(pyodide, AFTER_RESTORE);
  return pyodide;
}

// The plain boot compiles every module it imports from source, on every start: Pyodide's standard library
// is a zip of sources and the wheels hold sources. The build adds byte code for the modules the pane
// imports (make-snapshot.mjs, PLAIN_BYTECODE): the standard-library zip with a checked .pyc next to each of
// them (given to Pyodide as its `stdLibURL`), and the packages' and the app's .pyc for their __pycache__
// folders. Python checks every .pyc against the hash of its source and compiles the source when they
// differ, so byte code can only be missing, never wrong. Measured in WebKit, cold: CPython up in 3.0 s
// instead of 6.4 s (bench/FAST-BOOT.md).
async function plainPython(options, factory, stdLibURL) {
  try {
    return await loadPlainPyodide({ ...options, indexURL, packages: [], createPyodideModule: factory, stdLibURL });
  } catch (error) {
    if (!stdLibURL) throw error;
    // e.g. the zip could not be fetched: Pyodide's own zip of sources, as without byte code
    console.warn("Mail Connector: starting Python with the build's byte code failed; without it.", error);
    performance.mark("mc:plain-stdlib-failed");
    return loadPlainPyodide({ ...options, indexURL, packages: [], createPyodideModule: factory });
  }
}

async function plainBoot(options) {
  // The same table as a restore would have (nothing here depends on it; one layout wherever the loader runs).
  const factory = tableIdentityFactory(withoutStackSwitching(createPyodideModule), {
    correct: tableIdentity === "corrected",
  });
  const bytecode = BUILD.bytecode
    ? fetch(here(BUILD.bytecode)).then((r) => (r.ok ? r.arrayBuffer() : null)).catch(() => null)
    : Promise.resolve(null);
  const pyodide = await plainPython(options, factory, BUILD.stdlib ? here(BUILD.stdlib) : undefined);
  performance.mark("mc:plain-python");
  await pyodide.loadPackage(BUILD.packages, { messageCallback: () => {} });
  performance.mark("mc:plain-packages");
  // Only the app: the packages were just installed from their wheels.
  writeFiles(pyodide.FS, unpackFiles(await files).filter(([path]) => path.startsWith(`${BUILD.home}/`)));
  const compiled = await bytecode;
  if (compiled) {
    try {
      writeFiles(pyodide.FS, unpackFiles(new Uint8Array(compiled)));
      performance.mark("mc:plain-bytecode");
    } catch (error) {
      console.warn("Mail Connector: the build's byte code was not usable; compiling from source.", error);
    }
  }
  return pyodide;
}

/** Same options as Pyodide's `loadPyodide` (`indexURL` and `packages` are this build's own). */
export async function loadPyodide(options = {}) {
  performance.mark("mc:interpreter-start");
  if (snapshot) {
    try {
      const pyodide = await restore(options);
      performance.mark("mc:snapshot-restored");
      setTimeout(storeForNextStart, 1000); // off the start's critical path
      return pyodide;
    } catch (error) {
      console.warn("Mail Connector: restoring the Python snapshot failed; starting Python the slow way.", error);
      snapshot = compiled = compiledSo = null;
      toStore.length = 0;
      if (error instanceof TableLayoutMismatch) {
        // Refused before the copy was used: it is not at fault, and the next start refuses it as quickly.
        performance.mark("mc:table-mismatch");
      } else {
        globalThis.caches?.delete(CACHE).catch(() => {}); // a bad copy must not fail the next start too
      }
    }
  }
  const pyodide = await plainBoot(options);
  performance.mark("mc:plain-boot");
  return pyodide;
}
