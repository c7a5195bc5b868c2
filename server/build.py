"""Build the add-in into a self-contained static folder that any web host can serve.

    dist/
      index.html                       entry (not hashed: served `no-cache`), PyScript config inlined
      static/<name>.<hash>.<ext>       the pane's own JS/CSS
      app/mailconnector.<hash>.zip     the Python package (the snapshot's input; see server/snapshot.py)
      runtime/<hash>/pyscript|pyodide  vendored runtime, directory named by the hash of its content
      runtime/<hash>/boot/             PyScript's `interpreter`: the snapshot loader (server/snapshot.py)
      assets/, support.html, manifest.xml   fixed names (the manifest points at them)
      dev/                             only with --dev: simulated Office host and sample mails

Every hashed file is immutable (cached for a year); compressible files get `.gz` and `.br`
siblings so that servers can send them precompressed (brotli at quality 11 is slow, so compressed
outputs are cached in .vendor/compressed by content hash).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import io
import json
import os
import re
import shutil
import sys
import time
import tomllib
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import brotli

from server import site_config, snapshot, vendor

ROOT = Path(__file__).resolve().parents[1]
ADDIN = ROOT / "addin"
DIST = ROOT / "dist"
COMPRESSED_CACHE = vendor.VENDOR_DIR / "compressed"
OFFICE_JS_CDN = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"
COMPRESSIBLE = {".js", ".mjs", ".wasm", ".json", ".css", ".html", ".py", ".toml", ".xml", ".svg", ".txt", ".eml"}
HASH_LEN = 12
# Files of the pane shell that get content-hashed names and are referenced from index.html.
SHELL_FILES = ("boot.js", "bytes.mjs", "office-ready.js", "page.mjs", "styles/pane.css")
# Dev-build pages that run the pane's runtime; at the root so that the config's relative paths hold.
DEV_PAGES_AT_ROOT = ("test-harness.html",)


def short_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_LEN]


def hashed_name(rel: str, data: bytes) -> str:
    stem, dot, ext = rel.rpartition(".")
    return f"{stem}.{short_hash(data)}{dot}{ext}"


@dataclass
class BuildResult:
    out: Path
    runtime_prefix: str  # e.g. "runtime/3f2a…"
    files: list[str] = field(default_factory=list)


def _write(out: Path, rel: str, data: bytes, result: BuildResult) -> None:
    path = out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    result.files.append(rel)


def _copy_tree(src: Path, out: Path, prefix: str, result: BuildResult, skip: Iterable[str] = ()) -> None:
    skipped = set(skip)
    for path in sorted(src.rglob("*")):
        if not path.is_file() or path.name in skipped or "__pycache__" in path.parts:
            continue
        rel = f"{prefix}/{path.relative_to(src).as_posix()}"
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        result.files.append(rel)


def package_zip() -> bytes:
    """The pane's Python package as a deterministic zip (stable bytes → stable hash)."""
    buf = io.BytesIO()
    pkg = ADDIN / "mailconnector"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(pkg.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            info = zipfile.ZipInfo(path.relative_to(ADDIN).as_posix(), date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    return buf.getvalue()


def runtime_hash() -> str:
    """Hash over every runtime file's path and bytes: a new runtime gets a new directory name."""
    h = hashlib.sha256()
    for path in sorted(vendor.RUNTIME.rglob("*")):
        if path.is_file() and path.name != ".stamp":
            h.update(path.relative_to(vendor.RUNTIME).as_posix().encode())
            h.update(vendor.sha256_file(path).encode())
    return h.hexdigest()[:HASH_LEN]


def pyscript_config(interpreter: str) -> dict[str, object]:
    """The committed pyscript.toml, its `interpreter` pointed at the build's loader (`interpreter` is the
    loader module's path relative to the site root)."""
    config = tomllib.loads((ROOT / "pyscript.toml").read_text())
    # PyScript would install packages and unpack files itself: the loader has them (pyscript.toml says why).
    stray = {"packages", "files", "fetch"} & config.keys()
    if stray:
        raise ValueError(f"pyscript.toml: {sorted(stray)} belong to the loader, not to PyScript's config")
    config["interpreter"] = "./" + interpreter
    return config


def inline_config(config: dict[str, object]) -> str:
    """The config as the value of a double-quoted HTML attribute: JSON, which PyScript parses when the
    attribute starts with `{` (no request, no TOML parser chunk)."""
    return html.escape(json.dumps(config, separators=(",", ":"), sort_keys=True), quote=True)


def render_page(template: Path, replacements: dict[str, str], office_js: str) -> bytes:
    page = template.read_text()
    for key, value in replacements.items():
        page = page.replace(f"%{key}%", value)
    leftover = re.findall(r"%[A-Za-z_./]+%", page)
    if leftover:
        raise ValueError(f"{template.name} has unresolved placeholders: {leftover}")
    return page.replace(OFFICE_JS_CDN, office_js).encode()


def _compress_one(path: Path) -> None:
    data = path.read_bytes()
    if len(data) < 512:
        return
    digest = hashlib.sha256(data).hexdigest()
    COMPRESSED_CACHE.mkdir(parents=True, exist_ok=True)
    for ext, make in (
        (".br", lambda d: brotli.compress(d, quality=11)),
        (".gz", lambda d: gzip.compress(d, 9, mtime=0)),
    ):
        cached = COMPRESSED_CACHE / f"{digest}{ext}"
        if not cached.exists():
            tmp = cached.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(make(data))
            tmp.replace(cached)
        packed = cached.read_bytes()
        if len(packed) < 0.9 * len(data):  # not worth it for already-compressed files
            path.with_name(path.name + ext).write_bytes(packed)


def precompress(out: Path, rels: list[str]) -> None:
    targets = [out / r for r in rels if Path(r).suffix in COMPRESSIBLE]
    # brotli and zlib release the GIL: two cores, two threads.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(_compress_one, targets))


def build(
    out: Path = DIST, *, dev: bool = False, base_url: str = "https://localhost:3000/",
    frame_ancestors: tuple[str, ...] | None = None,
) -> BuildResult:
    """Build into `out` (replaced atomically). `dev` adds the simulated Office host and sample mails;
    `frame_ancestors` replaces the Outlook hosts allowed to frame the pane (server/site_config.py)."""
    vendor.vendor()
    staging = out.with_name(out.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    runtime_prefix = f"runtime/{runtime_hash()}"
    result = BuildResult(out=out, runtime_prefix=runtime_prefix)

    _copy_tree(vendor.RUNTIME, staging, runtime_prefix, result, skip={".stamp"})

    replacements: dict[str, str] = {"RUNTIME": f"./{runtime_prefix}"}
    for rel in SHELL_FILES:
        data = (ADDIN / rel).read_bytes()
        # A shell module that loads a runtime file names it relative to itself (static/ is beside runtime/).
        data = data.replace(b"%RUNTIME_FROM_STATIC%", f"../{runtime_prefix}".encode())
        name = "static/" + hashed_name(Path(rel).name, data)
        _write(staging, name, data, result)
        replacements[rel] = "./" + name

    app = package_zip()
    app_rel = f"app/mailconnector.{short_hash(app)}.zip"
    _write(staging, app_rel, app, result)

    # Fast boot (server/snapshot.py): the pane's loader restores a Pyodide memory snapshot taken here.
    fast_boot = snapshot.add_fast_boot(staging, runtime_prefix, app_rel, result.files)
    replacements["BOOT_PRELOADS"] = fast_boot.preload_links()
    replacements["PYSCRIPT_CORE"] = "./" + fast_boot.pyscript_core
    replacements["INTERPRETER"] = fast_boot.interpreter
    config = pyscript_config(fast_boot.interpreter)
    replacements["PYSCRIPT_CONFIG"] = inline_config(config)
    replacements["MPY_CONFIG"] = html.escape(json.dumps({"plugins": config.get("plugins", [])}), quote=False)

    office_js = "./dev/office-sim.js" if dev else OFFICE_JS_CDN
    _write(staging, "index.html", render_page(ADDIN / "index.html", replacements, office_js), result)
    if dev:
        for page in DEV_PAGES_AT_ROOT:
            _write(staging, page, render_page(ADDIN / "dev" / page, replacements, office_js), result)

    if (ADDIN / "assets").is_dir():
        _copy_tree(ADDIN / "assets", staging, "assets", result, skip={"make_icons.py"})
    if (ADDIN / "support.html").exists():
        _write(staging, "support.html", (ADDIN / "support.html").read_bytes(), result)
    try:
        from server import manifest  # written alongside; absent in early checkouts

        _write(staging, "manifest.xml", manifest.render_manifest(base_url, _manifest_version()).encode(), result)
    except ImportError:
        pass
    if dev:
        _copy_tree(ADDIN / "dev", staging, "dev", result, skip=DEV_PAGES_AT_ROOT)
        fixtures = ROOT / "tests" / "fixtures" / "eml"
        if fixtures.is_dir():
            _copy_tree(fixtures, staging, "dev/fixtures", result)

    precompress(staging, result.files)
    ancestors = frame_ancestors or site_config.default().frame_ancestors
    site_config.write(staging, site_config.SiteConfig(ancestors))
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return result


def _manifest_version() -> str:
    sys.path.insert(0, str(ADDIN))
    from mailconnector.version import VERSION

    return VERSION


def _run_command(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    try:
        ancestors = site_config.parse_frame_ancestors(args.frame_ancestors) if args.frame_ancestors else None
        result = build(Path(args.out).resolve(), dev=args.dev, base_url=args.base_url, frame_ancestors=ancestors)
    except (vendor.VendorError, site_config.SiteConfigError) as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return 1
    print(f"build: {len(result.files)} files in {result.out} ({time.monotonic() - t0:.1f}s)")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("build", help="build the static add-in folder")
    p.add_argument("--out", default=str(DIST), help="output folder (default: dist/)")
    p.add_argument("--dev", action="store_true", help="include the simulated Office host and sample mails")
    p.add_argument("--base-url", default="https://localhost:3000/", help="public URL the manifest points at")
    p.add_argument("--frame-ancestors", default="",
                   help="Outlook origins allowed to frame the pane, e.g. \"'self' https://mail.contoso.com\" "
                        "(default: Microsoft's public Outlook hosts)")
    p.set_defaults(run=_run_command)
