"""Thread memory (protocol B.9) over HTTP: mclink stores In-Reply-To, References and the
conversation id; mclookup with `references`/`conversation_id` answers where earlier mails of the
same thread are stored, only records the caller may see, newest first, the mail itself left out."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import RunningCrm
from tests.crm.support import Session, login, mail, new_messageid


@pytest.fixture(scope="module")
def users(crm: RunningCrm) -> dict[str, Session]:
    return {name: login(crm, name) for name in ("anna", "marco", "sara", "giulia")}


def test_status_lists_thread_capability(crm: RunningCrm) -> None:
    status = httpx.post(crm.endpoint("mcstatus")).json()["data"]
    assert "thread" in status["capabilities"]


def test_reply_finds_the_record_of_the_original(users: dict[str, Session]) -> None:
    anna, marco, sara, giulia = users["anna"], users["marco"], users["sara"], users["giulia"]
    conversation = f"conv-{uuid.uuid4().hex}"
    original, reply, later = new_messageid(), new_messageid(), new_messageid()
    # Marco files the original offer under his Lead (private: Anna, his manager, sees it; Sara and
    # Giulia do not)
    marco.data("mclink", target="2x5", attachments=[],
               message=mail(original, "Offerta", date="2026-03-02T10:00:00+01:00", conversation_id=conversation))
    # Anna files the first reply under a Contact of hers
    anna.data("mclink", target="4x3", attachments=[],
              message=mail(reply, "Re: Offerta", date="2026-03-03T10:00:00+01:00", conversation_id=conversation,
                           in_reply_to=original, references=[original]))
    stored = anna.data("mclookup", messageid=reply)
    assert [link["id"] for link in stored["links"]] == ["4x3"] and stored["thread"] == []  # no thread params

    # the next reply names both earlier mails: newest first, each with who linked it and the mail
    answer = anna.data("mclookup", messageid=later, references=[original, reply], conversation_id=conversation)
    assert answer["links"] == []
    thread = answer["thread"]
    assert [(t["id"], t["messageid"], t["subject"]) for t in thread] == [
        ("4x3", reply, "Re: Offerta"), ("2x5", original, "Offerta")]
    assert thread[0]["module"] == "Contacts" and thread[0]["label"] == "Mario Rossi"
    assert thread[0]["linked_by"] == "Anna Rossi" and thread[1]["linked_by"] == "Marco Bianchi"
    assert thread[0]["message"].startswith("40x") and len(thread[0]["linked_at"]) == 19

    # only the references, only the conversation id: each is enough on its own
    by_refs = anna.data("mclookup", messageid=later, references=[original])["thread"]
    assert {t["id"] for t in by_refs} == {"2x5", "4x3"}  # the original, and the reply that names it too
    by_conversation = anna.data("mclookup", messageid=later, conversation_id=conversation)["thread"]
    assert [t["id"] for t in by_conversation] == ["4x3", "2x5"]

    # the mail itself is never its own thread
    itself = anna.data("mclookup", messageid=reply, references=[original, reply], conversation_id=conversation)
    assert [t["id"] for t in itself["thread"]] == ["2x5"]
    assert [link["id"] for link in itself["links"]] == ["4x3"]

    # records the caller may not see are left out: Giulia sees neither (both private, not hers);
    # Sara sees neither either (support profile, not the owners' group)
    for other in (giulia, sara):
        assert other.data("mclookup", messageid=later, references=[original, reply],
                          conversation_id=conversation)["thread"] == []
    # Marco sees his Lead but not Anna's Contact (she is above him)
    seen_by_marco = marco.data("mclookup", messageid=later, references=[original, reply],
                               conversation_id=conversation)["thread"]
    assert [t["id"] for t in seen_by_marco] == ["2x5"]


def test_thread_is_at_most_ten_and_unknown_ids_find_nothing(users: dict[str, Session]) -> None:
    anna = users["anna"]
    conversation = f"conv-{uuid.uuid4().hex}"
    ids = [new_messageid() for _ in range(12)]
    for day, messageid in enumerate(ids, start=1):
        anna.data("mclink", target="4x8", attachments=[],
                  message=mail(messageid, f"Part {day}", date=f"2026-04-{day:02d}T09:00:00+02:00",
                               conversation_id=conversation))
    thread = anna.data("mclookup", messageid=new_messageid(), conversation_id=conversation)["thread"]
    assert [t["subject"] for t in thread] == [f"Part {day}" for day in range(12, 2, -1)]
    assert anna.data("mclookup", messageid=new_messageid(), references=[new_messageid()],
                     conversation_id=f"conv-{uuid.uuid4().hex}")["thread"] == []


def test_bad_references_are_refused(users: dict[str, Session]) -> None:
    anna = users["anna"]
    body = anna.error("mclookup", 400, messageid=new_messageid(), references={"not": "a list"})
    assert body["code"] == "INVALID_REQUEST"
    body = anna.error("mclink", 400, target="4x3", attachments=[],
                      message=mail(references=["<a@b>", 7]))
    assert body["code"] == "INVALID_REQUEST"
