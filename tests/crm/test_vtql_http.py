"""VTQL over real HTTP against the seeded local CRM (`query`), as the add-in sends it.

Anchor records of the seed (see server/crm/seed.py): 4x3 Mario Rossi (anna's, hidden from marco),
4x7 Giorgio Verdi (Support Team), 4x14 deleted, 4x16..4x22 hostile names, 4x23..4x26 decoys that
differ from them only by the character a broken escape would let through.
"""

from __future__ import annotations

import pytest

from tests.conftest import RunningCrm
from tests.crm.support import Session, login

HOSTILE_IDS = {"4x16", "4x17", "4x18", "4x19", "4x20", "4x21", "4x22"}
DECOY_IDS = {"4x23", "4x24", "4x25", "4x26"}


@pytest.fixture(scope="module")
def anna(crm: RunningCrm) -> Session:
    return login(crm, "anna", "anna123", device="test")


@pytest.fixture(scope="module")
def sara(crm: RunningCrm) -> Session:
    return login(crm, "sara")


@pytest.fixture(scope="module")
def marco(crm: RunningCrm) -> Session:
    return login(crm, "marco")


@pytest.fixture(scope="module")
def anna_contacts(anna: Session) -> list[dict[str, object]]:
    """Every contact anna may see, through one query (no LIMIT cap: there are fewer than 5000)."""
    return anna.query("SELECT firstname, lastname, email FROM Contacts LIMIT 0, 5000;")


def ids_of(rows: list[dict[str, object]]) -> list[object]:
    return [row["id"] for row in rows]


def like_literal(text: str) -> str:
    """The protocol's recipe for user text T in `LIKE '%T%'`."""
    return text.replace("\\", "\\\\\\\\").replace("%", "\\%").replace("_", "\\_").replace("'", "''")


ROWS: list[tuple[str, set[str] | list[str]]] = [
    ("SELECT id FROM Contacts WHERE lastname = 'rossi';", {"4x3"}),
    ("SELECT id FROM Contacts WHERE lastname = 'ROSSI';", {"4x3"}),
    ("select id from Contacts where email like '%MARIO.ROSSI%';", {"4x3"}),
    ("SELECT id FROM Contacts WHERE lastname = 'o''brien';", {"4x16"}),
    ("SELECT id FROM Contacts WHERE lastname = 'O\\'Brien';", {"4x16"}),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%o''brien%';", {"4x16"}),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%obrien%';", {"4x26"}),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%100\\%%';", {"4x17"}),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%100%';", {"4x17", "4x23"}),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%under\\_score%';", {"4x18"}),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%under_score%';", {"4x18", "4x24"}),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%back\\\\\\\\slash%';", {"4x19"}),
    ("SELECT id FROM Contacts WHERE lastname = 'back\\\\slash';", {"4x19"}),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%backslash%';", {"4x25"}),
    ("SELECT id FROM Contacts WHERE firstname LIKE '%ZOË%';", {"4x20"}),
    ("SELECT id FROM Contacts WHERE lastname = 'ünal';", {"4x20"}),
    ("SELECT id FROM Contacts WHERE lastname = '<script>alert(1)</script>';", {"4x21"}),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%<img src=x onerror=alert(1)>%';", {"4x22"}),
    ("SELECT id FROM Contacts WHERE lastname = ''' OR 1=1 --';", set()),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%\\' OR ''1''=''1%';", set()),
    ("SELECT id FROM Contacts WHERE lastname = 'person';", set()),  # 4x14 is deleted
    ("SELECT id FROM Contacts WHERE lastname = 'verdi';", set()),  # 4x7 belongs to Support Team
    ("SELECT id FROM Contacts WHERE id = '4x3';", {"4x3"}),
    ("SELECT id FROM Contacts WHERE id IN ('4x3', '4x7', '4x14', '4x16');", {"4x3", "4x16"}),
    ("SELECT id FROM Contacts WHERE account_id = '3x1';", {"4x3"}),
    ("SELECT id FROM Contacts WHERE lastname = 'rossi' OR lastname = 'gallo' AND firstname = 'nobody';", {"4x3"}),
    ("SELECT id FROM Accounts WHERE accountname LIKE '%smith & partners%';", {"3x2"}),
    ("SELECT id FROM Leads WHERE email = 'PAOLO.NERI@EXAMPLE.NET';", {"2x9"}),
    (
        "SELECT lastname FROM Contacts WHERE id IN ('4x16', '4x17', '4x18', '4x19', '4x20') ORDER BY lastname;",
        ["4x17", "4x19", "4x16", "4x20", "4x18"],
    ),
    (
        "SELECT lastname FROM Contacts WHERE id IN ('4x16', '4x17', '4x18', '4x19', '4x20') ORDER BY lastname DESC;",
        ["4x18", "4x20", "4x16", "4x19", "4x17"],
    ),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%bio%' LIMIT 1;", ["4x17"]),
    ("SELECT id FROM Contacts WHERE lastname LIKE '%bio%' LIMIT 1, 1;", ["4x23"]),
]


