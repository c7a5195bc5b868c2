"""The pane's state: immutable values the view renders. Every change makes a new AppState.

Text shown to the user is never stored here ready-made: the state holds message keys and
parameters (see `Message`), so that the view translates them into the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from mailconnector.models import LinkableModule, LookupLink, MailSnapshot, RecordSummary, Suggestion, ThreadLink

Screen = Literal[
    "starting",  # Office not ready yet
    "connect",  # CRM address and username
    "password",  # password (after discovery)
    "otp",  # one-time code
    "gate",  # licence gate: a screen of its own per reason, nothing else works
    "record",  # choosing the record
    "create",  # a new Contact or Lead from the mail's sender
    "preflight",  # what will be copied, the Link button
    "linking",  # per-attachment progress
    "receipt",  # what the CRM stored
    "unlink",  # removing a link: confirm, then what was removed (core/unlink.py)
    "doctor",  # the connection check (core/doctor.py)
]
Tone = Literal["info", "success", "warning", "error"]


@dataclass(frozen=True)
class Message:
    """A user-visible sentence: a translation key and its parameters (all strings)."""

    key: str
    params: tuple[tuple[str, str], ...] = ()
    tone: Tone = "error"
    detail: str = ""  # text that came from the CRM or the host; shown as text, never translated
    cause: Message | None = None  # why, as a message of its own (e.g. why a background link failed)

    @classmethod
    def of(
        cls, key: str, tone: Tone = "error", detail: str = "", cause: Message | None = None, **params: object
    ) -> Message:
        return cls(key, tuple((k, str(v)) for k, v in params.items()), tone, detail, cause)

    @property
    def kwargs(self) -> dict[str, str]:
        return dict(self.params)


# --- connecting ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UrlFeedback:
    """What the typed address means: the normalised base, or why it cannot be used."""

    base: str = ""
    problem: str = ""  # a reason of mailconnector.crm.urls (EMPTY, SCHEME, HTTP_NOT_ALLOWED, ...)

    @property
    def ok(self) -> bool:
        return bool(self.base) and not self.problem


@dataclass(frozen=True)
class CrmInfo:
    """What discovery (mcstatus) told us, for the sign-in screens."""

    base: str
    host: str
    installation: str
    product: str
    version: str
    component_version: str
    otp: bool
    max_message_bytes: int
    max_file_bytes: int
    chunk_bytes: int = 0  # the CRM's upload chunk (0: not said)
    capabilities: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConnectState:
    url_text: str = ""
    username: str = ""
    feedback: UrlFeedback | None = None
    busy: bool = False
    problem: Message | None = None
    crm: CrmInfo | None = None


GateKind = Literal["component_missing", "licence_inactive", "licence_expired", "user_not_enabled"]


@dataclass(frozen=True)
class GateState:
    kind: GateKind
    installation: str = ""
    host: str = ""
    expires: date | None = None
    busy: bool = False


@dataclass(frozen=True)
class SessionInfo:
    base: str
    host: str
    username: str
    name: str = ""
    email: str = ""


# --- choosing the record ---------------------------------------------------------------------------------
# "waiting": typed, the answer not in yet (the page says "Searching"); "searching": the answer has taken
# longer than SEARCH_SPINNER_DELAY (the spinner shows). A quick answer shows no spinner: no flash, and
# no frame for the browser to lay out and paint while the answer is coming in. core/search_flow.py.
SearchStatus = Literal["idle", "waiting", "searching", "results", "none", "too_many", "error"]


@dataclass(frozen=True)
class SearchView:
    status: SearchStatus = "idle"
    text: str = ""  # the query these results are for
    records: tuple[RecordSummary, ...] = ()
    total: int = 0
    problem: Message | None = None


Loadable = Literal["loading", "ready", "error"]


@dataclass(frozen=True)
class RecordChoice:
    modules: tuple[LinkableModule, ...] = ()
    modules_status: Loadable = "loading"
    module: str = ""  # the chosen module's name; kept when the pinned pane switches mail
    query: str = ""
    search: SearchView = SearchView()
    suggestions: tuple[Suggestion, ...] = ()
    suggestions_status: Loadable = "loading"
    links: tuple[LookupLink, ...] = ()
    links_status: Loadable = "loading"
    thread: tuple[ThreadLink, ...] = ()  # where earlier mails of this conversation are stored (B.9)
    createable: tuple[str, ...] = ()  # modules offered for "create from the mail" (describe.createable)
    not_createable: tuple[str, ...] = ()  # candidates the user's profile may not create in
    problem: Message | None = None

    def module_named(self, name: str) -> LinkableModule | None:
        return next((m for m in self.modules if m.name == name), None)

    @property
    def current_module(self) -> LinkableModule | None:
        return self.module_named(self.module)


@dataclass(frozen=True)
class Target:
    """The record the mail is about to be linked to."""

    module: str
    module_label: str
    id: str
    label: str
    detail: str = ""  # company or email: what tells this record apart
    can_link: bool = True


# --- creating a record from the mail (B.10) --------------------------------------------------------------------
CreateFieldKind = Literal["text", "email", "phone", "url", "textarea", "picklist", "date", "boolean", "reference"]


@dataclass(frozen=True)
class CreateField:
    """One field of the "new record" form: prefilled from the mail, or a mandatory one to fill."""

    name: str
    label: str
    kind: CreateFieldKind = "text"
    mandatory: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) of a picklist
    shown: str = ""  # for a reference: the label of the record it points to


@dataclass(frozen=True)
class CreateState:
    module: str
    module_label: str  # singular: "Contact"
    address: str = ""
    fields: tuple[CreateField, ...] = ()
    values: tuple[tuple[str, str], ...] = ()
    status: Literal["loading", "ready", "creating", "error"] = "loading"
    problem: Message | None = None
    missing: tuple[str, ...] = ()  # names of mandatory fields left empty
    existing: Target | None = None  # a record with this address already exists (no second one)

    def value(self, name: str) -> str:
        return dict(self.values).get(name, "")


# --- linking -------------------------------------------------------------------------------------------------
CopyKind = Literal["body", "file", "item", "cloud", "eml"]
CopyPlan = Literal["copy", "link", "skip"]


@dataclass(frozen=True)
class PreflightItem:
    kind: CopyKind
    name: str
    size: int
    content_type: str = ""
    plan: CopyPlan = "copy"
    reason: str = ""  # for plan "skip"/"link": a translation key saying why
    attachment_id: str = ""


ItemProgressStatus = Literal["waiting", "reading", "uploading", "done", "skipped", "failed"]


@dataclass(frozen=True)
class ItemProgress:
    name: str
    size: int
    sent: int = 0
    status: ItemProgressStatus = "waiting"
    reason: str = ""  # translation key when skipped or failed


LinkPhase = Literal["uploading", "saving", "verifying", "done", "failed"]


@dataclass(frozen=True)
class LinkProgress:
    phase: LinkPhase = "uploading"
    items: tuple[ItemProgress, ...] = ()

    @property
    def sent(self) -> int:
        return sum(i.sent for i in self.items)

    @property
    def total(self) -> int:
        return sum(i.size for i in self.items if i.status != "skipped")


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str = ""  # hex; known for what the pane sent and what the receipt reports


@dataclass(frozen=True)
class LinkOutcome:
    """The receipt as the user sees it: what the CRM says it holds, checked against the mail."""

    module: str
    module_label: str
    record_id: str
    record_label: str
    record_url: str  # "" when the CRM's link was refused (see record_url_problem)
    created: bool  # a new message record was stored
    linked: bool  # a new relation to this record was added
    subject: str
    files: tuple[StoredFile, ...]
    links: tuple[StoredFile, ...]  # cloud attachments kept as links
    eml_size: int | None
    body_bytes: int
    verified: bool  # every SHA-256 and size the receipt reports matches what was sent
    skipped: tuple[str, ...] = ()  # attachments Outlook did not hand over
    mismatch: tuple[str, ...] = ()  # names of files the CRM does not hold byte for byte
    mismatch_parts: tuple[str, ...] = ()  # translation keys of other parts that differ (.eml, bodies)
    record_url_problem: str = ""  # translation key: why the CRM's link to the record is not offered
    message_id: str = ""  # the Message-ID stored (a stand-in for a mail without one)
    eml_skipped: str = ""  # why the original .eml was not stored (a translation key), if it was not
    message_record: str = ""  # the stored message's ws id (what an undo removes)

    @property
    def already_linked(self) -> bool:
        return not self.created and not self.linked

    @property
    def files_size(self) -> int:
        return sum(f.size for f in self.files)


# --- undoing a link, checking the connection -------------------------------------------------------------------
UnlinkPhase = Literal["confirm", "busy", "done"]


@dataclass(frozen=True)
class UnlinkState:
    """Removing one record's link to the stored mail (B.11)."""

    message: str  # ws id of the stored message
    module: str
    module_label: str
    record_id: str
    record_label: str
    linked_by: str = ""
    subject: str = ""
    files: int = -1  # attachments the CRM holds for the mail (-1: not known)
    eml: bool = False
    others: int = -1  # other records holding the mail that this user sees (-1: not known)
    phase: UnlinkPhase = "confirm"
    unlinked: bool = False
    message_deleted: bool = False
    problem: Message | None = None
    back_to: Screen = "record"


