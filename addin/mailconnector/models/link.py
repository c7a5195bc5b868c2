"""Storing a mail: uploads, the `mclink` request and answer, and the read-back receipt."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field, NonNegativeInt, PositiveInt, field_serializer

from mailconnector.models.base import BoundaryModel, NonEmptyStr, WsId
from mailconnector.models.mail import EmailAddress, MailSnapshot

Sha256Hex = str  # checked where it matters: the CRM recomputes it


class UploadState(BoundaryModel):
    """Where an upload stands; enough to resume it after a dropped connection or a reload."""

    upload: NonEmptyStr
    filename: str
    content_type: str
    size: NonNegativeInt
    sha256: Sha256Hex = Field(pattern=r"^[0-9a-f]{64}$")
    chunk_bytes: PositiveInt
    received: NonNegativeInt = 0

    @property
    def complete(self) -> bool:
        return self.received >= self.size


class UploadStarted(BoundaryModel):
    upload: NonEmptyStr
    received: NonNegativeInt = 0
    chunk_bytes: PositiveInt


class UploadProgress(BoundaryModel):
    received: NonNegativeInt


class LinkAttachment(BoundaryModel):
    """An uploaded file, as `mclink` expects it in `attachments`."""

    upload: NonEmptyStr
    filename: str
    content_type: str
    size: NonNegativeInt
    sha256: Sha256Hex
    inline: bool = False
    content_id: str | None = None

    @classmethod
    def from_upload(cls, state: UploadState, *, inline: bool = False, content_id: str | None = None) -> LinkAttachment:
        return cls(
            upload=state.upload,
            filename=state.filename,
            content_type=state.content_type,
            size=state.size,
            sha256=state.sha256,
            inline=inline,
            content_id=content_id,
        )


class CloudLink(BoundaryModel):
    """A cloud attachment: stored on the message as a link, not as a document."""

    kind: Literal["link"] = "link"
    name: str
    url: NonEmptyStr


class LinkMessage(BoundaryModel):
    """The `message` parameter of `mclink`."""

    subject: str = ""
    body_html: str = ""
    body_text: str = ""
    from_: EmailAddress = Field(alias="from")
    to: tuple[EmailAddress, ...] = ()
    cc: tuple[EmailAddress, ...] = ()
    date: AwareDatetime
    messageid: NonEmptyStr
    conversation_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] | None = None  # B.9; left out when the mail has none
    fingerprint: str | None = None  # B.12: finds this mail stored earlier under a stand-in id

    @field_serializer("date")
    def _iso_with_offset(self, value: datetime) -> str:
        return value.isoformat()  # "+00:00", never "Z": what the protocol example shows

    @classmethod
    def from_snapshot(cls, mail: MailSnapshot, *, in_reply_to: str | None = None,
                      message_id: str | None = None) -> LinkMessage:
        """`message_id`: the stand-in computed with the attachments' digests (see effective_message_id)."""
        return cls(
            subject=mail.subject,
            body_html=mail.body_html or "",
            body_text=mail.body_text or "",
            from_=mail.author or EmailAddress(),
            to=mail.to,
            cc=mail.cc,
            date=mail.date_sent,
            messageid=message_id or mail.effective_message_id(),
            conversation_id=mail.conversation_id,
            in_reply_to=in_reply_to or mail.in_reply_to,
            references=mail.references or None,
            fingerprint=mail.content_fingerprint(),
        )

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class LinkTarget(BoundaryModel):
    module: str
    id: WsId
    label: str = ""
    url: str = ""


class LinkResult(BoundaryModel):
    message: WsId
    created: bool
    linked: bool
    documents: tuple[WsId, ...] = ()
    eml_document: WsId | None = None
    target: LinkTarget


class ReceiptAttachment(BoundaryModel):
    filename: str
    content_type: str = ""
    size: NonNegativeInt
    sha256: str
    document: WsId | None = None


class ExternalLink(BoundaryModel):
    name: str = ""
    url: str


class ReceiptEml(BoundaryModel):
    size: NonNegativeInt
    sha256: str
    document: WsId | None = None


class ReceiptRecordLink(BoundaryModel):
    module: str
    id: WsId
    label: str = ""


class Receipt(BoundaryModel):
    """What the CRM holds for a message, read back from its storage."""

    subject: str = ""
    from_: EmailAddress | None = Field(default=None, alias="from")
    to: tuple[EmailAddress, ...] = ()
    cc: tuple[EmailAddress, ...] = ()
    date: str = ""
    messageid: str = ""
    body_html_bytes: NonNegativeInt = 0
    body_html_sha256: str = ""
    body_text_bytes: NonNegativeInt = 0
    body_text_sha256: str = ""
    attachments: tuple[ReceiptAttachment, ...] = ()
    external_links: tuple[ExternalLink, ...] = ()
    eml: ReceiptEml | None = None
    links: tuple[ReceiptRecordLink, ...] = ()

    @property
    def attachments_total_size(self) -> int:
        return sum(a.size for a in self.attachments)


class UnlinkResult(BoundaryModel):
    """`mcunlink`: whether a relation was removed, and whether the message went with it."""

    unlinked: bool
    message_deleted: bool = False
