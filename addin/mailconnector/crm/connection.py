"""How one operation is called: endpoint, credentials, timeout, retries and session renewal.

Every operation is a POST to `<base>/restapi/v1/vtews/<operation>` with its parameters in the body
(form-encoded, or multipart when it carries bytes or large text).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from mailconnector.crm.envelope import decode_response, map_transport_error
from mailconnector.crm.errors import AuthenticationRequired, CrmError, SessionExpired
from mailconnector.crm.hold import current_hold
from mailconnector.crm.retry import RetryPolicy, is_transient
from mailconnector.crm.transport import HOLD, NATIVE_BODY, AsksPermission, can_hold, default_transport
from mailconnector.crm.urls import CrmUrl

SessionExpiredHook = Callable[[], Awaitable[str | None]]
Sleep = Callable[[float], Awaitable[None]]
FilePart = tuple[str | None, bytes, str]  # (filename or None for a plain field, content, type)

DEFAULT_TIMEOUT = 20.0
OPERATION_TIMEOUTS: dict[str, float] = {
    "mcstatus": 10.0,
    "mclogout": 10.0,
    "mcupload": 60.0,  # one chunk of up to chunk_bytes over a slow uplink
    "mclink": 120.0,  # one transaction filing every document of a large mail
}
CONNECT_TIMEOUT = 10.0
# How long a browser keeps the CRM's CORS permission for an address when the CRM does not say: 5 s, the
# Fetch standard's default max-age (Chromium and WebKit alike). Stock vtenext sends no
# Access-Control-Max-Age, so `prepare` asks again once this much of it may have gone by.
PERMISSION_KEPT_SECONDS = 4.0


class _NoCookies(httpx.Cookies):
    """The pane keeps no cookies: fetch sends none (`credentials: "omit"`, the Authorization header is the
    credential) and never shows a Set-Cookie header to scripts. httpx would still parse every answer for
    them, building two urllib stand-ins per response: 0.78 ms of each answer in Pyodide (measured; 17 µs now)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class _CookielessClient(httpx.AsyncClient):
    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise TypeError("the CRM client keeps no cookies")

    _no_cookies = _NoCookies()


