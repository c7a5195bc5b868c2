"""`python -m server.crm admin --db PATH <command>`: users, licence, device tokens, reset.

Works on the same SQLite file while the server runs (every change is one short transaction).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
from datetime import date
from pathlib import Path

from server.crm.db import connect, drop_everything, ensure_database, write_tx
from server.crm.directory import DirectoryError, create_user, display_name, user_id
from server.crm.licence import load_licence
from server.crm.otp import new_secret, totp
from server.crm.security import hash_password
from server.crm.seed import DEMO_USERS, GIULIA_OTP_SECRET
from server.crm.timeutil import now_db

DEFAULT_DB = Path("var/crm.sqlite3")


def _print(data: object, as_json: bool, lines: list[str]) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False) if as_json else "\n".join(lines))


def users_list(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    lic = load_licence(conn)
    rows = conn.execute("SELECT u.*, r.name AS role FROM users u JOIN roles r ON r.id = u.role_id"
                        " WHERE u.deleted = 0 ORDER BY u.id").fetchall()
    data = [{"id": f"19x{r['id']}", "username": r["user_name"], "name": display_name(r["first_name"], r["last_name"]),
             "email": r["email1"], "role": r["role"], "admin": bool(r["is_admin"]), "status": r["status"],
             "otp": bool(r["otp_secret"]), "locked": bool(r["locked"]), "failed_logins": r["failed_logins"],
             "enabled": lic.user_enabled(r["id"]), "language": r["language"], "timezone": r["time_zone"]}
            for r in rows]
    lines = [f"{d['id']:<7} {d['username']:<14} {d['name']:<22} {d['role']:<22} {d['status']:<8}"
             f" otp={'on' if d['otp'] else 'off'} locked={'yes' if d['locked'] else 'no'}"
             f" enabled={'yes' if d['enabled'] else 'no'}" for d in data]
    _print(data, args.json, lines)
    return 0


def users_create(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    with write_tx(conn):
        uid = create_user(conn, args.username, args.password, first_name=args.first,
                          last_name=args.last or args.username,
                          email=args.email or f"{args.username}@acme-crm.example", role=args.role,
                          is_admin=args.admin, language=args.language, time_zone=args.timezone)
    print(f"created 19x{uid} {args.username}")
    return 0


def _update_user(conn: sqlite3.Connection, username: str, sql: str, params: tuple[object, ...], done: str) -> int:
    with write_tx(conn):
        uid = user_id(conn, username)
        conn.execute(f"UPDATE users SET {sql} WHERE id = ?", (*params, uid))  # noqa: S608 (sql: constants here)
    print(f"{username}: {done}")
    return 0


def users_set_password(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    return _update_user(conn, args.username, "password_hash = ?", (hash_password(args.password),), "password set")


def users_set_otp(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    if args.state == "off":
        return _update_user(conn, args.username, "otp_secret = NULL", (), "one-time code off")
    secret = args.secret or new_secret()
    _update_user(conn, args.username, "otp_secret = ?", (secret,), "one-time code on")
    print(f"secret: {secret}")
    print(f"uri: {totp(secret).provisioning_uri(name=args.username, issuer_name='ACME CRM')}")
    return 0


def users_status(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    if args.action == "unlock":
        return _update_user(conn, args.username, "locked = 0, failed_logins = 0", (), "unlocked")
    status = "Active" if args.action == "activate" else "Inactive"
    return _update_user(conn, args.username, "status = ?", (status,), status.lower())


def licence_show(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    lic = load_licence(conn)
    names = {r[0]: r[1] for r in conn.execute("SELECT id, user_name FROM users")}
    data = {"installation": lic.installation, "crm_url": lic.crm_url, "state": lic.state,
            "effective_state": lic.effective_state, "expires": lic.expires, "seats": lic.seats,
            "enabled_users": [names.get(u, str(u)) for u in lic.enabled_user_ids]}
    lines = [f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in data.items()]
    _print(data, args.json, lines)
    return 0


def licence_set(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    with write_tx(conn):
        if args.state:
            conn.execute("UPDATE licence SET state = ? WHERE id = 1", (args.state,))
        if args.expires:
            expires = None if args.expires == "never" else date.fromisoformat(args.expires).isoformat()
            conn.execute("UPDATE licence SET expires = ? WHERE id = 1", (expires,))
        if args.seats is not None:
            conn.execute("UPDATE licence SET seats = ? WHERE id = 1", (args.seats,))
        if args.installation:
            conn.execute("UPDATE licence SET installation = ? WHERE id = 1", (args.installation,))
        if args.url is not None:
            conn.execute("UPDATE licence SET crm_url = ? WHERE id = 1", (args.url,))
        for name in args.disable or []:
            conn.execute("DELETE FROM licence_users WHERE user_id = ?", (user_id(conn, name),))
        for name in args.enable or []:
            uid = user_id(conn, name)
            conn.execute("INSERT OR IGNORE INTO licence_users VALUES (?, (SELECT COALESCE(MAX(position), -1) + 1"
                         " FROM licence_users))", (uid,))
        lic = load_licence(conn)
        if len(lic.enabled_user_ids) > lic.seats:
            raise DirectoryError(f"the licence has {lic.seats} seats but {len(lic.enabled_user_ids)} enabled users")
    return licence_show(conn, args)


def tokens_list(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    sql = ("SELECT t.*, u.user_name FROM device_tokens t JOIN users u ON u.id = t.user_id")
    params: tuple[object, ...] = ()
    if args.user:
        sql += " WHERE u.id = ?"
        params = (user_id(conn, args.user),)
    now = now_db()
    data = []
    for r in conn.execute(sql + " ORDER BY t.id", params):
        state = "revoked" if r["revoked_at"] else "expired" if r["expires_at"] and r["expires_at"] <= now else "active"
        data.append({"id": r["id"], "user": r["user_name"], "device": r["device"], "created": r["created_at"],
                     "last_used": r["last_used_at"], "expires": r["expires_at"], "state": state})
    lines = [f"{d['id']:<5} {d['user']:<12} {d['state']:<8} last used {d['last_used']}  {d['device']}" for d in data]
    _print(data, args.json, lines or ["no device tokens"])
    return 0


def tokens_revoke(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    with write_tx(conn):
        if args.user:
            if not args.all:
                raise DirectoryError("use --user USERNAME --all to revoke every device of a user")
            n = conn.execute("UPDATE device_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                             (now_db(), user_id(conn, args.user))).rowcount
        elif args.id is not None:
            n = conn.execute("UPDATE device_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                             (now_db(), args.id)).rowcount
        else:
            raise DirectoryError("give a token id, or --user USERNAME --all")
    print(f"revoked {n} token(s)")
    return 0


def reset(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    from server.crm.schema import create_schema
    from server.crm.seed import seed_demo

    conn.execute("PRAGMA foreign_keys = OFF")
    with write_tx(conn):
        drop_everything(conn)
        create_schema(conn)
        seed_demo(conn)
    conn.execute("PRAGMA foreign_keys = ON")
    files = args.db.with_name(args.db.name + ".files")
    for sub in ("uploads", "store"):
        shutil.rmtree(files / sub, ignore_errors=True)
        (files / sub).mkdir(parents=True, exist_ok=True)
    print("database reset to the demo data")
    return 0


def demo_logins(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    for username, first, last, _role, lang, tz, desc, enabled in DEMO_USERS:
        extra = f" (TOTP secret {GIULIA_OTP_SECRET})" if username == "giulia" else ""
        name = display_name(first, last, username)
        print(f"{username:<7} {username}123  {name:<15} {lang} {tz}  {desc}"
              f"{'' if enabled else ' [not enabled]'}{extra}")
    return 0


def _json_flag(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    # SUPPRESS: the flag may also come before the command without being reset here
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    return parser


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    a = sub.add_parser("admin", help="manage users, licence and device tokens")
    a.add_argument("--db", type=Path, default=DEFAULT_DB)
    a.add_argument("--json", action="store_true", help="machine-readable output for list/show commands")
    cmds = a.add_subparsers(dest="admin_command", required=True)

    users = cmds.add_parser("users").add_subparsers(dest="users_command", required=True)
    _json_flag(users.add_parser("list")).set_defaults(handler=users_list)
    c = users.add_parser("create")
    c.add_argument("username")
    c.add_argument("--password", required=True)
    c.add_argument("--first", default="")
    c.add_argument("--last", default="")
    c.add_argument("--email", default="")
    c.add_argument("--role", default="Sales Representative")
    c.add_argument("--admin", action="store_true")
    c.add_argument("--language", default="en_us")
    c.add_argument("--timezone", default="Europe/Rome")
    c.set_defaults(handler=users_create)
    p = users.add_parser("set-password")
    p.add_argument("username")
    p.add_argument("--password", required=True)
    p.set_defaults(handler=users_set_password)
    o = users.add_parser("set-otp")
    o.add_argument("username")
    o.add_argument("state", choices=["on", "off"])
    o.add_argument("--secret", help="base32 secret (default: a new random one)")
    o.set_defaults(handler=users_set_otp)
    for action in ("activate", "deactivate", "unlock"):
        s = users.add_parser(action)
        s.add_argument("username")
        s.set_defaults(handler=users_status, action=action)

    lic = cmds.add_parser("licence").add_subparsers(dest="licence_command", required=True)
    _json_flag(lic.add_parser("show")).set_defaults(handler=licence_show)
    ls = lic.add_parser("set")
    ls.add_argument("--state", choices=["active", "inactive"])
    ls.add_argument("--expires", help="YYYY-MM-DD or 'never'")
    ls.add_argument("--seats", type=int)
    ls.add_argument("--installation")
    ls.add_argument("--url", help="the CRM URL the licence is issued for")
    ls.add_argument("--enable", nargs="+", metavar="USER")
    ls.add_argument("--disable", nargs="+", metavar="USER")
    _json_flag(ls).set_defaults(handler=licence_set)

    tok = cmds.add_parser("tokens").add_subparsers(dest="tokens_command", required=True)
    tl = _json_flag(tok.add_parser("list"))
    tl.add_argument("--user")
    tl.set_defaults(handler=tokens_list)
    tr = tok.add_parser("revoke")
    tr.add_argument("id", nargs="?", type=int)
    tr.add_argument("--user")
    tr.add_argument("--all", action="store_true")
    tr.set_defaults(handler=tokens_revoke)

    cmds.add_parser("reset", help="drop everything and reseed the demo data").set_defaults(handler=reset)
    cmds.add_parser("demo-logins", help="print the demo users and passwords").set_defaults(handler=demo_logins)
    a.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ensure_database(args.db)
    conn = connect(args.db)
    try:
        result: int = args.handler(conn, args)
        return result
    except DirectoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
