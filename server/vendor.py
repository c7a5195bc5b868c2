"""Fetch, hash-check and lay out the browser runtime (PyScript, Pyodide, wasm wheels).

Everything is pinned in `runtime.lock.json` by version and SHA-256. Downloads land in
`.vendor/downloads/`; the laid-out runtime that the build copies lands in `.vendor/runtime/`:

    .vendor/runtime/pyscript/   @pyscript/core dist/ (no source maps)
    .vendor/runtime/pyodide/    pyodide core files, the shipped wheels, and our pyodide-lock.json
    .vendor/runtime/hash-wasm/  hash-wasm's SHA-256 alone (its UMD build, wasm inlined) and its licence:
                                addin/bytes.mjs hashes the mail's bytes with it (README, "hash-wasm")
    .vendor/office-js/          Microsoft's office.js (npm @microsoft/office-js), for the tests only:
                                never part of a build (production pages load it from Microsoft's CDN)

A run whose stamp matches the lock file does no network access at all. A file whose hash differs
from the pin stops the run with a message naming it.
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK_PATH = ROOT / "runtime.lock.json"
VENDOR_DIR = ROOT / ".vendor"
DOWNLOADS = VENDOR_DIR / "downloads"
RUNTIME = VENDOR_DIR / "runtime"
# Bump when the layout written below changes, so that old trees are rebuilt.
LAYOUT_VERSION = "3"
OFFICE_JS = VENDOR_DIR / "office-js"
# What the tests' fake Outlook serves in place of Microsoft's CDN: the loader, the Outlook host files of every
# platform, the strings of the pane's two languages and the telemetry scripts office.js may load.
OFFICE_JS_KEEP = re.compile(r"^(office\.js|o15apptofilemappingtable\.js|outlook-[a-z0-9.-]+(?<!\.debug)\.js"
                            r"|(en-us|it-it)/[a-z_]+\.js|(ariatelemetry|telemetry)/[a-z0-9_.-]+(?<!\.debug)\.js)$")
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
HASH_WASM_FILES = ("dist/sha256.umd.min.js", "LICENSE")


class VendorError(Exception):
    """A problem the person running the setup must act on; the message says what and where."""


@dataclass(frozen=True)
class NpmPin:
    package: str
    version: str
    sha256: str

    @property
    def tarball(self) -> str:
        # npm pack's file name: scope dropped of '@', '/' turned into '-'.
        return f"{self.package.lstrip('@').replace('/', '-')}-{self.version}.tgz"


@dataclass(frozen=True)
class WheelPin:
    file: str
    sha256: str

    @property
    def name(self) -> str:
        return self.file.split("-")[0]

    @property
    def version(self) -> str:
        return self.file.split("-")[1]


@dataclass(frozen=True)
class RuntimeLock:
    npm: tuple[NpmPin, ...]
    wheels: tuple[WheelPin, ...]
    platform: dict[str, str]
    not_shipped: frozenset[str]
    digest: str
    test_npm: tuple[NpmPin, ...] = ()

    @classmethod
    def load(cls, path: Path = LOCK_PATH) -> RuntimeLock:
        raw = path.read_bytes()
        data = json.loads(raw)
        return cls(
            npm=tuple(NpmPin(**p) for p in data["npm"]),
            wheels=tuple(WheelPin(**w) for w in data["wheels"]),
            platform=dict(data["pypi_platform"]),
            not_shipped=frozenset(canonicalize_name(n) for n in data["not_shipped"]["packages"]),
            digest=hashlib.sha256(raw + LAYOUT_VERSION.encode()).hexdigest(),
            test_npm=tuple(NpmPin(**p) for p in data.get("test_npm", {}).get("packages", [])),
        )

    def npm_pin(self, package: str) -> NpmPin:
        return next(p for p in (*self.npm, *self.test_npm) if p.package == package)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_hash(path: Path, expected: str) -> None:
    actual = sha256_file(path)
    if actual != expected:
        path.unlink()
        raise VendorError(
            f"{path.name}: SHA-256 is {actual}, but runtime.lock.json pins {expected}. "
            "The file was deleted; nothing was installed. If the pin is what changed, update the hash "
            "in runtime.lock.json deliberately."
        )


def _run(cmd: list[str], what: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise VendorError(f"could not fetch {what}: `{' '.join(cmd)}` failed:\n{proc.stderr.strip()[-2000:]}")
    return proc.stdout


def fetch_npm(pin: NpmPin) -> Path:
    target = DOWNLOADS / pin.tarball
    if not target.exists():
        DOWNLOADS.mkdir(parents=True, exist_ok=True)
        npm = shutil.which("npm")
        if npm is None:
            raise VendorError("npm is required to fetch the browser runtime (apt-get install npm)")
        _run(
            [npm, "pack", "--silent", "--pack-destination", str(DOWNLOADS), f"{pin.package}@{pin.version}"],
            f"{pin.package}@{pin.version} from the npm registry",
        )
        if not target.exists():
            raise VendorError(f"npm pack did not produce {target.name}")
    check_hash(target, pin.sha256)
    return target


def fetch_wheels(lock: RuntimeLock) -> list[Path]:
    missing = [w for w in lock.wheels if not (DOWNLOADS / w.file).exists()]
    if missing:
        DOWNLOADS.mkdir(parents=True, exist_ok=True)
        p = lock.platform
        _run(
            [
                sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                "--no-deps", "--only-binary=:all:", "--platform", p["platform"],
                "--python-version", p["python_version"], "--implementation", p["implementation"],
                "--abi", p["abi"], "--dest", str(DOWNLOADS),
                *(f"{w.name}=={w.version}" for w in missing),
            ],
            "the browser wheels from PyPI",
        )
    paths = []
    for w in lock.wheels:
        path = DOWNLOADS / w.file
        if not path.exists():
            raise VendorError(f"PyPI did not provide {w.file} for {lock.platform['platform']}")
        check_hash(path, w.sha256)
        paths.append(path)
    return paths


def _browser_environment(python_full: str) -> dict[str, str]:
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    env.update(
        {
            "platform_system": "Emscripten",
            "sys_platform": "emscripten",
            "os_name": "posix",
            "platform_machine": "wasm32",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "python_version": ".".join(python_full.split(".")[:2]),
            "python_full_version": python_full,
            "implementation_version": python_full,
            "platform_release": "",
            "platform_version": "",
        }
    )
    return env


def wheel_lock_entry(
    path: Path, pin: WheelPin, shipped: set[str], lock: RuntimeLock, python_full: str
) -> dict[str, object]:
    """One pyodide-lock.json entry, read from the wheel itself (METADATA, top-level names)."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(zf.read(meta_name).decode())
        top_level = next((n for n in names if n.endswith(".dist-info/top_level.txt")), None)
        if top_level:
            imports = sorted({line.strip() for line in zf.read(top_level).decode().splitlines() if line.strip()})
        else:
            imports = sorted(
                {
                    n.split("/")[0].removesuffix(".py")
                    for n in names
                    if not n.split("/")[0].endswith((".dist-info", ".data"))
                    and (n.endswith(".py") or "/" in n)
                }
            )
    env = _browser_environment(python_full)
    depends: list[str] = []
    for spec in meta.get_all("Requires-Dist") or []:
        req = Requirement(spec)
        if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
            continue
        dep = canonicalize_name(req.name)
        if dep in shipped:
            depends.append(dep)
        elif dep not in lock.not_shipped:
            raise VendorError(
                f"{pin.file} requires {req.name}, which is neither shipped nor listed as not_shipped "
                "in runtime.lock.json"
            )
    return {
        "name": meta["Name"],
        "version": meta["Version"],
        "file_name": pin.file,
        "install_dir": "site",
        "sha256": pin.sha256,
        "package_type": "package",
        "imports": imports,
        "depends": sorted(depends),
        "unvendored_tests": False,
        "shared_library": False,
        "tool": {},
    }


