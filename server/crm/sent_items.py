"""B.12: one sent mail, stored before Outlook knew its Message-ID, stays one message.

A just-sent item in Sent Items can have no `internetMessageId` yet (OfficeDev/office-js#49), so the
add-in stores it under a stand-in id (B.7). Read again later, the same item has its real Message-ID
and usually the Date header, so neither the id nor the date matches what was stored. The add-in sends
a date-free content fingerprint with every link and lookup; the CRM keeps it for messages stored under
a stand-in id and, when a mail WITH a real Message-ID arrives with the same fingerprint and a sent date
within `MATCH_WINDOW`, treats it as that stored message. The first link that does so gives the message
its real id (the stand-in stays as an alias) and the fingerprint is dropped, so a later, different mail
with the same content (the same text sent again) is stored on its own.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timedelta

from server.crm.link_models import MessageIn
from server.crm.timeutil import from_db, to_db

STAND_IN_DOMAIN = "@mailconnector.invalid>"
# From the first read (Outlook's creation time of the item, at worst when the draft was started) to
# the Date header of the sent mail: a draft may sit for days. Wider would only merge the same text
# sent twice, which is then stored once with both links (nothing is lost).
MATCH_WINDOW = timedelta(days=14)


def is_stand_in(messageid: str) -> bool:
    return messageid.strip().endswith(STAND_IN_DOMAIN)


def stored_message(conn: sqlite3.Connection, messageid: str, fingerprint: str, sent_at: datetime | None) -> int | None:
    """The message stored for this mail: by its Message-ID, by a stand-in id it replaced, or (a mail
    with a real Message-ID) by the fingerprint of a message still stored under a stand-in id."""
    row = conn.execute("SELECT crmid FROM mod_messages WHERE messageid = ?", (messageid,)).fetchone()
    if row is None:
        row = conn.execute("SELECT message_id FROM message_aliases WHERE messageid = ?", (messageid,)).fetchone()
    if row is not None:
        return int(row[0])
    if not fingerprint or sent_at is None or is_stand_in(messageid):
        return None
    rows = conn.execute(
        "SELECT m.crmid, m.mdate FROM message_fingerprints f JOIN mod_messages m ON m.crmid = f.message_id"
        " JOIN crmentity e ON e.crmid = m.crmid AND e.deleted = 0"
        " WHERE f.fingerprint = ? AND m.mdate BETWEEN ? AND ?",
        (fingerprint, to_db(sent_at - MATCH_WINDOW), to_db(sent_at + MATCH_WINDOW))).fetchall()
    # the closest in time if the same text was stored twice without an id
    best = min(rows, key=lambda r: abs((from_db(r["mdate"]) - sent_at).total_seconds()), default=None)
    return int(best["crmid"]) if best is not None else None


def remember_fingerprint(conn: sqlite3.Connection, message_id: int, msg: MessageIn) -> None:
    """A message stored under a stand-in id keeps its fingerprint until its real id is known."""
    if msg.fingerprint and is_stand_in(msg.messageid):
        conn.execute("INSERT OR REPLACE INTO message_fingerprints VALUES (?, ?)", (message_id, msg.fingerprint))


def adopt_real_id(conn: sqlite3.Connection, message_id: int, msg: MessageIn) -> None:
    """The mail now has its real Message-ID: the stored message takes it, with the Date and thread
    headers of this read; the stand-in stays as an alias. Nothing changes for a message that has its
    real id already, or when this read has none either."""
    row = conn.execute("SELECT messageid, subject FROM mod_messages WHERE crmid = ?", (message_id,)).fetchone()
    if row is None or not is_stand_in(row["messageid"]) or is_stand_in(msg.messageid):
        return
    if row["messageid"] == msg.messageid:
        return
    conn.execute("INSERT OR IGNORE INTO message_aliases VALUES (?, ?)", (row["messageid"], message_id))
    conn.execute(
        "UPDATE mod_messages SET messageid = ?, messagehash = ?, mdate = ?,"
        " in_reply_to = CASE WHEN in_reply_to = '' THEN ? ELSE in_reply_to END,"
        " conversation_id = CASE WHEN conversation_id = '' THEN ? ELSE conversation_id END WHERE crmid = ?",
        (msg.messageid, hashlib.sha1((msg.messageid + row["subject"]).encode()).hexdigest(),  # noqa: S324 (vtenext's key)
         to_db(msg.sent_at), msg.in_reply_to, msg.conversation_id, message_id))
    conn.execute("UPDATE message_content SET date_sent = ? WHERE message_id = ?", (msg.date, message_id))
    conn.executemany("INSERT OR IGNORE INTO message_refs VALUES (?, ?)",
                     [(message_id, ref) for ref in msg.thread_refs])
    conn.execute("DELETE FROM message_fingerprints WHERE message_id = ?", (message_id,))
