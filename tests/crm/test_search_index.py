"""The trigram index behind VTQL's LIKE (server/crm/search_index.py): used for searches it can narrow,
kept in step with updates, and never changing an answer (the same rows as checking every row)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.crm import db, search_index, vtql_sql
from server.crm.access import Access, get_user
from server.crm.catalog import Catalog
from server.crm.resolver import CrmResolver
from server.crm.vtql import compile_query, register_sqlite_functions


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = Path(tmp_path_factory.mktemp("index")) / "crm.sqlite3"
    db.ensure_database(path)
    connection = db.connect(path)
    register_sqlite_functions(connection)
    yield connection
    connection.close()


def resolver(conn: sqlite3.Connection) -> CrmResolver:
    admin = conn.execute("SELECT id FROM users WHERE user_name = 'admin'").fetchone()[0]
    user = get_user(conn, admin)
    assert user is not None
    return CrmResolver(Access.load(conn, Catalog.load(conn), user))


def ids(conn: sqlite3.Connection, query: str) -> set[int]:
    compiled = compile_query(query, resolver(conn))
    return {row[0] for row in conn.execute(compiled.sql, compiled.params)}


def scanned(conn: sqlite3.Connection, query: str) -> set[int]:
    """The same query checked on every row (the index switched off)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vtql_sql, "_text_prefilter", lambda *_: (None, []))
        return ids(conn, query)


def test_a_search_by_name_reads_the_index(conn: sqlite3.Connection) -> None:
    query = "SELECT id FROM Contacts WHERE firstname LIKE '%mar%' OR email LIKE '%rossi%';"
    compiled = compile_query(query, resolver(conn))
    plan = " ".join(str(row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + compiled.sql, compiled.params))
    assert "mod_contacts_text" in plan
    # too short for a trigram, or not plain ASCII: every row is checked, as before
    for unindexed in ("firstname LIKE '%ma%'", "firstname LIKE '%è%'", "firstname LIKE '%mar%' OR phone LIKE '%1%'"):
        compiled = compile_query(f"SELECT id FROM Contacts WHERE {unindexed};", resolver(conn))
        assert "mod_contacts_text" not in compiled.sql


def test_a_text_in_most_rows_is_checked_on_every_row_instead(conn: sqlite3.Connection) -> None:
    """Reading most of a module through the index costs more than a scan: the estimate (rows holding
    the rarest trigram of each group) picks the scan; both give the same rows."""
    share = conn.execute("SELECT avg(email LIKE '%example%') FROM mod_contacts").fetchone()[0]
    assert share > search_index.SCAN_SHARE  # most demo Contacts have an example.* address
    broad = compile_query("SELECT id FROM Contacts WHERE email LIKE '%example%';", resolver(conn))
    narrow = compile_query("SELECT id FROM Contacts WHERE lastname LIKE '%rossi%';", resolver(conn))
    assert search_index.choose(conn, broad) == (broad.scan_sql, broad.scan_params)
    assert search_index.choose(conn, narrow) == (narrow.sql, narrow.params)
    assert "mod_contacts_text" in narrow.sql and "mod_contacts_text" not in narrow.scan_sql
    for compiled in (broad, narrow):
        indexed = {row[0] for row in conn.execute(compiled.sql, compiled.params)}
        assert indexed == {row[0] for row in conn.execute(compiled.scan_sql, compiled.scan_params)}


def test_the_index_follows_updates(conn: sqlite3.Connection) -> None:
    crmid = conn.execute("SELECT max(crmid) FROM mod_contacts").fetchone()[0]
    query = "SELECT id FROM Contacts WHERE lastname LIKE '%Zwölfkamp%' OR lastname LIKE '%QUIRINALE%';"
    with db.write_tx(conn):
        conn.execute("UPDATE mod_contacts SET lastname = 'Quirinale-Zwölfkamp' WHERE crmid = ?", (crmid,))
    assert ids(conn, query) == {crmid}
    with db.write_tx(conn):
        conn.execute("UPDATE mod_contacts SET lastname = 'Altro' WHERE crmid = ?", (crmid,))
    assert ids(conn, query) == set()
    assert crmid in ids(conn, "SELECT id FROM Contacts WHERE lastname LIKE '%ALTRO%';")


ALPHABET = st.sampled_from([*"abcABC .-_%", "è", "È", "ß", "K", "\u212a", "İ", "σ", "Σ"])


@settings(max_examples=60, deadline=None)
@given(value=st.text(ALPHABET, max_size=12), pattern=st.text(ALPHABET, min_size=1, max_size=8))
def test_the_index_never_changes_an_answer(conn: sqlite3.Connection, value: str, pattern: str) -> None:
    crmid = conn.execute("SELECT min(crmid) FROM mod_contacts").fetchone()[0]
    with db.write_tx(conn):
        conn.execute("UPDATE mod_contacts SET firstname = ? WHERE crmid = ?", (value, crmid))
    # `%` and `_` stay wildcards; quotes and backslashes are VTQL's escaping, proven in test_vtql_*
    query = f"SELECT id FROM Contacts WHERE firstname LIKE '%{pattern}%' OR email LIKE '{pattern}%';"
    assert ids(conn, query) == scanned(conn, query)
