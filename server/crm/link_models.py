"""Pydantic models of mclink's Encoded parameters (the boundary: checked once, plain data after)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from server.crm.files import SHA256, UPLOAD_ID

FINGERPRINT_PATTERN = r"^([0-9a-f]{64})?$"  # B.12: SHA-256 hex, or absent
MAX_REFERENCES = 200  # a long thread's References header; older ids beyond this add nothing


def sent_date(text: str) -> datetime:
    """A mail's sent date as the protocol carries it: ISO 8601 with a UTC offset ("Z" allowed)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("date needs a UTC offset")
    return parsed


class Address(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field("", max_length=1000)
    address: str = Field("", max_length=1000)


def _utf8(text: str) -> str:
    text.encode("utf-8")  # lone surrogates cannot be stored or hashed "as received"
    return text


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    subject: str = Field("", max_length=10_000)
    body_html: str = ""
    body_text: str = ""
    sender: Address = Field(default_factory=Address, alias="from")
    to: list[Address] = Field(default_factory=list, max_length=2000)
    cc: list[Address] = Field(default_factory=list, max_length=2000)
    date: str
    messageid: str = Field(min_length=1, max_length=2000)
    conversation_id: str = Field("", max_length=2000)
    in_reply_to: str = Field("", max_length=2000)
    references: list[str] = Field(default_factory=list, max_length=MAX_REFERENCES)
    fingerprint: str = Field("", pattern=FINGERPRINT_PATTERN)  # B.12

    @field_validator("subject", "body_html", "body_text", "messageid", "conversation_id", "in_reply_to")
    @classmethod
    def utf8(cls, value: str) -> str:
        return _utf8(value)

    @field_validator("references")
    @classmethod
    def reference_ids(cls, value: list[str]) -> list[str]:
        for ref in value:
            _utf8(ref)
            if len(ref) > 2000:
                raise ValueError("a reference is longer than 2000 characters")
        return value

    @property
    def thread_refs(self) -> list[str]:
        """The Message-IDs this mail answers or follows (In-Reply-To and References), once each."""
        refs = [r.strip() for r in (*self.references, self.in_reply_to) if r.strip()]
        return [r for r in dict.fromkeys(refs) if r != self.messageid.strip()]

    @field_validator("messageid")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("messageid is required")
        return value

    @field_validator("date")
    @classmethod
    def iso_with_offset(cls, value: str) -> str:
        sent_date(value)
        return value

    @property
    def sent_at(self) -> datetime:
        return sent_date(self.date)


class FileAttachment(BaseModel):
    model_config = ConfigDict(extra="ignore")
    upload: str = Field(pattern=UPLOAD_ID.pattern)
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("application/octet-stream", max_length=200)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256.pattern)
    inline: bool = False
    content_id: str = Field("", max_length=1000)


class LinkAttachment(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["link"]
    name: str = Field(min_length=1, max_length=1000)
    url: str = Field(pattern=r"^https?://", max_length=4000)


class LinkRequest(BaseModel):
    message: MessageIn
    files: list[FileAttachment]
    links: list[LinkAttachment]
    eml: str | None


def parse_link_request(message: object, attachments: object, eml: str) -> LinkRequest:
    """Raises ValueError with a readable text when anything is malformed."""
    if not isinstance(message, dict):
        raise ValueError("message must be a JSON object")
    if attachments is None:
        attachments = []
    if not isinstance(attachments, list):
        raise ValueError("attachments must be a JSON list")
    try:
        msg = MessageIn.model_validate(message)
        files: list[FileAttachment] = []
        links: list[LinkAttachment] = []
        for item in attachments:
            if isinstance(item, dict) and item.get("kind") == "link":
                links.append(LinkAttachment.model_validate(item))
            else:
                files.append(FileAttachment.model_validate(item))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']}") from exc
    except UnicodeEncodeError as exc:
        raise ValueError("text is not valid Unicode") from exc
    eml_id = eml.strip() or None
    if eml_id is not None and not UPLOAD_ID.match(eml_id):
        raise ValueError("eml must be an upload id")
    return LinkRequest(message=msg, files=files, links=links, eml=eml_id)
