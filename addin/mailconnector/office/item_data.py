"""Office.js objects to plain Python data, and plain data to the snapshot model.

No `js` import here: the functions read attributes (`getattr`), iterate arrays and call
`getTime()` on dates, which works the same on Pyodide's JS proxies and on the plain fake objects
the CPython tests build. JS `null` and `undefined` both count as "nothing".
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from mailconnector.models import AttachmentInfo, EmailAddress, MailSnapshot
from mailconnector.office.errors import InternalError
from mailconnector.office.headers import parse_headers

_NOTHING_TYPES = frozenset({"JsNull", "JsUndefined"})
AttachmentKind = Literal["file", "item", "cloud"]
_KINDS: dict[str, AttachmentKind] = {"file": "file", "item": "item", "cloud": "cloud"}


def nothing(value: object) -> bool:
    return value is None or type(value).__name__ in _NOTHING_TYPES


def attr(obj: object, name: str) -> Any:
    """`obj.name`, or None when missing, undefined or null."""
    if nothing(obj):
        return None
    try:
        value = getattr(obj, name)
    except AttributeError:
        return None
    return None if nothing(value) else value


def text(value: object) -> str:
    return "" if nothing(value) else str(value)


def optional_text(value: object) -> str | None:
    return text(value).strip() or None


def address_dict(details: object) -> dict[str, str] | None:
    """EmailAddressDetails -> {"name", "address"}; Outlook repeats the address as display name
    when there is none, which is not a name."""
    if nothing(details):
        return None
    address = text(attr(details, "emailAddress")).strip()
    name = text(attr(details, "displayName")).strip()
    if name.casefold() == address.casefold():
        name = ""
    if not name and not address:
        return None
    return {"name": name, "address": address}


def _items(value: object) -> Iterable[Any]:
    if nothing(value):
        return ()
    return value  # type: ignore[return-value]  # a JS array proxy or a Python list


def js_date(value: object) -> datetime | None:
    if nothing(value):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    get_time = getattr(value, "getTime", None)
    if get_time is None:
        return None
    millis = get_time()
    if nothing(millis) or millis != millis:  # NaN: an invalid Date
        return None
    return datetime.fromtimestamp(float(millis) / 1000, UTC)


def attachment_dict(details: object) -> dict[str, Any]:
    kind = _KINDS.get(text(attr(details, "attachmentType")), "file")
    size = attr(details, "size")
    return {
        "id": text(attr(details, "id")),
        "name": text(attr(details, "name")),
        "content_type": text(attr(details, "contentType")) or "application/octet-stream",
        "size": max(int(size), 0) if isinstance(size, int | float) else 0,
        "is_inline": bool(attr(details, "isInline")),
        "content_id": optional_text(attr(details, "contentId")),
        "kind": kind,
    }


def item_to_dict(item: object) -> dict[str, Any]:
    """Everything a snapshot needs from a read-mode message item, read synchronously.

    The keys are MailSnapshot's field names (minus the body and the mailbox user).
    """
    return {
        "item_id": optional_text(attr(item, "itemId")),
        "subject": text(attr(item, "subject")),
        "sender": address_dict(attr(item, "sender")),
        "from": address_dict(attr(item, "from")),
        "to": [a for a in (address_dict(d) for d in _items(attr(item, "to"))) if a],
        "cc": [a for a in (address_dict(d) for d in _items(attr(item, "cc"))) if a],
        # dateTimeCreated is when the item was created in this mailbox, not the Date header: only a fallback
        # (learn.microsoft.com "Office.MessageRead": dateTimeCreated). build_snapshot prefers the headers.
        "date_sent": js_date(attr(item, "dateTimeCreated")),
        "internet_message_id": optional_text(attr(item, "internetMessageId")),
        "conversation_id": optional_text(attr(item, "conversationId")),
        "attachments": [attachment_dict(d) for d in _items(attr(item, "attachments"))],
    }


def user_dict(profile: object) -> dict[str, str] | None:
    if nothing(profile):
        return None
    address = text(attr(profile, "emailAddress")).strip()
    if not address:
        return None
    return {"name": text(attr(profile, "displayName")).strip(), "address": address}


def _address(data: dict[str, str] | None) -> EmailAddress | None:
    return EmailAddress(**data) if data else None


def build_snapshot(
    fields: dict[str, Any],
    *,
    body_html: str | None = None,
    body_text: str | None = None,
    mailbox_user: dict[str, str] | None = None,
    now: datetime | None = None,
    headers: str | None = None,
) -> MailSnapshot:
    """The immutable snapshot from `item_to_dict`'s data (a missing date reads as `now`).

    `headers`: the internet headers when the host gave them (getAllInternetHeadersAsync). They tell the mail's
    thread; their Date wins over dateTimeCreated, and their To/Cc over the host's lists, which Outlook
    truncates (20 recipients on the web and in new Outlook)."""
    parsed = parse_headers(headers) if headers else None
    to, cc = fields["to"], fields["cc"]
    if parsed is not None and len(parsed.to) >= len(to) and len(parsed.cc) >= len(cc):
        to, cc = list(parsed.to), list(parsed.cc)
    header_date = parsed.date if parsed is not None else None
    return MailSnapshot(
        item_id=fields["item_id"],
        subject=fields["subject"],
        sender=_address(fields["sender"]),
        from_=_address(fields["from"]),
        to=tuple(EmailAddress(**a) for a in to),
        cc=tuple(EmailAddress(**a) for a in cc),
        date_sent=header_date or fields["date_sent"] or now or datetime.now(UTC),
        date_source="header" if header_date else "created",
        internet_message_id=fields["internet_message_id"],
        conversation_id=fields["conversation_id"],
        in_reply_to=parsed.in_reply_to if parsed is not None else None,
        references=parsed.references if parsed is not None else (),
        body_html=body_html,
        body_text=body_text,
        attachments=tuple(AttachmentInfo(**a) for a in fields["attachments"]),
        mailbox_user=_address(mailbox_user),
    )


@dataclass(frozen=True)
class DecodedContent:
    """An attachment's content: bytes for files, attached mails and calendar items; a URL for cloud files."""

    format: str
    data: bytes | None = None
    url: str | None = None


