"""Canary files for path-safety tests of the pane's server: files that DO exist just outside the served
root and hidden inside it, so that a request which escapes the checks would find something (a 404
for a file that does not exist proves nothing). Each holds a unique secret the answer must not carry."""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Canaries:
    root: Path
    secret: str

    @property
    def outside(self) -> Path:
        return self.root.parent / "canary-outside.txt"

    @property
    def two_up(self) -> Path:
        return self.root.parent.parent / f"canary-two-up-{self.root.parent.name}.txt"

    @property
    def hidden(self) -> list[Path]:
        return [self.root / ".canary-hidden.txt", self.root / "static" / ".canary-hidden.txt",
                self.root / ".canary-dir" / "inside.txt"]

    def all(self) -> list[Path]:
        return [self.outside, self.two_up, *self.hidden]


def plant(root: Path) -> Canaries:
    """Writes the canaries (once per root) and returns them; every file holds the same secret."""
    marker = root / ".canary-dir" / "inside.txt"
    if marker.exists():
        return Canaries(root, marker.read_text())
    canaries = Canaries(root, f"CANARY-{uuid.uuid4().hex}")
    for path in canaries.all():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(canaries.secret)
    return canaries


# Requests that would reach a canary if a check were missing: every encoding of '..', '/', '\\' and '.'
# the request line can carry, two levels up, absolute, and hidden names inside the root. {up1}: the
# canary beside the root, {up2}: two levels up, {abs}: the absolute path of {up1} without its first '/'.
ESCAPES = [
    "/../{up1}", "/..%2f{up1}", "/..%2F{up1}", "/%2e%2e/{up1}", "/%2E%2E%2F{up1}", "/.%2e/{up1}",
    "/%2e./{up1}", "/./../{up1}", "/static/../../{up1}", "/static/..%2f..%2f{up1}",
    "/static/./../../{up1}", "/..\\{up1}", "/..%5c{up1}", "/static/..%5c..%5c{up1}",
    "/%252e%252e/{up1}", "/%c0%ae%c0%ae/{up1}", "/..%00/{up1}",
    "/../../{up2}", "/..%2f..%2f{up2}", "/%2e%2e/%2e%2e/{up2}", "/static/../../../{up2}",
    "//{abs}", "/%2f{abs}",
    "/.canary-hidden.txt", "/%2ecanary-hidden.txt", "/static/.canary-hidden.txt",
    "/static/%2Ecanary-hidden.txt", "/.canary-dir/inside.txt", "/%2ecanary-dir/inside.txt",
    "/static/../.canary-hidden.txt", "/./.canary-hidden.txt", "/static/..%2f.canary-hidden.txt",
]


def escaping_path(template: str, canaries: Canaries) -> str:
    return template.format(up1=canaries.outside.name, up2=canaries.two_up.name,
                           abs=canaries.outside.as_posix().lstrip("/"))


def raw_get(base_url: str, path: str) -> tuple[bytes, bytes]:
    """(status code, whole answer) for a request line sent as written (clients normalise '..', attackers
    do not)."""
    port = int(base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    status_line = data.split(b"\r\n", 1)[0]
    return (status_line.split()[1] if len(status_line.split()) > 1 else b""), data
