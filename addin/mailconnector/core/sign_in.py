"""Connecting and signing in: the CRM's address and user, discovery (`mcstatus`), the password and the
one-time code, and signing out. Only the device token is stored (core/ports.TokenStore); the password
is held in memory only between the password and the code step.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mailconnector.core import decisions
from mailconnector.core.ports import StoredSession
from mailconnector.core.state import Message, RecordChoice, SessionInfo
from mailconnector.crm import errors
from mailconnector.crm.urls import normalise_crm_url
from mailconnector.models import LoginResult

if TYPE_CHECKING:
    from mailconnector.core.app import App
    from mailconnector.core.ports import CrmSession

DEVICE_NAME = "Outlook add-in"


class SignInFlow:
    def __init__(self, app: App) -> None:
        self.app = app
        self._password: str | None = None  # only between the password and the code step

    def edit_address(self, url_text: str) -> None:
        self.app._connect(url_text=url_text, feedback=decisions.url_feedback(url_text) if url_text.strip() else None)

    def edit_username(self, username: str) -> None:
        self.app._connect(username=username)

    def submit_address(self, url_text: str, username: str) -> None:
        self.app._connect(url_text=url_text, username=username.strip(), problem=None)
        feedback = decisions.url_feedback(url_text)
        if not feedback.ok:
            self.app._connect(feedback=feedback, problem=Message.of(f"url.{feedback.problem}"))
            return
        if not username.strip():
            self.app._connect(feedback=feedback, problem=Message.of("connect.username_missing"))
            return
        self.app._connect(feedback=feedback, busy=True)
        self.app._spawn(self._discover(url_text, username.strip()))

    async def _discover(self, url_text: str, username: str) -> None:
        try:
            url = normalise_crm_url(url_text)
            client = self.app.make_client(url)
            status = await client.status()
        except errors.CrmError as exc:
            gate = decisions.gate_for_error(exc)
            if gate:
                self.app._connect(busy=False)
                self.app._show_gate(gate, host=_host_of(url_text))
            else:
                self.app._connect(busy=False, problem=decisions.explain_connect(exc, url_text, self.app.origin))
            return
        self.app._adopt(client)
        info = decisions.crm_info(url, status)
        self.app._update(crm=info)
        self.app._connect(busy=False, crm=info, problem=None)
        gate = decisions.gate_for_status(status)
        if gate:
            self.app._show_gate(gate)
            return
        self.app._update(screen="password", problem=None)

    def submit_password(self, password: str) -> None:
        if not password:
            self.app._connect(problem=Message.of("connect.password_missing"))
            return
        self._password = password
        self.app._connect(busy=True, problem=None)
        self.app._spawn(self._login(password, None))

    def submit_code(self, code: str) -> None:
        code = "".join(code.split())
        if not code:
            self.app._connect(problem=Message.of("connect.code_missing"))
            return
        if self._password is None:
            self.app._update(screen="password")
            return
        self.app._connect(busy=True, problem=None)
        self.app._spawn(self._login(self._password, code))

    async def _login(self, password: str, code: str | None) -> None:
        client = self.app._client
        if client is None:
            self.app._update(screen="connect")
            return
        username = self.app.state.connect.username
        try:
            result = await client.login(username, password, code, DEVICE_NAME)
        except errors.OtpRequired:
            self.app._connect(busy=False, problem=None)
            self.app._update(screen="otp")
            return
        except errors.CrmError as exc:
            gate = decisions.gate_for_error(exc)
            if gate:
                self._password = None
                self.app._connect(busy=False)
                self.app._show_gate(gate)
                return
            if isinstance(exc, errors.LoginLocked | errors.UserInactive):
                self._password = None
            self.app._connect(busy=False, problem=decisions.explain(exc))
            return
        self._password = None
        self.app._connect(busy=False, problem=None)
        await self._signed_in(client, result)

    async def _signed_in(self, client: CrmSession, result: LoginResult) -> None:
        self.app.tokens.save(StoredSession(url=client.url.base, username=result.user.username, token=result.token))
        user = result.user
        session = SessionInfo(
            base=client.url.base, host=client.url.display_host, username=user.username, name=user.name, email=user.email
        )
        # the address as the CRM is known from now on (what a next sign-in shows)
        base = client.url.base
        connect = replace(self.app.state.connect, url_text=base, feedback=decisions.url_feedback(base))
        # a token already past its expiry on this computer's clock: say so, the check compares the clocks
        clocks = decisions.expired_on_arrival(result.expires, user.timezone, datetime.now(UTC))
        problem = Message.of("doctor.clock_suspect", tone="warning") if clocks else None
        self.app._update(screen="record", session=session, gate=None, problem=problem, connect=connect)
        self.app._enter_record_screen()
        self.app._remembered = replace(self.app._remembered, url=client.url.base, username=user.username)
        await self.app._save_preferences()

    def back_to_address(self) -> None:
        self._password = None
        self.app._connect(busy=False, problem=None)
        self.app._update(screen="connect", gate=None)

    def logout(self) -> None:
        self.app._spawn(self._logout())

    async def _logout(self) -> None:
        client = self.app._client
        self.app._cancel_mail_work()
        problem = None
        if client is not None:
            try:
                await client.logout()
            except errors.CrmError:
                # Forgotten here all the same; the administrator can revoke the device at the CRM.
                problem = Message.of("logout.not_revoked", tone="warning")
        self.app.tokens.clear()
        self._password = None
        self.app._set(
            self.app.state.but(
                screen="connect",
                session=None,
                target=None,
                outcome=None,
                progress=None,
                preflight=(),
                gate=None,
                problem=None,
                choice=RecordChoice(module=self.app.state.choice.module),
                connect=replace(self.app.state.connect, busy=False, problem=problem),
            )
        )


def _host_of(url_text: str) -> str:
    try:
        return normalise_crm_url(url_text).display_host
    except errors.UrlError:
        return ""
