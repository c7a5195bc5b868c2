"""A lone clone runs: nothing the build, the tests or the benchmarks run reads a file outside the repository.

The project was started next to a sibling folder of reference material; every file the code
needs from it has been copied in (see tests/schemas/office-addin-manifest/README.md, docs/crm-protocol.md).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.processes import ROOT

CODE_SUFFIXES = {".py", ".sh", ".js", ".mjs", ".html", ".toml", ".cfg", ".ini", ".json"}
SKIPPED_DIRS = {".git", ".venv", ".vendor", "dist", "var", "node_modules", "test-artifacts", "__pycache__", ".ci-cache"}
# A path leaving the checkout: the sibling reference folder, or the machine's own work area.
OUTSIDE = re.compile(r"""\.\./shared|/work/|ROOT\.parent\b|parents\[\s*[2-9]\s*\]\s*/\s*["']shared""")
THIS_FILE = Path(__file__).resolve()


def code_files() -> list[Path]:
    found: list[Path] = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRS for part in relative.parts) or not path.is_file():
            continue
        if path.suffix in CODE_SUFFIXES or path.name in {"Makefile", "run"}:
            found.append(path)
    return found


def test_the_oracle_sees_the_code_it_checks() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in code_files()}
    assert {"Makefile", "scripts/setup.sh", "tests/unit/test_manifest.py", "server/build.py"} <= names


def test_no_code_reads_a_path_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in code_files()
        if path.resolve() != THIS_FILE
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_the_manifest_schemas_are_in_the_repository() -> None:
    folder = ROOT / "tests" / "schemas" / "office-addin-manifest"
    imported = set(re.findall(r'schemaLocation="([^"]+)"', (folder / "OfficeAppManifestV1_1.xsd").read_text()))
    assert imported == {
        "OfficeAppBasicTypesV1_0.xsd",
        "MailAppVersionOverridesV1_0.xsd",
        "TaskPaneAppVersionOverridesV1_0.xsd",
        "ContentAppVersionOverridesV1_0.xsd",
    }
    assert all((folder / name).is_file() for name in imported)
    assert (folder / "README.md").is_file()
