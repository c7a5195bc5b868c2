"""A sent mail stored before Outlook knew its Message-ID (protocol B.12), over HTTP.

The first link of a just-sent item carries a stand-in id, Outlook's creation time and the mail's
content fingerprint; the later read of the same item has its real Message-ID and the Date header.
The CRM must find the stored message by the fingerprint, give it the real id, and never store the
mail twice; and it must not merge what is not the same sent mail.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.crm import db
from tests.conftest import RunningCrm
from tests.crm.support import Session, attachment, inspect, login, mail, new_messageid

CREATED = "2026-05-04T09:00:07+00:00"  # Outlook's dateTimeCreated of the item in Sent Items
DATE_HEADER = "2026-05-04T11:00:05+02:00"  # the Date header, known at the later read


@pytest.fixture(scope="module")
def anna(crm: RunningCrm) -> Session:
    return login(crm, "anna")


@pytest.fixture
def no_faults(crm: RunningCrm) -> Iterator[None]:
    yield
    httpx.delete(f"{crm.url}/_test/faults")


def stand_in() -> str:
    return f"<{hashlib.sha256(os.urandom(16)).hexdigest()}@mailconnector.invalid>"


def fingerprint() -> str:
    return hashlib.sha256(os.urandom(16)).hexdigest()


def sent_mail(messageid: str, subject: str, fp: str, date: str, **extra: Any) -> dict[str, Any]:
    return mail(messageid, subject, date=date, fingerprint=fp,
                **{"from": {"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}}, **extra)


def stored(crm: RunningCrm, subject: str) -> list[dict[str, Any]]:
    return inspect(crm, "messages", subject=subject)


def test_status_lists_the_capability(crm: RunningCrm) -> None:
    assert "sent_items" in httpx.post(crm.endpoint("mcstatus")).json()["data"]["capabilities"]


def test_the_later_read_with_its_real_id_finds_the_mail_and_gives_it_that_id(crm: RunningCrm, anna: Session) -> None:
    subject, fp, first_id, real_id = f"Offer {uuid.uuid4().hex}", fingerprint(), stand_in(), new_messageid()
    pdf = os.urandom(3000)
    first = anna.data("mclink", target="4x3", attachments=[attachment(anna.upload(pdf), pdf)],
                      message=sent_mail(first_id, subject, fp, CREATED))
    assert first["created"] is True
    [row] = stored(crm, subject)
    assert (row["messageid"], row["fingerprint"], row["aliases"]) == (first_id, fp, None)

    # opened again once Outlook has the Message-ID: the pane's lookup finds where it is stored
    found = anna.data("mclookup", messageid=real_id, fingerprint=fp, date=DATE_HEADER)
    assert [link["id"] for link in found["links"]] == ["4x3"]
    assert found["links"][0]["linked_by"] == "Anna Rossi"
    # without the fingerprint, or two weeks and more away, it is another mail
    assert anna.data("mclookup", messageid=real_id)["links"] == []
    assert anna.data("mclookup", messageid=real_id, fingerprint=fp, date="2026-05-19T09:00:08+00:00")["links"] == []
    assert anna.data("mclookup", messageid=real_id, fingerprint=fingerprint(), date=DATE_HEADER)["links"] == []

    # linked to a second record: the stored message and its document are reused, nothing new is stored
    again = anna.data("mclink", target="4x8", attachments=[attachment(anna.upload(pdf), pdf)],
                      message=sent_mail(real_id, subject, fp, DATE_HEADER, conversation_id="conv-sent"))
    assert (again["created"], again["linked"]) == (False, True)
    assert again["message"] == first["message"] and again["documents"] == first["documents"]
    [row] = stored(crm, subject)
    assert (row["messageid"], row["aliases"], row["fingerprint"]) == (real_id, first_id, None)
    assert row["date_sent"] == DATE_HEADER and row["mdate"] == "2026-05-04 09:00:05"
    assert row["messagehash"] == hashlib.sha1((real_id + subject).encode()).hexdigest()
    assert [u for u in inspect(crm, "uploads", user="anna") if u.get("filename") == "offer.pdf"
            and u.get("size") == len(pdf)] == []  # the second upload was consumed, not kept

    # found from now on by its real id, and still by the stand-in a pane of the first read may hold
    for messageid in (real_id, first_id):
        assert [link["id"] for link in anna.data("mclookup", messageid=messageid)["links"]] == ["4x3", "4x8"]
    receipt = anna.data("mcreceipt", message=first["message"])
    assert receipt["messageid"] == real_id and receipt["date"] == DATE_HEADER
    assert [a["sha256"] for a in receipt["attachments"]] == [hashlib.sha256(pdf).hexdigest()]
    # the same link again is idempotent
    same = anna.data("mclink", target="4x8", attachments=[], message=sent_mail(real_id, subject, fp, DATE_HEADER))
    assert (same["created"], same["linked"]) == (False, False)


def test_the_same_text_sent_again_later_is_a_mail_of_its_own(crm: RunningCrm, anna: Session) -> None:
    subject, fp = f"Reminder {uuid.uuid4().hex}", fingerprint()
    anna.data("mclink", target="4x3", attachments=[], message=sent_mail(stand_in(), subject, fp, CREATED))
    first_real = new_messageid()
    anna.data("mclink", target="4x3", attachments=[], message=sent_mail(first_real, subject, fp, DATE_HEADER))
    # the fingerprint went with the first real id: the second sending is not taken for the first
    second_real = new_messageid()
    assert anna.data("mclookup", messageid=second_real, fingerprint=fp, date=DATE_HEADER)["links"] == []
    created = anna.data("mclink", target="4x3", attachments=[],
                        message=sent_mail(second_real, subject, fp, DATE_HEADER))
    assert created["created"] is True
    assert sorted(r["messageid"] for r in stored(crm, subject)) == sorted([first_real, second_real])


def test_two_mails_without_an_id_are_never_merged_by_fingerprint(crm: RunningCrm, anna: Session) -> None:
    """Two scanner mails with the same text (no Message-ID either time) stay two: the fingerprint is only
    for a mail that now HAS its real id."""
    subject, fp = f"Scan {uuid.uuid4().hex}", fingerprint()
    one = anna.data("mclink", target="4x3", attachments=[], message=sent_mail(stand_in(), subject, fp, CREATED))
    two = anna.data("mclink", target="4x3", attachments=[],
                    message=sent_mail(stand_in(), subject, fp, "2026-05-04T09:30:00+00:00"))
    assert one["created"] is True and two["created"] is True and one["message"] != two["message"]
    assert len(stored(crm, subject)) == 2


def test_a_real_id_already_stored_is_never_replaced(crm: RunningCrm, anna: Session) -> None:
    subject, fp, real_id = f"Received {uuid.uuid4().hex}", fingerprint(), new_messageid()
    anna.data("mclink", target="4x3", attachments=[], message=sent_mail(real_id, subject, fp, DATE_HEADER))
    other = new_messageid()
    assert anna.data("mclookup", messageid=other, fingerprint=fp, date=DATE_HEADER)["links"] == []
    assert anna.data("mclink", target="4x3", attachments=[],
                     message=sent_mail(other, subject, fp, DATE_HEADER))["created"] is True
    assert sorted(r["messageid"] for r in stored(crm, subject)) == sorted([real_id, other])


def test_records_the_caller_may_not_see_stay_hidden(crm: RunningCrm, anna: Session) -> None:
    subject, fp = f"Private {uuid.uuid4().hex}", fingerprint()
    anna.data("mclink", target="4x3", attachments=[], message=sent_mail(stand_in(), subject, fp, CREATED))
    giulia = login(crm, "giulia")
    assert giulia.data("mclookup", messageid=new_messageid(), fingerprint=fp, date=DATE_HEADER)["links"] == []


def test_a_failure_while_adopting_the_real_id_changes_nothing(crm: RunningCrm, anna: Session,
                                                              no_faults: None) -> None:
    subject, fp, first_id, real_id = f"Fault {uuid.uuid4().hex}", fingerprint(), stand_in(), new_messageid()
    anna.data("mclink", target="4x3", attachments=[], message=sent_mail(first_id, subject, fp, CREATED))
    armed = httpx.post(f"{crm.url}/_test/faults", json={"operation": "mclink", "fault": "fail_midway"})
    assert armed.status_code == 200
    body = anna.error("mclink", 500, target="4x8", attachments=[], message=sent_mail(real_id, subject, fp, DATE_HEADER))
    assert body["code"] == "INTERNAL_ERROR"
    [row] = stored(crm, subject)
    assert (row["messageid"], row["fingerprint"], row["aliases"]) == (first_id, fp, None)
    assert [link["crmid"] for link in inspect(crm, "links", messageid=first_id)] == [3]
    httpx.delete(f"{crm.url}/_test/faults")
    retry = anna.data("mclink", target="4x8", attachments=[], message=sent_mail(real_id, subject, fp, DATE_HEADER))
    assert (retry["created"], retry["linked"]) == (False, True)


def test_unlinking_the_last_record_forgets_the_fingerprint(crm: RunningCrm, anna: Session) -> None:
    subject, fp = f"Undo {uuid.uuid4().hex}", fingerprint()
    first = anna.data("mclink", target="4x3", attachments=[], message=sent_mail(stand_in(), subject, fp, CREATED))
    assert anna.data("mcunlink", message=first["message"], target="4x3")["message_deleted"] is True
    real_id = new_messageid()
    assert anna.data("mclookup", messageid=real_id, fingerprint=fp, date=DATE_HEADER)["links"] == []
    assert anna.data("mclink", target="4x3", attachments=[],
                     message=sent_mail(real_id, subject, fp, DATE_HEADER))["created"] is True


@pytest.mark.parametrize(("params", "text"), [
    ({"fingerprint": "not-hex"}, "fingerprint"),
    ({"fingerprint": "a" * 64, "date": "yesterday"}, "date"),
    ({"fingerprint": "a" * 64, "date": "2026-05-04T09:00:00"}, "date"),
])
def test_a_bad_fingerprint_or_date_is_refused(anna: Session, params: dict[str, str], text: str) -> None:
    body = anna.error("mclookup", 400, messageid=new_messageid(), **params)
    assert body["code"] == "INVALID_REQUEST" and text in body["message"]
    bad = anna.error("mclink", 400, target="4x3", attachments=[],
                     message=mail(stand_in(), "Bad", fingerprint="XYZ"))
    assert bad["code"] == "INVALID_REQUEST" and "fingerprint" in bad["message"]


def test_a_database_from_before_gets_the_new_tables_on_start(tmp_path: Path) -> None:
    """An installed CRM (the demo's var/crm.sqlite3) from before B.12 is brought up to date when it starts."""
    path = tmp_path / "crm.sqlite3"
    assert db.ensure_database(path) is True
    conn = db.connect(path)
    with db.write_tx(conn):
        conn.execute("DROP TABLE message_fingerprints")
        conn.execute("DROP TABLE message_aliases")
    conn.close()
    assert db.ensure_database(path) is False  # not created again: upgraded
    conn = db.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert {"message_fingerprints", "message_aliases"} <= tables

