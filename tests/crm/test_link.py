"""mclink, mcreceipt, mclookup, mcsuggest (protocol B.4-B.8): atomic, idempotent, concurrent."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import RunningCrm
from tests.crm.support import Session, attachment, inspect, login, mail, new_messageid


@pytest.fixture(scope="module")
def anna(crm: RunningCrm) -> Session:
    return login(crm, "anna")


@pytest.fixture(scope="module")
def marco(crm: RunningCrm) -> Session:
    return login(crm, "marco")


@pytest.fixture
def no_faults(crm: RunningCrm) -> Iterator[None]:
    yield
    httpx.delete(f"{crm.url}/_test/faults")


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def test_first_link_relink_and_second_target(crm: RunningCrm, anna: Session, marco: Session) -> None:
    pdf, png = os.urandom(3000), os.urandom(1200)
    eml = b"From: john.smith@example.com\r\nSubject: Quarterly offer\r\n\r\nHello"
    m = mail()
    files = [attachment(anna.upload(pdf), pdf), attachment(anna.upload(png), png, "logo.png", "image/png")]
    files[1]["inline"], files[1]["content_id"] = True, "logo@x"
    cloud = {"kind": "link", "name": "Big deck.pptx", "url": "https://files.example.com/deck"}
    first = anna.data("mclink", target="4x4", message=m, attachments=[*files, cloud], eml=anna.upload(eml))
    assert isinstance(first, dict)
    assert first["created"] is True and first["linked"] is True
    assert first["message"].startswith("40x")
    assert len(first["documents"]) == 2 and all(d.startswith("7x") for d in first["documents"])
    assert first["eml_document"].startswith("7x") and first["eml_document"] not in first["documents"]
    assert first["target"] == {"module": "Contacts", "id": "4x4", "label": "John Smith",
                               "url": f"{crm.url}/index.php?module=Contacts&action=DetailView&record=4"}

    again = anna.data("mclink", target="4x4", message=m, attachments=[*files, cloud])
    assert again == {**first, "created": False, "linked": False}
    by_marco = marco.data("mclink", target="4x4", message=m, attachments=[])
    assert by_marco == {**first, "created": False, "linked": False}

    second = anna.data("mclink", target="3x1", message=m, attachments=[])
    assert second["created"] is False and second["linked"] is True
    assert second["message"] == first["message"] and second["documents"] == first["documents"]

    assert len(inspect(crm, "messages", messageid=m["messageid"])) == 1
    links = inspect(crm, "links", messageid=m["messageid"])
    assert sorted(link["crmid"] for link in links) == [1, 4]
    docs = inspect(crm, "documents", messageid=m["messageid"])
    assert len(docs) == 3 and all(d["stored"] and d["folder"] == "Message attachments" for d in docs)
    by_kind = {d["kind"]: d for d in docs}
    assert 1 in by_kind["attachment"]["related"] and 4 in by_kind["attachment"]["related"]
    assert by_kind["eml"]["related"] == [int(first["message"].split("x")[1])]

    receipt = anna.data("mcreceipt", message=first["message"])
    assert isinstance(receipt, dict)
    assert receipt["subject"] == m["subject"] and receipt["messageid"] == m["messageid"]
    assert receipt["date"] == m["date"] and receipt["from"] == m["from"] and receipt["to"] == m["to"]
    assert receipt["body_html_bytes"] == len(str(m["body_html"]).encode())
    assert receipt["body_html_sha256"] == sha(str(m["body_html"]))
    assert receipt["body_text_sha256"] == sha(str(m["body_text"]))
    assert [(a["filename"], a["size"], a["sha256"]) for a in receipt["attachments"]] == [
        ("offer.pdf", 3000, sha(pdf)), ("logo.png", 1200, sha(png))]
    assert receipt["attachments"][1]["content_id"] == "logo@x"
    assert receipt["external_links"] == [{"name": "Big deck.pptx", "url": "https://files.example.com/deck"}]
    assert receipt["eml"]["size"] == len(eml) and receipt["eml"]["sha256"] == sha(eml)
    assert {(link["module"], link["id"]) for link in receipt["links"]} == {("Contacts", "4x4"), ("Accounts", "3x1")}


def test_bodies_are_kept_exactly_as_received(anna: Session) -> None:
    html = "<p>Caffè ☕ \u00a0&nbsp;<script>alert(1)</script>\r\n<b>ok</b>\x00end</p>" + "x" * 5000
    text = "Riga 1\r\nRiga 2 – 🚀 \u202e rtl\ttab"
    m = mail(body_html=html, body_text=text)
    linked = anna.data("mclink", target="4x3", message=m, attachments=[])
    receipt = anna.data("mcreceipt", message=linked["message"])
    assert receipt["body_html_sha256"] == sha(html) and receipt["body_html_bytes"] == len(html.encode())
    assert receipt["body_text_sha256"] == sha(text)


def test_lookup_across_users_limited_to_visible_records(crm: RunningCrm, anna: Session, marco: Session) -> None:
    m = mail()
    anna.data("mclink", target="9x6", message=m, attachments=[])
    anna.data("mclink", target="4x3", message=m, attachments=[])
    mine = anna.data("mclookup", messageid=m["messageid"])["links"]
    assert [(link["module"], link["id"]) for link in mine] == [("HelpDesk", "9x6"), ("Contacts", "4x3")]
    assert mine[0]["label"] == "Printer not working" and mine[0]["linked_by"] == "Anna Rossi"
    assert mine[0]["message"].startswith("40x") and len(mine[0]["linked_at"]) == 19
    theirs = marco.data("mclookup", messageid=m["messageid"])["links"]
    assert [link["id"] for link in theirs] == ["9x6"]  # 4x3 is anna's private contact
    assert marco.data("mclookup", messageid=new_messageid()) == {"links": [], "thread": []}  # B.9: always listed
    assert marco.call("mclookup").json()["code"] == "INVALID_REQUEST"
    receipt = marco.data("mcreceipt", message=theirs[0]["message"])
    assert [link["id"] for link in receipt["links"]] == ["9x6"]


def test_suggest_ordering_and_visibility(anna: Session, marco: Session) -> None:
    found = anna.data("mcsuggest", addresses=["PAOLO.NERI@example.net", "nobody@example.net"])
    assert [(s["module"], s["id"]) for s in found] == [
        ("Contacts", "4x8"), ("Leads", "2x9"), ("Accounts", "3x10"), ("Projects", "41x11")]
    lead = found[1]
    assert lead["email"] == "Paolo.Neri@example.net" and lead["matched"] == "PAOLO.NERI@example.net"
    assert lead["owner"] == "Anna Rossi" and lead["account"] is None
    mario = anna.data("mcsuggest", addresses=["mario.rossi@example.it"])
    assert mario == [{"module": "Contacts", "id": "4x3", "label": "Mario Rossi", "email": "mario.rossi@example.it",
                      "account": {"id": "3x1", "label": "Rossi Costruzioni S.r.l."}, "owner": "Anna Rossi",
                      "matched": "mario.rossi@example.it"}]
    assert marco.data("mcsuggest", addresses=["mario.rossi@example.it"]) == []
    theirs = marco.data("mcsuggest", addresses=["paolo.neri@example.net"])
    assert [s["id"] for s in theirs] == ["3x10", "41x11"]
    assert anna.data("mcsuggest", addresses=[]) == []


def test_link_input_errors(anna: Session) -> None:
    content = os.urandom(100)
    up = anna.upload(content)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"target": "4x3", "message": mail(messageid=" "), "attachments": []}, 400, "INVALID_REQUEST"),
        ({"target": "4x3", "message": mail(date="yesterday"), "attachments": []}, 400, "INVALID_REQUEST"),
        ({"target": "4x3", "message": mail(date="2026-03-02T10:15:00"), "attachments": []}, 400, "INVALID_REQUEST"),
        ({"target": "abc", "message": mail(), "attachments": []}, 400, "INVALID_REQUEST"),
        ({"target": "7x1", "message": mail(), "attachments": []}, 400, "INVALID_REQUEST"),
        ({"target": "4x3", "message": "not an object", "attachments": []}, 400, "INVALID_REQUEST"),
        ({"target": "4x3", "message": mail(), "attachments": [attachment("0" * 32, content)]}, 404, "UPLOAD_NOT_FOUND"),
        ({"target": "4x3", "message": mail(), "attachments": [{**attachment(up, content), "size": 99}]},
         400, "UPLOAD_CORRUPT"),
        ({"target": "4x3", "message": mail(), "attachments": [
            {"kind": "link", "name": "x", "url": "javascript:alert(1)"}]}, 400, "INVALID_REQUEST"),
    ]
    for params, status, code in cases:
        body = anna.error("mclink", status, **params)
        assert body["code"] == code, params
    partial = anna.data("mcupload", action="start", filename="p", size=10, sha256=sha(b"0123456789"))
    anna.chunk(partial["upload"], 0, b"01234")
    body = anna.error("mclink", 400, target="4x3", message=mail(),
                      attachments=[{**attachment(partial["upload"], b"0123456789")}])
    assert body["code"] == "UPLOAD_OFFSET"


def test_fail_midway_rolls_everything_back(crm: RunningCrm, anna: Session, no_faults: None) -> None:
    a, b = os.urandom(2000), os.urandom(2100)
    files = [attachment(anna.upload(a), a, "a.pdf"), attachment(anna.upload(b), b, "b.pdf")]
    m = mail()
    r = httpx.post(f"{crm.url}/_test/faults", json={"operation": "mclink", "fault": "fail_midway"})
    assert r.status_code == 200
    body = anna.error("mclink", 500, target="4x3", message=m, attachments=files)
    assert body["code"] == "INTERNAL_ERROR" and "Traceback" not in str(body)
    assert inspect(crm, "messages", messageid=m["messageid"]) == []
    assert inspect(crm, "links", messageid=m["messageid"]) == []
    assert inspect(crm, "documents", messageid=m["messageid"]) == []
    assert anna.data("mclookup", messageid=m["messageid"]) == {"links": [], "thread": []}
    uploads = {u["id"]: u for u in inspect(crm, "uploads", user="anna")}
    assert all(f["upload"] in uploads for f in files)  # not consumed: the retry can use them
    retry = anna.data("mclink", target="4x3", message=m, attachments=files)
    assert retry["created"] is True and len(retry["documents"]) == 2
    assert len(inspect(crm, "documents", messageid=m["messageid"])) == 2


def test_http_500_fault_stores_nothing(crm: RunningCrm, anna: Session, no_faults: None) -> None:
    m = mail()
    httpx.post(f"{crm.url}/_test/faults", json={"operation": "mclink", "fault": "http_500"})
    assert anna.error("mclink", 500, target="4x3", message=m, attachments=[])["code"] == "INTERNAL_ERROR"
    assert inspect(crm, "messages", messageid=m["messageid"]) == []
    assert anna.data("mclink", target="4x3", message=m, attachments=[])["created"] is True


def test_response_lost_after_commit_then_retry(crm: RunningCrm, anna: Session, no_faults: None) -> None:
    content = os.urandom(1500)
    files = [attachment(anna.upload(content), content)]
    m = mail()
    httpx.post(f"{crm.url}/_test/faults", json={"operation": "mclink", "drop_response_after_commit": True})
    with pytest.raises(httpx.HTTPError):
        anna.call("mclink", target="9x6", message=m, attachments=files)
    assert len(inspect(crm, "messages", messageid=m["messageid"])) == 1  # it was committed
    retry = anna.data("mclink", target="9x6", message=m, attachments=files)  # upload already consumed: fine
    assert retry["created"] is False and retry["linked"] is False and len(retry["documents"]) == 1
    httpx.post(f"{crm.url}/_test/faults", json={"operation": "mclookup", "fault": "malformed_json"})
    r = anna.call("mclookup", messageid=m["messageid"])
    with pytest.raises(ValueError):
        r.json()
    assert len(anna.data("mclookup", messageid=m["messageid"])["links"]) == 1


def test_parallel_links_store_one_message(crm: RunningCrm) -> None:
    """20 parallel links of the same mail to the same record from several users' sessions."""
    users = ["anna", "marco", "giulia", "sara", "admin"] * 4
    content = os.urandom(4000)
    sessions = [login(crm, u, device=f"parallel-{i}") for i, u in enumerate(users)]
    uploads = [s.upload(content) for s in sessions]
    eml_uploads = [s.upload(b"raw mail bytes") for s in sessions]
    m = mail(subject="Parallel link")
    barrier = threading.Barrier(len(sessions))
    results: list[dict[str, Any]] = [{} for _ in sessions]

    def run(i: int) -> None:
        barrier.wait()
        r = sessions[i].call("mclink", target="9x6", message=m,
                             attachments=[attachment(uploads[i], content)], eml=eml_uploads[i])
        results[i] = {"status": r.status_code, **(r.json().get("data") or r.json())}

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sessions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(r["status"] == 200 for r in results), results
    assert sum(1 for r in results if r["created"]) == 1
    assert sum(1 for r in results if r["linked"]) == 1
    assert len({r["message"] for r in results}) == 1
    assert len({tuple(r["documents"]) for r in results}) == 1
    assert len(inspect(crm, "messages", messageid=m["messageid"])) == 1
    assert len(inspect(crm, "links", messageid=m["messageid"])) == 1
    assert len(inspect(crm, "documents", messageid=m["messageid"])) == 2  # the attachment and the .eml
    remaining = {u["id"] for u in inspect(crm, "uploads")}
    assert not remaining & set(uploads + eml_uploads)  # every upload was consumed
