"""Resumable uploads (protocol B.6) and the size limits, on a second CRM with small limits."""

from __future__ import annotations

import base64
import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningCrm, start_crm
from tests.crm.support import Session, attachment, inspect, login, mail

CHUNK = 256


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCrm]:
    """A CRM with tiny limits: files 1000 bytes, mails 3000 bytes, chunks 256 bytes, tokens one hour (a
    test makes one expire by moving its expiry into the past, not by waiting: no test races the clock)."""
    running = start_crm(tmp_path_factory.mktemp("small-crm"), "--max-file-bytes", "1000",
                        "--max-message-bytes", "3000", "--chunk-bytes", str(CHUNK), "--token-ttl-seconds", "3600")
    yield running
    running.process.stop()


def start(s: Session, content: bytes, name: str = "a.bin") -> str:
    data = s.data("mcupload", action="start", filename=name, content_type="application/octet-stream",
                  size=len(content), sha256=hashlib.sha256(content).hexdigest())
    assert data == {"upload": data["upload"], "received": 0, "chunk_bytes": CHUNK}
    return str(data["upload"])


def test_limits_are_announced(small: RunningCrm) -> None:
    limits = httpx.post(small.endpoint("mcstatus")).json()["data"]["limits"]
    assert limits == {"max_file_bytes": 1000, "max_message_bytes": 3000, "chunk_bytes": CHUNK}


def test_resume_after_a_dropped_chunk(small: RunningCrm) -> None:
    s = login(small, "anna")
    content = os.urandom(700)
    up = start(s, content)
    assert s.chunk(up, 0, content[:256]).json()["data"]["received"] == 256
    # the next chunk "got lost": the client asks where to resume
    assert s.data("mcupload", action="status", upload=up)["received"] == 256
    assert s.chunk(up, 256, content[256:512]).json()["data"]["received"] == 512
    last = s.chunk(up, 512, content[512:]).json()["data"]
    assert last == {"received": 700, "complete": True}
    stored = next(u for u in inspect(small, "uploads") if u["id"] == up)
    assert stored["complete"] == 1 and stored["bytes_on_disk"] == 700


def test_duplicate_chunk_is_ignored_and_gap_refused(small: RunningCrm) -> None:
    s = login(small, "marco")
    content = os.urandom(600)
    up = start(s, content)
    s.chunk(up, 0, content[:256])
    again = s.chunk(up, 0, content[:256])  # a retried chunk
    assert again.status_code == 200 and again.json()["data"]["received"] == 256
    gap = s.chunk(up, 512, content[512:])
    assert gap.status_code == 400 and gap.json()["code"] == "UPLOAD_OFFSET"
    # base64 inside JSON works as well as a multipart part
    r = httpx.post(small.endpoint("mcupload"), auth=s.auth, json={
        "action": "chunk", "upload": up, "offset": 256, "data": base64.b64encode(content[256:512]).decode()})
    assert r.json()["data"]["received"] == 512
    assert s.chunk(up, 512, content[512:]).json()["data"]["complete"] is True


def test_corrupt_upload_is_discarded(small: RunningCrm) -> None:
    s = login(small, "marco")
    content = os.urandom(300)
    up = start(s, content)
    s.chunk(up, 0, content[:256])
    r = s.chunk(up, 256, b"X" * 44)  # right size, wrong bytes
    assert r.status_code == 400 and r.json()["code"] == "UPLOAD_CORRUPT"
    assert up not in {u["id"] for u in inspect(small, "uploads")}
    r = s.call("mcupload", action="status", upload=up)
    assert r.status_code == 404 and r.json()["code"] == "UPLOAD_NOT_FOUND"
    up2 = start(s, content)
    s.chunk(up2, 0, os.urandom(256))
    r = s.chunk(up2, 256, os.urandom(100))  # more bytes than announced
    assert r.json()["code"] == "UPLOAD_CORRUPT"


