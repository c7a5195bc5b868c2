"""What a mail library says an .eml contains, in the shape Outlook shows it (for the simulated host).

Python's `email` package (policy=default) is the reference. Outlook's view is: the body is what
`get_body()` picks; every other leaf part (a `message/rfc822` part counts as one leaf) is an
attachment; an unnamed attachment is called ATT00001.<ext>, an attached message takes its subject;
an attachment is inline when it has a Content-ID and is not `Content-Disposition: attachment`; an
address without display name shows its address.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".htm",
    "text/calendar": ".ics",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "message/rfc822": ".eml",
}


@dataclass
class ExpectedAttachment:
    name: str
    content_type: str
    is_inline: bool
    content_id: str | None
    kind: str  # "file" | "item"
    data: bytes = b""  # decoded bytes of a file attachment
    text: str | None = None  # the calendar of an attached calendar item (Outlook: format iCalendar)
    message: EmailMessage | None = None  # the attached message of an item attachment


@dataclass
class ExpectedMail:
    subject: str
    from_: tuple[str, str] | None
    sender: tuple[str, str] | None
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    date_ms: int | None
    message_id: str | None
    html: str | None
    text: str | None
    attachments: list[ExpectedAttachment] = field(default_factory=list)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _addresses(message: EmailMessage, header: str) -> list[tuple[str, str]]:
    value: Any = message[header]
    if value is None:
        return []
    return [(a.display_name or a.addr_spec, a.addr_spec) for a in value.addresses]


def _leaves(part: EmailMessage) -> list[EmailMessage]:
    if part.get_content_maintype() == "multipart":
        out: list[EmailMessage] = []
        for child in part.iter_parts():
            assert isinstance(child, EmailMessage)
            out.extend(_leaves(child))
        return out
    return [part]


def expected_mail(path: Path) -> ExpectedMail:
    message = parse(path.read_bytes())
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    senders = _addresses(message, "sender")
    froms = _addresses(message, "from")
    date: Any = message["date"]
    message_id = message["message-id"]
    attachments: list[ExpectedAttachment] = []
    unnamed = 0
    for part in _leaves(message):
        if part is html_part or part is text_part:
            continue
        content_type = part.get_content_type()
        content_id = str(part["content-id"]).strip().strip("<>") if part["content-id"] else None
        is_inline = content_id is not None and part.get_content_disposition() != "attachment"
        if content_type == "message/rfc822":
            inner = part.get_payload(0)
            assert isinstance(inner, EmailMessage)
            name = part.get_filename() or str(inner["subject"] or "") or "Untitled"
            item = ExpectedAttachment(name, content_type, is_inline, content_id, "item", message=inner)
            if inner.get_content_type() == "text/calendar":  # an attached calendar item
                item.text = inner.get_content()
            attachments.append(item)
            continue
        name = part.get_filename() or ""
        if not name:
            unnamed += 1
            name = f"ATT{unnamed:05d}{EXTENSIONS.get(content_type, '.bin')}"
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        attachments.append(ExpectedAttachment(name, content_type, is_inline, content_id, "file", data=payload))
    return ExpectedMail(
        subject=str(message["subject"] or ""),
        from_=froms[0] if froms else None,
        sender=senders[0] if senders else (froms[0] if froms else None),
        to=_addresses(message, "to"),
        cc=_addresses(message, "cc"),
        date_ms=int(date.datetime.timestamp() * 1000) if date is not None else None,
        message_id=str(message_id).strip() if message_id else None,
        html=html_part.get_content() if html_part is not None else None,
        text=text_part.get_content() if text_part is not None else None,
        attachments=attachments,
    )