def _extract(tgz: Path, prefix: str, dest: Path, keep: object) -> None:
    with tarfile.open(tgz) as tf:
        for member in tf.getmembers():
            if not member.isfile() or not member.name.startswith(prefix):
                continue
            rel = member.name[len(prefix) :]
            if not keep(rel) or ".." in Path(rel).parts:  # type: ignore[operator]
                continue
            out = dest / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            src = tf.extractfile(member)
            assert src is not None
            with src, out.open("wb") as f:
                shutil.copyfileobj(src, f)


def lay_out(
    lock: RuntimeLock, pyscript_tgz: Path, pyodide_tgz: Path, wheels: list[Path], hash_wasm_tgz: Path
) -> None:
    staging = VENDOR_DIR / "runtime.staging"
    shutil.rmtree(staging, ignore_errors=True)
    _extract(pyscript_tgz, "package/dist/", staging / "pyscript", lambda rel: not rel.endswith(".map"))
    _extract(pyodide_tgz, "package/", staging / "pyodide", lambda rel: rel in (*PYODIDE_FILES, "pyodide-lock.json"))
    _extract(hash_wasm_tgz, "package/", staging / "hash-wasm", lambda rel: rel in HASH_WASM_FILES)
    dist = staging / "hash-wasm" / "dist"
    for path in dist.iterdir():  # flat: hash-wasm/sha256.umd.min.js
        path.rename(staging / "hash-wasm" / path.name)
    dist.rmdir()
    npm_lock = json.loads((staging / "pyodide" / "pyodide-lock.json").read_text())
    python_full = npm_lock["info"]["python"]
    shipped: set[str] = {canonicalize_name(w.name) for w in lock.wheels}
    packages = {}
    for path, pin in zip(wheels, lock.wheels, strict=True):
        shutil.copy2(path, staging / "pyodide" / pin.file)
        entry = wheel_lock_entry(path, pin, shipped, lock, python_full)
        packages[canonicalize_name(str(entry["name"]))] = entry
    # Pyodide's own lock names wheels rebuilt for its CDN (other hashes): ours lists exactly what we ship.
    ours = {"info": npm_lock["info"], "packages": dict(sorted(packages.items()))}
    (staging / "pyodide" / "pyodide-lock.json").write_text(json.dumps(ours, indent=1, sort_keys=True))
    (staging / ".stamp").write_text(lock.digest)
    shutil.rmtree(RUNTIME, ignore_errors=True)
    staging.rename(RUNTIME)


