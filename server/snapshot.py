"""Fast boot: the pane's interpreter loader and the Pyodide memory snapshot it restores.

`add_fast_boot()` is called by the build. It writes one folder named by the hash of its content,

    runtime/<hash>/boot/
      boot.mjs, module.mjs    the interpreter loader: PyScript's `interpreter` module (pyscript.toml)
      table-identity.mjs      one wasm function-table layout in every engine (WebKit's differs uncorrected)
      snapshot.bin            wasm heap after importing pydantic, httpx and every mailconnector module
                              (all-zero pages left out, see module.mjs)
      files.bin               the package and app sources Python reads after the restore, and PyScript's
                              own `pyscript` package compiled ahead (CHECKED_HASH .pyc, make-snapshot.mjs)
      pydantic_core.wasm      pydantic-core's extension, linked at start-up (addin/loader/module.mjs)
      stdlib.zip, bytecode.bin  byte code for the plain boot only: Pyodide's standard-library zip with
                              .pyc files added, and the packages' and app's .pyc (make-snapshot.mjs)

and PyScript's `interpreter` is boot.mjs (server/build.py inlines the config in the page). The snapshot is
taken in headless Chromium (the same Pyodide as the pane, 20-40 s), once per set of inputs: it is
cached in .vendor/snapshots/ under a hash of everything that goes into it (runtime files, wheels, the
app package, the loader code). Without Chromium or Playwright, or if taking it fails, the build goes
on without a snapshot and boot.mjs boots Python the plain way; `MC_SNAPSHOT=0` asks for that.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import brotli

from server import vendor
from server.chromium import CHROMIUM, CHROMIUM_ARGS

log = logging.getLogger("mailconnector.snapshot")

ROOT = Path(__file__).resolve().parents[1]
LOADER = ROOT / "addin" / "loader"
CACHE = vendor.VENDOR_DIR / "snapshots"
PACKAGES = ("pydantic", "httpx")  # what the pane imports; their dependencies come from the lock
HOME = "/home/pyodide"  # Pyodide's working directory, where PyScript unpacks the app
SO_NAME = "pydantic_core.wasm"  # served as wasm: compressed and typed like the runtime's own
TABLE_JS = "table-identity.mjs"  # imported by module.mjs and boot.mjs; not rendered
SO_STUB_NAME = "pydantic_core.dylink.wasm"  # its dylink.0 section alone (see module.mjs)
# Bump when the snapshot recipe changes in a way the hashed inputs below do not show.
RECIPE_VERSION = "3"
MAKE_TIMEOUT_S = 240
KEEP_SNAPSHOTS = 4  # cached snapshots kept in .vendor/snapshots (newest first)
# Byte code the plain boot uses (make-snapshot.mjs, PLAIN_BYTECODE): file name -> the maker page's upload.
PLAIN_BYTECODE = {"stdlib.zip": "stdlib", "bytecode.bin": "bytecode"}


class SnapshotError(Exception):
    """Taking the snapshot failed; the message says where (the build continues without one)."""


SPARSE_MAGIC = 0x3153434D  # "MCS1"
PAGE_SIZE = 4096  # granularity at which all-zero runs are left out of the snapshot


@dataclass
class FastBoot:
    folder: str  # e.g. "runtime/0a1b2c3d4e5f/boot"
    pyscript_core: str  # PyScript's core.js, relative to the site root: what the page starts
    interpreter: str  # boot.mjs, relative to the site root: PyScript's `interpreter`
    snapshot: bool
    modules: list[str] = field(default_factory=list)  # the start's module graph, PyScript's and the loader's
    fetches: list[str] = field(default_factory=list)  # what the loader and Pyodide fetch()

    def preload_links(self) -> str:
        """Tags for index.html's <head>: every byte of the boot starts downloading (or being read from
        the cache) with the HTML instead of one module after the other. `crossorigin` makes the
        preloads match fetch()'s CORS mode, so that fetch() takes them over; low priority lets the
        stylesheet and the head's scripts through first, so the frame still paints at once (measured:
        first paint 740 → 250 ms cold, 290 → 140 ms warm, time to ready unchanged)."""
        low = 'fetchpriority="low"'
        tags = [f'<link rel="modulepreload" {low} href="./{rel}">' for rel in self.modules]
        tags += [f'<link rel="preload" as="fetch" crossorigin {low} href="./{rel}">' for rel in self.fetches]
        return "\n  ".join(tags)


def _sha256(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _pydantic_core_so() -> bytes:
    wheel = next(vendor.RUNTIME.glob("pyodide/pydantic_core-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".so"))
        return zf.read(name)


def dylink_stub(so: bytes) -> bytes:
    """A wasm file with only the extension's first section, `dylink.0` (memory and table sizes, needed
    libraries): all Emscripten reads from the bytes it fetches when the module itself is compiled ahead."""
    size, offset = 0, 9
    for shift in range(0, 35, 7):
        byte = so[offset]
        offset += 1
        size |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
    name_length = so[offset]
    if so[:8] != b"\0asm\x01\0\0\0" or so[8] != 0 or so[offset + 1 : offset + 1 + name_length] != b"dylink.0":
        raise SnapshotError("pydantic-core's extension does not start with a dylink.0 section")
    return so[: offset + size]


def _render(name: str, pyodide_rel: str, build: dict[str, Any] | None = None) -> bytes:
    text = (LOADER / name).read_text().replace("%PYODIDE%", pyodide_rel)
    if build is not None:
        text = text.replace("%BUILD%", json.dumps(build, sort_keys=True))
    return text.encode()


def sparse_snapshot(snapshot: bytes) -> bytes:
    """Pyodide's snapshot without its all-zero pages, in the "MCS1" layout inflateSnapshot() reads."""
    zero = bytes(PAGE_SIZE)
    runs: list[list[int]] = []
    kept: list[bytes] = []
    for start in range(0, len(snapshot), PAGE_SIZE):
        page = snapshot[start : start + PAGE_SIZE]
        if page == zero[: len(page)]:
            continue
        if runs and runs[-1][0] + runs[-1][1] == start:
            runs[-1][1] += len(page)
        else:
            runs.append([start, len(page)])
        kept.append(page)
    header = json.dumps([len(snapshot), runs], separators=(",", ":")).encode()
    return SPARSE_MAGIC.to_bytes(4, "little") + len(header).to_bytes(4, "little") + header + b"".join(kept)