ProbeOutcome = Literal["ok", "fail", "warn", "skip"]
Who = Literal["user", "admin"]


@dataclass(frozen=True)
class Probe:
    """One check of the connection doctor: `name` is a translation key suffix; `detail` is
    technical text shown as is (an HTTP status, what the browser said, a header)."""

    name: str
    outcome: ProbeOutcome
    detail: str = ""


@dataclass(frozen=True)
class Diagnosis:
    """The first thing wrong: `key` names title and what to do (`doctor.<key>.title/.todo`)."""

    key: str
    who: Who
    params: tuple[tuple[str, str], ...] = ()

    @property
    def kwargs(self) -> dict[str, str]:
        return dict(self.params)


@dataclass(frozen=True)
class DoctorState:
    url_text: str
    base: str = ""
    origin: str = ""
    running: bool = True
    probes: tuple[Probe, ...] = ()
    diagnosis: Diagnosis | None = None
    copied: bool = False
    back_to: Screen = "connect"
    checked_at: str = ""  # when this run started (ISO 8601, UTC), for the report


# --- session renewal and notices -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Reauth:
    """The CRM ended the session during work: sign in again, then the work carries on."""

    username: str
    otp: bool = False  # the code step
    busy: bool = False
    problem: Message | None = None


@dataclass(frozen=True)
class Notice:
    """A message about something that finished elsewhere (e.g. the previous mail's link)."""

    id: int
    message: Message


@dataclass(frozen=True)
class AppState:
    screen: Screen = "starting"
    mail: MailSnapshot | None = None
    mail_key: int = 0  # increases with every mail shown: work for an older key is stale
    connect: ConnectState = ConnectState()
    gate: GateState | None = None
    session: SessionInfo | None = None
    crm: CrmInfo | None = None
    choice: RecordChoice = RecordChoice()
    target: Target | None = None
    preflight: tuple[PreflightItem, ...] = ()
    progress: LinkProgress | None = None
    outcome: LinkOutcome | None = None
    problem: Message | None = None  # a screen-level problem (link failed, ...)
    reauth: Reauth | None = None
    notices: tuple[Notice, ...] = field(default_factory=tuple)
    unlink: UnlinkState | None = None
    doctor: DoctorState | None = None
    create: CreateState | None = None
    created: str = ""  # id of the record created from this mail (the receipt says it is new)

    def but(self, **changes: object) -> AppState:
        return replace(self, **changes)  # type: ignore[arg-type]
