"""The connection doctor's browser edge: one POST with the browser's `fetch`, in normal (`cors`) or
`no-cors` mode, reporting exactly what a script may see (an opaque answer has no status or body).

Like transport.py it imports under CPython, where the same request goes through httpx (no CORS
there: a `no-cors` request is simply the same request).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from mailconnector.browser import IN_BROWSER, JsException, create_proxy, to_js
from mailconnector.browser import window as js
from mailconnector.core.doctor import FetchAnswer

_FORM = "application/x-www-form-urlencoded"  # a "simple" request: no preflight in either mode


class FetchProbe:
    async def post(self, url: str, *, cors: bool, seconds: float) -> FetchAnswer:
        if not IN_BROWSER:
            return await _httpx_post(url, seconds)
        controller = js.AbortController.new()
        on_timeout = create_proxy(lambda *_: controller.abort())
        timer = js.setTimeout(on_timeout, int(seconds * 1000))
        # Chromium refuses a no-cors request whose redirect mode is "manual" outright: follow there.
        init = {"method": "POST", "mode": "cors" if cors else "no-cors", "credentials": "omit", "cache": "no-store",
                "redirect": "manual" if cors else "follow", "headers": [["Content-Type", _FORM]], "body": "",
                "signal": controller.signal}
        try:
            response = await js.fetch(url, to_js(init, dict_converter=js.Object.fromEntries))
            if str(response.type) == "opaque":
                return FetchAnswer(answered=True, error="opaque")
            if str(response.type) == "opaqueredirect":  # status and Location hidden: a redirect all the same
                return FetchAnswer(answered=True, status=302)
            buffer = await response.arrayBuffer()
        except asyncio.CancelledError:
            controller.abort()
            raise
        except JsException as exc:
            timed_out = bool(controller.signal.aborted)
            return FetchAnswer(answered=False, error=str(exc), timed_out=timed_out)  # e.g. "TypeError: Failed to fetch"
        finally:
            js.clearTimeout(timer)
            on_timeout.destroy()
        headers: list[Any] = js.Array.from_(response.headers.entries()).to_py()
        return FetchAnswer(answered=True, status=int(response.status),
                           headers=tuple((str(k), str(v)) for k, v in headers), body=buffer.to_bytes())


async def _httpx_post(url: str, seconds: float) -> FetchAnswer:
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=seconds) as client:
            response = await client.post(url, content=b"", headers={"Content-Type": _FORM})
    except httpx.TimeoutException as exc:
        return FetchAnswer(answered=False, error=type(exc).__name__, timed_out=True)
    except httpx.TransportError as exc:
        return FetchAnswer(answered=False, error=f"{type(exc).__name__}: {exc}")
    return FetchAnswer(answered=True, status=response.status_code, headers=tuple(response.headers.items()),
                       body=response.content)
