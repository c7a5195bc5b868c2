"""Mails as the fake Outlook hands them to office.js (owa_host.js: GetInitialData item + contents)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

DATE_HEADER = "Tue, 03 Nov 2026 09:15:00 +0100"
DATE_SENT = datetime(2026, 11, 3, 8, 15, tzinfo=UTC)
# Outlook's dateTimeCreated is when the item was created in this mailbox (delivery), not the Date header.
DELIVERED_MS = int(datetime(2026, 11, 3, 8, 17, 42, tzinfo=UTC).timestamp() * 1000)

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
CSV = b"name;amount\nRossi;12,50\nBianchi;7\n"


def addr(name: str, address: str) -> dict[str, str]:
    return {"name": name, "address": address}


def file_attachment(att_id: str, name: str, content_type: str, data: bytes, **extra: Any) -> dict[str, Any]:
    return {"id": att_id, "name": name, "contentType": content_type, "size": len(data), "attachmentType": 0,
            "isInline": False, "format": "base64", "content": base64.b64encode(data).decode(), **extra}


def mail(tag: str, *, sender: tuple[str, str] = ("Mario Rossi", "mario.rossi@rossi-srl.example"),
         attachments: list[dict[str, Any]] | None = None, headers: str | None = None, **extra: Any) -> dict[str, Any]:
    """A received mail; `tag` makes the ids and Message-ID unique per test (one CRM for the whole run)."""
    message_id = f"<{tag}@rossi-srl.example>"
    raw_headers = headers if headers is not None else (
        f"Date: {DATE_HEADER}\r\nMessage-ID: {message_id}\r\nFrom: {sender[0]} <{sender[1]}>\r\n"
        "To: Anna Bianchi <anna@example.com>\r\nSubject: Offer " + tag + "\r\n"
    )
    return {
        "id": f"AAMk-{tag}",
        "subject": f"Offer {tag}",
        "from": addr(*sender),
        "sender": addr(*sender),
        "to": [addr("Anna Bianchi", "anna@example.com")],
        "cc": [],
        "dateTimeCreated": DELIVERED_MS,
        "internetMessageId": message_id,
        "conversationId": f"conv-{tag}",
        "body": {"text": f"Hello Anna,\nthe offer {tag} is attached.\nMario",
                 "html": f"<p>Hello Anna,</p><p>the offer {tag} is attached.</p><p>Mario</p>"},
        "headers": raw_headers,
        "attachments": attachments if attachments is not None else [],
        **extra,
    }
