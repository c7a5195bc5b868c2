"""The venv installs requirements.lock with `--require-hashes` (scripts/setup.sh): the lock must hold every
pin of pyproject.toml at the same version, and every package in it must carry hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def locked() -> dict[str, tuple[str, list[str]]]:
    """Package → (version, its hashes), from the lock's `name==version \\ --hash=...` entries."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := REQUIREMENT.match(line):
            current = canonicalize_name(match[1])
            entries[current] = (match[2].rstrip("\\").strip(), [])
        elif current and line.strip().startswith("--hash=sha256:"):
            entries[current][1].append(line.strip().removeprefix("--hash=sha256:").rstrip(" \\"))
    return entries


def pinned() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return {canonicalize_name(r.name): str(r.specifier).removeprefix("==") for r in map(Requirement, pins)}


def test_every_pin_of_pyproject_is_locked_at_the_same_version() -> None:
    lock = locked()
    assert {package: lock.get(package, ("missing", []))[0] for package in pinned()} == pinned()


def test_every_locked_package_has_sha256_hashes() -> None:
    lock = locked()
    assert len(lock) >= len(pinned())  # their dependencies too
    assert all(hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes) for _, hashes in lock.values())
