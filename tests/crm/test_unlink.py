"""mcunlink (protocol B.11) over HTTP: who may remove a link, idempotence, the message and its
files going when the last record lets go, atomicity under an injected fault, mcstatus discovery."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import RunningCrm
from tests.crm.support import Session, attachment, inspect, login, mail, post


@pytest.fixture(scope="module")
def anna(crm: RunningCrm) -> Session:
    return login(crm, "anna")


@pytest.fixture(scope="module")
def marco(crm: RunningCrm) -> Session:
    return login(crm, "marco")


@pytest.fixture(scope="module")
def admin(crm: RunningCrm) -> Session:
    return login(crm, "admin")


@pytest.fixture
def no_faults(crm: RunningCrm) -> Iterator[None]:
    yield
    httpx.delete(f"{crm.url}/_test/faults")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(crm: RunningCrm) -> set[str]:
    return set(httpx.get(f"{crm.url}/_test/store", timeout=10).json())


def link_with_files(who: Session, target: str, *contents: bytes, eml: bytes | None = None) -> tuple[dict[str, Any],
                                                                                                   dict[str, Any]]:
    m = mail()
    files = [attachment(who.upload(c), c, f"file{i}.pdf") for i, c in enumerate(contents)]
    params: dict[str, Any] = {"target": target, "message": m, "attachments": files}
    if eml is not None:
        params["eml"] = who.upload(eml)
    return m, who.data("mclink", **params)


def test_mcstatus_lists_unlink(crm: RunningCrm) -> None:
    status = post(crm, "mcstatus").json()["data"]
    assert "unlink" in status["capabilities"]


def test_linker_removes_one_relation_then_the_last_one_deletes_the_message_and_unique_files(
        crm: RunningCrm, anna: Session, marco: Session) -> None:
    unique, shared = os.urandom(2500), os.urandom(2600)
    eml = b"From: john.smith@example.com\r\nSubject: Quarterly offer\r\n\r\n" + os.urandom(64).hex().encode()
    m, first = link_with_files(anna, "4x4", unique, shared, eml=eml)
    other, _ = link_with_files(anna, "3x1", shared)  # another mail holds the same bytes
    second = anna.data("mclink", target="3x1", message=m, attachments=[])
    assert second["linked"] is True
    message = first["message"]
    assert {sha(unique), sha(shared), sha(eml)} <= stored(crm)

    # another (non-admin) user may not remove anna's link: nothing changes
    refused = marco.error("mcunlink", 403, message=message, target="3x1")
    assert refused["code"] == "ACCESS_DENIED"
    assert len(inspect(crm, "links", messageid=m["messageid"])) == 2

    # the linker removes one relation: the message stays for the other record
    assert anna.data("mcunlink", message=message, target="3x1") == {"unlinked": True, "message_deleted": False}
    links = inspect(crm, "links", messageid=m["messageid"])
    assert [(link["module"], link["crmid"]) for link in links] == [("Contacts", 4)]
    assert [link["id"] for link in anna.data("mclookup", messageid=m["messageid"])["links"]] == ["4x4"]
    documents = inspect(crm, "documents", messageid=m["messageid"])
    assert len(documents) == 3 and all(d["stored"] for d in documents)
    assert all(1 not in d["related"] for d in documents)  # the attachments left the company too
    assert all(4 in d["related"] for d in documents if d["kind"] == "attachment")

    # idempotent: the same call again changes nothing
    assert anna.data("mcunlink", message=message, target="3x1") == {"unlinked": False, "message_deleted": False}

    # the last relation: message, its documents, the .eml and the bytes only it used are gone
    assert anna.data("mcunlink", message=message, target="4x4") == {"unlinked": True, "message_deleted": True}
    assert inspect(crm, "messages", messageid=m["messageid"]) == []
    assert inspect(crm, "documents", messageid=m["messageid"]) == []
    assert anna.data("mclookup", messageid=m["messageid"])["links"] == []
    ids = [int(d.split("x")[1]) for d in [*first["documents"], first["eml_document"]]]
    assert not [d for d in inspect(crm, "documents") if d["crmid"] in ids]
    files_now = stored(crm)
    assert sha(unique) not in files_now and sha(eml) not in files_now
    assert sha(shared) in files_now  # the other mail's document still uses these bytes
    (kept,) = [d for d in inspect(crm, "documents", messageid=other["messageid"])]
    assert kept["stored"] is True
    assert anna.error("mcreceipt", 404, message=message)["code"] == "RECORD_NOT_FOUND"
    assert anna.data("mcunlink", message=message, target="4x4") == {"unlinked": False, "message_deleted": False}

    # the same mail can be linked again afterwards, from scratch
    again = anna.data("mclink", target="4x4", message=m,
                      attachments=[attachment(anna.upload(unique), unique, "file0.pdf")])
    assert again["created"] is True and again["message"] != message
    assert sha(unique) in stored(crm)


def test_an_administrator_may_remove_anyones_link(crm: RunningCrm, marco: Session, admin: Session) -> None:
    m = mail(in_reply_to="<earlier@pytest.example>", references=["<first@pytest.example>"])
    linked = marco.data("mclink", target="4x4", message=m, attachments=[])
    assert admin.data("mcunlink", message=linked["message"], target="4x4") == {"unlinked": True,
                                                                               "message_deleted": True}
    assert inspect(crm, "messages", messageid=m["messageid"]) == []


def test_a_fault_in_the_middle_leaves_the_link_and_everything_it_stored(crm: RunningCrm, anna: Session,
                                                                         no_faults: None) -> None:
    content = os.urandom(3000)
    m, linked = link_with_files(anna, "4x3", content)
    before = (inspect(crm, "links", messageid=m["messageid"]), inspect(crm, "documents", messageid=m["messageid"]))
    httpx.post(f"{crm.url}/_test/faults", json={"operation": "mcunlink", "fault": "fail_midway"})
    body = anna.error("mcunlink", 500, message=linked["message"], target="4x3")
    assert body["code"] == "INTERNAL_ERROR" and "Traceback" not in str(body)
    after = (inspect(crm, "links", messageid=m["messageid"]), inspect(crm, "documents", messageid=m["messageid"]))
    assert after == before and sha(content) in stored(crm)
    assert len(inspect(crm, "messages", messageid=m["messageid"])) == 1
    # the retry does it all
    assert anna.data("mcunlink", message=linked["message"], target="4x3") == {"unlinked": True,
                                                                              "message_deleted": True}
    assert sha(content) not in stored(crm)


def test_unlink_input_errors(anna: Session) -> None:
    assert anna.error("mcunlink", 400, message="", target="4x4")["code"] == "INVALID_REQUEST"
    assert anna.error("mcunlink", 400, message="4x4", target="4x4")["code"] == "INVALID_REQUEST"
    assert anna.error("mcunlink", 400, message="40x1", target="nonsense")["code"] == "INVALID_REQUEST"
    r = httpx.post(anna.crm.endpoint("mcunlink"), data={"message": "40x1", "target": "4x4"})
    assert r.status_code == 401 and r.json()["code"] == "AUTHENTICATION_REQUIRED"