def _compressed_siblings(path: Path, data: bytes) -> None:
    """`.br` and `.gz` next to a big binary (the build's own precompression skips .bin files)."""
    import gzip

    path.with_name(path.name + ".br").write_bytes(brotli.compress(data, quality=9, lgwin=24))
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, 6, mtime=0))


class _Collector(http.server.SimpleHTTPRequestHandler):
    """Serves the staging folder to the snapshot page and takes its uploads."""

    results: dict[str, bytes]
    done: threading.Event

    def do_POST(self) -> None:
        name = self.path.removeprefix("/__snapshot__/")
        length = int(self.headers.get("Content-Length", "0"))
        self.results[name] = self.rfile.read(length)
        self.send_response(204)
        self.end_headers()
        if name in ("report", "error"):
            self.done.set()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _take_snapshot(site: Path, maker_url: str) -> dict[str, bytes]:
    """Run the maker page in its own process: Playwright's sync API cannot run inside a caller that
    already drives a browser from the same thread (the test suite's fixtures build the add-in)."""
    with tempfile.TemporaryDirectory(prefix="mc-snapshot-") as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "server.snapshot", str(site), maker_url, tmp],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=MAKE_TIMEOUT_S + 60,
            check=False,
        )
        if proc.returncode != 0:
            raise SnapshotError((proc.stderr or proc.stdout).strip()[-3000:])
        return {path.name: path.read_bytes() for path in Path(tmp).iterdir()}


def _run_maker_page(site: Path, maker_url: str) -> dict[str, bytes]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise SnapshotError(f"Playwright is not installed ({exc})") from exc
    if not Path(CHROMIUM).exists():
        raise SnapshotError(f"{CHROMIUM} not found")
    results: dict[str, bytes] = {}
    done = threading.Event()
    mime = {**_Collector.extensions_map, ".mjs": "text/javascript", ".wasm": "application/wasm"}
    handler = type("Handler", (_Collector,), {"results": results, "done": done, "extensions_map": mime})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    console: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page()
                page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
                page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/{maker_url}")
                deadline = time.monotonic() + MAKE_TIMEOUT_S
                while not done.is_set() and time.monotonic() < deadline:
                    page.wait_for_timeout(200)  # keeps Playwright's event loop turning
            finally:
                browser.close()
    finally:
        server.shutdown()
        thread.join()
    if "error" in results:
        raise SnapshotError("snapshot page failed:\n" + results["error"].decode(errors="replace"))
    if "report" not in results:
        raise SnapshotError(f"no snapshot after {MAKE_TIMEOUT_S} s; console:\n" + "\n".join(console[-20:]))
    return results


