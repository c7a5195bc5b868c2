"""Fixtures of the pane's browser tests (the shared browser fixtures are in tests/support/browser.py)."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import tarfile

import pytest

from tests.support.processes import ROOT

# --- axe-core, the accessibility checker (from npm, pinned and integrity-checked, like the runtime) -----------
AXE_VERSION = "4.14.1"
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
TOOLS = ROOT / ".vendor" / "test-tools"


@pytest.fixture(scope="session")
def axe_source() -> str:
    tarball = TOOLS / f"axe-core-{AXE_VERSION}.tgz"
    if not tarball.exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", f"axe-core@{AXE_VERSION}", "--silent"], cwd=TOOLS, check=True, timeout=300,
                       capture_output=True)
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    assert digest == AXE_INTEGRITY, "axe-core tarball does not match the pinned integrity"
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/axe.min.js")
        assert member is not None
        return member.read().decode()
