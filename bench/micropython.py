"""MicroPython for the bench's prototype page only (not part of the add-in): fetched with npm, pinned."""

from __future__ import annotations

import hashlib
import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".vendor" / "bench"
PACKAGE = "@micropython/micropython-webassembly-pyscript@1.28.0-6"  # PyScript 0.7.31's MicroPython
TARBALL = "micropython-micropython-webassembly-pyscript-1.28.0-6.tgz"
SHA256 = "1f22644874da319a46bf607840d518cca320d67b16b21fb2633cd1147a7a198b"
FILES = ("micropython.mjs", "micropython.wasm")


def ensure_micropython() -> Path:
    """Folder holding micropython.mjs and micropython.wasm (downloaded once into .vendor/bench)."""
    out = CACHE / "micropython"
    if all((out / name).is_file() for name in FILES):
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    tarball = CACHE / TARBALL
    if not tarball.exists():
        subprocess.run(["npm", "pack", PACKAGE], cwd=CACHE, check=True, capture_output=True, timeout=300)
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != SHA256:
        tarball.unlink()
        raise RuntimeError(f"{TARBALL}: SHA-256 {digest}, expected {SHA256}")
    out.mkdir(exist_ok=True)
    with tarfile.open(tarball) as tar:
        for name in FILES:
            member = tar.extractfile(f"package/{name}")
            assert member is not None
            (out / name).write_bytes(member.read())
    return out
