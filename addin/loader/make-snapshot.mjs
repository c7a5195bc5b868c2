// Build-time only (server/snapshot.py opens it in headless Chromium; it is not shipped): start Pyodide
// exactly as boot.mjs will restore it, install the wheels, import pydantic, httpx and every module of
// the mailconnector package, then send the memory snapshot and the files Python will need later
// (package and app sources, no extension modules) back to the build.
import { loadPyodide } from "%PYODIDE%/pyodide.mjs";
import createPyodideModule from "%PYODIDE%/pyodide.asm.mjs";
import { packFiles, PYDANTIC_CORE_SO, preloadingModuleFactory } from "./module.mjs";
import { tableIdentityProbe } from "./table-identity.mjs";

const params = new URLSearchParams(location.search);
const PACKAGES = params.get("packages").split(",");
const HOME = "/home/pyodide";
const SITE_PACKAGES = PYDANTIC_CORE_SO.slice(0, PYDANTIC_CORE_SO.indexOf("/site-packages/") + "/site-packages".length);

const IMPORTS = `
import gc, importlib, json, pkgutil, sys
import httpx, pydantic, pydantic_core
import mailconnector

failed = []
for info in pkgutil.walk_packages(mailconnector.__path__, "mailconnector."):
    try:
        importlib.import_module(info.name)
    except Exception as exc:  # reported to the build, which decides
        failed.append([info.name, f"{type(exc).__name__}: {exc}"])
gc.collect()
# Every module in the heap copy, for tests and diagnostics (mailconnector_snapshot.MODULES after a restore).
snapshot_marker = type(sys)("mailconnector_snapshot", "Present only in a Python restored from the build's snapshot.")
snapshot_marker.MODULES = frozenset(sys.modules) | {snapshot_marker.__name__}
sys.modules[snapshot_marker.__name__] = snapshot_marker
json.dumps({
    "python": sys.version.split()[0],
    "pydantic": pydantic.VERSION,
    "httpx": httpx.__version__,
    "pydantic_core_file": pydantic_core._pydantic_core.__file__,
    "modules": sorted(m for m in sys.modules if m == "mailconnector" or m.startswith("mailconnector.")),
    "failed": failed,
})
`;

// The standard-library modules PyScript's own `pyscript` package imports (html, base64, inspect, ...),
// imported before the snapshot. Pyodide's standard library is a zip of sources: a module first imported
// after the restore is compiled on every start, and PyScript imports its package on every start (measured:
// html.entities alone took ~100 ms to compile, bench/FAST-BOOT.md). Found by reading the package's sources
// out of core.js's `stdlib` export (the Python PyScript runs to write the package: one
// `_path.write_text("<source>")` per file), not by running them: the package holds PyScript's JS modules
// and cannot itself be in the snapshot. Modules of PyScript itself and MicroPython's are left out.
// tests/browser/test_fast_boot.py fails loudly when a restored start imports one of them from the zip.
const PYSCRIPT_DEPENDENCIES = `
import ast, importlib
writer = ast.parse(STDLIB)
trees = [writer]
for node in ast.walk(writer):
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "write_text"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        trees.append(ast.parse(node.args[0].value))
names = set()
for tree in trees:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
imported, skipped = [], []
for name in sorted(names):
    if name.partition(".")[0] in ("pyscript", "polyscript", "_pyscript"):
        continue
    try:
        importlib.import_module(name)
        imported.append(name)
    except ImportError:  # MicroPython's names (jsffi, uio)
        skipped.append(name)
{"sources": len(trees) - 1, "imported": imported, "skipped": skipped}
`;

async function importPyScriptDependencies(pyodide, stdlib) {
  const namespace = pyodide.toPy({ STDLIB: stdlib });
  try {
    const found = pyodide.runPython(PYSCRIPT_DEPENDENCIES, { globals: namespace });
    try {
      return found.toJs({ dict_converter: Object.fromEntries });
    } finally {
      found.destroy();
    }
  } finally {
    namespace.destroy();
  }
}

