"""Bytes on disk next to the database: upload parts being received and the document store.

Stored document bytes are named by their SHA-256 (`store/ab/abcdef...`), so the same bytes are
kept once however many documents use them. A file reaches the store before the database
transaction that references it; a rolled-back link leaves at most an unreferenced store file,
never a record without its bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from pathlib import Path

UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.uploads = root / "uploads"
        self.store = root / "store"
        self.uploads.mkdir(parents=True, exist_ok=True)
        self.store.mkdir(parents=True, exist_ok=True)

    def upload_path(self, upload_id: str) -> Path:
        if not UPLOAD_ID.match(upload_id):
            raise ValueError("bad upload id")
        return self.uploads / f"{upload_id}.part"

    def stored_path(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError("bad sha256")
        return self.store / sha256[:2] / sha256

    def write_at(self, upload_id: str, offset: int, data: bytes) -> int:
        """Write at `offset` (dropping anything after it) and return the new size."""
        path = self.upload_path(upload_id)
        with open(path, "r+b" if path.exists() else "w+b") as fh:
            fh.truncate(offset)
            fh.seek(offset)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            return fh.tell()

    def size_of_upload(self, upload_id: str) -> int:
        path = self.upload_path(upload_id)
        return path.stat().st_size if path.exists() else 0

    def sha256_of_upload(self, upload_id: str) -> str:
        digest = hashlib.sha256()
        with open(self.upload_path(upload_id), "rb") as fh:
            while block := fh.read(1024 * 1024):
                digest.update(block)
        return digest.hexdigest()

    def remove_upload(self, upload_id: str) -> None:
        with contextlib.suppress(FileNotFoundError, ValueError):
            self.upload_path(upload_id).unlink()

    def create_upload(self, upload_id: str) -> None:
        self.upload_path(upload_id).write_bytes(b"")

    def keep(self, upload_id: str, sha256: str) -> None:
        """Put a completed upload's bytes into the store (the upload stays until it is consumed)."""
        target = self.stored_path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{sha256}.{upload_id}.tmp")
        try:
            os.link(self.upload_path(upload_id), tmp)
        except OSError:
            shutil.copyfile(self.upload_path(upload_id), tmp)
        os.replace(tmp, target)

    def read(self, sha256: str) -> bytes:
        return self.stored_path(sha256).read_bytes()

    def remove_stored(self, sha256: str) -> None:
        """Drop stored bytes (the caller checked that no document uses them)."""
        with contextlib.suppress(FileNotFoundError):
            self.stored_path(sha256).unlink()

    def stored(self) -> list[str]:
        """The SHA-256 of every stored file (test inspection)."""
        return sorted(p.name for p in self.store.glob("??/*") if SHA256.match(p.name))

    def exists(self, sha256: str) -> bool:
        return self.stored_path(sha256).exists()
