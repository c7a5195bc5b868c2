"""mcreceipt (protocol B.8): what the CRM holds for one message, read back from storage."""

from __future__ import annotations

import hashlib
import json

from server.crm.context import Call
from server.crm.errors import ComponentError
from server.crm.files import FileStore
from server.crm.records import parse_ws_id, ws_id


def _digest(text: str) -> tuple[int, str]:
    data = text.encode("utf-8")
    return len(data), hashlib.sha256(data).hexdigest()


def mcreceipt(call: Call) -> object:
    access, conn = call.access, call.conn
    catalog = access.catalog
    messages, documents = catalog.get("Messages"), catalog.get("Documents")
    assert messages is not None and documents is not None
    parsed = parse_ws_id(call.params.text("message"))
    if parsed is None:
        raise ComponentError("INVALID_REQUEST", "message must be a message id like 40x7")
    if parsed[0] != messages.prefix:
        raise ComponentError("RECORD_NOT_FOUND", "There is no such message")
    row = conn.execute(
        "SELECT e.owner_id, e.deleted, m.*, c.* FROM crmentity e JOIN mod_messages m ON m.crmid = e.crmid"
        " JOIN message_content c ON c.message_id = e.crmid WHERE e.crmid = ?", (parsed[1],)).fetchone()
    if row is None or row["deleted"]:
        raise ComponentError("RECORD_NOT_FOUND", "There is no such message")
    links = []
    for rel in conn.execute(
            "SELECT t.crmid, t.setype, t.label, t.owner_id FROM messages_rel r JOIN crmentity t ON t.crmid = r.crmid"
            " WHERE r.message_id = ? AND t.deleted = 0 ORDER BY r.linked_at, r.rowid", (parsed[1],)):
        meta = catalog.get(rel["setype"])
        if meta is not None and access.can_read(meta, rel["owner_id"]):
            links.append({"module": meta.name, "id": ws_id(meta, rel["crmid"]), "label": rel["label"]})
    # readable by whoever stored it and by anyone who can see a record it is linked to
    if row["owner_id"] != access.user.id and not links:
        raise ComponentError("ACCESS_DENIED", "You may not see this message")
    files = FileStore(call.settings.files_dir)
    attachments, eml = [], None
    for doc in conn.execute(
            "SELECT f.kind, f.inline, f.content_id, d.crmid, d.filename, d.filetype, d.filesize, d.file_sha256"
            " FROM message_files f JOIN mod_documents d ON d.crmid = f.document_id"
            " WHERE f.message_id = ? ORDER BY f.position", (parsed[1],)):
        stored = files.exists(doc["file_sha256"])
        item: dict[str, object] = {"size": doc["filesize"], "sha256": doc["file_sha256"],
                                   "document": ws_id(documents, doc["crmid"]), "stored": stored}
        if doc["kind"] == "eml":
            eml = item
        else:
            attachments.append({"filename": doc["filename"], "content_type": doc["filetype"], **item,
                                 "inline": bool(doc["inline"]), "content_id": doc["content_id"]})
    html_bytes, html_sha = _digest(row["body_html"])
    text_bytes, text_sha = _digest(row["body_text"])
    return {
        "subject": row["subject"], "from": json.loads(row["from_json"]), "to": json.loads(row["to_json"]),
        "cc": json.loads(row["cc_json"]), "date": row["date_sent"], "messageid": row["messageid"],
        "body_html_bytes": html_bytes, "body_html_sha256": html_sha,
        "body_text_bytes": text_bytes, "body_text_sha256": text_sha,
        "attachments": attachments,
        "external_links": [{"name": r["name"], "url": r["url"]} for r in conn.execute(
            "SELECT name, url FROM message_external_links WHERE message_id = ? ORDER BY position", (parsed[1],))],
        "eml": eml, "links": links,
    }
