// One wasm function-table layout in every engine, so that the one memory snapshot the build takes in
// Chromium restores in WebKit too (Safari, and WKWebView: Outlook for Mac).
//
// Why: the WebAssembly JS API says `table.get(i)` returns the very function object `instance.exports`
// holds for an exported function (WebAssembly/design#907). V8 and SpiderMonkey do; JavaScriptCore
// (WebKitGTK 2.50) returns a function object of the table's own: the same on every call, named like the
// export, but not the export. Emscripten's `addFunction` dedups through a WeakMap keyed by `table.get()`
// results (emscripten-core/emscripten#10741), so in WebKit it does not find the main
// module's exports already in the table and appends a duplicate slot for each function its dynamic linker
// registers at start-up (`updateGOT`): 972 slots with Pyodide 314.0.7. Every slot added after that
// (CPython's call trampoline, pydantic-core's table base, function pointers stored in the heap) gets
// another number than in Chromium, and the snapshot, a raw heap copy, carries Chromium's numbers: the
// restore ends in "call_indirect to a signature that does not match".
//
// The correction: on the main instance's table object only, `get(i)` answers, for the slots the main
// module's own element segments filled (below the table's initial length), with the exported function of
// the same name. Then Emscripten finds its exports, adds nothing, and the layout equals Chromium's.
//
// Private behaviour relied upon (a change shows as a different table layout, which boot.mjs compares with
// the one the build recorded before restoring anything; tests/unit/test_table_identity_contract.py and
// tests/webkit/ fail on it):
//  - JavaScriptCore names a wasm function object after its function index (the JS API's `name`,
//    ToString(funcidx)), for `table.get()` results and exports alike: what the probe below checks;
//  - Emscripten (Pyodide 314.0.7's pyodide.asm.mjs) reads the table only through `wasmTable.get` (its
//    getWasmTableEntry/updateTableMap), the table is the main module's export `__indirect_function_table`,
//    and Pyodide's `instantiateWasm` hands the main instance to the `receive` callback before Emscripten's
//    `updateGOT` runs.
// In V8 nothing is installed: the probe finds the identity there.

// (module (type (func)) (func $f) (table 1 funcref) (elem (i32.const 0) $f)
//         (export "f" (func $f)) (export "t" (table 0)))
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
  0x03, 0x02, 0x01, 0x00, // function section: function 0 has type 0
  0x04, 0x04, 0x01, 0x70, 0x00, 0x01, // table section: funcref, at least 1
  0x07, 0x09, 0x02, 0x01, 0x66, 0x00, 0x00, 0x01, 0x74, 0x01, 0x00, // exports "f" (func 0), "t" (table 0)
  0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, // element segment: table 0 at 0 = [func 0]
  0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code section: an empty body
]);

/**
 * How this engine's tables behave, tried on a one-function module (well under a millisecond).
 * @returns {"native"|"corrected"|"unsupported"} native: `table.get` returns the export, nothing to do
 *   (V8, SpiderMonkey); corrected: it does not, and the correction makes it (JavaScriptCore);
 *   unsupported: the correction does not work here, so no snapshot can be restored in this engine
 */
export function tableIdentityProbe() {
  try {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(PROBE));
    if (exports.t.get(0) === exports.f) return "native";
    correctTable(exports.t, exports);
    return exports.t.get(0) === exports.f ? "corrected" : "unsupported";
  } catch {
    return "unsupported";
  }
}

/** `table.get(i)` gives the export named like the engine's answer, for i below the current length. */
function correctTable(table, exports) {
  const own = table.length;
  const byName = new Map();
  for (const value of Object.values(exports)) {
    if (typeof value === "function") byName.set(value.name, value);
  }
  const nativeGet = WebAssembly.Table.prototype.get;
  // An own property of this one table object: the prototype and every other table are left alone.
  Object.defineProperty(table, "get", {
    configurable: true,
    writable: true,
    value(index) {
      const found = nativeGet.call(this, index);
      return found && index < own ? (byName.get(found.name) ?? found) : found;
    },
  });
}

/**
 * Wrap pyodide.asm.mjs's module factory: the correction goes on the main instance's table as soon as it
 * exists (when `correct`), and `layout()` describes the table once the factory's promise has resolved.
 * @param {Function} createPyodideModule the factory (or another wrapper of it, see module.mjs)
 * @param {{correct: boolean}} options `correct`: the probe said "corrected"
 */
export function tableIdentityFactory(createPyodideModule, { correct }) {
  let mainSlots = 0;
  const factory = (settings) => {
    const pyodideInstantiate = settings.instantiateWasm;
    settings.instantiateWasm = (imports, receive) =>
      pyodideInstantiate(imports, (instance, module) => {
        const table = instance.exports.__indirect_function_table;
        mainSlots = table.length;
        if (correct) correctTable(table, instance.exports);
        return receive(instance, module);
      });
    return createPyodideModule(settings);
  };
  factory.layout = (module) => tableLayout(module.wasmTable, mainSlots);
  return factory;
}

/**
 * The table's layout after start-up, as the build records it and the pane compares it: the main module's
 * own slots, the length, and a hash (FNV-1a) of the function names of every later slot (side modules,
 * functions added at start-up). Names that are not function indices are JavaScript functions Emscripten
 * wrapped: V8 names those after the wrapper's index ("0"), JavaScriptCore keeps the JS function's own name;
 * both count as "0". Measured: ~7,000 slots, a few milliseconds.
 */
export function tableLayout(table, mainSlots) {
  let hash = 0x811c9dc5;
  for (let i = mainSlots; i < table.length; i++) {
    const name = table.get(i)?.name;
    const canonical = `${name === undefined ? "" : /^\d+$/.test(name) ? name : "0"},`;
    for (let k = 0; k < canonical.length; k++) {
      hash = Math.imul(hash ^ canonical.charCodeAt(k), 0x01000193) >>> 0;
    }
  }
  return { main: mainSlots, length: table.length, hash: hash.toString(16).padStart(8, "0") };
}

/** The restore was refused before the snapshot was touched: the copy is not at fault (keep it cached). */
export class TableLayoutMismatch extends Error {
  constructor(recorded, found) {
    super(`wasm function table differs from the build's (build ${JSON.stringify(recorded)}, here ${JSON.stringify(found)})`);
    this.name = "TableLayoutMismatch";
  }
}