class Connection:
    """The HTTP side of the client. Holds the credentials; knows nothing about what operations mean."""

    def __init__(
        self,
        url: CrmUrl,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeouts: Mapping[str, float] | None = None,
        retry: RetryPolicy | None = None,
        on_session_expired: SessionExpiredHook | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.username: str | None = None
        self.token: str | None = None
        self.retry = retry or RetryPolicy()
        self.on_session_expired = on_session_expired
        self.sleep = sleep
        self._timeouts = {**OPERATION_TIMEOUTS, **(timeouts or {})}
        self._renewal = asyncio.Lock()
        self._renewals = 0  # the user's answers to "sign in again" so far
        self._renewal_declined = False  # the last one was "no"
        self._endpoints: dict[tuple[CrmUrl, str], httpx.URL] = {}
        self._clock = clock
        self._permission_asked: dict[httpx.URL, float] = {}
        self._unreachable = False  # the last call got no answer at all (network, CORS, timeout): see `prepare`
        self._transport = transport or default_transport()
        self._http = _CookielessClient(
            transport=self._transport,
            follow_redirects=False,
            trust_env=False,  # only the CRM the user chose receives mail data, never a proxy from env
            headers={"Accept": "application/json"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def _endpoint(self, operation: str) -> httpx.URL:
        # parsed once per operation: httpx parses a text URL on every request (~0.15 ms in Pyodide)
        key = (self.url, operation)
        url = self._endpoints.get(key)
        if url is None:
            url = self._endpoints[key] = httpx.URL(self.url.endpoint(operation))
        return url

    def prepare(self, operation: str) -> None:
        """A call of `operation` is coming (a search is being typed): in a browser, the CRM's CORS
        permission for its address is asked now, while the user types, unless it was asked less than
        PERMISSION_KEPT_SECONDS ago. Every call sends an Authorization header, so the browser asks the
        CRM first (an OPTIONS preflight) unless it holds a permission it got in the last 5 s: after a
        pause, a search would otherwise take two round trips. Nothing is awaited. Not while the last
        call could not reach the CRM: the browser would only log one more refused request, and the
        call itself says what is wrong. Elsewhere than in a browser there is nothing to ask."""
        if not isinstance(self._transport, AsksPermission) or self._unreachable:
            return
        url = self._endpoint(operation)
        now = self._clock()
        asked = self._permission_asked.get(url)
        if asked is not None and now - asked < PERMISSION_KEPT_SECONDS:
            return
        self._permission_asked[url] = now
        self._transport.ask_permission(url)

    def timeout_for(self, operation: str) -> float:
        return self._timeouts.get(operation, self._timeouts.get("default", DEFAULT_TIMEOUT))

    async def call(
        self,
        operation: str,
        params: Mapping[str, str] | None = None,
        *,
        files: Mapping[str, FilePart] | None = None,
        body: Any = None,
        authenticated: bool = True,
        idempotent: bool,
        renew_session: bool = True,
    ) -> Any:
        """The operation's `data`, or a CrmError.

        `body`, instead of `params` and `files`: a request body the transport sends as it is (a
        browser `FormData` holding a Blob slice, see `crm/held.py`); only the fetch transport has one.

        `idempotent` operations are retried with back-off on transient failures. Whatever the
        operation, a SessionExpired on an authenticated call asks `on_session_expired` for a new
        token once and repeats the call: the CRM refused it before doing anything, so repeating
        is safe even for operations that are not idempotent.
        """
        renewed = False
        while True:
            token_sent = self.token
            try:
                return await self._call_with_retries(operation, params, files, body, authenticated, idempotent)
            except SessionExpired:
                if not (authenticated and renew_session) or renewed or self.on_session_expired is None:
                    raise
                renewed = True
                if not await self._renew(token_sent):
                    raise

    async def _renew(self, token_sent: str | None) -> bool:
        # Several calls can fail together when a token is revoked (a link's uploads go side by side): the
        # user is asked once, and that one answer is theirs too, a "no" included. A call that fails later,
        # after the answer, asks again.
        asked_before = self._renewals
        async with self._renewal:
            if self.token is not None and self.token != token_sent:
                return True
            if self._renewals != asked_before and self._renewal_declined:
                return False
            assert self.on_session_expired is not None
            token = await self.on_session_expired()
            self._renewals += 1
            self._renewal_declined = not token
            if not token:
                return False
            self.token = token
            return True

    async def _call_with_retries(
        self,
        operation: str,
        params: Mapping[str, str] | None,
        files: Mapping[str, FilePart] | None,
        body: Any,
        authenticated: bool,
        idempotent: bool,
    ) -> Any:
        attempts = self.retry.attempts if idempotent else 1
        failures = 0
        while True:
            try:
                return await self._send(operation, params, files, body, authenticated)
            except CrmError as error:
                failures += 1
                if failures >= attempts or not is_transient(error):
                    raise
            await self.sleep(self.retry.delay(failures))

    async def _send(
        self,
        operation: str,
        params: Mapping[str, str] | None,
        files: Mapping[str, FilePart] | None,
        body: Any,
        authenticated: bool,
    ) -> Any:
        # Held (crm/hold.py): the browser's page gets the request built now and sends it when the hold
        # ends; other transports get it once the hold is over.
        hold = current_hold()
        if hold is not None and not can_hold(self._transport):
            await hold.wait()
            hold = None
        auth: httpx.BasicAuth | None = None
        if authenticated:
            if not self.token or not self.username:
                raise AuthenticationRequired("Not signed in to the CRM.", operation=operation)
            auth = httpx.BasicAuth(self.username, self.token)
        seconds = self.timeout_for(operation)
        extensions: dict[str, Any] = {} if body is None else {NATIVE_BODY: body}
        if hold is not None:
            extensions[HOLD] = hold
        try:
            response = await self._http.post(
                self._endpoint(operation),
                data=dict(params or {}),
                files=dict(files) if files else None,
                auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
                timeout=httpx.Timeout(seconds, connect=min(seconds, CONNECT_TIMEOUT)),
                extensions=extensions or None,
            )
        except httpx.TransportError as exc:
            self._unreachable = True
            raise map_transport_error(operation, exc) from exc
        self._unreachable = False
        return decode_response(operation, response)
