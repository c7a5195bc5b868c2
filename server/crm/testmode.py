"""Test-mode endpoints (absent unless `serve --test-mode`): read-only inspection of what is
stored, and fault injection for reliability tests (see server.crm.faults).

GET /_test/messages[?messageid=]   GET /_test/links[?messageid=]   GET /_test/documents[?messageid=]
GET /_test/uploads[?user=]         GET /_test/store (SHA-256 of every stored file)
GET/POST/DELETE /_test/faults, POST /_test/faults/release      GET/POST/DELETE /_test/mode (server.crm.switches)
GET/DELETE /_test/preflights: the OPTIONS requests on operation routes since the last DELETE (path, query
and the Access-Control-Request-Method of a browser's CORS preflight; none for an OPTIONS sent as such)
GET/DELETE /_test/timings: the operations handled since the last DELETE: name, VTQL text of a query,
wall-clock arrival (ms since the epoch) and handling time (ms), for the bench (bench/flows.py)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.crm.context import AppState
from server.crm.faults import FAULT_KINDS, Fault
from server.crm.files import FileStore


def _messages(conn: sqlite3.Connection, q: dict[str, str], files: FileStore) -> object:
    sql = ("SELECT m.crmid, m.messageid, m.subject, m.messagehash, m.mtype, m.mdate, e.owner_id, e.deleted,"
           " u.user_name, length(CAST(c.body_html AS BLOB)) AS html_bytes,"
           " length(CAST(c.body_text AS BLOB)) AS text_bytes, c.date_sent, fp.fingerprint,"
           " (SELECT group_concat(a.messageid, ' ') FROM message_aliases a WHERE a.message_id = m.crmid) AS aliases"
           " FROM mod_messages m JOIN crmentity e ON e.crmid = m.crmid LEFT JOIN users u ON u.id = e.owner_id"
           " LEFT JOIN message_content c ON c.message_id = m.crmid"
           " LEFT JOIN message_fingerprints fp ON fp.message_id = m.crmid")
    params: tuple[object, ...] = ()
    if q.get("messageid"):
        sql, params = sql + " WHERE m.messageid = ?", (q["messageid"],)
    elif q.get("subject"):
        sql, params = sql + " WHERE m.subject = ?", (q["subject"],)
    return [{**dict(r), "id": f"40x{r['crmid']}"} for r in conn.execute(sql + " ORDER BY m.crmid", params)]


def _links(conn: sqlite3.Connection, q: dict[str, str], files: FileStore) -> object:
    sql = ("SELECT r.message_id, m.messageid, r.crmid, t.setype AS module, t.label, u.user_name AS linked_by,"
           " r.linked_at FROM messages_rel r JOIN mod_messages m ON m.crmid = r.message_id"
           " JOIN crmentity t ON t.crmid = r.crmid JOIN users u ON u.id = r.linked_by")
    params: tuple[object, ...] = ()
    if q.get("messageid"):
        sql, params = sql + " WHERE m.messageid = ?", (q["messageid"],)
    return [dict(r) for r in conn.execute(sql + " ORDER BY r.linked_at, r.crmid", params)]


def _documents(conn: sqlite3.Connection, q: dict[str, str], files: FileStore) -> object:
    sql = ("SELECT d.crmid, d.notes_title, d.filename, d.filetype, d.filesize, d.file_sha256, d.folder,"
           " e.owner_id, e.deleted, f.message_id, f.kind, m.messageid FROM mod_documents d"
           " JOIN crmentity e ON e.crmid = d.crmid LEFT JOIN message_files f ON f.document_id = d.crmid"
           " LEFT JOIN mod_messages m ON m.crmid = f.message_id")
    params: tuple[object, ...] = ()
    if q.get("messageid"):
        sql, params = sql + " WHERE m.messageid = ?", (q["messageid"],)
    result = []
    for r in conn.execute(sql + " ORDER BY d.crmid", params).fetchall():
        related = [x[0] for x in conn.execute("SELECT crmid FROM documents_rel WHERE document_id = ? ORDER BY crmid",
                                              (r["crmid"],))]
        result.append({**dict(r), "id": f"7x{r['crmid']}", "related": related,
                       "stored": bool(r["file_sha256"]) and files.exists(r["file_sha256"])})
    return result


def _uploads(conn: sqlite3.Connection, q: dict[str, str], files: FileStore) -> object:
    sql = "SELECT up.*, u.user_name FROM uploads up JOIN users u ON u.id = up.user_id"
    params: tuple[object, ...] = ()
    if q.get("user"):
        sql, params = sql + " WHERE u.user_name = ?", (q["user"],)
    return [{**dict(r), "bytes_on_disk": files.size_of_upload(r["id"])}
            for r in conn.execute(sql + " ORDER BY up.created_at, up.id", params)]


def _store(conn: sqlite3.Connection, q: dict[str, str], files: FileStore) -> object:
    return files.stored()


def _inspect(reader: Callable[[sqlite3.Connection, dict[str, str], FileStore], object]) -> Callable[..., object]:
    async def endpoint(request: Request) -> Response:
        state: AppState = request.app.state.crm
        query = dict(request.query_params)

        def read() -> object:
            return reader(state.db.connection(), query, FileStore(state.settings.files_dir))

        return JSONResponse(await anyio.to_thread.run_sync(read))

    return endpoint


async def faults(request: Request) -> Response:
    state: AppState = request.app.state.crm
    if request.method == "DELETE":
        state.faults.clear()
    elif request.method == "POST":
        try:
            spec = json.loads(await request.body())
            fault = Fault(
                operation=str(spec["operation"]),
                fault=str(spec.get("fault") or ("drop_response" if spec.get("drop_response_after_commit") else "")),
                seconds=float(spec.get("seconds", 0)),
                drop_response_after_commit=bool(spec.get("drop_response_after_commit", False)),
                after_commit=bool(spec.get("after_commit", False)),
                times=int(spec.get("times", 1)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            return JSONResponse({"error": f"bad fault: {exc}"}, status_code=400)
        if fault.fault not in FAULT_KINDS:
            return JSONResponse({"error": f"fault must be one of {', '.join(FAULT_KINDS)}"}, status_code=400)
        state.faults.arm(fault)
    return JSONResponse(state.faults.report())


async def release(request: Request) -> Response:
    """POST {"operation": "mclink", "abort": false}: lets the held calls of that operation go on."""
    state: AppState = request.app.state.crm
    try:
        spec = json.loads(await request.body())
        released = state.faults.release(str(spec["operation"]), abort=bool(spec.get("abort", False)))
    except (ValueError, KeyError, TypeError) as exc:
        return JSONResponse({"error": f"bad release: {exc}"}, status_code=400)
    return JSONResponse({"released": released, **state.faults.report()})


async def mode(request: Request) -> Response:
    state: AppState = request.app.state.crm
    if request.method == "DELETE":
        state.switches.reset()
    elif request.method == "POST":
        try:
            spec = json.loads(await request.body())
            if not isinstance(spec, dict):
                raise ValueError("a JSON object is expected")
            state.switches.update(spec)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": f"bad mode: {exc}"}, status_code=400)
    return JSONResponse(state.switches.describe())


async def preflights(request: Request) -> Response:
    state: AppState = request.app.state.crm
    if request.method == "DELETE":
        state.preflights.clear()
    return JSONResponse(state.preflights)


async def timings(request: Request) -> Response:
    state: AppState = request.app.state.crm
    if request.method == "DELETE":
        state.timings.clear()
    return JSONResponse(state.timings)


def routes() -> list[BaseRoute]:
    return [
        Route("/_test/messages", _inspect(_messages)),
        Route("/_test/links", _inspect(_links)),
        Route("/_test/documents", _inspect(_documents)),
        Route("/_test/uploads", _inspect(_uploads)),
        Route("/_test/store", _inspect(_store)),
        Route("/_test/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_test/faults/release", release, methods=["POST"]),
        Route("/_test/mode", mode, methods=["GET", "POST", "DELETE"]),
        Route("/_test/preflights", preflights, methods=["GET", "DELETE"]),
        Route("/_test/timings", timings, methods=["GET", "DELETE"]),
    ]
