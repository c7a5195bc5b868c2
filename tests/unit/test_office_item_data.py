"""Office.js objects to plain data and to the snapshot model, with plain fake objects standing in
for Pyodide's JS proxies (attributes, arrays, `Date.getTime()`, JS null)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from mailconnector.office.errors import InternalError
from mailconnector.office.headers import parse_headers
from mailconnector.office.item_data import (
    DecodedContent,
    Theme,
    build_snapshot,
    decode_content,
    item_to_dict,
    theme_from,
    user_dict,
)


class JsNull:
    """Stands for Pyodide's proxy of JS null."""


@dataclass
class FakeDate:
    millis: float

    def getTime(self) -> float:
        return self.millis


def person(name: str, address: str) -> SimpleNamespace:
    return SimpleNamespace(displayName=name, emailAddress=address)


def full_item() -> SimpleNamespace:
    return SimpleNamespace(
        itemId="AAMkAGSim+/x=",
        subject="Preventivo n° 42 🎉",
        sender=person("Laura Bianchi", "laura.bianchi@example.org"),
        **{"from": person("Nicolò Bianchi", "laura.bianchi@example.org")},
        to=[person("Rossi, Anna", "anna.rossi@acme-crm.example"), person("x@y.it", "x@y.it")],
        cc=[person("", "john.smith@example.com"), JsNull()],
        dateTimeCreated=FakeDate(1731777605000.0),
        internetMessageId=" <non-ascii-005@example.org> ",
        conversationId="AAQkConv",
        attachments=[
            SimpleNamespace(
                id="att1",
                name="logo.png",
                contentType="image/png",
                size=120,
                attachmentType="file",
                isInline=True,
                contentId="logo@x",
            ),
            SimpleNamespace(
                id="att2",
                name="Fwd: ordine",
                contentType="message/rfc822",
                size=900,
                attachmentType="item",
                isInline=False,
            ),
            SimpleNamespace(id="att3", name="Spec.docx", size=JsNull(), attachmentType="cloud", isInline=JsNull()),
        ],
    )


def test_item_to_dict_reads_every_field() -> None:
    fields = item_to_dict(full_item())
    assert fields == {
        "item_id": "AAMkAGSim+/x=",
        "subject": "Preventivo n° 42 🎉",
        "sender": {"name": "Laura Bianchi", "address": "laura.bianchi@example.org"},
        "from": {"name": "Nicolò Bianchi", "address": "laura.bianchi@example.org"},
        "to": [
            {"name": "Rossi, Anna", "address": "anna.rossi@acme-crm.example"},
            {"name": "", "address": "x@y.it"},  # Outlook repeats the address as name: not a name
        ],
        "cc": [{"name": "", "address": "john.smith@example.com"}],
        "date_sent": datetime(2024, 11, 16, 17, 20, 5, tzinfo=UTC),
        "internet_message_id": "<non-ascii-005@example.org>",
        "conversation_id": "AAQkConv",
        "attachments": [
            {
                "id": "att1",
                "name": "logo.png",
                "content_type": "image/png",
                "size": 120,
                "is_inline": True,
                "content_id": "logo@x",
                "kind": "file",
            },
            {
                "id": "att2",
                "name": "Fwd: ordine",
                "content_type": "message/rfc822",
                "size": 900,
                "is_inline": False,
                "content_id": None,
                "kind": "item",
            },
            {
                "id": "att3",
                "name": "Spec.docx",
                "content_type": "application/octet-stream",
                "size": 0,
                "is_inline": False,
                "content_id": None,
                "kind": "cloud",
            },
        ],
    }


def test_missing_values_read_as_nothing() -> None:
    bare = SimpleNamespace(itemId=JsNull(), subject=JsNull(), to=JsNull(), attachments=[], internetMessageId="")
    fields = item_to_dict(bare)
    assert fields["item_id"] is None
    assert fields["subject"] == ""
    assert fields["sender"] is None and fields["from"] is None
    assert fields["to"] == [] and fields["cc"] == []
    assert fields["date_sent"] is None
    assert fields["internet_message_id"] is None
    invalid_date = item_to_dict(SimpleNamespace(dateTimeCreated=FakeDate(float("nan"))))
    assert invalid_date["date_sent"] is None


