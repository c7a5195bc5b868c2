"""An httpx transport that sends requests with the browser's `fetch` (Pyodide has no sockets).

The only module of the client that touches JavaScript. It imports under CPython too (so the client
and its type checks do not depend on the browser); it just cannot send anything there.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol, runtime_checkable

import httpx

# PyScript's window and ffi (mailconnector.browser): importable under CPython too, where tests use
# httpx's own transports and nothing here is called.
from mailconnector.browser import IN_BROWSER, page_module, to_js

# Request extension: a body fetch sends as it is (a FormData with Blob slices, see crm/held.py).
NATIVE_BODY = "mailconnector.body"
# Request extension: a `crm.hold.Hold` the request waits for in the page, built and ready to send.
HOLD = "mailconnector.hold"

# Browsers refuse to let scripts set these (or they trigger a needless CORS preflight).
_NOT_SENT = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "accept-encoding",
        "accept-charset",
        "content-length",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "cookie",
        "origin",
        "referer",
        "date",
        "dnt",
        "via",
        "user-agent",
    }
)
# fetch has already decoded the body: these would describe bytes httpx never sees.
_NOT_RECEIVED = frozenset({"content-encoding", "content-length", "transfer-encoding"})


# The bare OPTIONS of `ask_permission`: the CRM answers it at once, empty; past this it is abandoned
# (and the search's own POST is preflighted as before).
PERMISSION_DEADLINE_MS = 10_000


@runtime_checkable
class AsksPermission(Protocol):
    """A transport that can have the CRM's CORS permission for an address asked ahead of a call to it
    (the browser's: `FetchTransport`). httpx's own transports have no browser to ask."""

    def ask_permission(self, url: httpx.URL) -> Any: ...


class FetchFailed(httpx.ConnectError):
    """fetch rejected with a TypeError: network down, DNS, TLS, or CORS refused - the browser
    deliberately does not say which."""

    hint = "CORS_OR_NETWORK"


class FetchTransport(httpx.AsyncBaseTransport):
    """One fetch per request, sent and read by `addin/page.mjs`: the headers and the whole body come
    back in one await (the CRM's answers are small JSON), so an answer costs one turn of the event
    loop, not two (the body read used to be a second await, 1-3 ms on a search)."""

    holds_requests = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not IN_BROWSER:
            raise RuntimeError("FetchTransport needs a browser (Pyodide)")
        native = request.extensions.get(NATIVE_BODY)
        body = await request.aread()
        # A FormData body: the browser writes its multipart Content-Type (with the boundary) itself.
        skipped = _NOT_SENT | {"content-type"} if native is not None else _NOT_SENT
        headers = [[k, v] for k, v in request.headers.multi_items() if k.lower() not in skipped]
        if native is not None:
            sent = native
        elif body or request.method not in ("GET", "HEAD"):
            sent = to_js(body)  # bytes -> Uint8Array (one copy, this chunk only)
        else:
            sent = None
        deadline = _deadline_seconds(request)
        hold = request.extensions.get(HOLD)
        call = _page().send(
            str(request.url),
            request.method,
            to_js(headers),
            sent,
            None if deadline is None else int(deadline * 1000),
            0 if hold is None else hold.remaining() * 1000,  # read last: the page's timer starts now
        )
        if hold is not None:
            hold.on_drop(call.abort)  # the user typed on: dropped unsent, now, not at this task's next turn
        try:
            answer = await call.answer
        except asyncio.CancelledError:
            call.abort()  # the task was cancelled: stop the network work too
            raise
        if answer.failed:
            if answer.timedOut:
                raise httpx.ReadTimeout(f"no answer within {deadline} s", request=request)
            raise FetchFailed(f"{answer.name}: {answer.message}", request=request)
        if answer.redirect:
            # "manual" hides the status and Location; report a redirect all the same.
            return httpx.Response(302, request=request)
        received = [(k, v) for k, v in answer.headers.to_py() if k not in _NOT_RECEIVED]  # names come lowercase
        return httpx.Response(answer.status, headers=received, content=answer.body.to_bytes(), request=request)

    def ask_permission(self, url: httpx.URL) -> Any:
        """Has the browser ask the CRM's CORS permission for `url` now, not in front of the next call to it.

        A bare OPTIONS request: a method no browser sends without asking first, so the browser sends its
        own OPTIONS preflight, and keeps what the CRM allows in it (methods POST and OPTIONS, headers
        Authorization and Content-Type: crm-protocol section 1) for every request to that address, the
        next POST with its Authorization header included. The CRM answers both OPTIONS with an empty
        200 without doing any work. The pane does not wait for it (a failure here is the next call's to
        report); the call is returned so that a test can."""
        return _page().send(str(url), "OPTIONS", to_js([]), None, PERMISSION_DEADLINE_MS)


def _page() -> Any:
    return page_module("MailConnectorPage", "addin/page.mjs")


def _deadline_seconds(request: httpx.Request) -> float | None:
    """fetch has one deadline, httpx has one per phase: allow connecting plus the slower phase."""
    timeouts = request.extensions.get("timeout") or {}
    connect, read, write = (timeouts.get(k) for k in ("connect", "read", "write"))
    if read is None and write is None:
        return None
    return float(connect or 0) + float(max(t for t in (read, write) if t is not None))


def can_hold(transport: httpx.AsyncBaseTransport | None) -> bool:
    """Whether `transport` takes a request with a `HOLD` extension at once and sends it when the hold
    ends (the browser's: `FetchTransport`, whose page keeps the timer); a held request dropped before
    then is never sent. Other transports get a request only once its hold is over."""
    return getattr(transport, "holds_requests", False) is True


def default_transport() -> httpx.AsyncBaseTransport | None:
    """fetch in the browser; None (httpx's socket transport) elsewhere."""
    return FetchTransport() if IN_BROWSER else None
