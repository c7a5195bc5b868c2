"""mcunlink (protocol B.11): remove one record's link to a stored mail, in one transaction.

Allowed to the user who made that link and to administrators. When the message is left with no
record at all, it goes too, with its documents and the `.eml`; bytes in the file store that no
remaining document uses are deleted after the commit (see `collect_files`).
"""

from __future__ import annotations

import sqlite3

from server.crm.context import Call
from server.crm.db import write_tx
from server.crm.errors import ComponentError
from server.crm.files import FileStore
from server.crm.records import parse_ws_id
from server.crm.uploads import store_for


def _ids(call: Call) -> tuple[int, int]:
    catalog = call.access.catalog
    messages = catalog.get("Messages")
    assert messages is not None
    message = parse_ws_id(call.params.text("message"))
    target = parse_ws_id(call.params.text("target"))
    if message is None or message[0] != messages.prefix:
        raise ComponentError("INVALID_REQUEST", "message must be a message id like 40x7")
    if target is None or catalog.by_prefix.get(target[0]) is None:
        raise ComponentError("INVALID_REQUEST", "target must be a record id like 4x42")
    return message[1], target[1]


def _delete_message(conn: sqlite3.Connection, message_id: int) -> list[str]:
    """Delete a message that no record holds any more; the SHA-256 of its documents' bytes."""
    docs = [r[0] for r in conn.execute("SELECT document_id FROM message_files WHERE message_id = ?", (message_id,))]
    marks = ", ".join("?" * len(docs))
    shas = [r[0] for r in conn.execute(
        f"SELECT file_sha256 FROM mod_documents WHERE crmid IN ({marks})", docs)] if docs else []  # noqa: S608 (placeholders only)
    for table, column in (("message_files", "message_id"), ("message_external_links", "message_id"),
                          ("message_refs", "message_id"), ("message_fingerprints", "message_id"),
                          ("message_aliases", "message_id"),
                          ("message_content", "message_id"), ("documents_rel", "crmid"),
                          ("mod_messages", "crmid"), ("crmentity", "crmid")):
        conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (message_id,))  # noqa: S608 (fixed names)
    if docs:
        for table, column in (("documents_rel", "document_id"), ("mod_documents", "crmid"), ("crmentity", "crmid")):
            conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", docs)  # noqa: S608 (fixed names)
    return [s for s in shas if s]


def collect_files(conn: sqlite3.Connection, files: FileStore, shas: list[str]) -> None:
    """Delete stored bytes no document uses any more.

    Runs under the write lock: a link being filed meanwhile puts its bytes back into the store
    inside its own transaction (see linking.mclink), so the two cannot cross.
    """
    if not shas:
        return
    with write_tx(conn):
        for sha in dict.fromkeys(shas):
            if conn.execute("SELECT 1 FROM mod_documents WHERE file_sha256 = ? LIMIT 1", (sha,)).fetchone() is None:
                files.remove_stored(sha)


def mcunlink(call: Call) -> object:
    conn, user = call.conn, call.access.user
    message_id, target_id = _ids(call)
    deleted: list[str] = []
    with write_tx(conn):
        rel = conn.execute("SELECT linked_by FROM messages_rel WHERE message_id = ? AND crmid = ?",
                           (message_id, target_id)).fetchone()
        if rel is None:  # never linked, or already removed: nothing to do (idempotent)
            return {"unlinked": False, "message_deleted": False}
        if rel["linked_by"] != user.id and not user.is_admin:
            raise ComponentError("ACCESS_DENIED", "Only the user who made this link, or an administrator,"
                                                  " may remove it")
        conn.execute("DELETE FROM messages_rel WHERE message_id = ? AND crmid = ?", (message_id, target_id))
        conn.execute("DELETE FROM documents_rel WHERE crmid = ? AND document_id IN"
                     " (SELECT document_id FROM message_files WHERE message_id = ?)", (target_id, message_id))
        left = conn.execute("SELECT count(*) FROM messages_rel WHERE message_id = ?", (message_id,)).fetchone()[0]
        if left == 0:
            deleted = _delete_message(conn, message_id)
        call.fail_midway()  # tests: a failure after every write rolls all of them back
    collect_files(conn, store_for(call), deleted)
    return {"unlinked": True, "message_deleted": left == 0}