def test_snapshot_from_the_plain_data() -> None:
    user = user_dict(SimpleNamespace(displayName="Anna Rossi", emailAddress="anna.rossi@acme-crm.example"))
    snapshot = build_snapshot(item_to_dict(full_item()), body_html="<p>x</p>", body_text="x", mailbox_user=user)
    assert snapshot.subject == "Preventivo n° 42 🎉"
    assert snapshot.from_ is not None and snapshot.from_.name == "Nicolò Bianchi"
    assert snapshot.sender is not None and snapshot.sender.name == "Laura Bianchi"
    assert [a.address for a in snapshot.to] == ["anna.rossi@acme-crm.example", "x@y.it"]
    assert snapshot.date_sent.tzinfo is not None
    assert snapshot.attachments[0].is_inline and snapshot.attachments[0].content_id == "logo@x"
    assert snapshot.attachments[2].kind == "cloud"
    assert snapshot.body_html == "<p>x</p>" and snapshot.body_text == "x"
    assert snapshot.mailbox_user is not None and snapshot.mailbox_user.address == "anna.rossi@acme-crm.example"
    assert snapshot.model_dump(by_alias=True)["from"]["address"] == "laura.bianchi@example.org"


def test_a_mail_without_date_is_dated_now() -> None:
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    snapshot = build_snapshot(item_to_dict(SimpleNamespace(subject="x")), now=now)
    assert snapshot.date_sent == now
    assert build_snapshot(item_to_dict(SimpleNamespace())).date_sent - datetime.now(UTC) < timedelta(seconds=5)


def test_user_profile_without_address_is_no_user() -> None:
    assert user_dict(SimpleNamespace(displayName="Anna", emailAddress="")) is None
    assert user_dict(JsNull()) is None


@pytest.mark.parametrize(
    ("form", "content", "expected"),
    [
        ("base64", base64.b64encode(bytes(range(256))).decode(), DecodedContent("base64", data=bytes(range(256)))),
        ("eml", "Subject: città\r\n\r\nx", DecodedContent("eml", data="Subject: città\r\n\r\nx".encode())),
        ("iCalendar", "BEGIN:VCALENDAR\r\n", DecodedContent("iCalendar", data=b"BEGIN:VCALENDAR\r\n")),
        ("url", "https://files.example/a", DecodedContent("url", url="https://files.example/a")),
    ],
)
def test_attachment_content_formats(form: str, content: str, expected: DecodedContent) -> None:
    assert decode_content(form, content) == expected


@pytest.mark.parametrize(("form", "content"), [("base64", "not*base64!"), ("rtf", "x")])
def test_unreadable_attachment_content_is_an_internal_format_error(form: str, content: str) -> None:
    with pytest.raises(InternalError) as caught:
        decode_content(form, content)
    assert caught.value.code == 9002


def test_theme_darkness_from_the_body_background() -> None:
    def theme(background: str) -> Any:
        return SimpleNamespace(
            bodyBackgroundColor=background,
            bodyForegroundColor="#000000",
            controlBackgroundColor="#FFFFFF",
            controlForegroundColor="#000000",
        )

    light = theme_from(theme("#FFFFFF"))
    dark = theme_from(theme("#292929"))
    assert isinstance(light, Theme) and light.is_dark is False
    assert dark is not None and dark.is_dark is True
    odd = theme_from(theme("white"))
    assert odd is not None and odd.is_dark is None
    assert theme_from(JsNull()) is None


def test_thread_ids_from_the_internet_headers() -> None:
    headers = (
        "Received: from mx.example.org\r\n\tby mx.acme\r\nSubject: Re: Offerta\r\n"
        "In-Reply-To: <b@x>\r\nReferences: <root@x>\r\n <a@x>\r\n\t<b@x> <root@x>\r\nX-Other: <c@x>\r\n"
    )
    def thread_ids(text: str) -> tuple[str | None, tuple[str, ...]]:
        parsed = parse_headers(text)
        return parsed.in_reply_to, parsed.references

    assert thread_ids(headers) == ("<b@x>", ("<root@x>", "<a@x>", "<b@x>"))
    # without References, In-Reply-To stands for it; a header named alike is not it; junk is ignored
    assert thread_ids("X-In-Reply-To: <z@x>\nin-reply-to: junk <a@x> (comment)\n") == ("<a@x>", ("<a@x>",))
    assert thread_ids("Subject: hi\r\n") == (None, ())
    # the first of two counts
    assert thread_ids("In-Reply-To: <one@x>\nIn-Reply-To: <two@x>\n") == ("<one@x>", ("<one@x>",))
    fields = item_to_dict(SimpleNamespace(subject="Re: x", conversationId="conv-1"))
    snapshot = build_snapshot(fields, headers=headers)
    assert snapshot.in_reply_to == "<b@x>" and snapshot.thread_references == ("<root@x>", "<a@x>", "<b@x>")
    assert snapshot.conversation_id == "conv-1"
    assert build_snapshot(fields).references == ()
