"""A minimal read-only web interface: sign-in form + cookie session, a record's detail view with
its Messages relation and Documents, and document downloads.

URL shapes follow vtenext: /index.php?module=Contacts&action=DetailView&record=42.
Everything from records and mails is escaped; mail bodies are shown (sanitised) in a sandboxed
iframe through srcdoc, under a CSP that allows no script and no remote loads.
"""

from __future__ import annotations

import html
import json
import secrets
import sqlite3
from urllib.parse import quote, urlencode

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from server.crm.access import Access, User, get_user
from server.crm.auth import LoginFailure, password_login
from server.crm.context import AppState
from server.crm.db import write_tx
from server.crm.files import FileStore
from server.crm.ops_lookup import owner_names
from server.crm.records import Renderer, ws_id
from server.crm.security import token_hash
from server.crm.timeutil import for_user, later_db, now_db

COOKIE = "crm_session"
SESSION_SECONDS = 12 * 3600
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f5f5f5;color:#242424}
header{background:#0f6cbd;color:#fff;padding:.6rem 1rem;display:flex;justify-content:space-between}
header a{color:#fff} main{padding:1rem;max-width:960px;margin:auto}
section{background:#fff;border-radius:6px;padding:1rem;margin-bottom:1rem;box-shadow:0 1px 2px #0002}
table{border-collapse:collapse} td,th{padding:.25rem .6rem;text-align:left;vertical-align:top}
th{color:#616161;font-weight:600} iframe{width:100%;height:320px;border:1px solid #ddd;background:#fff}
.meta{color:#616161;font-size:.9rem} .error{color:#b10e1c} form label{display:block;margin:.4rem 0}
"""


def e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def page(title: str, body: str, user: User | None = None, status: int = 200) -> HTMLResponse:
    who = (f'<span>{e(user.name)} · <a href="/index.php?action=Logout">Sign out</a></span>' if user else "")
    doc = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(title)} - ACME CRM</title>"
           f"<meta name=\"viewport\" content=\"width=device-width\"><style>{STYLE}</style></head><body>"
           f"<header><strong>ACME CRM</strong>{who}</header><main>{body}</main></body></html>")
    response = HTMLResponse(doc, status_code=status)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def login_page(next_url: str, error: str = "", status: int = 200) -> HTMLResponse:
    err = f'<p class="error" role="alert">{e(error)}</p>' if error else ""
    body = (f"<section><h1>Sign in</h1>{err}<form method=\"post\" action=\"/index.php?action=Login\">"
            f"<input type=\"hidden\" name=\"next\" value=\"{e(next_url)}\">"
            "<label>Username <input name=\"username\" autocomplete=\"username\" required></label>"
            "<label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required>"
            "</label><label>One-time code (if required) <input name=\"otp\" inputmode=\"numeric\""
            " autocomplete=\"one-time-code\"></label><button type=\"submit\">Sign in</button></form></section>")
    return page("Sign in", body, status=status)


def session_user(conn: sqlite3.Connection, request: Request) -> User | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    row = conn.execute("SELECT user_id FROM web_sessions WHERE token_hash = ? AND expires_at > ?",
                       (token_hash(token), now_db())).fetchone()
    user = get_user(conn, row[0]) if row else None
    return user if user and user.active and not user.locked else None


def safe_next(target: str) -> str:
    return target if target.startswith("/index.php") and "//" not in target and "\\" not in target else "/index.php"


def _field_rows(conn: sqlite3.Connection, access: Access, module: str, crmid: int) -> str:
    meta = access.catalog.get(module)
    assert meta is not None
    fields = access.visible_fields(meta)
    row = conn.execute(f"SELECT {meta.id_sql}, {', '.join(fm.sql for fm in fields)} FROM {meta.from_sql}"  # noqa: S608 (identifiers from metadata, values bound)
                       f" WHERE {meta.id_sql} = ?", (crmid,)).fetchone()
    rendered = Renderer(conn, access).rows(meta, fields, [tuple(row)])[0]
    names = owner_names(conn)
    lang = access.user.language
    out = []
    for fm in fields:
        value = rendered.get(fm.name)
        if fm.kind == "reference" and row[fields.index(fm) + 1]:
            label = conn.execute("SELECT label FROM crmentity WHERE crmid = ?", (row[fields.index(fm) + 1],)).fetchone()
            value = f"{label[0] if label else ''} ({value})"
        elif fm.kind == "owner":
            value = names.get(row[fields.index(fm) + 1], value)
        out.append(f"<tr><th scope=\"row\">{e(fm.label(lang))}</th><td>{e(value)}</td></tr>")
    return "".join(out)


def _messages_html(conn: sqlite3.Connection, access: Access, crmid: int) -> str:
    names = owner_names(conn)
    tz = access.user.time_zone
    parts = []
    rows = conn.execute(
        "SELECT m.*, c.body_html_safe, c.body_text, c.from_json, c.date_sent, r.linked_by, r.linked_at"
        " FROM messages_rel r JOIN mod_messages m ON m.crmid = r.message_id"
        " JOIN crmentity me ON me.crmid = m.crmid AND me.deleted = 0"
        " JOIN message_content c ON c.message_id = m.crmid WHERE r.crmid = ? ORDER BY r.linked_at DESC",
        (crmid,)).fetchall()
    for m in rows:
        sender = json.loads(m["from_json"])
        body = m["body_html_safe"] or f"<pre style=\"white-space:pre-wrap\">{e(m['body_text'])}</pre>"
        srcdoc = f"<!doctype html><meta charset=\"utf-8\"><base target=\"_blank\">{body}"
        files = conn.execute(
            "SELECT f.kind, d.crmid, d.filename, d.filesize FROM message_files f"
            " JOIN mod_documents d ON d.crmid = f.document_id WHERE f.message_id = ? ORDER BY f.position",
            (m["crmid"],)).fetchall()
        items = "".join(
            f"<li><a href=\"/index.php?module=Documents&amp;action=Download&amp;record={f['crmid']}\">"
            f"{e(f['filename'])}</a> <span class=\"meta\">({f['filesize']} bytes"
            f"{', original mail' if f['kind'] == 'eml' else ''})"
            "</span></li>" for f in files)
        links = "".join(
            f"<li><a href=\"{e(link['url'])}\" rel=\"noopener noreferrer\" target=\"_blank\">{e(link['name'])}</a>"
            " <span class=\"meta\">(cloud attachment)</span></li>"
            for link in conn.execute("SELECT name, url FROM message_external_links WHERE message_id = ?"
                                     " ORDER BY position", (m["crmid"],)))
        parts.append(
            f"<article><h3>{e(m['subject'] or '(no subject)')}</h3>"
            f"<p class=\"meta\">From {e(sender.get('name'))} &lt;{e(sender.get('address'))}&gt; · sent "
            f"{e(for_user(m['mdate'], tz))} · linked by {e(names.get(m['linked_by'], ''))} on "
            f"{e(for_user(m['linked_at'], tz))}</p>"
            f"<iframe sandbox=\"\" referrerpolicy=\"no-referrer\" title=\"Mail body\" srcdoc=\"{e(srcdoc)}\"></iframe>"
            f"{'<ul>' + items + links + '</ul>' if items or links else ''}</article>")
    return "".join(parts) or "<p>No mails linked yet.</p>"


def _documents_html(conn: sqlite3.Connection, crmid: int) -> str:
    rows = conn.execute(
        "SELECT d.crmid, d.filename, d.filesize, d.folder FROM documents_rel r"
        " JOIN mod_documents d ON d.crmid = r.document_id JOIN crmentity e ON e.crmid = d.crmid AND e.deleted = 0"
        " WHERE r.crmid = ? ORDER BY d.crmid", (crmid,)).fetchall()
    items = "".join(f"<li><a href=\"/index.php?module=Documents&amp;action=Download&amp;record={r['crmid']}\">"
                    f"{e(r['filename'])}</a> <span class=\"meta\">{r['filesize']} bytes · {e(r['folder'])}</span></li>"
                    for r in rows)
    return f"<ul>{items}</ul>" if items else "<p>No documents.</p>"


def detail_view(state: AppState, conn: sqlite3.Connection, user: User, module: str, record: str) -> Response:
    access = Access.load(conn, state.catalog, user)
    meta = access.visible_module(module)
    row = (conn.execute("SELECT * FROM crmentity WHERE crmid = ?", (int(record),)).fetchone()
           if record.isdigit() else None)
    if meta is None or meta.kind != "entity" or row is None or row["deleted"] or row["setype"] != meta.name \
            or not access.can_read(meta, row["owner_id"]):
        return page("Not found", "<section><h1>Record not found</h1><p>The record does not exist or you may not"
                    " see it.</p></section>", user, status=404)
    lang = user.language
    body = (f"<section><p class=\"meta\">{e(meta.singular(lang))} · {e(ws_id(meta, row['crmid']))}</p>"
            f"<h1>{e(row['label'])}</h1><table>{_field_rows(conn, access, meta.name, row['crmid'])}</table></section>"
            f"<section><h2>Messages</h2>{_messages_html(conn, access, row['crmid'])}</section>"
            f"<section><h2>Documents</h2>{_documents_html(conn, row['crmid'])}</section>")
    return page(str(row["label"]), body, user)


def download(state: AppState, conn: sqlite3.Connection, user: User, record: str) -> Response:
    access = Access.load(conn, state.catalog, user)
    documents = access.catalog.get("Documents")
    doc = conn.execute("SELECT d.*, e.owner_id, e.deleted FROM mod_documents d JOIN crmentity e ON e.crmid = d.crmid"
                       " WHERE d.crmid = ?", (int(record),)).fetchone() if record.isdigit() else None
    allowed = False
    if doc is not None and documents is not None and not doc["deleted"]:
        allowed = access.can_read(documents, doc["owner_id"])
        for rel in conn.execute("SELECT e.setype, e.owner_id FROM documents_rel r JOIN crmentity e ON e.crmid = r.crmid"
                                " WHERE r.document_id = ? AND e.deleted = 0", (doc["crmid"],)):
            meta = access.catalog.get(rel["setype"])
            readable = meta is not None and meta.name != "Messages" and access.can_read(meta, rel["owner_id"])
            allowed = allowed or readable
    files = FileStore(state.settings.files_dir)
    if not allowed or doc is None or not doc["file_sha256"] or not files.exists(doc["file_sha256"]):
        return page("Not found", "<section><h1>Document not found</h1></section>", user, status=404)
    # Always a download with a neutral type: never rendered as a page of this origin.
    return Response(files.read(doc["file_sha256"]), media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc['filename'] or 'document')}",
        "Cache-Control": "private, no-store"})


def home(conn: sqlite3.Connection, state: AppState, user: User) -> Response:
    access = Access.load(conn, state.catalog, user)
    rows = conn.execute(
        "SELECT DISTINCT t.crmid, t.setype, t.label, t.owner_id FROM messages_rel r"
        " JOIN crmentity t ON t.crmid = r.crmid"
        " WHERE t.deleted = 0 ORDER BY r.linked_at DESC LIMIT 200").fetchall()
    items = []
    for r in rows:
        meta = access.catalog.get(r["setype"])
        if meta and access.module_visible(meta.name) and access.can_read(meta, r["owner_id"]):
            query = urlencode({"module": meta.name, "action": "DetailView", "record": r["crmid"]})
            items.append(f"<li><a href=\"/index.php?{e(query)}\">{e(r['label'])}</a>"
                         f" <span class=\"meta\">{e(meta.singular(user.language))}</span></li>")
    body = ("<section><h1>Records with linked mails</h1>"
            + (f"<ul>{''.join(items[:50])}</ul>" if items else "<p>No mails linked yet.</p>") + "</section>")
    return page("Home", body, user)


async def index(request: Request) -> Response:
    state: AppState = request.app.state.crm
    q = request.query_params
    action = q.get("action", "")
    if request.method == "POST" and action == "Login":
        form = await request.form()
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        otp, next_url = str(form.get("otp", "")), safe_next(str(form.get("next", "")))

        def sign_in() -> str | LoginFailure:
            conn = state.db.connection()
            try:
                user = password_login(conn, username, password, otp)
            except LoginFailure as exc:
                return exc
            token = secrets.token_urlsafe(32)
            with write_tx(conn):
                conn.execute("INSERT INTO web_sessions VALUES (?,?,?,?)",
                             (token_hash(token), user.id, now_db(), later_db(SESSION_SECONDS)))
            return token

        outcome = await anyio.to_thread.run_sync(sign_in)
        if isinstance(outcome, LoginFailure):
            return login_page(next_url, outcome.message, status=401)
        response = RedirectResponse(next_url, status_code=303)
        response.set_cookie(COOKIE, outcome, max_age=SESSION_SECONDS, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")
        return response
    if request.method not in ("GET", "HEAD"):
        return Response(status_code=405)

    def render() -> Response:
        conn = state.db.connection()
        user = session_user(conn, request)
        if action == "Logout":
            token = request.cookies.get(COOKIE)
            if token:
                with write_tx(conn):
                    conn.execute("DELETE FROM web_sessions WHERE token_hash = ?", (token_hash(token),))
            response: Response = RedirectResponse("/index.php", status_code=303)
            response.delete_cookie(COOKIE, path="/")
            return response
        if user is None:
            target = f"/index.php?{request.url.query}" if request.url.query else "/index.php"
            return login_page(safe_next(target))
        if action == "DetailView":
            return detail_view(state, conn, user, q.get("module", ""), q.get("record", ""))
        if action == "Download" and q.get("module") == "Documents":
            return download(state, conn, user, q.get("record", ""))
        return home(conn, state, user)

    return await anyio.to_thread.run_sync(render)


async def root(request: Request) -> Response:
    return RedirectResponse("/index.php", status_code=302)


def routes() -> list[BaseRoute]:
    return [Route("/index.php", index, methods=["GET", "HEAD", "POST"]), Route("/", root)]