def test_too_large(small: RunningCrm) -> None:
    s = login(small, "anna")
    r = s.call("mcupload", action="start", filename="big.bin", size=1001, sha256="0" * 64)
    assert r.status_code == 413 and r.json()["code"] == "TOO_LARGE"
    up = start(s, os.urandom(300))
    r = s.chunk(up, 0, os.urandom(CHUNK + 1))
    assert r.status_code == 413 and r.json()["code"] == "TOO_LARGE"
    # a mail whose files together exceed max_message_bytes
    parts = [os.urandom(1000) for _ in range(3)]
    ids = [s.upload(p, chunk=CHUNK) for p in parts]
    files = [attachment(i, p) for i, p in zip(ids, parts, strict=True)]
    r = s.call("mclink", target="4x3", message=mail(), attachments=files)
    assert r.status_code == 413 and r.json()["code"] == "TOO_LARGE"


def test_uploads_belong_to_their_user_and_bad_requests(small: RunningCrm) -> None:
    anna, marco = login(small, "anna"), login(small, "marco")
    up = start(anna, b"hello")
    r = marco.call("mcupload", action="status", upload=up)
    assert r.status_code == 404 and r.json()["code"] == "UPLOAD_NOT_FOUND"
    for params in ({"action": "start", "filename": "", "size": 5, "sha256": "0" * 64},
                   {"action": "start", "filename": "a", "size": "-1", "sha256": "0" * 64},
                   {"action": "start", "filename": "a", "size": 5, "sha256": "xyz"},
                   {"action": "dance"}):
        r = anna.call("mcupload", **params)
        assert r.status_code == 400 and r.json()["code"] == "INVALID_REQUEST", params


def test_an_empty_file(small: RunningCrm) -> None:
    s = login(small, "anna")
    up = s.upload(b"", filename="empty.txt")
    assert s.data("mcupload", action="status", upload=up) == {"received": 0, "size": 0, "complete": True}


def test_consumed_by_a_link(small: RunningCrm) -> None:
    s = login(small, "anna")
    content = os.urandom(500)
    up = s.upload(content, chunk=CHUNK)
    s.data("mclink", target="4x3", message=mail(), attachments=[attachment(up, content)])
    r = s.call("mcupload", action="status", upload=up)
    assert r.status_code == 404 and r.json()["code"] == "UPLOAD_NOT_FOUND"
    assert not (Path(str(small.db_path) + ".files") / "uploads" / f"{up}.part").exists()


def test_tokens_expire(small: RunningCrm) -> None:
    s = login(small, "anna")
    assert s.call("mcmodules").status_code == 200
    digest = hashlib.sha256(s.secret.encode()).hexdigest()
    with closing(sqlite3.connect(small.db_path)) as conn:
        created, expires = conn.execute("SELECT created_at, expires_at FROM device_tokens WHERE token_hash = ?",
                                        (digest,)).fetchone()
    lifetime = datetime.fromisoformat(expires) - datetime.fromisoformat(created)
    assert lifetime == timedelta(seconds=3600)  # --token-ttl-seconds
    with closing(sqlite3.connect(small.db_path)) as conn, conn:  # as if the hour had passed
        conn.execute("UPDATE device_tokens SET expires_at = ? WHERE token_hash = ?",
                     ((datetime.fromisoformat(created) - timedelta(seconds=1)).isoformat(" "), digest))
    r = s.call("mcmodules")
    assert r.status_code == 401 and r.json()["code"] == "SESSION_EXPIRED"


def test_uploads_expire_after_a_day(small: RunningCrm) -> None:
    s = login(small, "anna")
    content = os.urandom(400)
    up = start(s, content)
    s.chunk(up, 0, content[:256])
    with closing(sqlite3.connect(small.db_path)) as conn, conn:  # as if 24 h had passed
        conn.execute("UPDATE uploads SET expires_at = '2000-01-01 00:00:00' WHERE id = ?", (up,))
    r = s.call("mcupload", action="status", upload=up)
    assert r.status_code == 404 and r.json()["code"] == "UPLOAD_NOT_FOUND"
    assert s.chunk(up, 256, content[256:]).json()["code"] == "UPLOAD_NOT_FOUND"
    start(s, b"another")  # starting an upload sweeps expired ones away
    assert up not in {u["id"] for u in inspect(small, "uploads")}
    assert not (Path(str(small.db_path) + ".files") / "uploads" / f"{up}.part").exists()
