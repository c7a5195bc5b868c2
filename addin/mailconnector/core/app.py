"""The pane's state and its flows: the licence gate, the record choice, link and the pinned pane's
mail switch here; signing in (core/sign_in.py), signing in again (core/reauth.py), the search
(core/search_flow.py), unlinking, the connection check and creating a record in their own modules,
each given the App. One `App` per pane; the view calls its intent methods (or its flows') and renders
every new state it publishes.

Intent methods are synchronous and return at once; the work they start runs as asyncio tasks, so a
click never blocks the page. Work is tied to the mail it started for (`mail_key`): answers that
arrive for an older mail or an older query are dropped, never shown over newer ones.
"""

from __future__ import annotations

import asyncio
import sys
import time
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from mailconnector.core import decisions, thread
from mailconnector.core.create_record import RecordCreator
from mailconnector.core.doctor import DoctorFlow, NetworkProbe
from mailconnector.core.linking import LinkRun, UploadCache
from mailconnector.core.ports import (
    ClientFactory,
    CrmSession,
    HostRefused,
    MailHost,
    Preferences,
    Remembered,
    Sleep,
    TokenStore,
)
from mailconnector.core.reauth import ReauthFlow
from mailconnector.core.search_flow import SEARCH_DEBOUNCE, SearchFlow
from mailconnector.core.sign_in import SignInFlow
from mailconnector.core.state import (
    AppState,
    ConnectState,
    GateState,
    LinkOutcome,
    LinkProgress,
    Message,
    Notice,
    RecordChoice,
    SessionInfo,
    Target,
)
from mailconnector.core.unlink import UnlinkFlow
from mailconnector.crm import errors
from mailconnector.crm.urls import normalise_crm_url
from mailconnector.models import LookupResult, MailSnapshot

Listener = Callable[[AppState], None]


