"""What the Office bridge hands the pane: Office's start, the host's requirement sets, a captured mail,
its body, an attachment's content; and what the bridge is given to hold a mail's bytes (`ContentHolder`).

Plain values (no Office.js here): `office/bridge.py` makes them from the host's answers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from mailconnector.crm.uploads import UploadSource
from mailconnector.models import AttachmentInfo, MailSnapshot
from mailconnector.office.errors import OfficeError
from mailconnector.office.item_data import build_snapshot


class ContentHolder(Protocol):
    """Turns text Office handed over (a property of a JS object, never read into Python) into bytes
    held by the browser; raises ValueError when the text is not what it should be."""

    async def from_base64(self, container: Any, key: str) -> UploadSource: ...

    async def from_text(self, container: Any, key: str) -> UploadSource: ...


@dataclass(frozen=True)
class MailBody:
    html: str | None
    text: str | None


@dataclass(frozen=True)
class HostStart:
    """Office's answer to the `Office.onReady()` that index.html's office-ready.js made as the page loaded.

    `outlook`: a mailbox is there; `outside`: office.js runs outside Office (or in another Office app);
    `missing`: office.js itself did not load.
    """

    state: Literal["outlook", "outside", "missing"]
    host: str | None = None
    platform: str | None = None


@dataclass(frozen=True)
class RequirementReport:
    """What this host can do, from `requirements.isSetSupported("Mailbox", v)`."""

    highest_mailbox: str | None  # e.g. "1.14"; None when not even 1.1 (not Outlook)
    attachment_contents: bool  # Mailbox 1.8: getAttachmentContentAsync
    eml_file: bool  # Mailbox 1.14: getAsFileAsync


@dataclass(frozen=True)
class AttachmentPayload:
    """One attachment's content, or why Outlook would not hand it over."""

    info: AttachmentInfo
    data: bytes | None = None  # files, attached mails (.eml), calendar items (.ics)
    url: str | None = None  # cloud attachments
    format: str | None = None  # Office's AttachmentContentFormat
    error: OfficeError | None = None


@dataclass
class ItemHandle:
    """A captured mail: its item object, its plain data, and the body reads already in flight."""

    item: Any
    fields: dict[str, Any]
    mailbox_user: dict[str, str] | None
    _html: asyncio.Future[Any] | None = field(default=None, repr=False)
    _text: asyncio.Future[Any] | None = field(default=None, repr=False)
    _headers: asyncio.Future[Any] | None = field(default=None, repr=False)

    @property
    def item_id(self) -> str | None:
        item_id: str | None = self.fields["item_id"]
        return item_id

    def header_snapshot(self) -> MailSnapshot:
        """The snapshot without the body (to paint the header at once)."""
        return build_snapshot(self.fields, mailbox_user=self.mailbox_user)
