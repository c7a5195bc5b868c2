"""Fakes for the pane core's tests: a scripted CRM client, a mail host, settings and token store.

The fake client speaks in the boundary models (what `CrmClient` returns) and records every call,
so tests assert what a user would see and what the CRM would have been asked.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mailconnector.core.app import App
from mailconnector.core.ports import (
    AttachmentContent,
    Capability,
    HostRefused,
    Remembered,
    StoredSession,
)
from mailconnector.crm.connection import SessionExpiredHook
from mailconnector.crm.errors import CrmError, SessionExpired
from mailconnector.crm.hold import current_hold
from mailconnector.crm.uploads import ProgressCallback, UploadSource
from mailconnector.crm.urls import CrmUrl, normalise_crm_url
from mailconnector.models import (
    AttachmentInfo,
    CloudLink,
    CrmRecord,
    CrmStatus,
    LinkableModule,
    LinkAttachment,
    LinkMessage,
    LinkResult,
    LoginResult,
    LookupLink,
    LookupResult,
    MailSnapshot,
    ModuleDescription,
    Receipt,
    RecordSummary,
    SearchResult,
    Suggestion,
    UnlinkResult,
    UploadState,
)

STATUS = CrmStatus.model_validate(
    {
        "component": "mailconnector",
        "version": "1.0.0",
        "crm": {"product": "vtenext", "version": "24.08.02"},
        "capabilities": ["lookup", "suggest", "chunked_upload", "eml", "receipt", "unlink"],
        "licence": {"state": "active", "installation": "ACME CRM", "expires": "2027-03-31"},
        "auth": {"methods": ["password"], "otp": False},
        "limits": {"max_file_bytes": 25_000_000, "max_message_bytes": 50_000_000, "chunk_bytes": 1_000_000},
    }
)


def status_with(**licence: Any) -> CrmStatus:
    data = STATUS.model_dump(mode="json", by_alias=True)
    data["licence"].update(licence)
    return CrmStatus.model_validate(data)


MODULES = tuple(
    LinkableModule.model_validate(m)
    for m in (
        {"name": "Contacts", "label": "Contacts", "singular": "Contact", "idPrefix": "4",
         "labelFields": ["firstname", "lastname"], "searchFields": ["firstname", "lastname", "email"],
         "emailFields": ["email"], "canLink": True},
        {"name": "Accounts", "label": "Companies", "singular": "Company", "idPrefix": "3",
         "labelFields": ["accountname"], "emailFields": ["email1"], "canLink": True},
        {"name": "HelpDesk", "label": "Tickets", "singular": "Ticket", "idPrefix": "9",
         "labelFields": ["ticket_title"], "canLink": False},
    )
)

USER = {"id": "19x5", "username": "anna", "name": "Anna Rossi", "email": "anna.rossi@acme-crm.example"}

def _field(name: str, label: str, kind: str = "string", mandatory: bool = False, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "mandatory": mandatory, "editable": True, "type": {"name": kind, **extra}}


DESCRIPTIONS: dict[str, dict[str, Any]] = {
    "Contacts": {"name": "Contacts", "label": "Contacts", "idPrefix": "4", "createable": True,
                 "labelFields": "firstname,lastname", "fields": [
                     _field("firstname", "First Name"), _field("lastname", "Last Name", mandatory=True),
                     _field("email", "Email", "email"),
                     _field("account_id", "Company Name", "reference", refersTo=["Accounts"]),
                     _field("assigned_user_id", "Assigned To", "owner", mandatory=True)]},
    "Leads": {"name": "Leads", "label": "Leads", "idPrefix": "2", "createable": True,
              "labelFields": "firstname,lastname", "fields": [
                  _field("firstname", "First Name"), _field("lastname", "Last Name", mandatory=True),
                  _field("company", "Company", mandatory=True), _field("email", "Email", "email"),
                  _field("leadstatus", "Lead Status", "picklist", mandatory=True,
                         picklistValues=[{"label": "New", "value": "New"}, {"label": "Hot", "value": "Hot"}]),
                  _field("assigned_user_id", "Assigned To", "owner", mandatory=True)]},
}


def describe_of(module: str) -> ModuleDescription:
    data = DESCRIPTIONS.get(module) or {"name": module, "idPrefix": "9", "createable": False}
    return ModuleDescription.model_validate(data)


MARIO = Suggestion(module="Contacts", id="4x10", label="Mario Rossi", email="mario.rossi@example.it",
                   matched="mario.rossi@example.it", owner="Anna Rossi")


def mail(
    subject: str = "Richiesta di preventivo",
    *,
    message_id: str | None = "<m1@example.it>",
    attachments: Sequence[AttachmentInfo] = (),
    from_: str = "mario.rossi@example.it",
    to: Sequence[str] = ("anna.rossi@acme-crm.example",),
    item_id: str = "item-1",
) -> MailSnapshot:
    return MailSnapshot.model_validate(
        {
            "item_id": item_id,
            "subject": subject,
            "from": {"name": "", "address": from_},
            "to": [{"name": "", "address": a} for a in to],
            "date_sent": datetime(2024, 11, 12, 9, 15, tzinfo=UTC),
            "internet_message_id": message_id,
            "body_html": "<p>Buongiorno</p>",
            "body_text": "Buongiorno",
            "attachments": [a.model_dump() for a in attachments],
            "mailbox_user": {"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"},
        }
    )


def attachment(name: str, size: int, *, id: str | None = None, kind: str = "file",
               content_type: str = "application/pdf") -> AttachmentInfo:
    return AttachmentInfo(id=id or f"att-{name}", name=name, size=size, kind=kind,  # type: ignore[arg-type]
                          content_type=content_type)


Behaviour = Callable[..., Any]


@dataclass
class Call:
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class FakeClient:
    """A CrmSession whose answers tests script per operation (a value, an exception, or a callable)."""

    def __init__(self, url: CrmUrl) -> None:
        self._url = url
        self._token: str | None = None
        self.username: str | None = None
        self.on_session_expired: SessionExpiredHook | None = None
        self.calls: list[Call] = []
        self.answers: dict[str, list[Any]] = {}
        self.defaults: dict[str, Any] = {
            "status": STATUS,
            "login": self._default_login,
            "modules": MODULES,
            "suggest": (MARIO,),
            "lookup": (),
            "thread": (),
            "describe": describe_of,
            "query": (),
            "create": self._default_create,
            "search": self._default_search,
            "link": self._default_link,
            "receipt": self._default_receipt,
            "logout": None,
            "unlink": UnlinkResult(unlinked=True, message_deleted=True),
        }
        self.uploads: dict[str, bytes] = {}
        self.linked: list[tuple[str, LinkMessage, list[LinkAttachment | CloudLink], str | None]] = []
        # What the fake CRM holds, written at link time from the uploads (the receipt reads it back);
        # `corrupt` changes what is stored, per file name, ".eml", "body_html" or "body_text".
        self.held: dict[str, Any] = {}
        self.corrupt: dict[str, Callable[[bytes], bytes]] = {}
        self.valid_tokens: set[str] = set()
        self.closed = False
        self.prepared = 0  # prepare_search() calls (not in `calls`: it is not a CRM operation)
        self.dropped: list[str] = []  # calls given up while held (never sent)

    # scripting
    def answer(self, operation: str, *answers: Any) -> None:
        self.answers.setdefault(operation, []).extend(answers)

    def names(self) -> list[str]:
        return [c.name for c in self.calls]

    async def _run(self, name: str, *args: Any, **kwargs: Any) -> Any:
        await self._held(name)
        return await self._send(name, *args, **kwargs)

    async def _held(self, name: str) -> None:
        """Like the real client: a call under a hold (a search waiting out its debounce) is sent, and so
        recorded and answered, only when the hold ends; one dropped before then is never sent (`dropped`
        says which, at the moment they were dropped)."""
        if (hold := current_hold()) is not None:
            hold.on_drop(lambda: self.dropped.append(name))
            await hold.wait()

    async def _send(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(Call(name, args, kwargs))
        queued = self.answers.get(name)
        behaviour = queued.pop(0) if queued else self.defaults[name]
        if isinstance(behaviour, BaseException):
            raise behaviour
        if callable(behaviour):
            result = behaviour(*args, **kwargs)
            if asyncio.iscoroutine(result):
                result = await result
            return result
        return behaviour

    async def _authenticated(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Like the real client: a refused token asks the hook once, then repeats the call."""
        await self._held(name)
        if self._token is not None and self.valid_tokens and self._token not in self.valid_tokens:
            if self.on_session_expired is None:
                raise SessionExpired("expired")
            token = await self.on_session_expired()
            if not token:
                raise SessionExpired("expired")
            self._token = token
        return await self._send(name, *args, **kwargs)

    # CrmSession
    @property
    def url(self) -> CrmUrl:
        return self._url

    @property
    def token(self) -> str | None:
        return self._token

    def set_credentials(self, username: str, token: str) -> None:
        self.username, self._token = username, token

    def forget_credentials(self) -> None:
        self._token = None

    async def aclose(self) -> None:
        self.closed = True

    async def status(self) -> CrmStatus:
        result: CrmStatus = await self._run("status")
        return result

    def _default_login(self, username: str, password: str, otp: str | None = None, device: str = "") -> LoginResult:
        token = f"token-{len(self.calls)}"
        self.valid_tokens.add(token)
        return LoginResult.model_validate({"token": token, "user": {**USER, "username": username}})

    async def login(self, username: str, password: str, otp: str | None = None, device: str = "x") -> LoginResult:
        result: LoginResult = await self._run("login", username, password, otp, device)
        self.username, self._token = result.user.username, result.token
        return result

    async def logout(self) -> None:
        try:
            await self._run("logout")
        finally:
            self._token = None

    async def modules(self) -> tuple[LinkableModule, ...]:
        result: tuple[LinkableModule, ...] = await self._authenticated("modules")
        return result

    def _default_search(self, module: LinkableModule, text: str, limit: int = 25) -> SearchResult:
        records = (
            RecordSummary(module=module.name, id="4x10", label="Mario Rossi", email="mario.rossi@example.it"),
        )
        return SearchResult(module=module.name, text=text, records=records, total=1, limit=limit)

    def prepare_search(self) -> None:
        self.prepared += 1

    async def search(
        self, module: LinkableModule, text: str, limit: int = 25, *, resolve_references: bool = True,
        on_rows: Callable[[SearchResult], None] | None = None,
    ) -> SearchResult:
        result: SearchResult = await self._authenticated("search", module, text, limit)
        return result

    async def with_references(self, result: SearchResult) -> SearchResult:
        return result  # the fake's hits come with their names

    async def suggest(self, addresses: Iterable[str]) -> tuple[Suggestion, ...]:
        result: tuple[Suggestion, ...] = await self._authenticated("suggest", tuple(addresses))
        return result

    async def lookup(self, message_id: str) -> tuple[LookupLink, ...]:
        result: tuple[LookupLink, ...] = await self._authenticated("lookup", message_id)
        return result

    async def lookup_thread(self, message_id: str, references: Sequence[str] = (),
                            conversation_id: str | None = None, *,
                            sent_item: tuple[str, datetime] | None = None) -> LookupResult:
        links = await self.lookup(message_id)
        thread = await self._run("thread", message_id, tuple(references), conversation_id, sent_item=sent_item)
        return LookupResult(links=links, thread=thread)

    async def describe(self, module: str) -> ModuleDescription:
        result: ModuleDescription = await self._authenticated("describe", module)
        return result

    async def query(self, query: str) -> tuple[CrmRecord, ...]:
        result: tuple[CrmRecord, ...] = await self._authenticated("query", query)
        return result

    def _default_create(self, module: str, values: dict[str, str]) -> CrmRecord:
        number = 100 + sum(1 for c in self.calls if c.name == "create")
        prefix = {"Contacts": "4", "Leads": "2"}.get(module, "9")
        return CrmRecord(id=f"{prefix}x{number}", fields=dict(values))

    async def create(self, module: str, values: Any) -> CrmRecord:
        result: CrmRecord = await self._authenticated("create", module, dict(values))
        return result

    async def upload(
        self,
        source: UploadSource | bytes | bytearray | memoryview,
        filename: str,
        content_type: str,
        *,
        progress: ProgressCallback | None = None,
        resume: UploadState | None = None,
        sha256: str | None = None,
    ) -> UploadState:
        self.calls.append(Call("upload", (filename, content_type), {}))
        queued = self.answers.get("upload")
        if queued:
            behaviour = queued.pop(0)
            if isinstance(behaviour, BaseException):
                raise behaviour
        in_memory = isinstance(source, bytes | bytearray | memoryview)
        data = bytes(source) if in_memory else await source.read(0, source.size)  # type: ignore[arg-type,union-attr]
        half = len(data) // 2
        if progress:
            progress(0, len(data))
            progress(half, len(data))
            progress(len(data), len(data))
        upload_id = f"u{len(self.uploads) + 1}"
        self.uploads[upload_id] = data
        return UploadState(upload=upload_id, filename=filename, content_type=content_type, size=len(data),
                           sha256=hashlib.sha256(data).hexdigest(), chunk_bytes=1_000_000, received=len(data))

    def _default_link(self, target: str, message: LinkMessage, attachments: Sequence[Any] = (),
                      eml: Any = None) -> LinkResult:
        first = not any(t == target and m.messageid == message.messageid for t, m, _, _ in self.linked)
        eml_id = eml.upload if isinstance(eml, UploadState) else eml
        self.linked.append((target, message, list(attachments), eml_id))
        if not self.held:
            self._hold(message, attachments, eml_id)
        return LinkResult.model_validate({
            "message": "40x1", "created": first, "linked": first, "documents": [],
            "target": {"module": "Contacts", "id": target, "label": "Mario Rossi",
                       "url": f"{self._url.base}/index.php?module=Contacts&action=DetailView&record=10"},
        })

    async def link(self, target: str, message: LinkMessage, attachments: Sequence[LinkAttachment | CloudLink] = (),
                   eml: str | UploadState | None = None) -> LinkResult:
        result: LinkResult = await self._authenticated("link", target, message, attachments, eml)
        return result

    def _stored(self, name: str, data: bytes) -> bytes:
        fault = self.corrupt.get(name)
        return fault(data) if fault else data

    def _hold(self, message: LinkMessage, attachments: Sequence[Any], eml: str | None) -> None:
        """Store like the CRM: the bytes of each upload (not what the request claims about them)."""
        self.held = {
            "subject": message.subject,
            "body_html": self._stored("body_html", message.body_html.encode()),
            "body_text": self._stored("body_text", message.body_text.encode()),
            "files": [(f.filename, self._stored(f.filename, self.uploads[f.upload]))
                      for f in attachments if isinstance(f, LinkAttachment)],
            "links": [{"name": f.name, "url": f.url} for f in attachments if isinstance(f, CloudLink)],
            "eml": self._stored(".eml", self.uploads[eml]) if eml else None,
        }

    def _default_receipt(self, message: str) -> Receipt:
        """Read back from what the fake CRM holds, digests computed here (never echoed from the request)."""
        held = self.held

        def digest(data: bytes) -> str:
            return hashlib.sha256(data).hexdigest()

        return Receipt.model_validate({
            "subject": held["subject"],
            "body_html_bytes": len(held["body_html"]), "body_html_sha256": digest(held["body_html"]),
            "body_text_bytes": len(held["body_text"]), "body_text_sha256": digest(held["body_text"]),
            "attachments": [{"filename": name, "size": len(data), "sha256": digest(data)}
                            for name, data in held["files"]],
            "external_links": held["links"],
            "eml": {"size": len(held["eml"]), "sha256": digest(held["eml"])} if held["eml"] is not None else None,
        })

    async def receipt(self, message: str) -> Receipt:
        result: Receipt = await self._authenticated("receipt", message)
        return result

    async def unlink(self, message: str, target: str) -> UnlinkResult:
        result: UnlinkResult = await self._authenticated("unlink", message, target)
        return result


