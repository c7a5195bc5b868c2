"""SQLite access: connections (one per worker thread), transactions, creation and seeding.

Every connection runs in autocommit mode; multi-statement work goes through `write_tx`
(BEGIN IMMEDIATE, so concurrent writers queue on the busy timeout instead of failing on upgrade)
or `read_tx` (one consistent snapshot).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 30_000


def register_functions(conn: sqlite3.Connection) -> None:
    try:
        from server.crm import vtql
    except ImportError:  # the VTQL module is written separately; without it only `query` fails
        return
    vtql.register_sqlite_functions(conn)


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    register_functions(conn)
    return conn


@contextmanager
def write_tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def read_tx(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


class Database:
    """Hands each thread its own connection to one database file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
        elif conn.in_transaction:  # a previous request must never leak an open transaction
            conn.execute("ROLLBACK")
        return conn


def is_installed(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    return row is not None


def ensure_database(path: Path) -> bool:
    """Create and seed the database on first start. Returns True when it was created now."""
    from server.crm.schema import create_schema, upgrade_schema
    from server.crm.seed import seed_demo

    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path)
    try:
        with write_tx(conn):
            if is_installed(conn):
                upgrade_schema(conn)
                return False
            create_schema(conn)
            seed_demo(conn)
        return True
    finally:
        conn.close()


def drop_everything(conn: sqlite3.Connection) -> None:
    """Remove every table (inside the caller's transaction; the connection must have foreign keys off)."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for name in names:
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')