class App:
    def __init__(
        self,
        *,
        host: MailHost,
        make_client: ClientFactory,
        preferences: Preferences,
        tokens: TokenStore,
        sleep: Sleep = asyncio.sleep,
        debounce: float = SEARCH_DEBOUNCE,
        clock: Callable[[], float] = time.monotonic,
        probe: NetworkProbe | None = None,
        origin: str = "",
    ) -> None:
        """`probe` is the browser edge the connection check sends its requests through (no check
        without it); `origin` is the pane's own origin (what a CRM must allow, Local Network Access)."""
        self.host = host
        self.make_client = make_client
        self.preferences = preferences
        self.tokens = tokens
        self.sleep = sleep
        self.debounce = debounce
        self.clock = clock
        self.state = AppState()
        self._listeners: list[Listener] = []
        self._client: CrmSession | None = None
        self._mail_tasks: set[asyncio.Task[Any]] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._link_task: asyncio.Task[Any] | None = None
        self._uploads = UploadCache()
        self._stand_in_ids: dict[int, str] = {}  # mail key -> the Message-ID its link computed
        self._notice_ids = 0
        self._remembered = Remembered()
        self.origin = origin
        self.signin = SignInFlow(self)  # address, password, code, sign-out (core/sign_in.py)
        self.reauth = ReauthFlow(self)  # signing in again over the current screen (core/reauth.py)
        self.searcher = SearchFlow(self)  # the search in the record screen (core/search_flow.py)
        self.unlink = UnlinkFlow(self)
        self.doctor = DoctorFlow(self, probe=probe, origin=origin)
        self.creator = RecordCreator(self)  # "create a Contact/Lead from this mail" (core/create_record.py)

    # --- publishing ---------------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _set(self, state: AppState) -> None:
        self.state = state
        for listener in self._listeners:
            listener(state)

    def _update(self, **changes: object) -> None:
        self._set(self.state.but(**changes))

    def _choice(self, **changes: object) -> None:
        self._update(choice=replace(self.state.choice, **changes))  # type: ignore[arg-type]

    def _connect(self, **changes: object) -> None:
        self._update(connect=replace(self.state.connect, **changes))  # type: ignore[arg-type]

    def _spawn(self, coro: Coroutine[Any, Any, Any], *, mail_bound: bool = False) -> asyncio.Task[Any]:
        task = asyncio.get_event_loop().create_task(self._guard(coro))
        group = self._mail_tasks if mail_bound else self._tasks
        group.add(task)
        task.add_done_callback(group.discard)
        # a task cancelled before it ran never started its coroutine: close it quietly
        task.add_done_callback(lambda _: coro.close())
        return task

    async def _guard(self, coro: Coroutine[Any, Any, Any]) -> None:
        """A bug must never leave the pane silently stuck: say so and keep the pane usable."""
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            self._update(problem=decisions.explain(exc))

    # --- start --------------------------------------------------------------------------------------------
    def start(self, mail: MailSnapshot | None) -> None:
        """Office is ready: show the mail and the first screen that accepts input."""
        self._remembered = self.preferences.load()
        remembered = self._remembered
        stored = self.tokens.load(remembered.url)
        state = self.state.but(
            mail=mail,
            mail_key=self.state.mail_key + 1,
            choice=RecordChoice(module=remembered.module),
            connect=ConnectState(
                url_text=remembered.url,
                username=remembered.username,
                feedback=decisions.url_feedback(remembered.url) if remembered.url else None,
            ),
        )
        if stored is not None and (not remembered.url or _same_site(stored.url, remembered.url)):
            try:
                client = self.make_client(normalise_crm_url(stored.url))
            except errors.UrlError:
                self.tokens.clear()
            else:
                client.set_credentials(stored.username, stored.token)
                self._adopt(client)
                session = SessionInfo(base=client.url.base, host=client.url.display_host, username=stored.username)
                self._set(state.but(screen="record", session=session))
                self._spawn(self._refresh_status())
                self._enter_record_screen()
                return
        self._set(state.but(screen="connect"))

    def _adopt(self, client: CrmSession) -> None:
        if self._client is not None and self._client is not client:
            old = self._client
            self._spawn(old.aclose())
        self._client = client
        client.on_session_expired = self.reauth.renew

    async def _refresh_status(self) -> None:
        """Limits and capabilities for the preflight; a licence that ended closes the gate."""
        client = self._client
        if client is None:
            return
        try:
            status = await client.status()
        except errors.CrmError as exc:
            gate = decisions.gate_for_error(exc)
            if gate:
                self._show_gate(gate)
            return  # without limits the preflight simply does not warn ahead
        self._update(crm=decisions.crm_info(client.url, status))
        gate = decisions.gate_for_status(status)
        if gate:
            self._show_gate(gate)

    async def _save_preferences(self) -> None:
        try:
            await self.preferences.save(self._remembered)
        except Exception:  # remembering is a convenience: failing to must not stop the work
            traceback.print_exc(file=sys.stderr)

    # --- licence gate --------------------------------------------------------------------------------------
    def _show_gate(self, kind: str, host: str = "") -> None:
        crm = self.state.crm
        self._cancel_mail_work()
        self._update(
            screen="gate",
            gate=GateState(
                kind=kind,  # type: ignore[arg-type]
                installation=crm.installation if crm else "",
                host=crm.host if crm else host,
            ),
        )

    def retry_gate(self) -> None:
        """Try again after the administrator acted: from discovery, with what the user typed."""
        connect = self.state.connect
        if self.state.session is not None and self._client is not None:
            self._update(gate=replace(self.state.gate, busy=True) if self.state.gate else None)
            self._spawn(self._recheck_session())
            return
        self._update(screen="connect", gate=None)
        self.signin.submit_address(connect.url_text, connect.username)

    async def _recheck_session(self) -> None:
        client = self._client
        assert client is not None
        try:
            status = await client.status()
            gate = decisions.gate_for_status(status)
            if gate is None:
                await client.modules()  # a signed-in call: meets seats and licence as the CRM sees them
        except errors.CrmError as exc:
            gate = decisions.gate_for_error(exc)
            if gate is None:
                self._update(gate=replace(self.state.gate, busy=False) if self.state.gate else None)
                if isinstance(exc, errors.SessionExpired):
                    await self._signed_out(Message.of("error.SESSION_EXPIRED", tone="warning"))
                return
        if gate:
            self._show_gate(gate)
            return
        self._update(screen="record", gate=None, crm=decisions.crm_info(client.url, status))
        self._enter_record_screen()

    async def _signed_out(self, message: Message) -> None:
        """The session ended and the user did not sign in again: back to the password screen."""
        self.tokens.clear()
        if self._client is not None:
            self._client.forget_credentials()
        self._cancel_mail_work()
        screen = "password" if self.state.crm is not None else "connect"
        self._set(
            self.state.but(
                screen=screen,
                session=None,
                target=None,
                progress=None,
                outcome=None,
                reauth=None,
                connect=replace(self.state.connect, busy=False, problem=message),
            )
        )

    async def _failed(self, exc: errors.CrmError) -> Message | None:
        """Common handling: the gate, an ended session. Returns the message for anything else."""
        gate = decisions.gate_for_error(exc)
        if gate:
            self._show_gate(gate)
            return None
        if isinstance(exc, errors.SessionExpired):
            await self._signed_out(Message.of("error.SESSION_EXPIRED", tone="warning"))
            return None
        return decisions.explain(exc)

    # --- the mail ------------------------------------------------------------------------------------------
    def item_changed(self, mail: MailSnapshot | None) -> None:
        """A pinned pane switched mail: start over for the new one, keep the module choice.

        A link in flight carries on for the mail it started with and reports through a notice.
        """
        self._cancel_mail_work()
        choice = self.state.choice
        state = self.state.but(
            mail=mail,
            mail_key=self.state.mail_key + 1,
            target=None,
            preflight=(),
            outcome=None,
            problem=None,
            progress=None,
            choice=RecordChoice(modules=choice.modules, modules_status=choice.modules_status, module=choice.module,
                                createable=choice.createable, not_createable=choice.not_createable),
            create=None,
            created="",
        )
        if state.screen in ("preflight", "linking", "receipt", "unlink", "create"):
            state = state.but(screen="record", unlink=None)
        self._set(state)
        if state.screen == "record":
            self._enter_record_screen()

    def _cancel_mail_work(self) -> None:
        for task in list(self._mail_tasks):
            task.cancel()
        self._mail_tasks.clear()
        self.searcher.cancel()

    # --- choosing the record ----------------------------------------------------------------------------------
    def _enter_record_screen(self) -> None:
        choice = self.state.choice
        if choice.modules_status != "ready":
            self._choice(modules_status="loading")
            self._spawn(self._load_modules(), mail_bound=True)
        mail = self.state.mail
        if mail is None:
            self._choice(links=(), links_status="ready", suggestions=(), suggestions_status="ready")
            return
        self._choice(links_status="loading", suggestions_status="loading")
        key = self.state.mail_key
        self._spawn(self._load_links(key, mail), mail_bound=True)
        self._spawn(self._load_suggestions(key, mail), mail_bound=True)

    async def _load_modules(self) -> None:
        client = self._client
        if client is None:
            return
        try:
            modules = await client.modules()
        except errors.CrmError as exc:
            problem = await self._failed(exc)
            if problem:
                self._choice(modules_status="error", problem=problem)
            return
        module = decisions.default_module(modules, self.state.choice.module or self._remembered.module)
        self._choice(modules=modules, modules_status="ready", module=module)
        self._spawn(self.creator.load_createable(modules))
        if self.state.choice.query.strip():
            self.searcher.start(self.state.choice.query)

    async def _load_links(self, key: int, mail: MailSnapshot) -> None:
        client = self._client
        if client is None:
            return
        try:
            # a mail without a Message-ID but with files has an id only once its files were read (linked)
            message_id = self._stand_in_ids.get(key) if mail.needs_attachment_digests else mail.effective_message_id()
            # with its thread (B.9): where earlier mails of this conversation are stored
            # a mail with its Message-ID may have been stored before Outlook knew it (B.12)
            sent_item = (mail.content_fingerprint(), mail.date_sent) if mail.has_message_id else None
            found = await client.lookup_thread(message_id, mail.thread_references, mail.conversation_id,
                                               sent_item=sent_item) if message_id else LookupResult()
        except errors.CrmError as exc:
            problem = await self._failed(exc)
            if problem and self.state.mail_key == key:
                self._choice(links_status="error")
            return
        if self.state.mail_key == key:
            self._choice(links=found.links, thread=found.thread, links_status="ready")

    async def _load_suggestions(self, key: int, mail: MailSnapshot) -> None:
        client = self._client
        if client is None:
            return
        try:
            found = await client.suggest(mail.counterpart_addresses())
        except errors.CrmError as exc:
            problem = await self._failed(exc)
            if problem and self.state.mail_key == key:
                self._choice(suggestions_status="error")
            return
        if self.state.mail_key == key:
            self._choice(suggestions=decisions.suggestions_for(mail, found), suggestions_status="ready")

    def choose_module(self, name: str) -> None:
        if self.state.choice.module_named(name) is None:
            return
        self._choice(module=name)
        self._remembered = replace(self._remembered, module=name)
        self._spawn(self._save_preferences())
        self.searcher.start(self.state.choice.query)

    def type_query(self, text: str, *, since_keystroke: float = 0.0) -> None:
        """`since_keystroke`: seconds since the browser took the keystroke, taken off the debounce."""
        self.searcher.start(text, query=text, since=since_keystroke)  # one state, so one render, per keystroke

    def search_now(self) -> bool:
        """Enter in the search field: the search waiting out its debounce starts now (True)."""
        return self.searcher.now()

    def pick_suggestion(self, record_id: str) -> None:
        choice = self.state.choice
        suggestion = next((s for s in choice.suggestions if s.id == record_id), None)
        if suggestion is not None:
            self._show_preflight(decisions.target_from_suggestion(suggestion, choice.modules))

    def link_to_thread(self, record_id: str) -> None:
        """One click: the record where earlier mails of this conversation are, linked at once."""
        choice = self.state.choice
        record = next((r for r in thread.thread_records(choice.thread, choice.links) if r.id == record_id), None)
        if record is not None:
            self._show_preflight(thread.target_from_thread(record, choice.modules))
            self.link()

    def pick_record(self, record_id: str) -> None:
        choice = self.state.choice
        record = next((r for r in choice.search.records if r.id == record_id), None)
        if record is not None:
            self._show_preflight(decisions.target_from_record(record, choice.modules))

    def _show_preflight(self, target: Target) -> None:
        mail = self.state.mail
        if mail is None:
            return
        items = decisions.preflight(
            mail,
            attachments_supported=self.host.supports("attachments"),
            eml_supported=self.host.supports("eml"),
            crm=self.state.crm,
        )
        problem = decisions.too_large(items, self.state.crm)
        if problem is None and not target.can_link:
            problem = Message.of("preflight.read_only", module=target.module_label)
        self._update(screen="preflight", target=target, preflight=items, problem=problem, outcome=None)

    def back_to_record(self) -> None:
        self._update(screen="record", target=None, preflight=(), problem=None, outcome=None, progress=None,
                     create=None)
        if self.state.choice.links_status != "loading":
            # the mail may have been linked meanwhile (here, or by someone else)
            mail = self.state.mail
            if mail is not None:
                self._spawn(self._load_links(self.state.mail_key, mail), mail_bound=True)

    def dismiss_notice(self, notice_id: int) -> None:
        self._update(notices=tuple(n for n in self.state.notices if n.id != notice_id))

    def dismiss_problem(self) -> None:
        self._update(problem=None)

    # --- linking -----------------------------------------------------------------------------------------------
    @property
    def linking(self) -> bool:
        return self._link_task is not None and not self._link_task.done()

    def link(self) -> None:
        state = self.state
        if state.screen != "preflight" or state.mail is None or state.target is None or self._client is None:
            return
        if self.linking or (state.problem is not None and state.problem.key.startswith("preflight.")):
            return
        already = any(link.id == state.target.id for link in state.choice.links)
        run = LinkRun(
            self._client,
            self.host,
            state.mail,
            state.target,
            state.preflight,
            base=self._client.url.base,
            on_progress=self._progress_sink(state.mail_key),
            cache=self._uploads,
            already_stored=already,
            limits=(state.crm.max_file_bytes, state.crm.max_message_bytes) if state.crm else None,
            chunk_bytes=state.crm.chunk_bytes if state.crm else None,
        )
        self._update(screen="linking", problem=None, progress=run.progress)
        self._link_task = self._spawn(self._link(state.mail_key, state.mail, run))

    def _progress_sink(self, key: int) -> Callable[[LinkProgress], None]:
        def sink(progress: LinkProgress) -> None:
            if self.state.mail_key == key and self.state.screen == "linking":
                self._update(progress=progress)

        return sink

    async def _link(self, key: int, mail: MailSnapshot, run: LinkRun) -> None:
        try:
            result = await run.run()
        except (errors.CrmError, HostRefused) as exc:
            problem = Message.of("error.ITEM_CHANGED") if isinstance(exc, HostRefused) else await self._failed(exc)
            if problem is None:
                return
            if self.state.mail_key == key:
                self._update(screen="preflight", problem=problem, progress=None)
            else:
                self._notify(Message.of("notice.link_failed", cause=problem, subject=mail.subject))
            return
        self._stand_in_ids[key] = result.message_id
        if self.state.mail_key == key:
            self._update(screen="receipt", outcome=result, progress=None)
            self._choice(links_status="loading")
            self._spawn(self._load_links(key, mail), mail_bound=True)
        else:
            self._notify(_finished_elsewhere(mail, result))

    def _notify(self, message: Message) -> None:
        self._notice_ids += 1
        self._update(notices=(*self.state.notices, Notice(self._notice_ids, message)))

    def link_again(self) -> None:
        """From the receipt: choose another record for the same mail (a new, explicit action)."""
        self.back_to_record()


def _finished_elsewhere(mail: MailSnapshot, result: LinkOutcome) -> Message:
    key = "notice.already_linked" if result.already_linked else "notice.linked"
    return Message.of(
        key, tone="success", subject=mail.subject, module=result.module_label, record=result.record_label
    )


def _same_site(a: str, b: str) -> bool:
    try:
        return normalise_crm_url(a).base == normalise_crm_url(b).base
    except errors.UrlError:
        return False

