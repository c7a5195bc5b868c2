"""Chunked, resumable uploads against a fake CRM that keeps the bytes it receives."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mailconnector.crm import BytesSource, CrmClient, StreamSource
from mailconnector.crm import errors as e
from mailconnector.models import LinkAttachment, UploadState
from tests.client.fake_crm import FakeCrm, Sent, component_error, ok


@dataclass
class Stored:
    size: int
    sha256: str
    data: bytearray = field(default_factory=bytearray)


@dataclass
class UploadServer:
    """mcupload as crm-protocol B.6 describes it."""

    chunk_bytes: int = 1000
    uploads: dict[str, Stored] = field(default_factory=dict)
    fail_next: list[str] = field(default_factory=list)  # "drop-request" | "drop-response"

    def __call__(self, sent: Sent) -> httpx.Response | Exception:
        p = sent.params
        if p["action"] == "start":
            upload_id = f"up{len(self.uploads) + 1}"
            self.uploads[upload_id] = Stored(int(p["size"]), p["sha256"])
            return ok({"upload": upload_id, "received": 0, "chunk_bytes": self.chunk_bytes})
        stored = self.uploads.get(p["upload"])
        if stored is None:
            return component_error(404, "UPLOAD_NOT_FOUND")
        if p["action"] == "status":
            return ok({"received": len(stored.data)})
        assert p["action"] == "chunk"
        failure = self.fail_next.pop(0) if self.fail_next else None
        if failure == "drop-request":
            return httpx.ReadError("connection reset by peer")
        data, offset = sent.files["data"], int(p["offset"])
        assert len(data) <= self.chunk_bytes
        if offset > len(stored.data):
            return component_error(400, "UPLOAD_OFFSET")
        if offset + len(data) > len(stored.data):
            stored.data[offset:] = data  # a chunk at an offset already received is ignored
        complete = len(stored.data) >= stored.size
        if complete and (len(stored.data) != stored.size or hashlib.sha256(stored.data).hexdigest() != stored.sha256):
            del self.uploads[p["upload"]]
            return component_error(400, "UPLOAD_CORRUPT")
        if failure == "drop-response":
            return httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return ok({"received": len(stored.data)})


def make(server: UploadServer) -> tuple[FakeCrm, CrmClient]:
    fake = FakeCrm().always("mcupload", server)
    return fake, fake.client()


def actions(fake: FakeCrm) -> list[str]:
    return [c.params["action"] for c in fake.calls("mcupload")]


DATA = bytes(range(256)) * 10 + b"tail"  # 2564 bytes: 3 chunks of <= 1000


def test_chunks_follow_the_crm_chunk_size_and_reassemble_byte_equal() -> None:
    server = UploadServer(chunk_bytes=1000)
    fake, client = make(server)
    seen: list[tuple[int, int]] = []

    async def go() -> UploadState:
        async with client:
            return await client.upload(DATA, "a.bin", "application/octet-stream", progress=lambda *p: seen.append(p))

    state = asyncio.run(go())
    chunks = [c for c in fake.calls("mcupload") if c.params["action"] == "chunk"]
    assert [(int(c.params["offset"]), len(c.files["data"])) for c in chunks] == [(0, 1000), (1000, 1000), (2000, 564)]
    assert bytes(server.uploads[state.upload].data) == DATA
    assert seen == [(0, 2564), (1000, 2564), (2000, 2564), (2564, 2564)]
    assert state.complete and state.received == state.size == len(DATA)
    assert state.sha256 == hashlib.sha256(DATA).hexdigest()
    start = fake.calls("mcupload")[0].params
    assert start == {
        "action": "start",
        "filename": "a.bin",
        "content_type": "application/octet-stream",
        "size": "2564",
        "sha256": hashlib.sha256(DATA).hexdigest(),
    }
    attachment = LinkAttachment.from_upload(state, inline=True, content_id="img1")
    assert (attachment.upload, attachment.size, attachment.inline) == (state.upload, 2564, True)


@pytest.mark.parametrize("failure", ["drop-request", "drop-response"])
def test_a_dropped_chunk_resumes_from_the_crm_s_status(failure: str) -> None:
    server = UploadServer(chunk_bytes=1000, fail_next=[])
    fake, client = make(server)
    seen: list[int] = []

    async def go() -> UploadState:
        async with client:
            server.fail_next[:] = ["", failure]  # the second chunk fails on the way
            return await client.upload(DATA, "a.bin", "x/y", progress=lambda got, _: seen.append(got))

    state = asyncio.run(go())
    assert bytes(server.uploads[state.upload].data) == DATA
    assert "status" in actions(fake)
    assert seen == sorted(seen) and seen[-1] == len(DATA)
    assert fake.sleeps == [0.5]
    offsets = [int(c.params["offset"]) for c in fake.calls("mcupload") if c.params["action"] == "chunk"]
    if failure == "drop-request":
        assert offsets == [0, 1000, 1000, 2000]  # resent what did not arrive
    else:
        assert offsets == [0, 1000, 2000]  # arrived, answer lost: status says so, nothing resent


def test_an_upload_gives_up_after_consecutive_failures_without_progress() -> None:
    server = UploadServer(chunk_bytes=1000, fail_next=["drop-request"] * 10)
    fake, client = make(server)

    async def go() -> None:
        async with client:
            with pytest.raises(e.NetworkError):
                await client.upload(DATA, "a.bin", "x/y")

    asyncio.run(go())
    assert actions(fake).count("chunk") == 3


def test_resume_continues_a_known_upload_without_starting_again() -> None:
    server = UploadServer(chunk_bytes=1000)
    fake, client = make(server)
    digest = hashlib.sha256(DATA).hexdigest()
    server.uploads["up9"] = Stored(len(DATA), digest, bytearray(DATA[:1500]))
    earlier = UploadState(
        upload="up9",
        filename="a.bin",
        content_type="x/y",
        size=len(DATA),
        sha256=digest,
        chunk_bytes=1000,
        received=1000,
    )
    seen: list[int] = []

    async def go() -> UploadState:
        async with client:
            return await client.upload(DATA, "a.bin", "x/y", resume=earlier, progress=lambda got, _: seen.append(got))

    state = asyncio.run(go())
    assert actions(fake) == ["status", "chunk", "chunk"]
    assert state.upload == "up9"
    assert bytes(server.uploads["up9"].data) == DATA
    assert seen == [1500, 2500, 2564]


def test_resume_of_an_expired_upload_starts_a_new_one() -> None:
    server = UploadServer(chunk_bytes=4096)
    fake, client = make(server)
    stale = UploadState(
        upload="gone",
        filename="a.bin",
        content_type="x/y",
        size=len(DATA),
        sha256=hashlib.sha256(DATA).hexdigest(),
        chunk_bytes=1000,
        received=1000,
    )

    async def go() -> UploadState:
        async with client:
            return await client.upload(DATA, "a.bin", "x/y", resume=stale)

    state = asyncio.run(go())
    assert actions(fake) == ["status", "start", "chunk"]
    assert state.upload != "gone" and state.complete


def test_an_offset_out_of_step_resynchronises() -> None:
    server = UploadServer(chunk_bytes=1000)
    chunks = 0

    def forgetful(sent: Sent) -> httpx.Response | Exception:
        # The CRM loses what it had after the first chunk (say, restored from a backup).
        nonlocal chunks
        if sent.params["action"] == "chunk":
            chunks += 1
            if chunks == 2:
                server.uploads[sent.params["upload"]].data.clear()
        return server(sent)

    fake = FakeCrm().always("mcupload", forgetful)
    seen: list[int] = []

    async def go() -> UploadState:
        async with fake.client() as client:
            return await client.upload(DATA, "a", "x/y", progress=lambda got, _: seen.append(got))

    state = asyncio.run(go())
    assert actions(fake) == ["start", "chunk", "chunk", "status", "chunk", "chunk", "chunk"]
    assert bytes(server.uploads[state.upload].data) == DATA
    assert seen == [0, 1000, 0, 1000, 2000, 2564]


def test_bytes_that_do_not_match_the_announced_hash_are_refused() -> None:
    server = UploadServer(chunk_bytes=1000)
    _fake, client = make(server)

    async def go() -> None:
        async with client:
            with pytest.raises(e.UploadCorrupt):
                await client.upload(DATA, "a.bin", "x/y", sha256="0" * 64)

    asyncio.run(go())


def test_an_empty_file_is_complete_at_start() -> None:
    server = UploadServer()
    fake, client = make(server)

    async def go() -> UploadState:
        async with client:
            return await client.upload(b"", "empty.txt", "text/plain")

    state = asyncio.run(go())
    assert actions(fake) == ["start"]
    assert state.complete and state.size == 0
    assert state.sha256 == hashlib.sha256(b"").hexdigest()


def test_upload_too_large_is_refused_at_start() -> None:
    fake = FakeCrm().always("mcupload", component_error(413, "TOO_LARGE"))

    async def go() -> None:
        async with fake.client() as client:
            with pytest.raises(e.TooLarge):
                await client.upload(DATA, "big.bin", "x/y")

    asyncio.run(go())


# --- sources -------------------------------------------------------------------------------------------------
class Pieces:
    """A re-openable stream handing out odd-sized pieces; counts how often it is opened."""

    def __init__(self, data: bytes, piece: int) -> None:
        self.data, self.piece, self.opened = data, piece, 0

    def open(self) -> AsyncIterator[bytes]:
        self.opened += 1
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        for i in range(0, len(self.data), self.piece):
            await asyncio.sleep(0)
            yield self.data[i : i + self.piece]


def test_stream_source_reads_any_window_in_order_and_reopens_to_go_back() -> None:
    pieces = Pieces(DATA, 333)
    source = StreamSource(len(DATA), pieces.open)

    async def go() -> None:
        assert await source.read(0, 1000) == DATA[:1000]
        assert await source.read(1000, 1000) == DATA[1000:2000]
        assert pieces.opened == 1
        assert await source.read(500, 10) == DATA[500:510]  # going back reopens
        assert pieces.opened == 2
        assert await source.read(2500, 1000) == DATA[2500:]  # skipping forward does not
        assert pieces.opened == 2

    asyncio.run(go())


def test_a_stream_upload_hashes_in_one_pass_and_sends_in_another() -> None:
    server = UploadServer(chunk_bytes=1000)
    _fake, client = make(server)
    pieces = Pieces(DATA, 777)

    async def go() -> UploadState:
        async with client:
            return await client.upload(StreamSource(len(DATA), pieces.open), "s.bin", "x/y")

    state = asyncio.run(go())
    assert bytes(server.uploads[state.upload].data) == DATA
    assert pieces.opened == 2


def test_a_known_hash_saves_the_hashing_pass() -> None:
    server = UploadServer(chunk_bytes=1000)
    _fake, client = make(server)
    pieces = Pieces(DATA, 1000)

    async def go() -> None:
        async with client:
            await client.upload(
                StreamSource(len(DATA), pieces.open), "s.bin", "x/y", sha256=hashlib.sha256(DATA).hexdigest()
            )

    asyncio.run(go())
    assert pieces.opened == 1


def test_a_source_shorter_than_announced_is_refused_before_sending_it() -> None:
    server = UploadServer(chunk_bytes=1000)
    fake, client = make(server)
    pieces = Pieces(DATA[:100], 50)

    async def go() -> None:
        async with client:
            with pytest.raises(e.UploadCorrupt):
                await client.upload(StreamSource(len(DATA), pieces.open), "s.bin", "x/y")

    asyncio.run(go())
    assert fake.calls("mcupload") == []


def test_bytes_source_copies_only_the_chunk_asked_for() -> None:
    data = bytearray(DATA)
    source = BytesSource(data)

    async def go() -> Any:
        return await source.read(10, 5)

    chunk = asyncio.run(go())
    data[10] = 0xFF  # the source views the caller's buffer (no copy of the whole file) ...
    assert chunk == DATA[10:15]  # ... and a chunk handed out is a copy of its own
    assert source.size == len(DATA)
    assert source.sha256() == hashlib.sha256(data).hexdigest()


class FakeHeld:
    """A HeldSource as the browser's (crm/held.py) behaves: hashes itself, and hands each chunk over
    as a body for the transport, never as bytes read into Python."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.reads = 0

    @property
    def size(self) -> int:
        return len(self.data)

    async def read(self, offset: int, length: int) -> bytes:
        self.reads += 1
        return self.data[offset : offset + length]

    async def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def chunk_body(self, fields: Any, offset: int, length: int) -> Any:
        return dict(fields), self.data[offset : offset + length]


@pytest.mark.parametrize("failure", ["drop-request", "drop-response"])
def test_held_bytes_are_sent_as_bodies_in_order_and_resume(failure: str) -> None:
    server = UploadServer(chunk_bytes=1000)
    fake, client = make(server)
    source = FakeHeld(DATA)
    seen: list[int] = []

    async def go() -> UploadState:
        async with client:
            server.fail_next[:] = ["", failure]  # the second chunk fails on the way
            return await client.upload(source, "a.bin", "x/y", progress=lambda got, _: seen.append(got))

    state = asyncio.run(go())
    assert bytes(server.uploads[state.upload].data) == DATA
    assert state.sha256 == hashlib.sha256(DATA).hexdigest() and source.reads == 0  # no byte came into Python
    assert seen == sorted(seen) and seen[-1] == len(DATA)
    chunks = [c for c in fake.calls("mcupload") if c.params["action"] == "chunk"]
    assert all(c.request.extensions.get("mailconnector.body") is not None for c in chunks)
    offsets = [int(c.params["offset"]) for c in chunks]
    assert offsets == ([0, 1000, 1000, 2000] if failure == "drop-request" else [0, 1000, 2000])
