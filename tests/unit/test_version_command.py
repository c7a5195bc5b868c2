"""One version number: `python -m server version X.Y.Z` updates the pane's version and the manifest."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mailconnector.version import VERSION
from server import manifest, version
from tests.support.processes import ROOT


def test_bump_rewrites_the_version_file_and_the_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    version_file = tmp_path / "version.py"
    shutil.copy(version.VERSION_FILE, version_file)
    manifest_file = tmp_path / "manifest.xml"
    shutil.copy(manifest.COMMITTED_MANIFEST, manifest_file)
    monkeypatch.setattr(version, "VERSION_FILE", version_file)
    monkeypatch.setattr(manifest, "COMMITTED_MANIFEST", manifest_file)

    version.bump("2.3.4")

    assert version.current() == "2.3.4"
    assert 'VERSION = "2.3.4"' in version_file.read_text()
    written = manifest_file.read_text()
    assert "<Version>2.3.4.0</Version>" in written
    assert written == manifest.render_manifest(manifest.DEV_BASE_URL, "2.3.4")
    with pytest.raises(SystemExit):
        version.bump("2.3")


def test_cli_shows_the_current_version() -> None:
    out = subprocess.run([sys.executable, "-m", "server", "version"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == VERSION
