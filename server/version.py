"""`python -m server version [X.Y.Z]`: show or bump the product's one version number.

The number lives in addin/mailconnector/version.py (read by the pane's footer, the manifest and the
CRM compatibility check); bumping it here also regenerates the committed manifest.xml.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from server import manifest

VERSION_FILE = Path(__file__).resolve().parents[1] / "addin" / "mailconnector" / "version.py"
_PATTERN = re.compile(r'^VERSION = "(\d+\.\d+\.\d+)"$', re.MULTILINE)


def current() -> str:
    match = _PATTERN.search(VERSION_FILE.read_text())
    if match is None:
        raise SystemExit(f"{VERSION_FILE} has no VERSION = \"X.Y.Z\" line")
    return match.group(1)


def bump(new: str) -> None:
    if not re.fullmatch(r"\d+\.\d+\.\d+", new):
        raise SystemExit(f"version must be X.Y.Z (digits), not {new!r}")
    VERSION_FILE.write_text(_PATTERN.sub(f'VERSION = "{new}"', VERSION_FILE.read_text()))
    manifest.COMMITTED_MANIFEST.write_text(manifest.render_manifest(manifest.DEV_BASE_URL, new), encoding="utf-8")


def _run_command(args: argparse.Namespace) -> int:
    if args.new:
        bump(args.new)
        print(f"version: {args.new} (addin/mailconnector/version.py and manifest.xml updated)")
    else:
        print(current())
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("version", help="show the product version, or set it everywhere")
    p.add_argument("new", nargs="?", help="new version X.Y.Z")
    p.set_defaults(run=_run_command)
