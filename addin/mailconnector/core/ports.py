"""What the core needs from the outside world, as protocols (the browser wiring and the tests
provide implementations)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from mailconnector.crm.connection import SessionExpiredHook
from mailconnector.crm.uploads import ProgressCallback, UploadSource
from mailconnector.crm.urls import CrmUrl
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
    SearchResult,
    Suggestion,
    UnlinkResult,
    UploadState,
)


class CrmSession(Protocol):
    """The part of `mailconnector.crm.CrmClient` the pane uses (the real client satisfies it).

    A call made under a hold (`mailconnector.crm.hold`: the search, handed over at the keystroke) is sent
    no earlier than the hold's end, and never if it is cancelled before."""

    @property
    def url(self) -> CrmUrl: ...

    @property
    def token(self) -> str | None: ...

    on_session_expired: SessionExpiredHook | None

    def set_credentials(self, username: str, token: str) -> None: ...

    def forget_credentials(self) -> None: ...

    async def aclose(self) -> None: ...

    async def status(self) -> CrmStatus: ...

    async def login(self, username: str, password: str, otp: str | None = None, device: str = ...) -> LoginResult: ...

    async def logout(self) -> None: ...

    async def modules(self) -> tuple[LinkableModule, ...]: ...

    def prepare_search(self) -> None: ...

    async def search(
        self, module: LinkableModule, text: str, limit: int = ..., *, resolve_references: bool = ...,
        on_rows: Callable[[SearchResult], None] | None = ...,
    ) -> SearchResult: ...

    async def with_references(self, result: SearchResult) -> SearchResult: ...

    async def suggest(self, addresses: Iterable[str]) -> tuple[Suggestion, ...]: ...

    async def lookup(self, message_id: str) -> tuple[LookupLink, ...]: ...

    async def lookup_thread(
        self, message_id: str, references: Sequence[str] = ..., conversation_id: str | None = ...,
        *, sent_item: tuple[str, datetime] | None = ...,
    ) -> LookupResult: ...

    async def describe(self, module: str) -> ModuleDescription: ...

    async def query(self, query: str) -> tuple[CrmRecord, ...]: ...

    async def create(self, module: str, values: Mapping[str, str]) -> CrmRecord: ...

    async def upload(
        self,
        source: UploadSource | bytes | bytearray | memoryview,
        filename: str,
        content_type: str,
        *,
        progress: ProgressCallback | None = None,
        resume: UploadState | None = None,
        sha256: str | None = None,
    ) -> UploadState: ...

    async def link(
        self,
        target: str,
        message: LinkMessage,
        attachments: Sequence[LinkAttachment | CloudLink] = (),
        eml: str | UploadState | None = None,
    ) -> LinkResult: ...

    async def receipt(self, message: str) -> Receipt: ...

    async def unlink(self, message: str, target: str) -> UnlinkResult: ...


ClientFactory = Callable[[CrmUrl], CrmSession]


@dataclass(frozen=True)
class AttachmentContent:
    """An attachment's content as the host hands it over: bytes (or a re-readable source) for a
    file, a URL for a cloud attachment."""

    source: UploadSource | bytes | None = None
    url: str | None = None
    # Office's AttachmentContentFormat: "base64" (file), "eml" (attached mail), "iCalendar" (attached calendar
    # item), "url" (cloud); None when the host did not say.
    format: str | None = None


class HostRefused(Exception):
    """The mail host would not hand over something (attachment, .eml, body).

    `reason` is stable: "UNSUPPORTED" (this kind cannot be read), "UNAVAILABLE" (download failed,
    no permission, gone), "ITEM_CHANGED" (the selection changed during the call), "OLD_HOST" (the
    needed requirement set is missing).
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


Capability = Literal["attachments", "eml"]


class MailHost(Protocol):
    """Outlook (or the simulated host), as seen by the core."""

    def supports(self, capability: Capability) -> bool:
        """Whether this host can hand over attachment contents / the original .eml at all."""
        ...

    async def attachment(self, mail: MailSnapshot, attachment: AttachmentInfo) -> AttachmentContent:
        """The content of one attachment of `mail` (raises HostRefused)."""
        ...

    async def eml(self, mail: MailSnapshot) -> UploadSource | bytes:
        """The original message as .eml bytes, or a source of them (raises HostRefused)."""
        ...


@dataclass(frozen=True)
class Remembered:
    """What the pane remembers between sessions: never a password, never a token."""

    url: str = ""
    username: str = ""
    module: str = ""


class Preferences(Protocol):
    """Roaming settings of the add-in (URL, username, last module)."""

    def load(self) -> Remembered: ...

    async def save(self, remembered: Remembered) -> None: ...


@dataclass(frozen=True)
class StoredSession:
    url: str
    username: str
    token: str


class TokenStore(Protocol):
    """Where the device token lives (this browser's localStorage, nowhere else), one per CRM address."""

    def load(self, url: str) -> StoredSession | None: ...

    def save(self, session: StoredSession) -> None: ...

    def clear(self) -> None: ...


Sleep = Callable[[float], Awaitable[None]]