def decode_content(form: str, content: str) -> DecodedContent:
    """AttachmentContent {format, content} -> bytes or URL.

    base64 -> the decoded bytes; eml and iCalendar come as text and are stored as UTF-8.
    """
    if form == "base64":
        try:
            return DecodedContent(form, data=base64.b64decode(content))
        except (binascii.Error, ValueError) as error:
            raise InternalError(9002, "InternalFormatError", f"attachment content is not base64: {error}") from None
    if form in ("eml", "iCalendar"):
        return DecodedContent(form, data=content.encode("utf-8", "replace"))
    if form == "url":
        return DecodedContent(form, url=content)
    raise InternalError(9002, "InternalFormatError", f"unknown attachment content format {form!r}")


@dataclass(frozen=True)
class Theme:
    body_background: str
    body_foreground: str
    control_background: str
    control_foreground: str

    @property
    def is_dark(self) -> bool | None:
        """From the body background's luminance; None when the colour is not #RRGGBB."""
        colour = self.body_background
        if len(colour) != 7 or not colour.startswith("#"):
            return None
        try:
            r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        except ValueError:
            return None
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 < 0.5


def theme_from(office_theme: object) -> Theme | None:
    if nothing(office_theme):
        return None
    return Theme(
        body_background=text(attr(office_theme, "bodyBackgroundColor")),
        body_foreground=text(attr(office_theme, "bodyForegroundColor")),
        control_background=text(attr(office_theme, "controlBackgroundColor")),
        control_foreground=text(attr(office_theme, "controlForegroundColor")),
    )
