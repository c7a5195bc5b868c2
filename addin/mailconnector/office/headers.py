"""The mail's own header block, as Outlook hands it over (`item.getAllInternetHeadersAsync`, Mailbox 1.8).

Why the pane reads it instead of trusting the item's properties:
- `item.dateTimeCreated` is when the item was created in this mailbox (delivery, compose time in Sent Items,
  import time), not when the mail was sent: the Date header is (learn.microsoft.com "Office.MessageRead":
  dateTimeCreated; RFC 5322 3.6.1).
- `item.to` / `item.cc` are truncated by the host: 20 recipients on the web and in new Outlook, 100 in classic
  Outlook on Mac, 500/1000 in classic Outlook on Windows ("Office.MessageRead": to, cc). The To and Cc
  headers carry the whole lists.
Pure Python (the standard library's email package), tested under CPython.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.errors import MessageError
from email.message import Message
from email.parser import HeaderParser

# What the standard library raises for a header it cannot read (an encoded word that decodes to CR/LF in an
# address, a malformed group, ...): such a header is left out and the host's own values are kept.
_UNREADABLE = (IndexError, ValueError, TypeError, AttributeError, MessageError)


@dataclass(frozen=True)
class MailHeaders:
    date: datetime | None
    to: tuple[dict[str, str], ...]
    cc: tuple[dict[str, str], ...]
    in_reply_to: str | None = None  # the Message-ID it answers
    references: tuple[str, ...] = ()  # the thread's Message-IDs, oldest first


_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def _addresses(headers: list[object]) -> tuple[dict[str, str], ...]:
    """Every mailbox of the header(s), group members included, names decoded, comments dropped (RFC 5322 as
    the standard library's modern policy reads it: the same reading as the tests' reference parser)."""
    found = []
    for header in headers:
        try:
            addresses = getattr(header, "addresses", ())
        except _UNREADABLE:
            continue  # a header too broken to read: the host's own list is kept
        for item in addresses:
            address = str(item.addr_spec).strip()
            if "@" not in address:
                continue
            name = str(item.display_name).strip()
            found.append({"name": "" if name.casefold() == address.casefold() else name, "address": address})
    return tuple(found)


def _date(header: object) -> datetime | None:
    try:
        parsed = getattr(header, "datetime", None)
    except _UNREADABLE:
        return None
    if not isinstance(parsed, datetime):
        return None
    # RFC 5322 dates carry a zone; "-0000" (no zone information) reads as UTC.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _fetch(message: Message, name: str) -> list[object]:
    """Every readable header called `name`; the policy parses a header when it is fetched, and that is
    where a hostile one raises."""
    found: list[object] = []
    for key, raw in message.raw_items():
        if key.lower() != name.lower():
            continue
        try:
            found.append(message.policy.header_fetch_parse(key, raw))
        except _UNREADABLE:
            continue
    return found


def _message_ids(message: Message, name: str) -> list[str]:
    """The `<id>`s of the first header called `name` (RFC 5322 3.6.4), read raw: anything else in it is ignored."""
    raw = next((value for key, value in message.raw_items() if key.lower() == name.lower()), "")
    return _MESSAGE_ID.findall(str(raw))


def parse_headers(text: str) -> MailHeaders:
    """The internet headers as Outlook hands them over (`getAllInternetHeadersAsync`). Without References,
    In-Reply-To stands for the thread."""
    message = HeaderParser(policy=policy.default).parsestr(text, headersonly=True)
    dates = _fetch(message, "Date")
    replied = _message_ids(message, "In-Reply-To")
    references = _message_ids(message, "References") or replied
    return MailHeaders(
        date=_date(dates[0]) if dates else None,
        to=_addresses(_fetch(message, "To")),
        cc=_addresses(_fetch(message, "Cc")),
        in_reply_to=replied[-1] if replied else None,
        references=tuple(dict.fromkeys(references)),
    )