def main(argv: list[str]) -> int:
    """`python -m server.snapshot <site folder> <maker page URL path> <output folder>` (used by the build)."""
    site, maker_url, out = Path(argv[0]), argv[1], Path(argv[2])
    try:
        results = _run_maker_page(site, maker_url)
    except SnapshotError as exc:
        print(exc, file=sys.stderr)
        return 1
    for name, data in results.items():
        (out / name).write_bytes(data)
    return 0


def add_fast_boot(out: Path, runtime_prefix: str, app_rel: str, files: list[str]) -> FastBoot:
    """Write runtime/<hash>/boot/ into the build folder `out` (appending to `files`); see module doc."""
    pyodide_rel = f"../../{runtime_prefix.removeprefix('runtime/')}/pyodide"
    app = (out / app_rel).read_bytes()
    so = _pydantic_core_so()
    module_js = _render("module.mjs", pyodide_rel)
    maker_js = _render("make-snapshot.mjs", pyodide_rel)
    table_js = (LOADER / TABLE_JS).read_bytes()
    key = _sha256(
        RECIPE_VERSION.encode(),
        runtime_prefix.encode(),
        app,
        so,
        module_js,
        maker_js,
        table_js,
        ",".join(PACKAGES).encode(),
    )[:16]
    cached = CACHE / key
    wanted = os.environ.get("MC_SNAPSHOT", "1") != "0"
    snapshot_made = wanted and (cached / "report.json").exists()
    if wanted and not snapshot_made:
        snapshot_made = _make_cached(out, runtime_prefix, app_rel, so, module_js, maker_js, table_js, cached)
    report = json.loads((cached / "report.json").read_text()) if snapshot_made else {}

    plain_bytecode = snapshot_made and all((cached / name).exists() for name in PLAIN_BYTECODE)
    build: dict[str, Any] = {
        "snapshot": "snapshot.bin" if snapshot_made else None,
        # The plain boot's byte code (absent: it compiles everything from source, as Pyodide does).
        "stdlib": "stdlib.zip" if plain_bytecode else None,
        "bytecode": "bytecode.bin" if plain_bytecode else None,
        "files": "files.bin",
        "so": SO_NAME,
        "soStub": SO_STUB_NAME,
        "packages": sorted(report["loadedPackages"]) if snapshot_made else list(PACKAGES),
        "home": HOME,
        # The function-table layout the snapshot's slot numbers belong to (table-identity.mjs): the pane
        # restores only on this one. A snapshot cached before it was recorded has none: never restored.
        "table": {k: report["table"][k] for k in ("main", "length", "hash")} if "table" in report else None,
    }
    boot_js = _render("boot.mjs", pyodide_rel, build)
    contents: dict[str, bytes] = {
        "boot.mjs": boot_js,
        "module.mjs": module_js,
        TABLE_JS: table_js,
        SO_NAME: so,
        SO_STUB_NAME: dylink_stub(so),
    }
    if snapshot_made:
        contents["snapshot.bin"] = (cached / "snapshot.bin").read_bytes()
        contents["files.bin"] = (cached / "files.bin").read_bytes()
    else:
        contents["files.bin"] = _app_only_bundle(app)
    if plain_bytecode:
        for name in PLAIN_BYTECODE:
            contents[name] = (cached / name).read_bytes()
    digest = _sha256(*(name.encode() + b"\0" + data for name, data in sorted(contents.items())))
    folder = f"runtime/{digest[:12]}/boot"
    dest = out / folder
    dest.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        (dest / name).write_bytes(data)
        files.append(f"{folder}/{name}")
    if snapshot_made:
        for name in ("snapshot.bin", "files.bin", *(PLAIN_BYTECODE if plain_bytecode else ())):
            for ext in (".br", ".gz"):
                shutil.copyfile(cached / (name + ext), dest / (name + ext))
    pyodide = f"{runtime_prefix}/pyodide"
    pyscript = f"{runtime_prefix}/pyscript"
    return FastBoot(
        folder=folder,
        pyscript_core=f"{pyscript}/core.js",
        interpreter=f"{folder}/boot.mjs",
        snapshot=snapshot_made,
        # core.js is a one-line re-export of its chunk; the loader is imported by PyScript only once its
        # config is read: preloading both lets them download and compile while the page parses.
        modules=[
            f"{pyscript}/core.js",
            *sorted(f"{pyscript}/{p.name}" for p in (out / pyscript).glob("core-*.js")),
            f"{folder}/boot.mjs",
            f"{folder}/module.mjs",
            f"{folder}/{TABLE_JS}",
            f"{pyodide}/pyodide.asm.mjs",
        ],
        # Not the files boot.mjs reads from Cache Storage (snapshot, sources, both wasm modules): on every
        # start but the first, a preload would decode them from the HTTP cache for nothing.
        fetches=[f"{pyodide}/{n}" for n in ("python_stdlib.zip", "pyodide-lock.json")],
    )


