"""mclink (protocol B.7): store a mail under a record in one transaction, exactly once.

The message is unique by Message-ID across all users (unique index). Writers serialise on
BEGIN IMMEDIATE and re-check inside the transaction, so parallel links of the same mail create
one message, one relation per target and one set of documents.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

from server.crm.catalog import ModuleMeta
from server.crm.context import Call
from server.crm.db import write_tx
from server.crm.errors import ComponentError
from server.crm.link_models import FileAttachment, LinkRequest, MessageIn, parse_link_request
from server.crm.metadata import MESSAGES_FOLDER
from server.crm.records import insert_record, parse_ws_id, ws_id
from server.crm.sanitize import sanitise_html
from server.crm.sent_items import adopt_real_id, remember_fingerprint, stored_message
from server.crm.timeutil import now_db, to_db
from server.crm.uploads import UploadRow, find_upload, store_for


@dataclass(frozen=True)
class Target:
    meta: ModuleMeta
    crmid: int
    label: str


def resolve_target(call: Call, text: str) -> Target:
    access = call.access
    parsed = parse_ws_id(text)
    if parsed is None:
        raise ComponentError("INVALID_REQUEST", "target must be a record id like 4x42")
    meta = access.catalog.by_prefix.get(parsed[0])
    if meta is None or meta.link_order is None:
        raise ComponentError("INVALID_REQUEST", "Mails cannot be linked to this kind of record")
    if not access.module_visible(meta.name):
        raise ComponentError("ACCESS_DENIED", "You may not see this module")
    row = call.conn.execute("SELECT * FROM crmentity WHERE crmid = ?", (parsed[1],)).fetchone()
    if row is None or row["deleted"] or row["setype"] != meta.name:
        raise ComponentError("RECORD_NOT_FOUND", "The record does not exist or was deleted")
    if not access.can_read(meta, row["owner_id"]) or not access.can_write(meta, row["owner_id"]):
        raise ComponentError("ACCESS_DENIED", "You may not link mails to this record")
    return Target(meta, row["crmid"], row["label"])


def message_bytes(req: LinkRequest, eml: UploadRow | None) -> int:
    return (len(req.message.body_html.encode()) + len(req.message.body_text.encode())
            + sum(f.size for f in req.files) + (eml.size if eml else 0))


def _checked_upload(call: Call, upload_id: str, size: int | None, sha: str | None) -> UploadRow:
    up = find_upload(call.conn, upload_id, call.access.user.id)
    if not up.complete:
        raise ComponentError("UPLOAD_OFFSET", f"Upload {upload_id} is incomplete ({up.received} of {up.size} bytes)")
    if (size is not None and up.size != size) or (sha is not None and up.sha256 != sha):
        raise ComponentError("UPLOAD_CORRUPT", f"Upload {upload_id} does not match the attachment's size or SHA-256")
    return up


def _existing_message(conn: sqlite3.Connection, msg: MessageIn) -> int | None:
    return stored_message(conn, msg.messageid, msg.fingerprint, msg.sent_at)


def _addresses(items: list[object]) -> list[dict[str, str]]:
    return [{"name": a.name, "address": a.address} for a in items]  # type: ignore[attr-defined]


def _create_message(call: Call, msg: MessageIn) -> int:
    conn, access = call.conn, call.access
    messages = access.catalog.get("Messages")
    assert messages is not None
    values: dict[str, object] = {
        "subject": msg.subject, "mdate": to_db(msg.sent_at),
        "mfrom": msg.sender.address, "mfrom_n": msg.sender.name,
        "mto": ", ".join(a.address for a in msg.to), "mto_n": ", ".join(a.name for a in msg.to),
        "mcc": ", ".join(a.address for a in msg.cc), "mcc_n": ", ".join(a.name for a in msg.cc),
        "messageid": msg.messageid,
        "messagehash": hashlib.sha1((msg.messageid + msg.subject).encode()).hexdigest(),  # noqa: S324 (vtenext's key)
        "mtype": "Link", "in_reply_to": msg.in_reply_to, "conversation_id": msg.conversation_id,
        "description": msg.body_text,
    }
    crmid = insert_record(conn, messages, values, access.user.id, access.user.id)
    conn.execute(
        "INSERT INTO message_content VALUES (?,?,?,?,?,?,?,?)",
        (crmid, msg.date, json.dumps({"name": msg.sender.name, "address": msg.sender.address}),
         json.dumps(_addresses(list(msg.to))), json.dumps(_addresses(list(msg.cc))),
         msg.body_html, msg.body_text, sanitise_html(msg.body_html)))
    conn.executemany("INSERT OR IGNORE INTO message_refs VALUES (?, ?)", [(crmid, ref) for ref in msg.thread_refs])
    remember_fingerprint(conn, crmid, msg)
    return crmid


def _create_document(call: Call, title: str, content_type: str, size: int, sha: str) -> int:
    documents = call.access.catalog.get("Documents")
    assert documents is not None
    values: dict[str, object] = {
        "notes_title": title, "filename": title, "filetype": content_type, "filesize": size,
        "filelocationtype": "I", "folder": MESSAGES_FOLDER, "file_sha256": sha, "filestatus": 1,
    }
    return insert_record(call.conn, documents, values, call.access.user.id, call.access.user.id)


def _relate_document(conn: sqlite3.Connection, document: int, crmid: int, user_id: int, stamp: str) -> None:
    conn.execute("INSERT OR IGNORE INTO documents_rel VALUES (?,?,?,?)", (document, crmid, user_id, stamp))


def _eml_filename(msg: MessageIn) -> str:
    base = "".join(ch for ch in msg.subject if ch not in '\\/:*?"<>|\r\n\t').strip()[:120] or "message"
    return f"{base}.eml"


def mclink(call: Call) -> object:
    conn, access, p = call.conn, call.access, call.params
    try:
        req = parse_link_request(p.decoded("message"), p.decoded("attachments"), p.text("eml"))
    except ValueError as exc:
        raise ComponentError("INVALID_REQUEST", str(exc)) from exc
    target = resolve_target(call, p.text("target"))
    declared = message_bytes(req, None)
    if declared > call.settings.max_message_bytes:
        raise ComponentError("TOO_LARGE", f"The mail is larger than {call.settings.max_message_bytes} bytes")

    files = store_for(call)
    upload_ids = [f.upload for f in req.files] + ([req.eml] if req.eml else [])
    staged: list[tuple[FileAttachment, UploadRow]] = []
    eml_upload: UploadRow | None = None
    if _existing_message(conn, req.message) is None:
        staged = [(f, _checked_upload(call, f.upload, f.size, f.sha256)) for f in req.files]
        eml_upload = _checked_upload(call, req.eml, None, None) if req.eml else None
        if message_bytes(req, eml_upload) > call.settings.max_message_bytes:
            raise ComponentError("TOO_LARGE", f"The mail is larger than {call.settings.max_message_bytes} bytes")
        for up in [u for _, u in staged] + ([eml_upload] if eml_upload else []):
            files.keep(up.id, up.sha256)

    stamp = now_db()
    uid = access.user.id
    with write_tx(conn):
        message_id = _existing_message(conn, req.message)
        created = message_id is None
        if message_id is None:
            if (req.files or req.eml) and not (staged or eml_upload):  # the message vanished since the check
                raise ComponentError("INTERNAL_ERROR", "The message changed meanwhile; retry")
            # an unlink may have dropped unused bytes since they were staged: put them back under the lock
            for up in [u for _, u in staged] + ([eml_upload] if eml_upload else []):
                files.keep(up.id, up.sha256)
            message_id = _create_message(call, req.message)
            conn.execute("INSERT INTO messages_rel VALUES (?,?,?,?)", (message_id, target.crmid, uid, stamp))
            for position, (att, up) in enumerate(staged):
                doc = _create_document(call, att.filename, att.content_type, up.size, up.sha256)
                conn.execute("INSERT INTO message_files VALUES (?,?,?,?,?,?)",
                             (message_id, doc, position, "attachment", int(att.inline), att.content_id))
                _relate_document(conn, doc, message_id, uid, stamp)
                _relate_document(conn, doc, target.crmid, uid, stamp)
                call.fail_midway()
            call.fail_midway()
            if eml_upload is not None:
                doc = _create_document(call, _eml_filename(req.message), "message/rfc822", eml_upload.size,
                                       eml_upload.sha256)
                conn.execute("INSERT INTO message_files VALUES (?,?,?,?,?,?)",
                             (message_id, doc, len(staged), "eml", 0, ""))
                _relate_document(conn, doc, message_id, uid, stamp)
            for position, link in enumerate(req.links):
                conn.execute("INSERT INTO message_external_links VALUES (?,?,?,?)",
                             (message_id, position, link.name, link.url))
            linked = True
        else:
            adopt_real_id(conn, message_id, req.message)
            linked = conn.execute("INSERT OR IGNORE INTO messages_rel VALUES (?,?,?,?)",
                                  (message_id, target.crmid, uid, stamp)).rowcount > 0
            call.fail_midway()
            if linked:
                for (doc,) in conn.execute("SELECT document_id FROM message_files WHERE message_id = ?"
                                           " AND kind = 'attachment'", (message_id,)).fetchall():
                    _relate_document(conn, doc, target.crmid, uid, stamp)
        marks = ", ".join("?" * len(upload_ids))
        consumed = [r[0] for r in conn.execute(
            f"DELETE FROM uploads WHERE user_id = ? AND id IN ({marks}) RETURNING id", (uid, *upload_ids))  # noqa: S608 (identifiers from metadata, values bound)
        ] if upload_ids else []
        docs = conn.execute("SELECT document_id, kind FROM message_files WHERE message_id = ? ORDER BY position",
                            (message_id,)).fetchall()
    for upload_id in consumed:
        files.remove_upload(upload_id)

    documents_meta = access.catalog.get("Documents")
    messages_meta = access.catalog.get("Messages")
    assert documents_meta is not None and messages_meta is not None
    eml_docs = [ws_id(documents_meta, d[0]) for d in docs if d[1] == "eml"]
    return {
        "message": ws_id(messages_meta, message_id),
        "created": created,
        "linked": linked,
        "documents": [ws_id(documents_meta, d[0]) for d in docs if d[1] == "attachment"],
        "eml_document": eml_docs[0] if eml_docs else None,
        "target": {"module": target.meta.name, "id": ws_id(target.meta, target.crmid), "label": target.label,
                   "url": record_url(call.base_url, target.meta.name, target.crmid)},
    }


def record_url(base_url: str, module: str, crmid: int) -> str:
    return f"{base_url}/index.php?module={module}&action=DetailView&record={crmid}"
