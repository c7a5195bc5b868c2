"""Bytes held by the browser (`addin/bytes.mjs`), steered from Python without copying them here.

Office hands attachments and the original .eml over as base64 text. Converting that text into a
Python string, decoding it and hashing it inside WebAssembly cost ~15x the attachment in memory and
froze the pane for seconds (issue #13). Instead the text is read, decoded and hashed by the page's
own JavaScript (`MailConnectorBytes`, loaded by index.html), and each chunk goes to `fetch` as a
Blob slice in a `FormData` body. Python keeps what it always kept: order, state, progress, errors.

The only module that touches `MailConnectorBytes` (through `mailconnector.browser`, PyScript's
window); it imports under CPython too (nothing here runs there: the pure core uploads `BytesSource`s).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailconnector.browser import IN_BROWSER, JsException, page_module, to_js, window


class HeldBytesError(ValueError):
    """The host's text could not be turned into bytes (not base64)."""


class HeldBytes:
    """One file's bytes in a browser Blob: an `UploadSource` that hashes itself and hands a chunk to
    `fetch` as a request body (`mailconnector.crm.uploads.HeldSource`)."""

    def __init__(self, held: Any) -> None:
        self._held = held
        self._size = int(held.size)
        self._sha256 = str(held.sha256)

    @property
    def size(self) -> int:
        return self._size

    async def digest(self) -> str:
        return self._sha256

    async def read(self, offset: int, length: int) -> bytes:
        """A copy of some bytes (not used by uploads; for callers that need them in Python)."""
        chunk = await self._held.read(offset, length)
        return bytes(chunk.to_bytes())

    def chunk_body(self, fields: Mapping[str, str], offset: int, length: int) -> Any:
        """A FormData with `fields` and `data` = bytes [offset, offset+length), for fetch to send."""
        return self._held.form(to_js(dict(fields), dict_converter=window.Object.fromEntries), offset, length)


def _api() -> Any:
    return page_module("MailConnectorBytes", "addin/bytes.mjs")


def available() -> bool:
    """Whether the page has loaded `bytes.mjs` (the pane and the test harness do)."""
    return IN_BROWSER and getattr(window, "MailConnectorBytes", None) is not None


async def from_base64(container: Any, key: str) -> HeldBytes:
    """The bytes of the base64 text `container[key]` (a JS object: the text stays in JavaScript)."""
    try:
        return HeldBytes(await _api().fromBase64(container, key))
    except JsException as exc:
        raise HeldBytesError(str(exc)) from None


async def from_text(container: Any, key: str) -> HeldBytes:
    """The UTF-8 bytes of the text `container[key]`."""
    return HeldBytes(await _api().fromText(container, key))


async def from_bytes(data: bytes) -> HeldBytes:
    """Bytes Python already has (tests, a dropped file), moved into the browser's buffers."""
    return HeldBytes(await _api().fromBytes(to_js(data)))