// PyScript's own `pyscript` package, compiled ahead. PyScript writes its sources into the working
// directory and imports them on every start, after the interpreter is restored (it cannot be in the
// snapshot: it holds PyScript's JS modules). Shipping CHECKED_HASH .pyc files next to where PyScript
// writes the sources saves compiling them: Python hashes the source it finds and uses the .pyc only if
// the hash matches, so a PyScript that writes other sources is compiled as before (and
// tests/browser/test_fast_boot.py fails loudly). `stdlib` is core.js's export of the Python code
// PyScript runs to write the package; its final `import pyscript` meets a placeholder here.
const PYSCRIPT_PYC = `
import os, py_compile, sys, types
os.chdir(HOME)
sys.modules["pyscript"] = types.ModuleType("pyscript")
try:
    exec(compile(STDLIB, "<pyscript stdlib>", "exec"), {})
finally:
    del sys.modules["pyscript"]
compiled = []
for root, _dirs, names in os.walk(os.path.join(HOME, "pyscript")):
    for name in sorted(names):
        if name.endswith(".py"):
            path = os.path.join(root, name)
            py_compile.compile(path, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
            os.remove(path)  # PyScript writes it again on every start
            compiled.append(os.path.relpath(path, HOME))
compiled
`;

async function compilePyScriptPackage(pyodide, stdlib) {
  const namespace = pyodide.toPy({ STDLIB: stdlib, HOME });
  try {
    return pyodide.runPython(PYSCRIPT_PYC, { globals: namespace }).toJs();
  } finally {
    namespace.destroy();
  }
}

// Byte code for the plain boot, the path every failure falls back to (and the only one where an engine
// cannot take the snapshot). It starts CPython and imports everything from source: Pyodide's standard
// library is a zip of sources, the wheels hold sources, and each module is compiled on import, on every
// start. Measured in WebKit (JavaScriptCore), cold: a bare loadPyodide() took 6.4 s with Pyodide's zip and
// 3.0 s with the same zip plus byte code (bench/FAST-BOOT.md). So, for every module this build imported
// (those the pane imports on any path): a copy of the standard-library zip with a CHECKED_HASH .pyc next to
// each such source (zipimport prefers `name.pyc`, checks it against the source's hash and compiles the
// source if they differ), and the .pyc files of the packages' and the app's modules, for their
// __pycache__ folders (same check). Taken after the snapshot: nothing of it is in the heap copy.
const PLAIN_BYTECODE = `
import io, os, py_compile, sys, tempfile, zipfile
CHECKED = py_compile.PycInvalidationMode.CHECKED_HASH
ZIP = next(p for p in sys.path if p.endswith(".zip"))
members, bytecode = set(), []
for name, module in sorted(sys.modules.items()):
    file = getattr(module, "__file__", None) or ""
    if not file.endswith(".py"):
        continue
    if file.startswith(ZIP + "/"):
        members.add(file[len(ZIP) + 1:])
    elif file.startswith((SITE_PACKAGES + "/", HOME + "/")):
        cfile = py_compile.compile(file, doraise=True, invalidation_mode=CHECKED)
        with open(cfile, "rb") as f:
            bytecode.append([cfile, f.read()])
work = tempfile.mkdtemp()
out = io.BytesIO()
with zipfile.ZipFile(ZIP) as zin, zipfile.ZipFile(out, "w") as zout:
    for info in zin.infolist():
        source = zin.read(info)
        zout.writestr(info, source)
        if info.filename in members:
            path = os.path.join(work, info.filename)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(source)
            # dfile: the name zipimport itself compiles the source under (tracebacks, co_filename)
            py_compile.compile(path, cfile=path + "c", dfile=f"{ZIP}/{info.filename}", doraise=True,
                               invalidation_mode=CHECKED)
            with open(path + "c", "rb") as f:
                zout.writestr(zipfile.ZipInfo(info.filename + "c", info.date_time), f.read())
STDLIB_ZIP = out.getvalue()
[len(members), [path for path, _ in bytecode]]
`;