def is_up_to_date(lock: RuntimeLock) -> bool:
    stamp = RUNTIME / ".stamp"
    if not stamp.exists() or stamp.read_text() != lock.digest:
        return False
    required = [RUNTIME / "pyodide" / f for f in (*PYODIDE_FILES, "pyodide-lock.json")]
    required += [RUNTIME / "pyodide" / w.file for w in lock.wheels]
    required.append(RUNTIME / "pyscript" / "core.js")
    required.append(RUNTIME / "hash-wasm" / "sha256.umd.min.js")
    return all(p.exists() for p in required)


def vendor_office_js(lock: RuntimeLock, *, force: bool = False) -> bool:
    """Lay out Microsoft's office.js for the tests (`.vendor/office-js/`, stamped with its pin)."""
    pin = lock.npm_pin("@microsoft/office-js")
    stamp = OFFICE_JS / ".stamp"
    if not force and stamp.exists() and stamp.read_text() == pin.sha256 and (OFFICE_JS / "office.js").exists():
        return False
    tgz = fetch_npm(pin)
    staging = VENDOR_DIR / "office-js.staging"
    shutil.rmtree(staging, ignore_errors=True)
    _extract(tgz, "package/dist/", staging, lambda rel: OFFICE_JS_KEEP.match(rel) is not None)
    (staging / ".stamp").write_text(pin.sha256)
    shutil.rmtree(OFFICE_JS, ignore_errors=True)
    staging.rename(OFFICE_JS)
    return True


def vendor(*, force: bool = False) -> bool:
    """Make `.vendor/runtime` (and the tests' `.vendor/office-js`) match the lock. True when something was (re)built."""
    lock = RuntimeLock.load()
    office_built = vendor_office_js(lock, force=force) if lock.test_npm else False
    if not force and is_up_to_date(lock):
        return office_built
    pyscript_tgz = fetch_npm(lock.npm_pin("@pyscript/core"))
    pyodide_tgz = fetch_npm(lock.npm_pin("pyodide"))
    hash_wasm_tgz = fetch_npm(lock.npm_pin("hash-wasm"))
    wheels = fetch_wheels(lock)
    lay_out(lock, pyscript_tgz, pyodide_tgz, wheels, hash_wasm_tgz)
    return True


def _run_command(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    try:
        built = vendor(force=args.force)
    except VendorError as exc:
        print(f"vendor: error: {exc}", file=sys.stderr)
        return 1
    state = "fetched, verified and laid out" if built else "already up to date (no network used)"
    print(f"vendor: browser runtime {state} in {time.monotonic() - t0:.1f}s: {RUNTIME.relative_to(ROOT)}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("vendor", help="fetch and hash-check the pinned browser runtime")
    p.add_argument("--force", action="store_true", help="re-verify and lay out again even if up to date")
    p.set_defaults(run=_run_command)
