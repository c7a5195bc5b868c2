"""Resumable chunked uploads (`mcupload` start / chunk / status).

Memory stays low: a source is read one chunk at a time, so a 20 MB attachment is held once (by
whoever produced it) plus one chunk in flight. A source can also be a re-openable stream, then
nothing but a chunk is ever held. In the browser the bytes are a `HeldSource` (`crm/held.py`):
they stay in the browser's buffers, which hash them and hand each chunk to `fetch` themselves;
this module still decides what is sent when, and resumes after failures.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from mailconnector.crm.connection import Connection
from mailconnector.crm.envelope import parse
from mailconnector.crm.errors import CrmError, UploadCorrupt, UploadNotFound, UploadOffset
from mailconnector.crm.retry import is_transient
from mailconnector.models import UploadProgress, UploadStarted, UploadState

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes the CRM has acknowledged, total bytes)."""

HASH_BLOCK = 1 << 20


@runtime_checkable
class UploadSource(Protocol):
    """Random access to the bytes of one file (random, so that an upload can resume anywhere)."""

    @property
    def size(self) -> int: ...

    async def read(self, offset: int, length: int) -> bytes: ...


@runtime_checkable
class HeldSource(UploadSource, Protocol):
    """Bytes held outside Python (a browser Blob): they hash themselves, and a chunk is a request
    body the transport sends as is (a `FormData` with the fields and the slice)."""

    async def digest(self) -> str: ...

    def chunk_body(self, fields: Mapping[str, str], offset: int, length: int) -> Any: ...


class BytesSource:
    """Bytes already in memory (e.g. an attachment Outlook handed over as base64)."""

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._view = memoryview(data).cast("B")

    @property
    def size(self) -> int:
        return self._view.nbytes

    async def read(self, offset: int, length: int) -> bytes:
        return bytes(self._view[offset : offset + length])  # copies this chunk only

    def sha256(self) -> str:
        return hashlib.sha256(self._view).hexdigest()


class StreamSource:
    """A stream that can be opened again from the start, read in order.

    Reading at the current position continues the open stream; reading before it (a resume after
    a failure) reopens the stream and skips forward.
    """

    def __init__(self, size: int, open_stream: Callable[[], AsyncIterator[bytes]]) -> None:
        self._size = size
        self._open = open_stream
        self._stream: AsyncIterator[bytes] | None = None
        self._position = 0  # offset of the first byte in _pending
        self._pending = b""

    @property
    def size(self) -> int:
        return self._size

    async def read(self, offset: int, length: int) -> bytes:
        if self._stream is None or offset < self._position:
            self._stream, self._position, self._pending = self._open(), 0, b""
        out = bytearray()
        while len(out) < length:
            if not self._pending:
                try:
                    self._pending = await anext(self._stream)
                except StopAsyncIteration:
                    break
                continue
            start = max(0, offset + len(out) - self._position)
            if start >= len(self._pending):  # skipping forward past this piece
                self._position += len(self._pending)
                self._pending = b""
                continue
            piece = self._pending[start : start + length - len(out)]
            out += piece
            consumed = start + len(piece)
            self._position += consumed
            self._pending = self._pending[consumed:]
        return bytes(out)


async def sha256_of(source: UploadSource) -> str:
    if isinstance(source, BytesSource):
        return source.sha256()
    if isinstance(source, HeldSource):
        return await source.digest()
    digest = hashlib.sha256()
    offset = 0
    while offset < source.size:
        block = await source.read(offset, min(HASH_BLOCK, source.size - offset))
        if not block:
            raise UploadCorrupt("The file ended before its announced size.", operation="mcupload")
        digest.update(block)
        offset += len(block)
    return digest.hexdigest()


async def upload(
    connection: Connection,
    source: UploadSource,
    *,
    filename: str,
    content_type: str,
    sha256: str | None = None,
    progress: ProgressCallback | None = None,
    resume: UploadState | None = None,
) -> UploadState:
    """Send `source` in chunks; resume `resume` (from its `status`) when it is still known to the CRM.

    A chunk is sent once; when it fails on the way (dropped connection, timeout, CRM restart) the
    CRM is asked how much it has (`status`, itself retried) and sending continues from there.
    Chunks are offset-idempotent, so this also covers a chunk that arrived but whose answer did not.
    Gives up after `retry.attempts` consecutive failures that made no progress.
    """
    state = None
    if resume is not None and resume.size == source.size:
        try:
            state = resume.model_copy(update={"received": await _status(connection, resume.upload)})
        except UploadNotFound:
            state = None  # expired or consumed: start afresh
    if state is None:
        digest = sha256 or await sha256_of(source)
        started = await _start(connection, filename, content_type, source.size, digest)
        state = UploadState(
            upload=started.upload,
            filename=filename,
            content_type=content_type,
            size=source.size,
            sha256=digest,
            chunk_bytes=started.chunk_bytes,
            received=started.received,
        )
    _report(progress, state)

    failures = 0
    # An empty file is complete at `start` (the CRM checks the empty file's hash there).
    while not state.complete:
        length = min(state.chunk_bytes, state.size - state.received)
        before = state.received
        counted = False
        try:
            received = await _chunk(connection, state.upload, state.received, source, length)
        except UploadOffset:
            received = await _status(connection, state.upload)  # we were out of step: resync
        except CrmError as error:
            if not is_transient(error):
                raise
            failures, counted = failures + 1, True
            if failures >= connection.retry.attempts:
                raise
            await connection.sleep(connection.retry.delay(failures))
            received = await _status(connection, state.upload)
        if received > before:
            failures = 0
        elif length and not counted:
            failures += 1
            if failures >= connection.retry.attempts:
                raise UploadOffset("The CRM accepts no more of this upload.", operation="mcupload")
        state = state.model_copy(update={"received": received})
        _report(progress, state)
    return state


def _report(progress: ProgressCallback | None, state: UploadState) -> None:
    if progress is not None:
        progress(min(state.received, state.size), state.size)


async def _start(connection: Connection, filename: str, content_type: str, size: int, sha256: str) -> UploadStarted:
    # Not retried: each start creates an upload, and the CRM keeps unlinked ones for 24 h.
    data = await connection.call(
        "mcupload",
        {
            "action": "start",
            "filename": filename,
            "content_type": content_type,
            "size": str(size),
            "sha256": sha256,
        },
        idempotent=False,
    )
    return parse(UploadStarted, data, "mcupload")


async def _chunk(connection: Connection, upload_id: str, offset: int, source: UploadSource, length: int) -> int:
    # Sent once; the caller resumes from `status` (see `upload`).
    fields = {"action": "chunk", "upload": upload_id, "offset": str(offset)}
    if isinstance(source, HeldSource):
        # the bytes go from the browser's buffer to fetch: a Blob slice, never through Python
        answer = await connection.call("mcupload", body=source.chunk_body(fields, offset, length), idempotent=False)
    else:
        data = await source.read(offset, length)
        if len(data) != length:
            raise UploadCorrupt("The file ended before its announced size.", operation="mcupload")
        answer = await connection.call(
            "mcupload", fields, files={"data": ("chunk", data, "application/octet-stream")}, idempotent=False
        )
    return parse(UploadProgress, answer, "mcupload").received


async def _status(connection: Connection, upload_id: str) -> int:
    answer = await connection.call("mcupload", {"action": "status", "upload": upload_id}, idempotent=True)
    return parse(UploadProgress, answer, "mcupload").received