@dataclass
class FakeHost:
    contents: dict[str, bytes | str | HostRefused] = field(default_factory=dict)
    capabilities: set[str] = field(default_factory=lambda: {"attachments", "eml"})
    eml_bytes: bytes | HostRefused = b"From: x\r\n\r\nbody"
    reads: list[tuple[str | None, str]] = field(default_factory=list)  # (item id, attachment id)

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    async def attachment(self, mail: MailSnapshot, attachment: AttachmentInfo) -> AttachmentContent:
        self.reads.append((mail.item_id, attachment.id))
        await asyncio.sleep(0)
        content = self.contents.get(attachment.id, b"x" * attachment.size)
        if isinstance(content, HostRefused):
            raise content
        if isinstance(content, str):
            return AttachmentContent(url=content)
        return AttachmentContent(source=content)

    async def eml(self, mail: MailSnapshot) -> bytes:
        self.reads.append((mail.item_id, "eml"))
        if isinstance(self.eml_bytes, HostRefused):
            raise self.eml_bytes
        return self.eml_bytes


@dataclass
class FakePreferences:
    remembered: Remembered = field(default_factory=Remembered)
    saved: list[Remembered] = field(default_factory=list)

    def load(self) -> Remembered:
        return self.remembered

    async def save(self, remembered: Remembered) -> None:
        self.remembered = remembered
        self.saved.append(remembered)


