"""Users, roles and groups: creation and changes shared by the seed and the admin CLI."""

from __future__ import annotations

import sqlite3

from server.crm.security import hash_password, new_access_key
from server.crm.timeutil import now_db


class DirectoryError(Exception):
    pass


def role_id(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("SELECT id FROM roles WHERE name = ?", (name,)).fetchone()
    if row is None:
        names = ", ".join(r[0] for r in conn.execute("SELECT name FROM roles ORDER BY id"))
        raise DirectoryError(f"unknown role {name!r} (roles: {names})")
    return int(row[0])


def user_id(conn: sqlite3.Connection, username: str) -> int:
    row = conn.execute("SELECT id FROM users WHERE user_name = ? AND deleted = 0", (username,)).fetchone()
    if row is None:
        raise DirectoryError(f"unknown user {username!r}")
    return int(row[0])


def create_user(
    conn: sqlite3.Connection, username: str, password: str, *, first_name: str, last_name: str,
    email: str, role: str, is_admin: bool = False, language: str = "en_us", time_zone: str = "UTC",
    otp_secret: str | None = None, password_hash: str | None = None,
) -> int:
    if conn.execute("SELECT 1 FROM users WHERE user_name = ?", (username,)).fetchone():
        raise DirectoryError(f"user {username!r} already exists")
    rid = role_id(conn, role)
    owner = conn.execute("INSERT INTO owners (kind) VALUES ('user')").lastrowid
    conn.execute(
        "INSERT INTO users (id, user_name, first_name, last_name, email1, password_hash, access_key,"
        " is_admin, status, role_id, language, time_zone, otp_secret, created_at)"
        " VALUES (?,?,?,?,?,?,?,?,'Active',?,?,?,?,?)",
        (owner, username, first_name, last_name, email, password_hash or hash_password(password),
         new_access_key(), int(is_admin), rid, language, time_zone, otp_secret, now_db()),
    )
    assert owner is not None
    return owner


def create_group(conn: sqlite3.Connection, name: str, members: list[int], description: str = "") -> int:
    owner = conn.execute("INSERT INTO owners (kind) VALUES ('group')").lastrowid
    assert owner is not None
    conn.execute("INSERT INTO groups_ (id, groupname, description) VALUES (?,?,?)", (owner, name, description))
    conn.executemany("INSERT INTO group_members VALUES (?, ?)", [(owner, m) for m in members])
    return owner


def display_name(first: str, last: str, username: str = "") -> str:
    return " ".join(p for p in (first, last) if p) or username
