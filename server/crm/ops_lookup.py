"""Component read operations (protocol B.3-B.5, B.9): mcmodules, mcsuggest, mclookup with thread memory."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime

from server.crm.access import Access
from server.crm.catalog import ModuleMeta
from server.crm.context import Call
from server.crm.errors import ComponentError
from server.crm.link_models import FINGERPRINT_PATTERN, sent_date
from server.crm.records import ws_id
from server.crm.sent_items import stored_message
from server.crm.timeutil import for_user

MAX_ADDRESSES = 50
MAX_SUGGESTIONS = 100
# The field holding a record's company, per module (None: the module has none).
ACCOUNT_FIELD = {"Contacts": "account_id", "Potentials": "related_to", "HelpDesk": "parent_id",
                 "Projects": "linktoaccountscontacts"}


def mcmodules(call: Call) -> object:
    access = call.access
    lang = access.user.language
    result = []
    for meta in access.catalog.linkable():
        if not access.module_visible(meta.name):
            continue
        visible = {fm.name for fm in access.visible_fields(meta)}
        result.append({
            "name": meta.name, "label": meta.label(lang), "singular": meta.singular(lang),
            "idPrefix": str(meta.prefix),
            "labelFields": [f for f in meta.label_fields if f in visible],
            "searchFields": [f for f in meta.search_fields if f in visible],
            "emailFields": [f for f in meta.email_fields if f in visible],
            "canLink": access.module_writable(meta.name),
        })
    return result


def owner_names(conn: sqlite3.Connection) -> dict[int, str]:
    names = {r[0]: " ".join(p for p in (r[1], r[2]) if p) or r[3]
             for r in conn.execute("SELECT id, first_name, last_name, user_name FROM users")}
    names.update({r[0]: r[1] for r in conn.execute("SELECT id, groupname FROM groups_")})
    return names


def _account(conn: sqlite3.Connection, access: Access, crmid: object) -> dict[str, str] | None:
    if not isinstance(crmid, int):
        return None
    accounts = access.visible_module("Accounts")
    row = conn.execute("SELECT owner_id, label, setype, deleted FROM crmentity WHERE crmid = ?", (crmid,)).fetchone()
    if accounts is None or row is None or row["setype"] != "Accounts" or row["deleted"]:
        return None
    if not access.can_read(accounts, row["owner_id"]):
        return None
    return {"id": ws_id(accounts, crmid), "label": row["label"]}


def _module_group(meta: ModuleMeta) -> int:
    return 0 if meta.name in ("Contacts", "Leads") else 1 if meta.name == "Accounts" else 2


def mcsuggest(call: Call) -> object:
    access, conn = call.access, call.conn
    given = call.params.decoded("addresses")
    if given is None:
        return []
    if isinstance(given, str):
        given = [given]
    if not isinstance(given, list) or not all(isinstance(a, str) for a in given):
        raise ComponentError("INVALID_REQUEST", "addresses must be a JSON list of e-mail addresses")
    addresses = list(dict.fromkeys(a.strip() for a in given if a.strip()))[:MAX_ADDRESSES]
    if not addresses:
        return []
    by_fold = {a.casefold(): a for a in addresses}
    names = owner_names(conn)
    found: list[tuple[int, int, str, dict[str, object]]] = []
    for meta in access.catalog.linkable():
        if not access.module_visible(meta.name):
            continue
        email_fields = [fm for fm in access.visible_fields(meta) if fm.type == "email"]
        if not email_fields:
            continue
        where, params = access.record_filter(meta)
        marks = ", ".join("?" * len(addresses))
        match = " OR ".join(f"{fm.sql} COLLATE NOCASE IN ({marks})" for fm in email_fields)
        account_field = meta.field(ACCOUNT_FIELD.get(meta.name, ""))
        account_sql = account_field.sql if account_field and access.field_visible(meta.name,
                                                                                  account_field.name) else "NULL"
        cols = ", ".join(fm.sql for fm in email_fields)
        sql = (f"SELECT e.crmid, e.label, e.owner_id, {account_sql}, {cols} FROM {meta.from_sql}"  # noqa: S608 (identifiers from metadata, values bound)
               f" WHERE {where} AND ({match}) ORDER BY e.label COLLATE NOCASE, e.crmid LIMIT ?")
        rows = conn.execute(sql, (*params, *(addresses * len(email_fields)), MAX_SUGGESTIONS)).fetchall()
        for row in rows:
            stored = next((row[4 + i] for i in range(len(email_fields))
                           if str(row[4 + i]).casefold() in by_fold), None)
            if stored is None:  # NOCASE only folds ASCII; casefold decides
                continue
            found.append((_module_group(meta), meta.link_order or 0, row["label"], {
                "module": meta.name, "id": ws_id(meta, row["crmid"]), "label": row["label"],
                "email": stored, "account": _account(conn, access, row[3]),
                "owner": names.get(row["owner_id"], ""), "matched": by_fold[str(stored).casefold()],
            }))
    found.sort(key=lambda item: (item[0], item[1], item[2].casefold()))
    return [item[3] for item in found[:MAX_SUGGESTIONS]]


MAX_THREAD = 10  # records of earlier mails of the thread, newest first
MAX_THREAD_REFS = 200


def _thread_refs(call: Call, messageid: str) -> list[str]:
    given = call.params.decoded("references")
    if given is None:
        return []
    if isinstance(given, str):
        given = [given]
    if not isinstance(given, list) or not all(isinstance(r, str) for r in given):
        raise ComponentError("INVALID_REQUEST", "references must be a JSON list of Message-IDs")
    refs = [r.strip() for r in given if r.strip() and r.strip() != messageid]
    return list(dict.fromkeys(refs))[-MAX_THREAD_REFS:]  # the newest ids are last


def _thread(call: Call, messageid: str, names: dict[int, str], stored: int | None) -> list[dict[str, object]]:
    """Records (the caller may see) where another mail of the same thread is stored (B.9)."""
    access, conn = call.access, call.conn
    refs = _thread_refs(call, messageid)
    conversation = call.params.text("conversation_id").strip()
    if not refs and not conversation:
        return []
    matches: list[str] = []
    params: list[object] = []
    if refs:
        marks = ", ".join("?" * len(refs))
        # the mails it answers, and mails that answer the same ones (siblings in the thread)
        matches.append(f"m.messageid IN ({marks})")
        matches.append(f"m.crmid IN (SELECT message_id FROM message_refs WHERE ref IN ({marks}))")  # noqa: S608 (placeholders only)
        params += [*refs, *refs]
    if conversation:
        matches.append("m.conversation_id = ?")
        params.append(conversation)
    sql = ("SELECT m.crmid AS message_id, m.messageid, m.subject, t.crmid, t.setype, t.label, t.owner_id,"  # noqa: S608
           " rel.linked_by, rel.linked_at"
           " FROM mod_messages m JOIN crmentity me ON me.crmid = m.crmid AND me.deleted = 0"
           " JOIN messages_rel rel ON rel.message_id = m.crmid"
           " JOIN crmentity t ON t.crmid = rel.crmid AND t.deleted = 0"
           f" WHERE m.messageid != ? AND m.crmid != ? AND ({' OR '.join(matches)})"  # placeholders only
           " ORDER BY m.mdate DESC, rel.linked_at DESC, rel.rowid DESC LIMIT 500")
    rows = conn.execute(sql, (messageid, -1 if stored is None else stored, *params)).fetchall()
    messages = access.catalog.get("Messages")
    assert messages is not None
    thread: list[dict[str, object]] = []
    for row in rows:
        meta = access.catalog.get(row["setype"])
        if meta is None or not access.can_read(meta, row["owner_id"]):
            continue
        thread.append({"module": meta.name, "id": ws_id(meta, row["crmid"]), "label": row["label"],
                       "message": ws_id(messages, row["message_id"]), "messageid": row["messageid"],
                       "subject": row["subject"], "linked_by": names.get(row["linked_by"], ""),
                       "linked_at": for_user(row["linked_at"], access.user.time_zone)})
        if len(thread) == MAX_THREAD:
            break
    return thread


def _sent_item(call: Call) -> tuple[str, datetime | None]:
    """B.12's optional `fingerprint` and `date` (the mail's sent date, ISO 8601 with an offset)."""
    fingerprint = call.params.text("fingerprint").strip()
    date = call.params.text("date").strip()
    if not fingerprint:
        return "", None
    if not re.fullmatch(FINGERPRINT_PATTERN, fingerprint):
        raise ComponentError("INVALID_REQUEST", "fingerprint must be a SHA-256 in hex")
    try:
        return fingerprint, sent_date(date)
    except ValueError:
        raise ComponentError("INVALID_REQUEST", "date must be ISO 8601 with a UTC offset") from None


def mclookup(call: Call) -> object:
    access, conn = call.access, call.conn
    messageid = call.params.text("messageid").strip()
    if not messageid:
        raise ComponentError("INVALID_REQUEST", "messageid is required")
    messages = access.catalog.get("Messages")
    assert messages is not None
    fingerprint, sent_at = _sent_item(call)
    stored = stored_message(conn, messageid, fingerprint, sent_at)
    rows = conn.execute(
        "SELECT m.crmid AS message_id, t.crmid, t.setype, t.label, t.owner_id, rel.linked_by, rel.linked_at"
        " FROM mod_messages m JOIN crmentity me ON me.crmid = m.crmid AND me.deleted = 0"
        " JOIN messages_rel rel ON rel.message_id = m.crmid"
        " JOIN crmentity t ON t.crmid = rel.crmid AND t.deleted = 0"
        " WHERE m.crmid = ? ORDER BY rel.linked_at, rel.rowid", (stored,)).fetchall() if stored is not None else []
    names = owner_names(conn)
    links = []
    for row in rows:
        meta = access.catalog.get(row["setype"])
        if meta is None or not access.can_read(meta, row["owner_id"]):
            continue
        links.append({"module": meta.name, "id": ws_id(meta, row["crmid"]), "label": row["label"],
                      "message": ws_id(messages, row["message_id"]), "linked_by": names.get(row["linked_by"], ""),
                      "linked_at": for_user(row["linked_at"], access.user.time_zone)})
    return {"links": links, "thread": _thread(call, messageid, names, stored)}