@dataclass
class FakeTokens:
    session: StoredSession | None = None

    def load(self, url: str) -> StoredSession | None:
        return self.session

    def save(self, session: StoredSession) -> None:
        self.session = session

    def clear(self) -> None:
        self.session = None


class ManualSleep:
    """The debounce's clock: sleeps wait until the test lets time pass; `now` moves only when a test
    moves it."""

    def __init__(self) -> None:
        self.waiting: list[tuple[float, asyncio.Future[None]]] = []
        self.asked: list[float] = []
        self.now = 1000.0

    def time(self) -> float:
        return self.now

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((self.now + seconds, future))
        await future

    def elapse(self) -> None:
        """Every sleep ends, however long it asked for: `now` moves to the last one's end."""
        self.now = max([self.now, *(due for due, _ in self.waiting)])
        self._end([f for _, f in self.waiting])
        self.waiting = []

    def advance(self, seconds: float) -> None:
        """`seconds` pass: the sleeps due by then end."""
        self.now += seconds
        self._end([f for due, f in self.waiting if due <= self.now + 1e-9])
        self.waiting = [(due, f) for due, f in self.waiting if due > self.now + 1e-9]

    @staticmethod
    def _end(futures: list[asyncio.Future[None]]) -> None:
        for future in futures:
            if not future.done():
                future.set_result(None)


