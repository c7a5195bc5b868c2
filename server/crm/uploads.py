"""Resumable uploads (protocol B.6): mcupload start / chunk / status."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

from server.crm.context import Call
from server.crm.db import write_tx
from server.crm.errors import ComponentError
from server.crm.files import SHA256, FileStore
from server.crm.settings import UPLOAD_TTL_SECONDS
from server.crm.timeutil import later_db, now_db

MAX_FILENAME = 255
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class UploadRow:
    id: str
    user_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    received: int
    complete: bool

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> UploadRow:
        return cls(r["id"], r["user_id"], r["filename"], r["content_type"], r["size"], r["sha256"],
                   r["received"], bool(r["complete"]))


def store_for(call: Call) -> FileStore:
    return FileStore(call.settings.files_dir)


def find_upload(conn: sqlite3.Connection, upload_id: str, user_id: int) -> UploadRow:
    row = conn.execute("SELECT * FROM uploads WHERE id = ? AND user_id = ? AND expires_at > ?",
                       (upload_id, user_id, now_db())).fetchone()
    if row is None:
        raise ComponentError("UPLOAD_NOT_FOUND", "This upload does not exist, expired or was already used")
    return UploadRow.from_row(row)


def discard_expired(conn: sqlite3.Connection, files: FileStore) -> None:
    with write_tx(conn):
        gone = [r[0] for r in conn.execute("DELETE FROM uploads WHERE expires_at <= ? RETURNING id", (now_db(),))]
    for upload_id in gone:
        files.remove_upload(upload_id)


def _int(call: Call, name: str) -> int:
    text = call.params.text(name).strip()
    if not text.isdigit():
        raise ComponentError("INVALID_REQUEST", f"{name} must be a non-negative integer")
    return int(text)


def _start(call: Call) -> object:
    conn, p, files = call.conn, call.params, store_for(call)
    filename = p.text("filename").strip()
    content_type = p.text("content_type").strip() or "application/octet-stream"
    sha = p.text("sha256").strip().lower()
    size = _int(call, "size")
    if not filename or len(filename) > MAX_FILENAME:
        raise ComponentError("INVALID_REQUEST", "filename is required (at most 255 characters)")
    if not SHA256.match(sha):
        raise ComponentError("INVALID_REQUEST", "sha256 must be 64 hexadecimal characters")
    if size > call.settings.max_file_bytes:
        raise ComponentError("TOO_LARGE", f"The file is larger than {call.settings.max_file_bytes} bytes")
    if size == 0 and sha != EMPTY_SHA256:
        raise ComponentError("UPLOAD_CORRUPT", "An empty file has another SHA-256")
    discard_expired(conn, files)
    upload_id = secrets.token_hex(16)
    files.create_upload(upload_id)
    with write_tx(conn):
        conn.execute(
            "INSERT INTO uploads (id, user_id, filename, content_type, size, sha256, received, complete,"
            " created_at, expires_at) VALUES (?,?,?,?,?,?,0,?,?,?)",
            (upload_id, call.access.user.id, filename, content_type[:200], size, sha, int(size == 0), now_db(),
             later_db(UPLOAD_TTL_SECONDS)))
    return {"upload": upload_id, "received": 0, "chunk_bytes": call.settings.chunk_bytes}


def _chunk(call: Call) -> object:
    conn, files = call.conn, store_for(call)
    upload_id = call.params.text("upload").strip()
    offset = _int(call, "offset")
    data = call.params.binary("data")
    if not data:
        raise ComponentError("INVALID_REQUEST", "data is required")
    if len(data) > call.settings.chunk_bytes:
        raise ComponentError("TOO_LARGE", f"A chunk may hold at most {call.settings.chunk_bytes} bytes")
    with write_tx(conn):  # one writer per upload at a time; the file write is part of the step
        up = find_upload(conn, upload_id, call.access.user.id)
        received = min(up.received, files.size_of_upload(up.id))  # heal after a crash mid-write
        if offset > received:
            raise ComponentError("UPLOAD_OFFSET", f"Expected offset {received}, got {offset}")
        if offset + len(data) <= received or up.complete:
            return {"received": up.received, "complete": up.complete}  # a retried chunk: ignored
        fresh = data[received - offset:]
        if received + len(fresh) > up.size:
            conn.execute("DELETE FROM uploads WHERE id = ?", (up.id,))
            corrupt = True
        else:
            received = files.write_at(up.id, received, fresh)
            complete = received == up.size
            corrupt = complete and files.sha256_of_upload(up.id) != up.sha256
            if corrupt:
                conn.execute("DELETE FROM uploads WHERE id = ?", (up.id,))
            else:
                conn.execute("UPDATE uploads SET received = ?, complete = ? WHERE id = ?",
                             (received, int(complete), up.id))
    if corrupt:
        files.remove_upload(up.id)
        raise ComponentError("UPLOAD_CORRUPT", "The file's size or SHA-256 does not match; upload it again")
    return {"received": received, "complete": complete}


def _status(call: Call) -> object:
    up = find_upload(call.conn, call.params.text("upload").strip(), call.access.user.id)
    return {"received": up.received, "size": up.size, "complete": up.complete}


def mcupload(call: Call) -> object:
    action = call.params.text("action").strip()
    if action == "start":
        return _start(call)
    if action == "chunk":
        return _chunk(call)
    if action == "status":
        return _status(call)
    raise ComponentError("INVALID_REQUEST", "action must be start, chunk or status")