@pytest.mark.parametrize(("query", "expected"), ROWS)
def test_query_returns_exactly_the_expected_records(anna: Session, query: str, expected: set[str] | list[str]) -> None:
    found = ids_of(anna.query(query))
    if isinstance(expected, list):
        assert found == expected
    else:
        assert set(found) == expected
        assert len(found) == len(expected)


ERRORS: list[tuple[str, str, str]] = [
    (
        "anna",
        "SELECT FROM Contacts;",
        "Syntax Error on line 1: token 'FROM' Unexpected FRM(FROM), expected one of: COLUMNNAME",
    ),
    (
        "anna",
        "SELECT * FROM Contacts",
        "Syntax Error on line 1: token 'Contacts' Unexpected End of Input(0), expected one of: SEMICOLON",
    ),
    (
        "anna",
        "SELECT * FROM Contacts WHERE lastname 'x';",
        "Syntax Error on line 1: token ''x'' Unexpected VALUE('x'), expected one of: EQ,LT,GT,LTE,GTE,NE,IN,LIKE",
    ),
    (
        "anna",
        "SELECT * FROM Contacts WHERE lastname = 'x'; DROP TABLE crmentity;",
        "Syntax Error on line 1: token 'DROP' Unexpected COLUMNNAME(DROP), expected one of: ",
    ),
    ("anna", "SELECT * FROM Contacts WHERE lastname = '';", "Unknown Error while processing request"),
    # the parser stops at `Brien` before the lexer reaches the unbalanced quote, as in vtenext
    (
        "anna",
        "SELECT * FROM Contacts WHERE lastname = 'O'Brien';",
        "Syntax Error on line 1: token 'Brien' Unexpected COLUMNNAME(Brien), expected one of: SEMICOLON",
    ),
    ("anna", "SELECT * FROM Contacts WHERE lastname = 'rossi;", "Unknown Error while processing request"),
    ("anna", 'SELECT * FROM Contacts WHERE lastname = "rossi";', "Unknown Error while processing request"),
    ("anna", "SELECT * FROM Contacts WHERE lastname = 'x' OR 1=1 --';", "Unknown Error while processing request"),
    ("anna", "SELECT * FROM Nope;", "Permission to perform the operation is denied for name"),
    ("sara", "SELECT * FROM Potentials;", "Permission to perform the operation is denied for name"),
    ("sara", "SELECT count(*) FROM Potentials;", "Permission to perform the operation is denied for name"),
    ("anna", "SELECT nope FROM Contacts;", "Permission to access '.nope.' attribute denied."),
    ("sara", "SELECT firstname, mobile FROM Contacts;", "Permission to access '.mobile.' attribute denied."),
    (
        "sara",
        "SELECT firstname FROM Contacts WHERE mobile LIKE '%3%';",
        "Permission to access mobile attribute denied.",
    ),
    ("sara", "SELECT firstname FROM Contacts ORDER BY mobile;", "Database error while performing requested operation"),
    ("anna", "SELECT firstname FROM Contacts ORDER BY nope;", "Database error while performing requested operation"),
    ("anna", "SELECT * FROM Contacts WHERE id = '3x1';", "Id specified is incorrect"),
]


