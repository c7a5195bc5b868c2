"""VTQL parser and SQL translation, against an in-memory SQLite schema built here.

The fake schema mimics the CRM's shape (an entity table joined to module tables, a visibility
fragment with bound parameters, hidden fields, a hidden module) without depending on the real
storage layer, so these tests pin the VTQL contract on their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.crm.vtql import (
    CompiledQuery,
    FieldRef,
    ModuleView,
    VtqlError,
    compile_query,
    parse,
    register_sqlite_functions,
)

USER_ID = 5
GROUP_ID = 20
OTHER_USER_ID = 9

SCHEMA = """
CREATE TABLE crmentity (crmid INTEGER PRIMARY KEY, setype TEXT NOT NULL, smownerid INTEGER NOT NULL,
                        deleted INTEGER NOT NULL DEFAULT 0, createdtime TEXT);
CREATE TABLE account (accountid INTEGER PRIMARY KEY, accountname TEXT);
CREATE TABLE contactdetails (contactid INTEGER PRIMARY KEY, firstname TEXT, lastname TEXT,
                             email TEXT, accountid INTEGER, birthday TEXT, donotcall INTEGER,
                             score TEXT, secret TEXT);
CREATE TABLE leaddetails (leadid INTEGER PRIMARY KEY, company TEXT);
"""

LONG_NAME = "x" * 5000 + "needle"
HOSTILE_NAME = "' OR 1=1 --"

# crmid: (firstname, lastname, email, accountid, birthday, donotcall, score, owner, deleted, created)
CONTACTS: dict[int, tuple[object, ...]] = {
    10: ("Mario", "Rossi", "mario.rossi@example.it", 1, "1980-05-01", 0, "100", USER_ID, 0, "2024-01-10 09:00:00"),
    11: ("Anna", "ROSSI", "anna@example.com", 2, "1990-01-15", 1, "20", GROUP_ID, 0, "2023-06-01 12:00:00"),
    12: ("Luca", "Bianchi", "luca@bianchi.it", 2, "1975-12-31", 0, "3.5", USER_ID, 0, "2023-01-01 08:30:00"),
    13: ("Seán", "O'Brien", "sean@obrien.ie", None, None, 0, "", USER_ID, 0, None),
    14: ("Bio", "100% Bio", "", None, None, 0, None, USER_ID, 0, None),
    15: ("Bio", "100 Bio", "", None, None, 0, None, USER_ID, 0, None),
    16: ("", "under_score", "", None, None, 0, None, USER_ID, 0, None),
    17: ("", "underXscore", "", None, None, 0, None, USER_ID, 0, None),
    18: ("", "back\\slash", "", None, None, 0, None, USER_ID, 0, None),
    19: ("", "backslash", "", None, None, 0, None, USER_ID, 0, None),
    20: ("Zoë", "Ünal", "zoe@example.com", None, None, 0, None, USER_ID, 0, None),
    21: ("", "<script>alert(1)</script>", "", None, None, 0, None, USER_ID, 0, None),
    22: ("Émile", "Dupont", "", None, None, 0, None, USER_ID, 0, None),
    23: ("", "Èvola", "", None, None, 0, None, USER_ID, 0, None),
    24: ("", "evans", "", None, None, 0, None, USER_ID, 0, None),
    25: ("", "Ewing", "", None, None, 0, None, USER_ID, 0, None),
    26: ("", HOSTILE_NAME, "", None, None, 0, None, USER_ID, 0, None),
    27: ("", LONG_NAME, "", None, None, 0, None, USER_ID, 0, None),
    # never visible: deleted, and owned by someone else
    28: ("Deleted", "Rossi", "", None, None, 0, None, USER_ID, 1, None),
    29: ("Other", "Rossi", "", None, None, 0, None, OTHER_USER_ID, 0, None),
}
VISIBLE_CONTACTS = {i for i, row in CONTACTS.items() if row[7] in (USER_ID, GROUP_ID) and not row[8]}
ACCOUNTS = {1: "ACME S.p.A.", 2: "Bianchi Srl", 3: "Hidden Spa"}
LEAD_COUNT = 1100
FIRST_LEAD = 1000


@dataclass
class FakeModule:
    name: str
    id_prefix: str
    from_sql: str
    id_sql: str
    visibility_sql: str
    visibility_params: tuple[object, ...]
    fields: list[FieldRef]
    hidden: set[str] = field(default_factory=set)

    def field(self, name: str) -> FieldRef | None:
        if name in self.hidden:
            return None
        return next((f for f in self.fields if f.name == name), None)

    def all_fields(self) -> list[FieldRef]:
        return [f for f in self.fields if f.name not in self.hidden]


VISIBLE = "e.deleted = 0 AND e.smownerid IN (?, ?)"

CONTACTS_VIEW = FakeModule(
    name="Contacts",
    id_prefix="4",
    from_sql="contactdetails c JOIN crmentity e ON e.crmid = c.contactid",
    id_sql="c.contactid",
    visibility_sql=VISIBLE,
    visibility_params=(USER_ID, GROUP_ID),
    fields=[
        FieldRef("firstname", "c.firstname", "text"),
        FieldRef("lastname", "c.lastname", "text"),
        FieldRef("email", "c.email", "text"),
        FieldRef("account_id", "c.accountid", "reference"),
        FieldRef("birthday", "c.birthday", "date"),
        FieldRef("donotcall", "c.donotcall", "boolean"),
        FieldRef("score", "c.score", "number"),
        FieldRef("assigned_user_id", "e.smownerid", "owner"),
        FieldRef("createdtime", "e.createdtime", "datetime"),
        FieldRef("secret", "c.secret", "text"),
    ],
    hidden={"secret"},
)
ACCOUNTS_VIEW = FakeModule(
    name="Accounts",
    id_prefix="3",
    from_sql="account a JOIN crmentity e ON e.crmid = a.accountid",
    id_sql="a.accountid",
    visibility_sql=VISIBLE,
    visibility_params=(USER_ID, GROUP_ID),
    fields=[FieldRef("accountname", "a.accountname", "text"), FieldRef("assigned_user_id", "e.smownerid", "owner")],
)
LEADS_VIEW = FakeModule(
    name="Leads",
    id_prefix="2",
    from_sql="leaddetails l JOIN crmentity e ON e.crmid = l.leadid",
    id_sql="l.leadid",
    visibility_sql="e.deleted = 0",
    visibility_params=(),
    fields=[FieldRef("company", "l.company", "text")],
)


class FakeResolver:
    """Contacts, Accounts and Leads are visible; Potentials exists but is hidden from this user."""

    def __init__(self, *views: FakeModule) -> None:
        self.views = {v.name: v for v in views}

    def module(self, name: str) -> ModuleView | None:
        return self.views.get(name)


RESOLVER = FakeResolver(CONTACTS_VIEW, ACCOUNTS_VIEW, LEADS_VIEW)


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    register_sqlite_functions(conn)
    conn.executescript(SCHEMA)
    for crmid, name in ACCOUNTS.items():
        account_owner = OTHER_USER_ID if crmid == 3 else USER_ID
        conn.execute("INSERT INTO crmentity VALUES (?, 'Accounts', ?, 0, NULL)", (crmid, account_owner))
        conn.execute("INSERT INTO account VALUES (?, ?)", (crmid, name))
    for crmid, row in CONTACTS.items():
        first, last, email, account, birthday, donotcall, score, owner, deleted, created = row
        conn.execute("INSERT INTO crmentity VALUES (?, 'Contacts', ?, ?, ?)", (crmid, owner, deleted, created))
        conn.execute(
            "INSERT INTO contactdetails VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'top secret')",
            (crmid, first, last, email, account, birthday, donotcall, score),
        )
    for crmid in range(FIRST_LEAD, FIRST_LEAD + LEAD_COUNT):
        conn.execute("INSERT INTO crmentity VALUES (?, 'Leads', ?, 0, NULL)", (crmid, USER_ID))
        conn.execute("INSERT INTO leaddetails VALUES (?, ?)", (crmid, f"Company {crmid}"))
    yield conn
    conn.close()


def run(conn: sqlite3.Connection, query: str) -> tuple[CompiledQuery, list[tuple[object, ...]]]:
    compiled = compile_query(query, RESOLVER)
    return compiled, conn.execute(compiled.sql, compiled.params).fetchall()


def ids(rows: list[tuple[object, ...]]) -> list[object]:
    return [row[0] for row in rows]


def error_of(query: str) -> str:
    with pytest.raises(VtqlError) as caught:
        compile_query(query, RESOLVER)
    return caught.value.message


# --- the table ------------------------------------------------------------------------------------

ALL_BUT_ROSSI = VISIBLE_CONTACTS - {10, 11}

# (query, expected ids as a set, or as a list when the order matters)
ROWS: list[tuple[str, set[int] | list[int]]] = [
    ("SELECT * FROM Contacts WHERE lastname = 'rossi';", {10, 11}),
    ("SELECT * FROM Contacts WHERE lastname = 'ROSSI';", {10, 11}),
    ("select * from Contacts where lastname = 'Rossi';", {10, 11}),
    ("SELECT * FROM Contacts WHERE lastname != 'rossi';", ALL_BUT_ROSSI),
    ("SELECT * FROM Contacts WHERE lastname = Rossi;", {10, 11}),
    ("SELECT firstname FROM Contacts WHERE firstname LIKE 'mar%';", {10}),
    ("SELECT firstname FROM Contacts WHERE lastname LIKE '%OSS%';", {10, 11}),
    ("SELECT firstname FROM Contacts WHERE firstname LIKE '%ZOË%';", {20}),
    ("SELECT firstname FROM Contacts WHERE firstname LIKE '%zoe%';", set()),
    ("SELECT firstname FROM Contacts WHERE lastname = 'ünal';", {20}),
    ("SELECT firstname FROM Contacts WHERE lastname = 'èvola';", {23}),
    ("SELECT firstname FROM Contacts WHERE firstname = 'SEÁN';", {13}),
    ("SELECT firstname FROM Contacts WHERE firstname LIKE 'sE_n';", {13}),
    ("SELECT lastname FROM Contacts WHERE lastname LIKE '%100\\%%';", {14}),
    ("SELECT lastname FROM Contacts WHERE lastname LIKE '%100%';", {14, 15}),
    ("SELECT lastname FROM Contacts WHERE lastname LIKE '%under\\_score%';", {16}),
    ("SELECT lastname FROM Contacts WHERE lastname LIKE '%under_score%';", {16, 17}),
    ("SELECT lastname FROM Contacts WHERE lastname LIKE '%back\\\\\\\\slash%';", {18}),
    ("SELECT lastname FROM Contacts WHERE lastname = 'back\\\\slash';", {18}),
    # MySQL: '\\s' is an unknown escape, so the LIKE pattern is plain "backslash"
    ("SELECT lastname FROM Contacts WHERE lastname LIKE 'back\\\\slash';", {19}),
    ("SELECT lastname FROM Contacts WHERE lastname = 'O''Brien';", {13}),
    ("SELECT lastname FROM Contacts WHERE lastname = 'O\\'Brien';", {13}),
    ("SELECT lastname FROM Contacts WHERE lastname LIKE '%''brien';", {13}),
    ("SELECT lastname FROM Contacts WHERE lastname = ''' OR 1=1 --';", {26}),
    ("SELECT lastname FROM Contacts WHERE lastname = '\\' OR 1=1 --';", {26}),
    ("SELECT lastname FROM Contacts WHERE lastname LIKE '%'' OR 1=1 --%';", {26}),
    ("SELECT lastname FROM Contacts WHERE lastname LIKE '%\\' OR ''1''=''1%';", set()),
    ("SELECT lastname FROM Contacts WHERE lastname = '<script>alert(1)</script>';", {21}),
    ("SELECT lastname FROM Contacts WHERE lastname LIKE '%needle';", {27}),
    (f"SELECT lastname FROM Contacts WHERE lastname LIKE '%{LONG_NAME[-3000:]}';", {27}),
    (f"SELECT lastname FROM Contacts WHERE lastname LIKE '%{'y' * 60000}%';", set()),
    (f"SELECT lastname FROM Contacts WHERE lastname LIKE '%{'é' * 30000}%';", set()),
    ("SELECT * FROM Contacts WHERE id = '4x10';", {10}),
    ("SELECT * FROM Contacts WHERE id = 4x10;", {10}),
    ("SELECT * FROM Contacts WHERE id IN ('4x10', '4x12', '4x28');", {10, 12}),
    ("SELECT * FROM Contacts WHERE id LIKE '4x1%';", VISIBLE_CONTACTS & set(range(10, 20))),
    ("SELECT * FROM Contacts WHERE account_id = '3x2';", {11, 12}),
    ("SELECT * FROM Contacts WHERE assigned_user_id = '20x20';", {11}),
    ("SELECT * FROM Contacts WHERE assigned_user_id != '19x5';", {11}),
    ("SELECT * FROM Contacts WHERE score > 10;", {10, 11}),
    ("SELECT * FROM Contacts WHERE score < '5';", {12, 13}),
    ("SELECT * FROM Contacts WHERE score = '3.5';", {12}),
    ("SELECT * FROM Contacts WHERE donotcall = 1;", {11}),
    ("SELECT * FROM Contacts WHERE birthday < '1980-01-01';", {12}),
    ("SELECT * FROM Contacts WHERE birthday >= '1980-05-01' AND birthday <= '1990-01-15';", {10, 11}),
    ("SELECT * FROM Contacts WHERE createdtime > '2024-01-01';", {10}),
    ("SELECT * FROM Contacts WHERE lastname IN ('ROSSI', 'ünal', 'nobody');", {10, 11, 20}),
    ("SELECT * FROM Contacts WHERE lastname IN 'bianchi';", {12}),
    ("SELECT * FROM Contacts WHERE lastname LIKE ('bianchi');", {12}),
    # AND binds tighter than OR: rossi OR (luca AND xyz), not (rossi OR luca) AND xyz
    ("SELECT * FROM Contacts WHERE lastname = 'rossi' OR firstname = 'luca' AND lastname = 'xyz';", {10, 11}),
    ("SELECT * FROM Contacts WHERE firstname = 'luca' AND lastname = 'xyz' OR lastname = 'rossi';", {10, 11}),
    ("SELECT * FROM Contacts WHERE firstname = 'luca' AND lastname = 'bianchi' OR id = '4x10';", {10, 12}),
    ("SELECT * FROM Contacts WHERE lastname >= 'r' AND lastname < 's';", {10, 11}),
    (
        "SELECT lastname FROM Contacts WHERE lastname IN ('evans', 'Èvola', 'ewing', 'dupont') ORDER BY lastname;",
        [22, 24, 23, 25],
    ),
    (
        "SELECT lastname FROM Contacts WHERE lastname IN ('evans', 'Èvola', 'ewing', 'dupont') ORDER BY lastname DESC;",
        [25, 23, 24, 22],
    ),
    ("SELECT lastname FROM Contacts WHERE lastname LIKE '%rossi%' ORDER BY firstname DESC;", [10, 11]),
    ("SELECT score FROM Contacts WHERE score > 0 ORDER BY score;", [12, 11, 10]),
    ("SELECT score FROM Contacts WHERE score > 0 ORDER BY score ASC;", [12, 11, 10]),
    ("SELECT birthday FROM Contacts WHERE birthday > '1900-01-01' ORDER BY birthday DESC;", [11, 10, 12]),
    ("SELECT id FROM Contacts ORDER BY id LIMIT 2;", [10, 11]),
    ("SELECT id FROM Contacts ORDER BY id LIMIT 1, 2;", [11, 12]),
    ("SELECT id FROM Contacts ORDER BY id DESC LIMIT 0, 1;", [27]),
    ("SELECT id FROM Contacts LIMIT 3;", [10, 11, 12]),
    ("SELECT * FROM Accounts WHERE accountname LIKE '%a%';", {1, 2}),
    ("SELECT accountname FROM Accounts;", {1, 2}),
    ("SELECT company FROM Leads WHERE company = 'company 1005';", {1005}),
]


@pytest.mark.parametrize(("query", "expected"), ROWS)
def test_query_returns_exactly_the_expected_rows(
    db: sqlite3.Connection, query: str, expected: set[int] | list[int]
) -> None:
    _, rows = run(db, query)
    found = ids(rows)
    assert len(found) == len(set(found)), "a record came back twice"
    if isinstance(expected, list):
        assert found == expected
    else:
        assert set(found) == expected


ERRORS: list[tuple[str, str]] = [
    # grammar, with vtenext's token classes and expected lists
    ("SELECT FROM Contacts;", "Syntax Error on line 1: token 'FROM' Unexpected FRM(FROM), expected one of: COLUMNNAME"),
    (
        "SELECT * FROM Contacts",
        "Syntax Error on line 1: token 'Contacts' Unexpected End of Input(0), expected one of: SEMICOLON",
    ),
    (
        "SELECT * FROM Contacts WHERE;",
        "Syntax Error on line 1: token ';' Unexpected SEMICOLON(;), expected one of: COLUMNNAME",
    ),
    (
        "SELECT * FROM Contacts WHERE lastname 'x';",
        "Syntax Error on line 1: token ''x'' Unexpected VALUE('x'), expected one of: EQ,LT,GT,LTE,GTE,NE,IN,LIKE",
    ),
    (
        "SELECT * FROM Contacts WHERE lastname = ;",
        "Syntax Error on line 1: token ';' Unexpected SEMICOLON(;), expected one of: VALUE",
    ),
    (
        "SELECT * FROM Contacts WHERE lastname IN ('a' 'b');",
        "Syntax Error on line 1: token ''b'' Unexpected VALUE('b'), expected one of: PARENCLOSE,COMMA",
    ),
    (
        "SELECT firstname lastname FROM Contacts;",
        "Syntax Error on line 1: token 'lastname' Unexpected COLUMNNAME(lastname), expected one of: FRM,COMMA",
    ),
    (
        "SELECT *, firstname FROM Contacts;",
        "Syntax Error on line 1: token ',' Unexpected Unknown(,), expected one of: FRM,COMMA",
    ),
    ("GET * FROM Contacts;", "Syntax Error on line 1: token 'GET' Unexpected Unknown(GET), expected one of: SELECT"),
    (
        "SELECT count(id) FROM Contacts;",
        "Syntax Error on line 1: token 'id' Unexpected COLUMNNAME(id), expected one of: ASTERISK",
    ),
    (
        "SELECT * FROM Contacts WHERE lastname = 'rossi' lastname = 'x';",
        "Syntax Error on line 1: token 'lastname' Unexpected COLUMNNAME(lastname), expected one of: SEMICOLON",
    ),
    (
        "SELECT * FROM Contacts WHERE lastname = 'rossi'; DROP TABLE contactdetails;",
        "Syntax Error on line 1: token 'DROP' Unexpected COLUMNNAME(DROP), expected one of: ",
    ),
    (
        "SELECT * FROM Contacts ORDER BY;",
        "Syntax Error on line 1: token ';' Unexpected SEMICOLON(;), expected one of: COLUMNNAME",
    ),
    (
        "SELECT * FROM Contacts LIMIT;",
        "Syntax Error on line 1: token ';' Unexpected SEMICOLON(;), expected one of: VALUE",
    ),
    (
        "SELECT *\nFROM Contacts",
        "Syntax Error on line 2: token 'Contacts' Unexpected End of Input(0), expected one of: SEMICOLON",
    ),
    # stray characters, unterminated quotes, the empty literal
    ("SELECT * FROM Contacts WHERE lastname = '';", "Unknown Error while processing request"),
    ("SELECT * FROM Contacts WHERE lastname = 'rossi;", "Unknown Error while processing request"),
    ("SELECT * FROM Contacts WHERE lastname = 'it\\';", "Unknown Error while processing request"),
    ('SELECT * FROM Contacts WHERE lastname = "rossi";', "Unknown Error while processing request"),
    ("SELECT * FROM Contacts WHERE lastname = 'x' OR 1=1 --';", "Unknown Error while processing request"),
    ("SELECT * FROM Contacts WHERE lastname = Zoë;", "Unknown Error while processing request"),
    ("SELECT * FROM Contacts WHERE score = 3.5;", "Unknown Error while processing request"),
    # modules
    ("SELECT * FROM Potentials;", "Permission to perform the operation is denied for name"),
    ("SELECT * FROM Nope WHERE lastname = ;", "Permission to perform the operation is denied for name"),
    ("SELECT * FROM contacts_x;", "Permission to perform the operation is denied for name"),
    ("SELECT *;", "Permission to perform the operation is denied for query"),
    # vtenext finds the module with /from\s+([^\s;]+)/ before parsing: a field ending in "from"
    # right before FROM captures the keyword as the module name (a real vtenext quirk)
    ("SELECT firstname, validfrom FROM Contacts;", "Permission to perform the operation is denied for name"),
    ("SELECT validfrom, firstname FROM Contacts;", "Permission to access '.validfrom.' attribute denied."),
    # fields: select list, WHERE, ORDER BY
    ("SELECT secret FROM Contacts;", "Permission to access '.secret.' attribute denied."),
    ("SELECT firstname, nope FROM Contacts WHERE secret = 'x';", "Permission to access '.nope.' attribute denied."),
    ("SELECT * FROM Contacts WHERE secret = 'top secret';", "Permission to access secret attribute denied."),
    (
        "SELECT * FROM Contacts WHERE lastname = 'x' OR Lastname = 'y';",
        "Permission to access Lastname attribute denied.",
    ),
    ("SELECT * FROM Contacts ORDER BY secret;", "Database error while performing requested operation"),
    ("SELECT * FROM Contacts ORDER BY nope DESC;", "Database error while performing requested operation"),
    # ids and limits
    ("SELECT * FROM Contacts WHERE id = '3x10';", "Id specified is incorrect"),
    ("SELECT * FROM Contacts WHERE id = 10;", "Id specified is incorrect"),
    ("SELECT * FROM Contacts WHERE account_id = 'ACME';", "Id specified is incorrect"),
    ("SELECT * FROM Contacts WHERE assigned_user_id IN ('19x5', 'anna');", "Id specified is incorrect"),
    ("SELECT * FROM Contacts LIMIT 'abc';", "Database error while performing requested operation"),
    ("SELECT * FROM Contacts LIMIT -1;", "Database error while performing requested operation"),
]


@pytest.mark.parametrize(("query", "message"), ERRORS)
def test_invalid_query_fails_with_vtenext_text(query: str, message: str) -> None:
    assert error_of(query) == message


# --- result shape -------------------------------------------------------------------------------


def test_selected_columns_come_after_the_id_in_order(db: sqlite3.Connection) -> None:
    compiled, rows = run(db, "SELECT lastname, firstname, lastname FROM Contacts WHERE id = '4x10';")
    assert [f.name for f in compiled.fields] == ["id", "lastname", "firstname"]
    assert compiled.fields[0].kind == "id"
    assert rows == [(10, "Rossi", "Mario")]
    assert not compiled.is_count


def test_select_star_lists_visible_fields_only(db: sqlite3.Connection) -> None:
    compiled, rows = run(db, "SELECT * FROM Contacts WHERE id = '4x13';")
    names = [f.name for f in compiled.fields]
    assert names == [
        "id",
        "firstname",
        "lastname",
        "email",
        "account_id",
        "birthday",
        "donotcall",
        "score",
        "assigned_user_id",
        "createdtime",
    ]
    assert rows == [(13, "Seán", "O'Brien", "sean@obrien.ie", None, None, 0, "", USER_ID, None)]
    assert "top secret" not in rows[0]


def test_count_counts_only_visible_rows(db: sqlite3.Connection) -> None:
    compiled, rows = run(db, "SELECT count(*) FROM Contacts;")
    assert compiled.is_count
    assert [f.name for f in compiled.fields] == ["count"]
    assert rows == [(len(VISIBLE_CONTACTS),)]
    _, rossi = run(db, "SELECT count(*) FROM Contacts WHERE lastname = 'rossi';")
    assert rossi == [(2,)]  # the deleted Rossi and the other user's Rossi are not counted


def test_count_ignores_columns_listed_after_it_like_vtenext(db: sqlite3.Connection) -> None:
    compiled, rows = run(db, "SELECT count(*), secret FROM Contacts WHERE lastname LIKE 'b%';")
    assert compiled.is_count
    assert rows == [(3,)]  # Bianchi, back\\slash, backslash


def test_without_limit_at_most_1000_rows(db: sqlite3.Connection) -> None:
    _, rows = run(db, "SELECT company FROM Leads;")
    assert len(rows) == 1000
    assert ids(rows) == list(range(FIRST_LEAD, FIRST_LEAD + 1000))
    _, counted = run(db, "SELECT count(*) FROM Leads;")
    assert counted == [(LEAD_COUNT,)]
    _, more = run(db, "SELECT company FROM Leads LIMIT 1050;")
    assert len(more) == 1050
    _, tail = run(db, "SELECT company FROM Leads LIMIT 1090, 50;")
    assert ids(tail) == list(range(FIRST_LEAD + 1090, FIRST_LEAD + LEAD_COUNT))


def test_limit_pages_do_not_overlap_and_cover_everything(db: sqlite3.Connection) -> None:
    seen: list[int] = []
    for offset in range(0, 30, 7):
        _, page = run(db, f"SELECT lastname FROM Contacts ORDER BY lastname LIMIT {offset}, 7;")
        seen += [int(str(crmid)) for crmid in ids(page)]
    assert sorted(seen) == sorted(VISIBLE_CONTACTS)


def test_long_in_lists_and_long_or_chains_run(db: sqlite3.Connection) -> None:
    # SQLite refuses expression trees deeper than 1000; a client may OR many conditions.
    listed = ", ".join(f"'2x{n}'" for n in range(FIRST_LEAD, FIRST_LEAD + 3000))
    _, rows = run(db, f"SELECT company FROM Leads WHERE id IN ({listed}) LIMIT 0, 5000;")
    assert len(rows) == LEAD_COUNT
    chain = " OR ".join(f"company = 'company {n}'" for n in range(FIRST_LEAD, FIRST_LEAD + 1500))
    _, rows = run(db, f"SELECT company FROM Leads WHERE {chain} LIMIT 0, 5000;")
    assert len(rows) == LEAD_COUNT
    both = " OR ".join(f"company LIKE '%ny {n}' AND id != '2x{n}'" for n in range(FIRST_LEAD, FIRST_LEAD + 1500))
    _, rows = run(db, f"SELECT company FROM Leads WHERE {both};")
    assert rows == []


# --- hostile values stay values ---------------------------------------------------------------------

HOSTILE_QUERIES = [
    "SELECT lastname FROM Contacts WHERE lastname = ''' OR 1=1 --';",
    "SELECT lastname FROM Contacts WHERE lastname = '\\' OR 1=1 --';",
    "SELECT lastname FROM Contacts WHERE lastname LIKE '%''); DROP TABLE contactdetails; --%';",
    "SELECT lastname FROM Contacts WHERE firstname = 'x'' UNION SELECT secret FROM contactdetails --';",
    "SELECT lastname FROM Contacts WHERE email IN ('a'' OR ''1''=''1', '\\\\'' OR 1 --');",
    "SELECT lastname FROM Contacts WHERE id = '4x10 OR 1=1';",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_values_never_reach_the_sql_text(db: sqlite3.Connection, query: str) -> None:
    try:
        compiled, rows = run(db, query)
    except VtqlError as error:
        assert error.message == "Id specified is incorrect"
        return
    assert "OR 1" not in compiled.sql and "DROP" not in compiled.sql and "UNION" not in compiled.sql
    assert set(ids(rows)) <= {26}
    assert db.execute("SELECT count(*) FROM contactdetails").fetchone() == (len(CONTACTS),)


def test_every_value_is_a_bound_parameter() -> None:
    compiled = compile_query(
        "SELECT firstname FROM Contacts WHERE lastname LIKE '%needle%' AND email = 'someone@x.it'"
        " AND score > 42 AND id = '4x77' ORDER BY firstname LIMIT 13, 17;",
        RESOLVER,
    )
    for text in ("needle", "someone", "42", "77", "13", "17"):
        assert text not in compiled.sql
    assert {"%needle%", "someone@x.it", 42, 77, 13, 17} <= set(compiled.params)


def test_searches_use_only_sqlite_builtins() -> None:
    # Type-ahead search runs over every visible row: no Python call per row, ASCII or not.
    for query in (
        "SELECT lastname FROM Contacts WHERE lastname LIKE '%o''b\\_r\\%%' OR email = 'A@B.IT';",
        "SELECT lastname FROM Contacts WHERE lastname LIKE '%zoë%' OR firstname = 'ÉMILE';",
    ):
        assert "vtql_" not in compile_query(query, RESOLVER).sql
    # only a pattern SQLite would refuse as too long falls back to the Python matcher
    huge = compile_query(f"SELECT lastname FROM Contacts WHERE lastname LIKE '%{'é' * 30000}%';", RESOLVER)
    assert "vtql_like" in huge.sql


def test_parse_gives_the_ast() -> None:
    query = parse(
        "select a, b from M where x = 'it''s' and y in (1, '2') or z like '\\%' order by a, b desc limit 5, 10;"
    )
    assert query.columns == ("a", "b")
    assert query.module == "M"
    assert [[(c.field, c.op, [v.text for v in c.values]) for c in group] for group in query.where] == [
        [("x", "=", ["it's"]), ("y", "IN", ["1", "2"])],
        [("z", "LIKE", ["\\%"])],
    ]
    assert query.order_by == ("a", "b") and query.descending
    assert [v.text for v in query.limit] == ["5", "10"]


# --- properties ---------------------------------------------------------------------------------------

# No NUL (SQLite's builtin LIKE stops at it) and no surrogates (not valid UTF-8).
CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")


def fold_char(char: str) -> str:
    """The documented case rule, restated independently: Unicode lowercase when it is a single
    character, except non-ASCII characters whose lowercase is ASCII (the Kelvin sign)."""
    low = char.lower()
    if len(low) != 1 or (ord(char) > 0x7F and ord(low) <= 0x7F):
        return char
    return low


def contains_ignoring_case(value: str, needle: str) -> bool:
    size = len(needle)
    return any(
        all(fold_char(value[i + j]) == fold_char(needle[j]) for j in range(size)) for i in range(len(value) - size + 1)
    )


def client_like_escape(text: str) -> str:
    """What a client sends for user text T in `LIKE '%...%'` (the protocol's recipe)."""
    return text.replace("\\", "\\\\\\\\").replace("%", "\\%").replace("_", "\\_").replace("'", "''")


def recased(text: str, flips: list[bool]) -> str:
    out = []
    for char, flip in zip(text, flips + [False] * len(text), strict=False):
        swapped = char.upper() if flip else char.lower()
        out.append(swapped if len(swapped) == 1 else char)
    return "".join(out)


TEXT_VIEW = FakeModule(
    name="Notes",
    id_prefix="8",
    from_sql="note n",
    id_sql="n.id",
    visibility_sql="",
    visibility_params=(),
    fields=[FieldRef("v", "n.v", "text")],
)
TEXT_RESOLVER = FakeResolver(TEXT_VIEW)


def text_table(values: list[str]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    register_sqlite_functions(conn)
    conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO note (v) VALUES (?)", [(v,) for v in values])
    return conn


@settings(max_examples=300, deadline=None)
@given(
    needle=st.text(CHARS, max_size=8),
    others=st.lists(st.text(CHARS, max_size=12), max_size=6),
    around=st.lists(
        st.tuples(st.text(CHARS, max_size=4), st.lists(st.booleans()), st.text(CHARS, max_size=4)), max_size=4
    ),
)
def test_client_escaped_like_matches_exactly_the_rows_containing_the_text(
    needle: str, others: list[str], around: list[tuple[str, list[bool], str]]
) -> None:
    values = others + [before + recased(needle, flips) + after for before, flips, after in around]
    compiled = compile_query(f"SELECT v FROM Notes WHERE v LIKE '%{client_like_escape(needle)}%';", TEXT_RESOLVER)
    with closing(text_table(values)) as conn:
        found = {row[1] for row in conn.execute(compiled.sql, compiled.params)}
    expected = {v for v in values if contains_ignoring_case(v, needle)}
    assert found == expected


@settings(max_examples=200, deadline=None)
@given(
    needle=st.text(CHARS, min_size=1, max_size=8),
    flips=st.lists(st.booleans()),
    others=st.lists(st.text(CHARS, max_size=8), max_size=5),
)
def test_equality_ignores_case_and_nothing_else(needle: str, flips: list[bool], others: list[str]) -> None:
    values = [*others, recased(needle, flips), needle + " ", " " + needle]
    quoted = needle.replace("\\", "\\\\").replace("'", "''")
    compiled = compile_query(f"SELECT v FROM Notes WHERE v = '{quoted}';", TEXT_RESOLVER)
    with closing(text_table(values)) as conn:
        found = {row[1] for row in conn.execute(compiled.sql, compiled.params)}
    expected = {v for v in values if len(v) == len(needle) and contains_ignoring_case(v, needle)}
    assert found == expected


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.text(CHARS, max_size=6), min_size=1, max_size=12))
def test_order_by_text_is_a_consistent_case_insensitive_order(values: list[str]) -> None:
    compiled = compile_query("SELECT v FROM Notes ORDER BY v;", TEXT_RESOLVER)
    with closing(text_table(values)) as conn:
        ordered = [row[1] for row in conn.execute(compiled.sql, compiled.params)]
    assert sorted(ordered) == sorted(values)
    folded = ["".join(fold_char(c) for c in v) for v in ordered]
    # values equal ignoring case are adjacent, and "a" < "B" < "c" whatever the case
    for i, key in enumerate(folded):
        later = folded[i + 1 :]
        if key in later:
            assert all(k == key for k in later[: later.index(key) + 1])
    ascii_letters = [v for v in ordered if v.isascii() and v.isalpha()]
    assert [v.lower() for v in ascii_letters] == sorted(v.lower() for v in ascii_letters)


