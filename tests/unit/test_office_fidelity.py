"""The mail as Outlook really hands it over (issue #11, point 4), under CPython: the Date header rather than
dateTimeCreated (the fallback labelled), full recipient lists from the headers (Outlook truncates item.to/cc),
attached calendar items (format iCalendar) stored as .ics text/calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from mailconnector.core.linking import attachment_content_type, attachment_filename
from mailconnector.core.state import AppState
from mailconnector.models import AttachmentInfo, MailSnapshot
from mailconnector.office.headers import parse_headers
from mailconnector.office.item_data import build_snapshot
from mailconnector.ui.i18n import Translator
from mailconnector.ui.screens import mail_header


def state_with(mail: MailSnapshot) -> AppState:
    return AppState(screen="connect", mail=mail)

DELIVERED = datetime(2026, 11, 3, 8, 17, 42, tzinfo=UTC)  # dateTimeCreated: when the mailbox got it
HEADERS = (
    "Received: from mx.example (mx.example [192.0.2.1]) by mail.example; Tue, 3 Nov 2026 08:17:40 +0000\r\n"
    "Date: Tue, 03 Nov 2026 09:15:00 +0100\r\n"
    "From: Mario Rossi <mario@rossi.example>\r\n"
    "To: " + ", ".join(f"=?utf-8?q?Persona_{i}=2C_Team?= <p{i}@example.com>" for i in range(25)) + "\r\n"
    "Cc: Anna <anna@example.com>\r\n"
    "Subject: Offer\r\n"
)


def fields(to: int = 20) -> dict[str, Any]:
    """item_to_dict's output for a mail whose host truncated `to` to 20 (Outlook on the web)."""
    return {
        "item_id": "AAMk1", "subject": "Offer", "sender": None,
        "from": {"name": "Mario Rossi", "address": "mario@rossi.example"},
        "to": [{"name": f"Persona {i}, Team", "address": f"p{i}@example.com"} for i in range(to)],
        "cc": [{"name": "Anna", "address": "anna@example.com"}],
        "date_sent": DELIVERED, "internet_message_id": "<x@rossi.example>", "conversation_id": None,
        "attachments": [],
    }


def test_the_date_header_wins_over_date_time_created() -> None:
    mail = build_snapshot(fields(), headers=HEADERS)
    assert mail.date_sent == datetime(2026, 11, 3, 9, 15, tzinfo=timezone(timedelta(hours=1)))
    assert mail.date_sent != DELIVERED and mail.date_source == "header"


def test_without_headers_date_time_created_is_used_and_labelled() -> None:
    mail = build_snapshot(fields(), headers=None)
    assert mail.date_sent == DELIVERED and mail.date_source == "created"
    for language in ("en-US", "it-IT"):
        t = Translator(language)
        shown = mail_header(state_with(mail), t, datetime(2026, 11, 4, tzinfo=UTC)).find("time").text()
        assert shown == t.t("mail.date_created", when=t.datetime(DELIVERED.astimezone(UTC)))
    dated = build_snapshot(fields(), headers=HEADERS)
    t = Translator("en-US")
    shown = mail_header(state_with(dated), t, datetime(2026, 11, 4, tzinfo=UTC)).find("time").text()
    assert shown == t.datetime(dated.date_sent.astimezone(UTC))
    # a header block without a usable Date: the fallback again, labelled
    assert build_snapshot(fields(), headers="Date: not a date\r\n").date_source == "created"


def test_full_recipient_lists_come_from_the_headers() -> None:
    mail = build_snapshot(fields(to=20), headers=HEADERS)
    assert len(mail.to) == 25 and mail.to[24].address == "p24@example.com"
    assert mail.to[3].name == "Persona 3, Team"  # an encoded name with a comma stays one recipient
    assert [a.address for a in mail.cc] == ["anna@example.com"]
    # headers listing fewer people than the item (a resent mail's old headers): the item's lists are kept
    assert len(build_snapshot(fields(to=20), headers="To: p0@example.com\r\n").to) == 20


def test_header_parsing_edge_cases() -> None:
    parsed = parse_headers("Date: Tue, 3 Nov 2026 09:15:00 -0000\r\nTo: undisclosed-recipients:;\r\n")
    assert parsed.date == datetime(2026, 11, 3, 9, 15, tzinfo=UTC) and parsed.to == ()
    assert parse_headers("").date is None


def test_attached_calendar_items_are_stored_as_ics() -> None:
    meeting = AttachmentInfo(id="a1", name="Project kick-off", size=900, kind="item", content_type="message/rfc822")
    assert attachment_filename(meeting, "iCalendar") == "Project kick-off.ics"
    assert attachment_content_type(meeting, "iCalendar") == "text/calendar"
    mail = AttachmentInfo(id="a2", name="Re: offer", size=900, kind="item", content_type="message/rfc822")
    assert (attachment_filename(mail, "eml"), attachment_content_type(mail, "eml")) == ("Re: offer.eml",
                                                                                        "message/rfc822")
    pdf = AttachmentInfo(id="a3", name="a.pdf", size=9, kind="file", content_type="application/pdf")
    assert (attachment_filename(pdf, "base64"), attachment_content_type(pdf, "base64")) == ("a.pdf", "application/pdf")


def test_a_header_the_email_package_cannot_read_is_left_out_not_fatal() -> None:
    """An encoded word that decodes to CR/LF inside an address makes the standard library raise when the
    header is fetched (found by the hostile-mail suite): that header is dropped, the others still count."""
    parsed = parse_headers(
        "Date: Tue, 3 Nov 2026 09:15:00 +0100\r\n"
        "To: =?utf-8?q?Evil=0D=0AName?= <evil@example.com>\r\n"
        "Cc: Anna Bianchi <anna@example.com>\r\n"
    )
    assert parsed.to == ()
    assert parsed.cc == ({"name": "Anna Bianchi", "address": "anna@example.com"},)
    assert parsed.date is not None and parsed.date.isoformat() == "2026-11-03T09:15:00+01:00"
