"""Permissions (protocol §C) over REST: modules, fields and records per demo user."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import RunningCrm
from tests.crm.support import Session, login, mail

USERS = ("admin", "anna", "marco", "sara", "giulia")
LINKABLE = ["Accounts", "Contacts", "Leads", "Potentials", "HelpDesk", "Projects"]


@pytest.fixture(scope="module")
def sessions(crm: RunningCrm) -> dict[str, Session]:
    return {u: login(crm, u) for u in USERS}


# module -> users who may see it / write to it (profiles of the seed)
VISIBLE = {m: set(USERS) for m in LINKABLE} | {"Potentials": {"admin", "anna", "marco", "giulia"}}
WRITABLE = {m: set(USERS) for m in LINKABLE} | {
    "Potentials": {"admin", "anna", "marco", "giulia"},
    "Accounts": {"admin", "anna", "marco", "giulia"},
    "Leads": {"admin", "anna", "marco", "giulia"},
}


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("module", LINKABLE)
def test_module_matrix(sessions: dict[str, Session], user: str, module: str) -> None:
    s = sessions[user]
    visible = user in VISIBLE[module]
    writable = user in WRITABLE[module]
    types = s.data("listtypes")
    assert (module in types["types"]) == visible
    modules = {m["name"]: m for m in s.data("mcmodules")}
    assert (module in modules) == visible
    r = s.call("describe", elementType=module)
    if visible:
        d = r.json()["data"]
        assert d["updateable"] == writable == d["createable"]
        assert modules[module]["canLink"] == writable
        assert d["idPrefix"].isdigit()
    else:
        assert r.status_code == 500
        assert r.json()["message"] == "Permission to perform the operation is denied for name"
        q = s.call("query", query=f"SELECT * FROM {module};")
        assert q.json()["message"] == "Permission to perform the operation is denied for name"


def test_mcmodules_order_and_labels(sessions: dict[str, Session]) -> None:
    anna = sessions["anna"].data("mcmodules")
    assert [m["name"] for m in anna] == LINKABLE
    accounts = anna[0]
    assert accounts["label"] == "Aziende" and accounts["singular"] == "Azienda"
    assert accounts["emailFields"] == ["email1", "email2"]
    marco = sessions["marco"].data("mcmodules")
    assert marco[0]["label"] == "Companies"
    assert marco[3]["label"] == "Opportunities"
    assert marco[4]["label"] == "Tickets"
    projects = marco[5]
    assert projects["idPrefix"] not in ("2", "3", "4", "5", "7", "9", "19", "22")


def test_listtypes_field_type_filter(sessions: dict[str, Session]) -> None:
    types = sessions["anna"].data("listtypes", fieldTypeList=["email"])["types"]
    assert {"Accounts", "Contacts", "Leads", "Projects"} <= set(types)
    assert "Potentials" not in types and "HelpDesk" not in types


def test_hidden_fields(sessions: dict[str, Session]) -> None:
    sara = sessions["sara"]
    names = [f["name"] for f in sara.data("describe", elementType="Accounts")["fields"]]
    assert "annual_revenue" not in names and "accountname" in names
    r = sara.call("query", query="SELECT accountname, annual_revenue FROM Accounts LIMIT 1;")
    assert r.status_code == 500
    assert r.json()["message"] == "Permission to access '.annual_revenue.' attribute denied."
    record = sara.data("retrieve", id="3x1")
    assert "annual_revenue" not in record and record["accountname"] == "Rossi Costruzioni S.r.l."
    star = sara.query("SELECT * FROM Contacts WHERE id = '4x7';")
    assert star and "mobile" not in star[0]
    anna = sessions["anna"].data("retrieve", id="3x1")
    assert anna["annual_revenue"] == "4200000.00"


def test_record_visibility_owner_superior_group(sessions: dict[str, Session]) -> None:
    anna, marco, sara, admin = (sessions[u] for u in ("anna", "marco", "sara", "admin"))
    # 4x3 Mario Rossi: anna's private contact; marco is her subordinate and may not read it
    assert anna.data("retrieve", id="4x3")["lastname"] == "Rossi"
    r = marco.call("retrieve", id="4x3")
    assert r.status_code == 500 and r.json()["message"] == "Permission to read given object is denied"
    # 4x4 John Smith: marco's; anna is above him in the role hierarchy
    assert anna.data("retrieve", id="4x4")["lastname"] == "Smith"
    assert marco.data("retrieve", id="4x4")["assigned_user_id"] == "19x3"
    # 4x7 Giorgio Verdi: owned by group Support Team
    assert sara.data("retrieve", id="4x7")["assigned_user_id"] == "22x8"
    assert marco.call("retrieve", id="4x7").status_code == 500
    assert anna.call("retrieve", id="4x7").status_code == 500
    assert admin.data("retrieve", id="4x7")["lastname"] == "Verdi"
    # public read-only Accounts: everybody reads anna's company
    assert marco.data("retrieve", id="3x1")["account_no"] == "ACC1"


def test_query_leaves_out_invisible_rows(sessions: dict[str, Session]) -> None:
    anna, marco, admin = (sessions[u] for u in ("anna", "marco", "admin"))
    assert marco.query("SELECT firstname FROM Contacts WHERE lastname = 'rossi' AND firstname = 'Mario';") == []
    rows = anna.query("SELECT firstname, account_id FROM Contacts WHERE email = 'MARIO.ROSSI@example.it';")
    assert rows == [{"firstname": "Mario", "account_id": "3x1", "id": "4x3"}]

    def count(s: Session) -> int:
        return int(s.query("SELECT count(*) FROM Contacts;")[0]["count"])

    ids_marco = {r["id"] for r in marco.query("SELECT lastname FROM Contacts LIMIT 0, 1000;")}
    ids_anna = {r["id"] for r in anna.query("SELECT lastname FROM Contacts LIMIT 0, 1000;")}
    assert count(marco) == len(ids_marco) < count(anna) == len(ids_anna) < count(admin)
    assert ids_marco < ids_anna  # anna sees all of her subordinate's records
    assert "4x14" not in {r["id"] for r in admin.query("SELECT lastname FROM Contacts WHERE lastname = 'Person';")}


def test_retrieve_errors(sessions: dict[str, Session]) -> None:
    anna = sessions["anna"]
    cases = {
        "4x14": "Permission to perform the operation is denied",  # deleted
        "4x99999999": "Permission to perform the operation is denied",  # missing
        "3x3": "Id specified is incorrect",  # 3 is a Contact, not a Company
        "77x1": "Permission to perform the operation is denied for id",
    }
    for wsid, text in cases.items():
        r = anna.call("retrieve", id=wsid)
        assert r.status_code == 500, wsid
        assert r.json() == {"status": 500, "error": "WebServiceException", "message": text}, wsid
    r = sessions["sara"].call("retrieve", id="5x12")
    assert r.json()["message"] == "Permission to perform the operation is denied for name"


def test_values_are_strings_refs_null_times_in_user_zone(crm: RunningCrm, sessions: dict[str, Session]) -> None:
    rec = sessions["anna"].data("retrieve", id="9x6")
    assert isinstance(rec, dict)
    assert rec["ticket_no"] == "TT1042" and rec["parent_id"] == "3x1" and rec["contact_id"] == "4x3"
    assert all(isinstance(v, str) for v in rec.values())
    lead = sessions["marco"].data("retrieve", id="2x5")
    assert isinstance(lead, dict) and lead["city"] == "Torino" and lead["description"] == ""
    project = sessions["anna"].data("retrieve", id="41x11")
    assert project["linktoaccountscontacts"] is None
    # stored in UTC; shown in anna's zone (Europe/Rome), converted here independently with zoneinfo
    with closing(sqlite3.connect(f"file:{crm.db_path}?mode=ro", uri=True)) as db:
        (stored,) = db.execute("SELECT created_time FROM crmentity WHERE crmid = 6").fetchone()
    utc = datetime.strptime(stored, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    rome = utc.astimezone(ZoneInfo("Europe/Rome"))
    assert rome.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    assert rec["createdtime"] == rome.strftime("%Y-%m-%d %H:%M:%S") != stored


def test_messages_query_shows_only_own_copies(crm: RunningCrm, sessions: dict[str, Session]) -> None:
    anna, admin = sessions["anna"], sessions["admin"]
    m = mail(subject="Visibility of message copies")
    linked = anna.data("mclink", target="4x4", message=m, attachments=[])
    mid = linked["message"]
    rows = anna.query(f"SELECT subject, messageid FROM Messages WHERE messageid = '{m['messageid']}';")
    assert [r["id"] for r in rows] == [mid]
    assert admin.query(f"SELECT subject FROM Messages WHERE messageid = '{m['messageid']}';") == []
    assert admin.call("retrieve", id=mid).status_code == 500


def test_link_permissions(sessions: dict[str, Session]) -> None:
    marco, sara = sessions["marco"], sessions["sara"]
    cases = [
        (marco, "4x3", 403, "ACCESS_DENIED"),  # invisible contact
        (marco, "3x1", 403, "ACCESS_DENIED"),  # visible company (public read-only), not writable
        (sara, "2x5", 403, "ACCESS_DENIED"),  # Leads read-only for support
        (sara, "5x12", 403, "ACCESS_DENIED"),  # Potentials hidden for support
        (marco, "4x14", 404, "RECORD_NOT_FOUND"),  # deleted
        (marco, "4x99999999", 404, "RECORD_NOT_FOUND"),
    ]
    for s, target, status, code in cases:
        body = s.error("mclink", status, target=target, message=mail(), attachments=[])
        assert body["code"] == code, target
        assert body["error"] == "MailConnectorException"
    # public read/write tickets: marco links to a ticket owned by sara
    assert sessions["marco"].data("mclink", target="9x6", message=mail(), attachments=[])["linked"] is True


def test_create_and_relate_over_rest(sessions: dict[str, Session]) -> None:
    marco = sessions["marco"]
    r = marco.call("create", elementType="Contacts", element={"firstname": "Nuovo"})
    assert r.json()["message"] == "lastname does not have a value"
    created = marco.data("create", elementType="Contacts",
                         element={"firstname": "Nuovo", "lastname": "Contatto", "account_id": "3x2"})
    assert isinstance(created, dict)
    assert created["assigned_user_id"] == "19x3" and created["contact_no"].startswith("CON")
    assert created["account_id"] == "3x2"
    assert sessions["anna"].data("retrieve", id=created["id"])["lastname"] == "Contatto"
    sara = sessions["sara"]
    r = sara.call("create", elementType="Accounts", element={"accountname": "X"})
    assert r.json()["message"] == "Permission to perform the operation is denied"
    doc = marco.data("create", elementType="Documents", element={"notes_title": "Contract"})
    related = marco.data("relate", id=created["id"], relatelist=[doc["id"]])
    assert related["related"] == [doc["id"]]