LIKE_ALPHABET = "aAbBéÉ%_\\' "
LikeItem = tuple[str, str]  # ("any" | "one" | "lit", char)


def like_oracle(items: list[LikeItem], value: str) -> bool:
    """Textbook dynamic programming over (pattern position, value position)."""
    reachable = {0}
    for kind, char in items:
        if kind == "any":
            reachable = set(range(min(reachable), len(value) + 1)) if reachable else set()
        elif kind == "one":
            reachable = {i + 1 for i in reachable if i < len(value)}
        else:
            reachable = {i + 1 for i in reachable if i < len(value) and fold_char(value[i]) == fold_char(char)}
    return len(value) in reachable


def like_literal(items: list[LikeItem]) -> str:
    """The VTQL string literal for a LIKE pattern (escapes as a client writes them)."""
    out = []
    for kind, char in items:
        if kind == "any":
            out.append("%")
        elif kind == "one":
            out.append("_")
        elif char in "%_":
            out.append("\\" + char)
        elif char == "\\":
            out.append("\\\\\\\\")
        elif char == "'":
            out.append("''")
        else:
            out.append(char)
    return "'" + "".join(out) + "'"


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(
        st.one_of(
            st.just(("any", "")),
            st.just(("one", "")),
            st.tuples(st.just("lit"), st.sampled_from(LIKE_ALPHABET)),
        ),
        min_size=1,
        max_size=7,
    ),
    values=st.lists(st.text(st.sampled_from(LIKE_ALPHABET), max_size=8), max_size=10),
)
def test_like_patterns_match_like_mysql(items: list[LikeItem], values: list[str]) -> None:
    compiled = compile_query(f"SELECT v FROM Notes WHERE v LIKE {like_literal(items)};", TEXT_RESOLVER)
    expected = sorted(v for v in values if like_oracle(items, v))
    # The Python matcher alone (used without a builtin prefilter for very long patterns).
    sqlite_form = "".join(
        {"any": "%", "one": "_"}.get(kind) or ("\\" + char if char in "%_\\" else char) for kind, char in items
    )
    with closing(text_table(values)) as conn:
        found = sorted(row[1] for row in conn.execute(compiled.sql, compiled.params))
        alone = sorted(row[0] for row in conn.execute("SELECT v FROM note WHERE vtql_like(?, v)", (sqlite_form,)))
    assert found == expected
    assert alone == expected
