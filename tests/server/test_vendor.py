"""Runtime vendoring: pinned hashes are enforced, a second run needs no network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server import vendor
from tests.support.processes import ROOT


def test_the_lock_pins_every_runtime_file_and_no_binary_is_committed() -> None:
    lock = vendor.RuntimeLock.load()
    assert {p.package for p in lock.npm} == {"@pyscript/core", "pyodide", "hash-wasm"}
    assert {w.name for w in lock.wheels} >= {"pydantic", "pydantic_core", "httpx"}
    assert all(len(w.sha256) == 64 for w in lock.wheels)
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert not [f for f in tracked.splitlines() if f.endswith((".wasm", ".whl", ".tgz", ".zip"))]


def test_second_run_needs_no_network(tmp_path: Path) -> None:
    # With npm and pip's index unreachable, an up-to-date tree still succeeds, quickly.
    env = {**os.environ, "PATH": str(tmp_path), "PIP_INDEX_URL": "http://127.0.0.1:9/", "PIP_NO_INDEX": "1",
           "npm_config_registry": "http://127.0.0.1:9/"}
    proc = subprocess.run([sys.executable, "-m", "server", "vendor"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "no network used" in proc.stdout


def test_generated_pyodide_lock_lists_exactly_the_shipped_wheels() -> None:
    data = json.loads((vendor.RUNTIME / "pyodide" / "pyodide-lock.json").read_text())
    lock = vendor.RuntimeLock.load()
    assert sorted(p["file_name"] for p in data["packages"].values()) == sorted(w.file for w in lock.wheels)
    assert data["packages"]["pydantic"]["depends"] == ["annotated-types", "pydantic-core", "typing-extensions",
                                                      "typing-inspection"]
    assert data["packages"]["httpx"]["depends"] == ["idna"]  # anyio/httpcore/certifi: not shipped on purpose
    assert data["info"]["python"].startswith("3.14")


def test_a_hash_mismatch_stops_with_a_message_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    pin = vendor.RuntimeLock.load().wheels[0]
    shutil.copy(vendor.DOWNLOADS / pin.file, downloads / pin.file)
    with (downloads / pin.file).open("ab") as f:
        f.write(b"tampered")
    monkeypatch.setattr(vendor, "DOWNLOADS", downloads)
    bad = vendor.RuntimeLock.load()
    with pytest.raises(vendor.VendorError) as err:
        vendor.fetch_wheels(bad)
    assert pin.file in str(err.value)
    assert "SHA-256" in str(err.value)
    assert not (downloads / pin.file).exists()  # the bad file is not left for a later run
