"""What the build puts in the boot folder for each state of the snapshot cache (server/snapshot.py), in
CPython: the snapshot's own files bundle whenever a snapshot was made, the plain boot's byte code only when
the snapshot run produced it."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from server import snapshot

RUNTIME = "runtime/0123456789ab"


def fake_snapshot_run(*, bytecode: bool) -> Callable[..., bool]:
    """Stands in for the headless-Chromium snapshot run: what it leaves in the cache folder."""

    def make(out: Path, runtime_prefix: str, app_rel: str, so: bytes, module_js: bytes, maker_js: bytes,
             table_js: bytes, cached: Path) -> bool:
        cached.mkdir(parents=True)
        report = {"loadedPackages": ["pydantic"], "table": {"main": 1, "length": 2, "hash": "h"}}
        (cached / "report.json").write_text(json.dumps(report))
        names = ["snapshot.bin", "files.bin", *(snapshot.PLAIN_BYTECODE if bytecode else ())]
        for name in names:
            for suffix in ("", ".br", ".gz"):
                (cached / (name + suffix)).write_bytes(f"{name}{suffix} of the snapshot run".encode())
        return True

    return make


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, bytecode: bool) -> tuple[Path, str]:
    monkeypatch.setattr(snapshot, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(snapshot, "_make_cached", fake_snapshot_run(bytecode=bytecode))
    monkeypatch.setenv("MC_SNAPSHOT", "1")
    out = tmp_path / "dist"
    app = io.BytesIO()
    with zipfile.ZipFile(app, "w") as zf:
        zf.writestr("mailconnector/__init__.py", "")
    (out / "app").mkdir(parents=True)
    (out / "app" / "app.zip").write_bytes(app.getvalue())
    fast = snapshot.add_fast_boot(out, RUNTIME, "app/app.zip", [])
    assert fast.snapshot
    folder = out / fast.folder
    return folder, (folder / "boot.mjs").read_text()


def test_a_snapshot_without_plain_byte_code_keeps_its_own_files_bundle(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder, boot = build(tmp_path, monkeypatch, bytecode=False)
    # the restore needs the packages' files of the snapshot run, not only the app
    assert (folder / "files.bin").read_bytes() == b"files.bin of the snapshot run"
    assert not (folder / "stdlib.zip").exists() and not (folder / "bytecode.bin").exists()
    assert '"stdlib": null' in boot and '"bytecode": null' in boot


def test_a_snapshot_with_plain_byte_code_ships_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, boot = build(tmp_path, monkeypatch, bytecode=True)
    assert (folder / "files.bin").read_bytes() == b"files.bin of the snapshot run"
    assert (folder / "stdlib.zip").read_bytes() == b"stdlib.zip of the snapshot run"
    assert (folder / "bytecode.bin.br").read_bytes() == b"bytecode.bin.br of the snapshot run"
    assert '"stdlib": "stdlib.zip"' in boot and '"bytecode": "bytecode.bin"' in boot