@pytest.mark.parametrize(("user", "query", "message"), ERRORS)
def test_refused_query_answers_vtenext_error(anna: Session, sara: Session, user: str, query: str, message: str) -> None:
    session = {"anna": anna, "sara": sara}[user]
    body = session.error("query", 500, query=query)
    assert body == {"status": 500, "error": "WebServiceException", "message": message}


def test_selected_fields_and_id_are_returned_as_strings(anna: Session) -> None:
    rows = anna.query("SELECT firstname, lastname, account_id FROM Contacts WHERE id IN ('4x3', '4x20');")
    assert sorted(rows, key=lambda r: str(r["id"])) == [
        {"firstname": "Zoë", "lastname": "Ünal", "account_id": None, "id": "4x20"},
        {"firstname": "Mario", "lastname": "Rossi", "account_id": "3x1", "id": "4x3"},
    ]


def test_count_matches_the_rows_each_user_sees(anna: Session, sara: Session, marco: Session) -> None:
    for session in (anna, sara, marco):
        rows = session.query("SELECT id FROM Contacts LIMIT 0, 5000;")
        assert session.query("SELECT count(*) FROM Contacts;") == [{"count": str(len(rows))}]
    assert anna.query("SELECT count(*) FROM Contacts WHERE lastname LIKE '%bio%';") == [{"count": "2"}]


def test_rows_the_user_may_not_see_are_left_out(anna: Session, marco: Session, sara: Session) -> None:
    assert ids_of(marco.query("SELECT id FROM Contacts WHERE lastname = 'rossi';")) == []
    assert ids_of(sara.query("SELECT id FROM Contacts WHERE lastname = 'verdi';")) == ["4x7"]
    assert "4x7" not in ids_of(anna.query("SELECT id FROM Contacts WHERE id IN ('4x3', '4x7');"))


def test_hidden_field_is_absent_from_select_star(anna: Session, sara: Session) -> None:
    assert "mobile" in anna.query("SELECT * FROM Contacts WHERE id = '4x3';")[0]
    row = sara.query("SELECT * FROM Contacts WHERE id = '4x7';")[0]
    assert "mobile" not in row and row["lastname"] == "Verdi"


SEARCH_TEXTS = [
    "O'Brien",
    "o'brien",
    "100% Bio",
    "100%",
    "under_score",
    "_",
    "%",
    "back\\slash",
    "\\",
    "'",
    "Zoë",
    "ÜNAL",
    "<script>",
    "alert(1)",
    "' OR 1=1 --",
    "\\' OR 1=1 --",
    "%' OR '1'='1",
    "\\%",
    "\\_",
    "rossi",
    "a",
    "Ünal Zoë",
    "x" * 3000,
]


@pytest.mark.parametrize("text", SEARCH_TEXTS)
def test_hostile_search_text_matches_exactly_the_records_containing_it(
    anna: Session, anna_contacts: list[dict[str, object]], text: str
) -> None:
    pattern = like_literal(text)
    found = anna.query(
        f"SELECT firstname, lastname FROM Contacts WHERE firstname LIKE '%{pattern}%' "
        f"OR lastname LIKE '%{pattern}%' OR email LIKE '%{pattern}%' LIMIT 0, 5000;"
    )
    needle = text.lower()
    expected = {
        str(row["id"])
        for row in anna_contacts
        if any(needle in str(row[f]).lower() for f in ("firstname", "lastname", "email"))
    }
    assert {str(i) for i in ids_of(found)} == expected


def test_search_for_each_hostile_name_finds_that_record_and_not_its_decoy(
    anna: Session, anna_contacts: list[dict[str, object]]
) -> None:
    by_id = {row["id"]: row for row in anna_contacts}
    assert set(by_id) >= HOSTILE_IDS | DECOY_IDS
    for crmid in sorted(HOSTILE_IDS):
        lastname = str(by_id[crmid]["lastname"])
        found = ids_of(anna.query(f"SELECT id FROM Contacts WHERE lastname LIKE '%{like_literal(lastname)}%';"))
        assert found == [crmid], lastname