def _make_cached(
    out: Path,
    runtime_prefix: str,
    app_rel: str,
    so: bytes,
    module_js: bytes,
    maker_js: bytes,
    table_js: bytes,
    cached: Path,
) -> bool:
    # The maker page lives where boot.mjs will, so that the same relative runtime path resolves.
    work = out / "runtime" / "__snapshot__" / "boot"
    work.mkdir(parents=True)
    try:
        (work / "module.mjs").write_bytes(module_js)
        (work / "make-snapshot.mjs").write_bytes(maker_js)
        (work / TABLE_JS).write_bytes(table_js)
        (work / SO_NAME).write_bytes(so)
        (work / "index.html").write_text(
            '<!doctype html><meta charset="utf-8"><script type="module" src="make-snapshot.mjs"></script>\n'
        )
        core = f"/{runtime_prefix}/pyscript/core.js"  # its `stdlib` export: PyScript's package, compiled ahead
        query = f"packages={','.join(PACKAGES)}&so={SO_NAME}&app=/{app_rel}&pyscript={core}"
        t0 = time.monotonic()
        try:
            results = _take_snapshot(out, f"runtime/__snapshot__/boot/index.html?{query}")
        except SnapshotError as exc:
            log.warning("build: no memory snapshot, the pane will boot Python the plain way: %s", exc)
            print(f"build: warning: no memory snapshot ({exc})")
            return False
        report = json.loads(results["report"])
        if not report.get("pyscriptCompiled"):
            log.warning("snapshot: PyScript's package was not compiled ahead: %s", report.get("pyscriptCompileError"))
            print("build: warning: PyScript's package not compiled ahead (the pane compiles it on every start)")
        deps = report.get("pyscriptDependencies") or {}
        if not deps.get("sources"):
            log.warning("snapshot: PyScript's package sources not found in its stdlib export: %s", deps)
            print("build: warning: PyScript's standard-library imports not pre-imported (compiled on every start)")
        if report["failed"]:
            log.warning("snapshot: modules that did not import in the browser: %s", report["failed"])
        staging = cached.with_name(cached.name + f".tmp{os.getpid()}")
        staging.mkdir(parents=True, exist_ok=True)
        for name in ("snapshot.bin", "files.bin"):
            data = results[name.removesuffix(".bin")]
            if name == "snapshot.bin":
                data = sparse_snapshot(data)
            (staging / name).write_bytes(data)
            _compressed_siblings(staging / name, data)
        if "stdlib" in results and "bytecode" in results:
            for name, key in PLAIN_BYTECODE.items():
                (staging / name).write_bytes(results[key])
                _compressed_siblings(staging / name, results[key])
        else:
            log.warning("snapshot: no byte code for the plain boot: %s", report.get("plainBytecodeError"))
            print("build: warning: no byte code for the plain boot (it compiles every module from source)")
        (staging / "report.json").write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
        shutil.rmtree(cached, ignore_errors=True)
        staging.rename(cached)
        _prune_cache(keep=cached)
        print(
            f"build: memory snapshot taken in {time.monotonic() - t0:.0f} s "
            f"({report['snapshotBytes'] / 1e6:.1f} MB, {len(report['modules'])} app modules)"
        )
        return True
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)


def _prune_cache(keep: Path, entries: int = KEEP_SNAPSHOTS) -> None:
    """Every change of the app makes a new snapshot (~50 MB with its compressed copies): keep a few."""
    done = sorted((p for p in CACHE.iterdir() if (p / "report.json").exists()), key=lambda p: p.stat().st_mtime)
    for old in [p for p in done if p != keep][: max(0, len(done) - entries)]:
        shutil.rmtree(old, ignore_errors=True)


def _app_only_bundle(app_zip: bytes) -> bytes:
    """The files bundle boot.mjs reads on a plain boot: the app package, in the MCF1 layout."""
    import io

    entries: list[tuple[str, bytes]] = []
    with zipfile.ZipFile(io.BytesIO(app_zip)) as zf:
        for name in sorted(zf.namelist()):
            if not name.endswith("/"):
                entries.append((f"{HOME}/{name}", zf.read(name)))
    header = json.dumps([[path, len(data)] for path, data in entries]).encode()
    magic = 0x3146434D
    return magic.to_bytes(4, "little") + len(header).to_bytes(4, "little") + header + b"".join(d for _, d in entries)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
