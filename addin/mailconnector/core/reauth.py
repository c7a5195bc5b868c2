"""Signing in again without leaving the work: when the CRM refuses the token mid-task (expired or
revoked), the client asks `renew`, the pane shows the password (and code) over the current screen, and
the refused call is repeated with the new token; cancelling ends the session (App._signed_out).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING

from mailconnector.core import decisions
from mailconnector.core.ports import StoredSession
from mailconnector.core.sign_in import DEVICE_NAME
from mailconnector.core.state import Message, Reauth
from mailconnector.crm import errors

if TYPE_CHECKING:
    from mailconnector.core.app import App


class ReauthFlow:
    def __init__(self, app: App) -> None:
        self.app = app
        self._future: asyncio.Future[str | None] | None = None
        self._password: str | None = None  # only between the password and the code step

    async def renew(self) -> str | None:
        """Called by the client when the CRM refuses the token: ask the user, then carry on."""
        if self.app.state.session is None:
            return None
        loop = asyncio.get_event_loop()
        future: asyncio.Future[str | None] = loop.create_future()
        self._future = future
        self.app._update(reauth=Reauth(username=self.app.state.session.username))
        try:
            return await future
        finally:
            self._future = None
            self._password = None
            self.app._update(reauth=None)

    def submit(self, password: str, code: str = "") -> None:
        reauth = self.app.state.reauth
        if reauth is None:
            return
        if reauth.otp:
            password = self._password or password
            if not "".join(code.split()):
                self.app._update(reauth=replace(reauth, problem=Message.of("connect.code_missing")))
                return
        elif not password:
            self.app._update(reauth=replace(reauth, problem=Message.of("connect.password_missing")))
            return
        self.app._update(reauth=replace(reauth, busy=True, problem=None))
        self.app._spawn(self._reauthenticate(password, "".join(code.split()) or None))

    async def _reauthenticate(self, password: str, code: str | None) -> None:
        client, reauth, future = self.app._client, self.app.state.reauth, self._future
        if client is None or reauth is None or future is None:
            return
        try:
            result = await client.login(reauth.username, password, code, DEVICE_NAME)
        except errors.OtpRequired:
            self._password = password
            self.app._update(reauth=replace(reauth, otp=True, busy=False, problem=None))
            return
        except errors.CrmError as exc:
            if decisions.gate_for_error(exc) and not future.done():
                future.set_result(None)
                self.app._show_gate(decisions.gate_for_error(exc) or "")
                return
            self.app._update(reauth=replace(reauth, busy=False, problem=decisions.explain(exc)))
            return
        self.app.tokens.save(StoredSession(url=client.url.base, username=result.user.username, token=result.token))
        if not future.done():
            future.set_result(result.token)

    def cancel(self) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(None)
