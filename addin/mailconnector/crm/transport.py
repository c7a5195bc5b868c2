"""An httpx transport that sends requests with the browser's `fetch` (Pyodide has no sockets).

The only module of the client that touches JavaScript. It imports under CPython too (so the client
and its type checks do not depend on the browser); it just cannot send anything there.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

# PyScript's window and ffi (mailconnector.browser): importable under CPython too, where tests use
# httpx's own transports and nothing here is called.
from mailconnector.browser import IN_BROWSER, JsException, create_proxy, to_js
from mailconnector.browser import window as js

# Request extension: a body fetch sends as it is (a FormData with Blob slices, see crm/held.py).
NATIVE_BODY = "mailconnector.body"

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


class FetchFailed(httpx.ConnectError):
    """fetch rejected with a TypeError: network down, DNS, TLS, or CORS refused - the browser
    deliberately does not say which."""

    hint = "CORS_OR_NETWORK"


class FetchTransport(httpx.AsyncBaseTransport):
    """One fetch per request; the whole answer is read (the CRM's answers are small JSON)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not IN_BROWSER:
            raise RuntimeError("FetchTransport needs a browser (Pyodide)")
        native = request.extensions.get(NATIVE_BODY)
        body = await request.aread()
        # A FormData body: the browser writes its multipart Content-Type (with the boundary) itself.
        skipped = _NOT_SENT | {"content-type"} if native is not None else _NOT_SENT
        headers = [[k, v] for k, v in request.headers.multi_items() if k.lower() not in skipped]
        controller = js.AbortController.new()
        timed_out = False

        def on_timeout(*_: Any) -> None:
            nonlocal timed_out
            timed_out = True
            controller.abort()

        deadline = _deadline_seconds(request)
        timer_callback = create_proxy(on_timeout)
        timer = js.setTimeout(timer_callback, int(deadline * 1000)) if deadline is not None else None
        init: dict[str, Any] = {
            "method": request.method,
            "headers": headers,
            "signal": controller.signal,
            "redirect": "manual",  # like httpx: a redirect is an answer, not followed
            "credentials": "omit",  # the Authorization header is the credential; no cookies
        }
        if request.method in ("GET", "HEAD"):
            # Browsers never store or reuse the answer to a POST (every CRM operation is one), and the
            # CRM says no-store too; asked for a POST, Chromium's no-store cost ~1.3 ms per call here.
            init["cache"] = "no-store"
        if native is not None:
            init["body"] = native
        elif body or request.method not in ("GET", "HEAD"):
            init["body"] = to_js(body)  # bytes -> Uint8Array (one copy, this chunk only)
        try:
            response = await js.fetch(str(request.url), to_js(init, dict_converter=js.Object.fromEntries))
            buffer = await response.arrayBuffer()
        except asyncio.CancelledError:
            controller.abort()  # the task was cancelled: stop the network work too
            raise
        except JsException as exc:
            if timed_out:
                raise httpx.ReadTimeout(f"no answer within {deadline} s", request=request) from None
            raise FetchFailed(f"{getattr(exc, 'name', 'Error')}: {exc}", request=request) from None
        finally:
            if timer is not None:
                js.clearTimeout(timer)
            timer_callback.destroy()

        if response.type == "opaqueredirect":
            # "manual" hides the status and Location; report a redirect all the same.
            return httpx.Response(302, request=request)
        received = [
            (str(k), str(v))
            for k, v in js.Array.from_(response.headers.entries()).to_py()
            if str(k).lower() not in _NOT_RECEIVED
        ]
        return httpx.Response(response.status, headers=received, content=buffer.to_bytes(), request=request)


def _deadline_seconds(request: httpx.Request) -> float | None:
    """fetch has one deadline, httpx has one per phase: allow connecting plus the slower phase."""
    timeouts = request.extensions.get("timeout") or {}
    connect, read, write = (timeouts.get(k) for k in ("connect", "read", "write"))
    if read is None and write is None:
        return None
    return float(connect or 0) + float(max(t for t in (read, write) if t is not None))


def default_transport() -> httpx.AsyncBaseTransport | None:
    """fetch in the browser; None (httpx's socket transport) elsewhere."""
    return FetchTransport() if IN_BROWSER else None