async function plainBytecode(pyodide) {
  const namespace = pyodide.toPy({ SITE_PACKAGES, HOME });
  try {
    const found = pyodide.runPython(PLAIN_BYTECODE, { globals: namespace });
    const [stdlibModules, paths] = found.toJs();
    found.destroy();
    const bytecode = namespace.get("bytecode").toJs();
    const stdlib = namespace.get("STDLIB_ZIP").toJs();
    return { stdlibModules, paths, stdlib, bytecode: packFiles(bytecode) };
  } finally {
    namespace.destroy();
  }
}

function collectFiles(FS, root, out = []) {
  for (const name of FS.readdir(root)) {
    if (name === "." || name === "..") continue;
    // Byte code is left out, but for PyScript's package (compiled ahead on purpose, see above).
    if (name === "__pycache__" && root !== `${HOME}/pyscript`) continue;
    const path = `${root}/${name}`;
    const { mode } = FS.stat(path);
    if (FS.isDir(mode)) collectFiles(FS, path, out);
    else if (FS.isFile(mode) && !/\.(so|pyi)$/.test(name)) out.push([path, FS.readFile(path)]);
  }
  return out;
}

async function post(name, body) {
  const response = await fetch(`/__snapshot__/${name}`, { method: "POST", body });
  if (!response.ok) throw new Error(`upload of ${name} failed: HTTP ${response.status}`);
}

async function make() {
  // The wasm table layout the snapshot's slot numbers belong to: the pane restores only on this one.
  const engine = tableIdentityProbe();
  let table = null;
  const pyodide = await loadPyodide({
    indexURL: new URL("%PYODIDE%/", import.meta.url).href,
    _makeSnapshot: true,
    packages: [],
    createPyodideModule: preloadingModuleFactory(createPyodideModule, new URL(params.get("so"), location.href).href, {
      table: { correct: engine === "corrected", onLayout: (layout) => (table = layout) },
    }),
  });
  if (engine === "unsupported") throw new Error("this browser's wasm tables cannot be corrected (table-identity.mjs)");
  await pyodide.loadPackage(PACKAGES);
  const app = await fetch(params.get("app"));
  if (!app.ok) throw new Error(`app zip: HTTP ${app.status}`);
  // Where PyScript's `[files] "app.zip" = "./*"` puts it: the working directory, first on sys.path.
  pyodide.unpackArchive(await app.arrayBuffer(), "zip", { extractDir: HOME });
  const { stdlib } = await import(params.get("pyscript"));
  const pyscriptDependencies = await importPyScriptDependencies(pyodide, stdlib);
  const report = JSON.parse(pyodide.runPython(IMPORTS));
  report.pyscriptDependencies = pyscriptDependencies;
  report.loadedPackages = Object.keys(pyodide.loadedPackages).sort();
  report.table = { ...table, engine };

  // The snapshot refuses a non-empty package registry ("Unexpected hiwire entry at index 6").
  const loaded = { ...pyodide.loadedPackages };
  for (const name of Object.keys(loaded)) delete pyodide.loadedPackages[name];
  let snapshot;
  try {
    snapshot = pyodide.makeMemorySnapshot();
  } finally {
    Object.assign(pyodide.loadedPackages, loaded);
  }
  // After the snapshot: nothing of this is in the heap copy, only in the files bundle.
  try {
    report.pyscriptCompiled = await compilePyScriptPackage(pyodide, stdlib);
  } catch (error) {
    report.pyscriptCompiled = [];
    report.pyscriptCompileError = String(error?.stack ?? error);
  }
  const files = packFiles([...collectFiles(pyodide.FS, SITE_PACKAGES), ...collectFiles(pyodide.FS, HOME)]);
  report.snapshotBytes = snapshot.byteLength;
  report.filesBytes = files.byteLength;
  // After the files bundle was collected: the __pycache__ folders written here must not end up in it.
  try {
    const plain = await plainBytecode(pyodide);
    report.plainBytecode = { stdlibModules: plain.stdlibModules, files: plain.paths.length };
    await post("stdlib", plain.stdlib);
    await post("bytecode", plain.bytecode);
  } catch (error) {
    report.plainBytecodeError = String(error?.stack ?? error);
  }
  await post("snapshot", snapshot);
  await post("files", files);
  await post("report", JSON.stringify(report));
}

make().catch(async (error) => {
  await post("error", String(error?.stack ?? error)).catch(() => {});
});