@dataclass
class Pane:
    """An App wired to fakes, plus what a test needs to drive it."""

    app: App
    host: FakeHost
    preferences: FakePreferences
    tokens: FakeTokens
    clients: list[FakeClient]
    clock: ManualSleep
    states: list[Any]

    @property
    def client(self) -> FakeClient:
        return self.clients[-1]

    @property
    def state(self) -> Any:
        return self.app.state


def make_pane(
    *,
    remembered: Remembered | None = None,
    stored: StoredSession | None = None,
    host: FakeHost | None = None,
    script: Callable[[FakeClient], None] | None = None,
) -> Pane:
    clients: list[FakeClient] = []

    def factory(url: CrmUrl) -> FakeClient:
        client = FakeClient(url)
        if script:
            script(client)
        clients.append(client)
        return client

    clock = ManualSleep()
    prefs = FakePreferences(remembered or Remembered())
    tokens = FakeTokens(stored)
    fake_host = host or FakeHost()
    app = App(host=fake_host, make_client=factory, preferences=prefs, tokens=tokens, sleep=clock, clock=clock.time)
    states: list[Any] = []
    app.subscribe(states.append)
    return Pane(app, fake_host, prefs, tokens, clients, clock, states)


async def settle(rounds: int = 30) -> None:
    """Let every task that can make progress do so."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def sign_in(pane: Pane, url: str = "crm.example.com", username: str = "anna", password: str = "pw") -> None:
    pane.app.signin.submit_address(url, username)
    await settle()
    pane.app.signin.submit_password(password)
    await settle()


def crm_error(cls: type[CrmError], message: str = "refused") -> CrmError:
    return cls(message)


BASE = normalise_crm_url("crm.example.com").base
