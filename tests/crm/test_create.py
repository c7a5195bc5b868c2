"""Stock `create` as the add-in uses it to make a Contact or Lead from a mail (protocol A, B.10):
the texts of its refusals, what describe says beforehand, and the new record found by mcsuggest at
once (the add-in's check against creating the same person twice)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import RunningCrm
from tests.crm.support import Session, login


@pytest.fixture(scope="module")
def users(crm: RunningCrm) -> dict[str, Session]:
    return {name: login(crm, name) for name in ("anna", "sara")}


def test_describe_tells_what_create_will_ask(users: dict[str, Session]) -> None:
    anna, sara = users["anna"], users["sara"]
    leads = anna.data("describe", elementType="Leads")
    assert leads["createable"] is True
    mandatory = {f["name"]: f["type"]["name"] for f in leads["fields"] if f["mandatory"]}
    assert mandatory == {"lastname": "string", "company": "string", "assigned_user_id": "owner"}
    status = next(f for f in leads["fields"] if f["name"] == "leadstatus")
    assert [v["value"] for v in status["type"]["picklistValues"]][:2] == ["New", "Contacted"]
    # the support profile reads Leads but may not create them; it may create Contacts
    assert sara.data("describe", elementType="Leads")["createable"] is False
    assert sara.data("describe", elementType="Contacts")["createable"] is True


def test_create_contact_then_suggest_finds_it(users: dict[str, Session]) -> None:
    anna = users["anna"]
    tag = uuid.uuid4().hex[:8]
    address = f"nicolo.bianchi@{tag}.example.it"
    # a company of this test's own (the CRM is shared by the run: seeded companies stay as seeded)
    company = anna.data("create", elementType="Accounts", element={"accountname": f"Bianchi {tag} S.r.l.",
                                                                    "email1": f"info@{tag}.example.it"})
    assert anna.data("mcsuggest", addresses=[address]) == []
    created = anna.data("create", elementType="Contacts", element={
        "firstname": "Nicolò", "lastname": "Bianchi", "email": address, "account_id": company["id"],
        "not_a_field": "ignored"})
    assert created["firstname"] == "Nicolò" and created["lastname"] == "Bianchi"
    assert created["assigned_user_id"] == "19x2" and created["account_id"] == company["id"]
    assert created["id"].startswith("4x") and "not_a_field" not in created
    found = anna.data("mcsuggest", addresses=[address.upper()])
    assert [(s["id"], s["label"], s["email"], s["account"]["id"]) for s in found] == [
        (created["id"], "Nicolò Bianchi", address, company["id"])]


def test_create_lead_without_first_name(users: dict[str, Session]) -> None:
    anna = users["anna"]
    address = f"info.{uuid.uuid4().hex[:8]}@studio-verdi.example"
    created = anna.data("create", elementType="Leads", element={
        "lastname": "info", "company": "studio-verdi.example", "email": address, "leadstatus": "New"})
    assert created["lead_no"].startswith("LEA") and created["company"] == "studio-verdi.example"
    assert [s["id"] for s in anna.data("mcsuggest", addresses=[address])] == [created["id"]]


def test_create_refusals_keep_vtenext_texts_and_store_nothing(crm: RunningCrm, users: dict[str, Session]) -> None:
    anna, sara = users["anna"], users["sara"]
    address = f"refused.{uuid.uuid4().hex[:8]}@example.it"
    cases = [
        (anna, "Leads", {"lastname": "Rossi", "email": address}, "company does not have a value"),
        (anna, "Contacts", {"firstname": "Solo", "email": address}, "lastname does not have a value"),
        (sara, "Leads", {"lastname": "Rossi", "company": "X", "email": address},
         "Permission to perform the operation is denied"),
        (anna, "Leads", {"lastname": "Rossi", "company": "X", "leadstatus": "Maybe", "email": address},
         "Invalid value for leadstatus"),
        (anna, "Contacts", {"lastname": "Rossi", "account_id": "4x3", "email": address}, "Id specified is incorrect"),
    ]
    for session, module, element, text in cases:
        r = session.call("create", elementType=module, element=element)
        assert r.status_code == 500, r.text
        assert r.json() == {"status": 500, "error": "WebServiceException", "message": text}
    assert anna.data("mcsuggest", addresses=[address]) == []
    # over the wire, exactly as a browser sends it: a JSON body whose `element` is JSON text
    r = httpx.post(crm.endpoint("create"), auth=sara.auth,
                   json={"elementType": "Leads", "element": '{"lastname":"Rossi","company":"X"}'})
    assert r.json()["message"] == "Permission to perform the operation is denied"
