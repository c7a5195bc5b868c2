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

from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.parser import HeaderParser
from email.utils import getaddresses, parsedate_to_datetime


@dataclass(frozen=True)
class MailHeaders:
    date: datetime | None
    to: tuple[dict[str, str], ...]
    cc: tuple[dict[str, str], ...]


def _decoded(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, ValueError):
        return value


def _addresses(values: list[str]) -> tuple[dict[str, str], ...]:
    found = []
    for raw_name, raw_address in getaddresses(values):  # split first: a decoded name may hold a comma
        name, address = _decoded(raw_name), raw_address.strip()
        if "@" not in address:
            continue  # group syntax ("undisclosed-recipients:;") and garbage
        name = name.strip()
        found.append({"name": "" if name.casefold() == address.casefold() else name, "address": address})
    return tuple(found)


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    # RFC 5322 dates carry a zone; "-0000" (no zone information) reads as UTC.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_headers(text: str) -> MailHeaders:
    message = HeaderParser().parsestr(text, headersonly=True)
    return MailHeaders(
        date=_date(message.get("Date")),
        to=_addresses([str(v) for v in message.get_all("To", [])]),
        cc=_addresses([str(v) for v in message.get_all("Cc", [])]),
    )
