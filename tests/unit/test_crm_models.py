"""Boundary models: the mail snapshot, and CRM answers checked on the way in."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pydantic
import pytest

from mailconnector.crm import errors as e
from mailconnector.models import (
    CrmRecord,
    CrmStatus,
    EmailAddress,
    LinkMessage,
    LoginResult,
    MailSnapshot,
    ModuleDescription,
    Receipt,
    SearchResult,
)
from tests.client.fake_crm import CONTACTS_DESCRIBE, LOGIN, STATUS, FakeCrm, ok

MAIL: dict[str, Any] = {
    "item_id": "AAMkAD...",
    "subject": "Offerta 2025",
    "sender": {"name": "Mario Rossi", "address": "mario.rossi@example.it"},
    "from": {"name": "Mario Rossi", "address": "Mario.Rossi@example.it"},
    "to": [{"name": "Anna", "address": "anna@acme.it"}, {"name": "Team", "address": "team@acme.it"}],
    "cc": [{"name": None, "address": "boss@acme.it"}],
    "date_sent": "2024-11-12T10:15:00+01:00",
    "internet_message_id": "<CAF=abc@mail.example.it>",
    "conversation_id": "conv-1",
    "body_html": "<p>Ciao</p>",
    "body_text": "Ciao",
    "attachments": [
        {"id": "att1", "name": "offerta.pdf", "content_type": "application/pdf", "size": 1000, "is_inline": False},
        {
            "id": "att2",
            "name": "logo.png",
            "content_type": "image/png",
            "size": 50,
            "is_inline": True,
            "content_id": "logo@x",
        },
        {"id": "att3", "name": "Specs", "size": 0, "kind": "cloud"},
    ],
    "mailbox_user": {"name": "Anna", "address": "anna@acme.it"},
}


def snapshot(**changes: Any) -> MailSnapshot:
    return MailSnapshot.model_validate({**MAIL, **changes})


SYNTHETIC = re.compile(r"^<[0-9a-f]{64}@mailconnector\.invalid>$")


def test_snapshot_reads_office_shapes_and_is_immutable() -> None:
    mail = snapshot()
    assert mail.from_ == EmailAddress(name="Mario Rossi", address="Mario.Rossi@example.it")
    assert mail.cc[0].name == ""  # Office's null display name
    assert mail.date_sent.utcoffset() == timedelta(hours=1)
    assert mail.attachments_total_size == 1050
    assert [a.kind for a in mail.attachments] == ["file", "file", "cloud"]
    with pytest.raises(pydantic.ValidationError):
        mail.subject = "changed"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        snapshot(date_sent="2024-11-12T10:15:00")  # a date without offset is ambiguous
    assert MailSnapshot.model_validate(mail.model_dump(mode="json")) == mail


def test_sent_by_user_compares_addresses_case_insensitively() -> None:
    assert not snapshot().is_sent_by_user
    mine = snapshot(**{"from": {"name": "Anna", "address": "ANNA@acme.it"}})
    assert mine.is_sent_by_user
    assert not snapshot(mailbox_user=None).is_sent_by_user


def test_counterparts_are_the_author_or_the_recipients_never_the_user() -> None:
    assert snapshot().counterpart_addresses() == ("Mario.Rossi@example.it",)
    sent = snapshot(
        **{"from": {"name": "Anna", "address": "anna@acme.it"}},
        cc=[{"address": "Team@acme.it"}, {"address": "boss@acme.it"}],
    )
    assert sent.counterpart_addresses() == ("team@acme.it", "boss@acme.it")


def test_the_internet_message_id_is_used_when_there_is_one() -> None:
    assert snapshot().effective_message_id() == "<CAF=abc@mail.example.it>"
    assert snapshot(internet_message_id="  <x@y>  ").effective_message_id() == "<x@y>"


ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # SHA-256("abc")
ABD = "a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9"  # SHA-256("abd")
# the bytes of MAIL's two files, as the link read them
DIGESTS = {"att1": (1000, ABC), "att2": (50, ABD)}


def test_a_missing_message_id_is_derived_deterministically_from_the_content() -> None:
    mail = snapshot(internet_message_id=None)
    derived = mail.effective_message_id(DIGESTS)
    assert SYNTHETIC.match(derived)
    assert snapshot(internet_message_id="", item_id="other item").effective_message_id(DIGESTS) == derived
    # the same instant written in another time zone is the same mail
    assert snapshot(internet_message_id=None, date_sent="2024-11-12T09:15:00Z").effective_message_id(DIGESTS) == derived
    # the address case does not matter, the display name neither
    assert (
        snapshot(
            internet_message_id=None, **{"from": {"name": "M.", "address": "mario.rossi@EXAMPLE.it"}}
        ).effective_message_id(DIGESTS)
        == derived
    )
    different = [
        snapshot(internet_message_id=None, subject="Offerta 2026").effective_message_id(DIGESTS),
        snapshot(internet_message_id=None, body_text="Ciao!").effective_message_id(DIGESTS),
        snapshot(internet_message_id=None, date_sent="2024-11-12T10:15:01+01:00").effective_message_id(DIGESTS),
        snapshot(internet_message_id=None, **{"from": {"address": "other@example.it"}}).effective_message_id(DIGESTS),
        # same names and sizes, other bytes
        snapshot(internet_message_id=None).effective_message_id({"att1": (1000, ABD), "att2": (50, ABD)}),
        # a file fewer
        snapshot(internet_message_id=None, attachments=MAIL["attachments"][:1]).effective_message_id(DIGESTS),
        # a file renamed
        snapshot(internet_message_id=None, attachments=[{**MAIL["attachments"][0], "name": "offerta (1).pdf"},
                                                        *MAIL["attachments"][1:]]).effective_message_id(DIGESTS),
    ]
    assert len({*different, derived}) == 8


def test_without_a_message_id_the_stand_in_waits_for_the_files_bytes() -> None:
    mail = snapshot(internet_message_id=None)
    assert mail.needs_attachment_digests
    with pytest.raises(ValueError, match="SHA-256"):
        mail.effective_message_id()
    assert not snapshot().needs_attachment_digests  # a real Message-ID needs nothing
    assert not snapshot(internet_message_id=None, attachments=[MAIL["attachments"][2]]).needs_attachment_digests


def test_the_sent_item_fingerprint_is_the_same_before_and_after_outlook_knows_the_id() -> None:
    """B.12: a just-sent item read before it has a Message-ID (Outlook's creation time, no headers, a blank
    `from`, recipients cut at 20) and after (id, Date header, full lists) gives one fingerprint."""
    people = [{"address": f"p{n}@example.it"} for n in range(30)]
    later = snapshot(**{"from": {"name": "Anna", "address": "Anna@acme.it"}}, to=people,
                     date_sent="2024-11-12T10:15:00+01:00")
    first = snapshot(**{"from": None}, sender=None, internet_message_id=None, to=people[:20],
                     date_sent="2024-11-12T08:59:41+00:00", date_source="created")
    assert first.content_fingerprint() == later.content_fingerprint()
    assert re.fullmatch(r"[0-9a-f]{64}", later.content_fingerprint())
    different = {
        later.model_copy(update={"subject": "Offerta 2026"}).content_fingerprint(),
        later.model_copy(update={"body_text": "Ciao!"}).content_fingerprint(),
        later.model_copy(update={"to": later.to[1:]}).content_fingerprint(),
        later.model_copy(update={"cc": ()}).content_fingerprint(),
        later.model_copy(update={"attachments": later.attachments[:2]}).content_fingerprint(),
        later.model_copy(update={"attachments": (later.attachments[0].model_copy(update={"size": 1001}),
                                                 *later.attachments[1:])}).content_fingerprint(),
        later.model_copy(update={"from_": EmailAddress(address="other@acme.it")}).content_fingerprint(),
    }
    assert len(different) == 7 and later.content_fingerprint() not in different
    # fixed on purpose: a changed recipe would store a sent mail twice
    fixed = MailSnapshot.model_validate({
        "from": {"address": "Anna@Acme.it"}, "date_sent": "2024-01-02T03:04:05+00:00", "subject": "S",
        "body_text": "B", "to": [{"address": "Mario@X.it"}], "attachments": [{"id": "1", "name": "a.pdf", "size": 3}]})
    # sha256('["anna@acme.it","S","B",[["a.pdf",3]],["mario@x.it"],[]]')
    assert fixed.content_fingerprint() == "0770e73d988445afbd678123d2e70125a410672548f9a393ba2a512a466003a0"
    # it travels with every link
    assert LinkMessage.from_snapshot(later).to_wire()["fingerprint"] == later.content_fingerprint()


def scanner_mail(files: int) -> MailSnapshot:
    """An automatic mail: same sender, date and subject every time, no text, only its files differ."""
    return MailSnapshot.model_validate({
        "from": {"address": "scanner@example.it"}, "date_sent": "2024-01-02T03:04:05+00:00", "subject": "Scan",
        "body_text": "", "attachments": [{"id": f"a{n}", "name": f"scan-{n}.pdf", "size": 3} for n in range(files)],
    })


def test_automatic_mails_differing_only_by_their_files_get_different_ids() -> None:
    two, four = scanner_mail(2), scanner_mail(4)
    ids = {two.effective_message_id({"a0": (3, ABC), "a1": (3, ABD)}),
           four.effective_message_id({"a0": (3, ABC), "a1": (3, ABD), "a2": (3, ABC), "a3": (3, ABD)})}
    assert len(ids) == 2


def test_the_derivation_recipe_does_not_drift_between_versions() -> None:
    # A changed recipe would store a retried mail twice: these values are fixed on purpose (the
    # recipe is the SHA-256 of compact JSON; checked with `printf '%s' '<json>' | sha256sum`).
    mail = MailSnapshot.model_validate(
        {"from": {"address": "a@b.it"}, "date_sent": "2024-01-02T03:04:05+00:00", "subject": "S", "body_text": "B"}
    )
    # sha256('["a@b.it","2024-01-02T03:04:05+00:00","S","B",[]]')
    assert mail.effective_message_id() == (
        "<6a76b0172a5147bfda469466e7af2b662b2f38a7607d976cd6de9319844eb7e0@mailconnector.invalid>"
    )
    html_only = mail.model_copy(update={"body_text": None, "body_html": "<b>B</b>"})
    assert html_only.effective_message_id() != mail.effective_message_id()
    scan = MailSnapshot.model_validate({
        "from": {"address": "Scanner@Example.it"}, "date_sent": "2024-01-02T04:04:05+01:00", "subject": "Scan",
        "body_text": "",
        "attachments": [{"id": "a1", "name": "scan-1.pdf", "size": 3}, {"id": "a2", "name": "scan-2.pdf", "size": 3},
                        {"id": "c", "name": "Big.docx", "size": 9, "kind": "cloud"}],
    })
    # sha256('["scanner@example.it","2024-01-02T03:04:05+00:00","Scan","",[["scan-1.pdf",3,"ba78…15ad"],
    #         ["scan-2.pdf",3,"a52d…49c9"],["Big.docx",9,""]]]')
    assert scan.effective_message_id({"a1": (3, ABC), "a2": (3, ABD)}) == (
        "<add53ef5abc727deca30051f9613a96739b03b06312eeae27aac25de283148fc@mailconnector.invalid>"
    )


def test_link_message_from_a_snapshot() -> None:
    mail = snapshot(internet_message_id=None)
    wire = LinkMessage.from_snapshot(mail, in_reply_to="<p@x>", message_id=mail.effective_message_id(DIGESTS)).to_wire()
    assert wire["from"] == {"name": "Mario Rossi", "address": "Mario.Rossi@example.it"}
    assert wire["date"] == "2024-11-12T10:15:00+01:00"
    assert SYNTHETIC.match(wire["messageid"])
    assert wire["in_reply_to"] == "<p@x>"
    assert wire["to"][1] == {"name": "Team", "address": "team@acme.it"}
    utc = LinkMessage.from_snapshot(snapshot(date_sent=datetime(2024, 1, 1, tzinfo=UTC))).to_wire()
    assert utc["date"] == "2024-01-01T00:00:00+00:00"
    bare = LinkMessage.from_snapshot(snapshot(body_html=None, conversation_id=None)).to_wire()
    assert bare["body_html"] == "" and "conversation_id" not in bare and "in_reply_to" not in bare


def test_crm_models_ignore_fields_a_newer_crm_adds() -> None:
    status = CrmStatus.model_validate({**STATUS, "new_thing": {"x": 1}, "licence": {**STATUS["licence"], "seats": 5}})
    assert status.licence.state == "active"
    assert status.licence.expires is not None and status.licence.expires.year == 2027
    assert status.has("receipt") and not status.has("teleport")
    assert CrmStatus.model_validate({**STATUS, "licence": {"state": "active", "expires": None}}).licence.expires is None


def test_a_records_fields_are_an_object_kept_as_the_crm_sent_it() -> None:
    row = {"id": "4x7", "lastname": "Rossi", "n": 3, "tags": ["a"], "extra": None}
    record = CrmRecord.from_row(row)
    assert record.fields == row and record.text("n") == "3" and record.text("extra") == ""
    for not_an_object in (["lastname", "Rossi"], "Rossi", None):
        with pytest.raises(pydantic.ValidationError, match="not an object"):
            CrmRecord.model_validate({"id": "4x7", "fields": not_an_object})
    with pytest.raises(pydantic.ValidationError):
        CrmRecord.from_row({"id": "not an id", "lastname": "Rossi"})


def test_describe_label_fields_come_as_text_or_list() -> None:
    assert ModuleDescription.model_validate(CONTACTS_DESCRIBE).label_fields == ("firstname", "lastname")
    as_list = ModuleDescription.model_validate({**CONTACTS_DESCRIBE, "labelFields": ["accountname"]})
    assert as_list.label_fields == ("accountname",)


def test_the_token_stays_out_of_reprs() -> None:
    result = LoginResult.model_validate(LOGIN)
    assert LOGIN["token"] not in repr(result)
    assert result.token == LOGIN["token"]


def test_search_states() -> None:
    def result(n: int, total: int) -> SearchResult:
        records = [{"module": "Contacts", "id": f"4x{i}", "label": "x"} for i in range(n)]
        return SearchResult.model_validate(
            {"module": "Contacts", "text": "x", "records": records, "total": total, "limit": 25}
        )

    assert result(0, 0).state == "none"
    assert result(3, 3).state == "results"
    assert result(25, 80).state == "too_many"
    assert result(20, 30).state == "too_many"  # a short page of a larger match still says refine


def test_receipt_totals() -> None:
    receipt = Receipt.model_validate(
        {
            "from": {"name": "A", "address": "a@x"},
            "attachments": [
                {"filename": "a", "size": 3, "sha256": "x", "document": "7x1"},
                {"filename": "b", "size": 4, "sha256": "y", "document": "7x2"},
            ],
        }
    )
    assert receipt.attachments_total_size == 7
    assert receipt.from_ is not None and receipt.from_.address == "a@x"


# --- malformed CRM data is a clear client error --------------------------------------------------------------
MALFORMED = [
    ("mcstatus", {**STATUS, "licence": {"state": "sleeping"}}, lambda c: c.status()),
    (
        "mcstatus",
        {**STATUS, "limits": {"chunk_bytes": 0, "max_file_bytes": 1, "max_message_bytes": 1}},
        lambda c: c.status(),
    ),
    ("mcstatus", "active", lambda c: c.status()),
    ("mclogin", {**LOGIN, "token": ""}, lambda c: c.login("anna", "pw")),
    ("mclogin", {**LOGIN, "user": {**LOGIN["user"], "id": "five"}}, lambda c: c.login("anna", "pw")),
    ("mcsuggest", [{"module": "Contacts", "id": "4x1"}], lambda c: c.suggest(["a@x.it"])),
    ("mcsuggest", {"module": "Contacts"}, lambda c: c.suggest(["a@x.it"])),
    (
        "mclookup",
        {"links": [{"module": "Contacts", "id": "4x1", "label": "x", "message": None}]},
        lambda c: c.lookup("<m>"),
    ),
    ("mclookup", {"links": "none"}, lambda c: c.lookup("<m>")),
    ("retrieve", ["4x1"], lambda c: c.retrieve("4x1")),
    ("retrieve", {"lastname": "no id"}, lambda c: c.retrieve("4x1")),
    ("query", {"rows": []}, lambda c: c.query("SELECT * FROM Contacts;")),
    ("query", [{"lastname": "no id"}], lambda c: c.query("SELECT * FROM Contacts;")),
    ("query", ["4x1"], lambda c: c.query("SELECT * FROM Contacts;")),
    ("describe", {"name": "Contacts"}, lambda c: c.describe("Contacts")),
    ("mcreceipt", {"attachments": [{"filename": "a", "size": -1, "sha256": "x"}]}, lambda c: c.receipt("40x1")),
]


@pytest.mark.parametrize(("operation", "data", "call"), MALFORMED)
def test_malformed_answers_become_protocol_errors(operation: str, data: Any, call: Any) -> None:
    fake = FakeCrm().always(operation, ok(data))

    async def go() -> e.CrmError:
        async with fake.client() as client:
            with pytest.raises(e.CrmProtocolError) as caught:
                await call(client)
            return caught.value

    error = asyncio.run(go())
    assert error.operation == operation
    assert error.code == "PROTOCOL_ERROR"


def test_timezone_objects_other_than_utc_work_for_link_dates() -> None:
    tz = timezone(timedelta(hours=-5, minutes=-30))
    wire = LinkMessage.from_snapshot(snapshot(date_sent=datetime(2024, 5, 6, 7, 8, 9, tzinfo=tz))).to_wire()
    assert wire["date"] == "2024-05-06T07:08:09-05:30"
