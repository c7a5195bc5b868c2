"""The snapshot of the open mail, taken by the Office bridge before its first await.

Immutable on purpose: a pinned pane can switch mail under running code, and work in flight must keep
describing the mail it started with.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC
from typing import Literal

from pydantic import AwareDatetime, Field, NonNegativeInt, computed_field, field_validator

from mailconnector.models.base import BoundaryModel

AttachmentKind = Literal["file", "item", "cloud"]
SYNTHETIC_MESSAGE_ID_DOMAIN = "mailconnector.invalid"
# Outlook on the web and new Outlook hand over at most 20 recipients per field (the smallest limit of
# any host, learn.microsoft.com "Office.MessageRead" to/cc): the first 20 are the same in every read.
FINGERPRINT_RECIPIENTS = 20


class EmailAddress(BoundaryModel):
    name: str = ""
    address: str = ""

    @field_validator("name", "address", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return "" if value is None else value

    def same_mailbox(self, other: EmailAddress | None) -> bool:
        """Addresses compare case-insensitively; display names do not matter."""
        if other is None or not self.address:
            return False
        return self.address.casefold() == other.address.casefold()

    def __str__(self) -> str:
        if self.name and self.address:
            return f"{self.name} <{self.address}>"
        return self.name or self.address


class AttachmentInfo(BoundaryModel):
    """One attachment as Outlook lists it (content is fetched later, by id)."""

    id: str
    name: str
    content_type: str = "application/octet-stream"
    size: NonNegativeInt = 0
    is_inline: bool = False
    content_id: str | None = None
    kind: AttachmentKind = "file"


class MailSnapshot(BoundaryModel):
    item_id: str | None = None
    subject: str = ""
    sender: EmailAddress | None = None
    from_: EmailAddress | None = Field(default=None, alias="from")
    to: tuple[EmailAddress, ...] = ()
    cc: tuple[EmailAddress, ...] = ()
    date_sent: AwareDatetime
    # "header": the mail's Date header; "created": Outlook's dateTimeCreated (delivery, compose or import time),
    # used only when the host gives no headers (office/headers.py), and shown as such.
    date_source: Literal["header", "created"] = "header"
    internet_message_id: str | None = None
    conversation_id: str | None = None
    # the thread it belongs to (In-Reply-To, References: Message-IDs, oldest first), from the
    # internet headers when the host hands them over
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    body_html: str | None = None
    body_text: str | None = None
    attachments: tuple[AttachmentInfo, ...] = ()
    mailbox_user: EmailAddress | None = None

    @property
    def author(self) -> EmailAddress | None:
        """Who wrote it: `from`, else the sender (they differ for delegates)."""
        return self.from_ or self.sender

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_sent_by_user(self) -> bool:
        user = self.mailbox_user
        if user is None:
            return False
        return user.same_mailbox(self.from_) or user.same_mailbox(self.sender)

    @property
    def thread_references(self) -> tuple[str, ...]:
        """The Message-IDs this mail follows, newest last (References, then In-Reply-To), once each."""
        ids = [*self.references, *([self.in_reply_to] if self.in_reply_to else [])]
        return tuple(dict.fromkeys(i for i in ids if i))

    @property
    def attachments_total_size(self) -> int:
        return sum(a.size for a in self.attachments)

    def counterpart_addresses(self) -> tuple[str, ...]:
        """Whom this mail is with: the author of a received mail, the recipients of a sent one.

        The user's own address is left out; order kept, duplicates (case-insensitive) dropped.
        """
        people = (*self.to, *self.cc) if self.is_sent_by_user else (self.author,) if self.author else ()
        own = self.mailbox_user.address.casefold() if self.mailbox_user else None
        seen: dict[str, str] = {}
        for person in people:
            key = person.address.casefold()
            if key and key != own and key not in seen:
                seen[key] = person.address
        return tuple(seen.values())

    @property
    def needs_attachment_digests(self) -> bool:
        """No Message-ID, and attachments whose bytes go into the stand-in (see effective_message_id)."""
        return not self.has_message_id and any(a.kind != "cloud" for a in self.attachments)

    def effective_message_id(self, attachment_digests: Mapping[str, tuple[int, str]] | None = None) -> str:
        """The Internet Message-ID, or a deterministic stand-in when the mail has none.

        The stand-in is `<sha256 hex of the recipe>@mailconnector.invalid>`, the recipe the compact JSON
        of [author address (casefolded), sent instant in UTC (ISO 8601), subject, body text (else the
        HTML), [[name, size, sha256] of each attachment in the mail's order]]: automatic mails with the
        same sender, date, subject and empty body still differ by their files. `attachment_digests`
        maps an attachment id to the (size, SHA-256 hex) of its bytes; a file whose bytes were not read
        (a cloud link, one Outlook refused) counts with its listed size and an empty digest. The sent
        date is the snapshot's (the mail's Date header), the same in every mailbox, so one mail read in
        two mailboxes gets one id, and a retry of the same mail still deduplicates at the CRM.
        """
        real = (self.internet_message_id or "").strip()
        if real:
            return real
        if attachment_digests is None and self.needs_attachment_digests:
            raise ValueError("the stand-in Message-ID of this mail needs its attachments' SHA-256")
        digests = attachment_digests or {}
        files = [[a.name, *digests.get(a.id, (a.size, ""))] for a in self.attachments]
        author = self.author.address.casefold() if self.author else ""
        body = self.body_text if self.body_text is not None else (self.body_html or "")
        payload = json.dumps(
            [author, self.date_sent.astimezone(UTC).isoformat(), self.subject, body, files],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        return f"<{digest}@{SYNTHETIC_MESSAGE_ID_DOMAIN}>"

    @property
    def has_message_id(self) -> bool:
        return bool((self.internet_message_id or "").strip())

    def content_fingerprint(self) -> str:
        """What stays the same between two reads of one sent item: before Outlook knows its
        Message-ID (a just-sent item in Sent Items) and after, when the id and the headers exist.

        SHA-256 hex of the compact JSON of [author address casefolded (the mailbox user's when Outlook
        leaves `from` blank, as it does for some Sent Items), subject, body text (else the HTML),
        [[name, listed size] of each attachment], the first 20 To and the first 20 Cc addresses
        casefolded]. No date (the first read has only Outlook's creation time, the later one the Date
        header) and no attachment digests (the pane can look it up before reading any file). The CRM
        uses it only to find a mail stored under a stand-in id (docs/crm-protocol.md B.12).
        """
        author = self.author.address if self.author and self.author.address else (
            self.mailbox_user.address if self.mailbox_user else "")
        body = self.body_text if self.body_text is not None else (self.body_html or "")
        payload = json.dumps(
            [author.casefold(), self.subject, body, [[a.name, a.size] for a in self.attachments],
             [a.address.casefold() for a in self.to[:FINGERPRINT_RECIPIENTS]],
             [a.address.casefold() for a in self.cc[:FINGERPRINT_RECIPIENTS]]],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()
