"""Reading the mail as Outlook hands it over, on Microsoft's real office.js (issue #11, point 4): the Date header
(getAllInternetHeadersAsync, dispatch 168) rather than dateTimeCreated, the full To list from the headers where
the host truncated item.to to 20, and an attached calendar item (format iCalendar) stored as .ics."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime

import pytest

from server.crm.timeutil import to_db
from tests.browser.test_flow_main import test_get
from tests.conftest import RunningCrm
from tests.outlook.host import OutlookWebHost
from tests.outlook.mails import DATE_HEADER, DATE_SENT, DELIVERED_MS, PDF, addr, file_attachment, mail
from tests.outlook.test_flows import SCREEN_MS, screen

pytestmark = pytest.mark.browser

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n"
       "BEGIN:VEVENT\r\nUID:kickoff-1\r\nDTSTART:20261110T090000Z\r\nDTEND:20261110T100000Z\r\n"
       "SUMMARY:Kick-off\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def sign_in(outlook: OutlookWebHost, crm: RunningCrm) -> None:
    frame = outlook.frame
    frame.fill("#mc-url", crm.url)
    frame.fill("#mc-username", "anna")
    frame.click("form[data-form='connect'] button[type='submit']")
    screen(outlook, "password")
    frame.fill("#mc-password", "anna123")
    frame.click("form[data-form='password'] button[type='submit']")
    screen(outlook, "record")


def test_date_header_full_recipients_and_calendar_item(outlook: OutlookWebHost, crm: RunningCrm) -> None:
    tag = uuid.uuid4().hex[:12]
    everyone = [addr(f"Collega {i}", f"collega{i}@acme.example") for i in range(25)]
    headers = (f"Received: from mx.rossi-srl.example by mail.acme.example; Tue, 3 Nov 2026 08:17:42 +0000\r\n"
               f"Date: {DATE_HEADER}\r\nMessage-ID: <read-{tag}@rossi-srl.example>\r\n"
               "From: Mario Rossi <mario.rossi@example.it>\r\n"
               "To: " + ", ".join(f"{a['name']} <{a['address']}>" for a in everyone) + "\r\n"
               f"Subject: Offer read-{tag}\r\n")
    meeting = {"id": "att-ics", "name": "Kick-off", "contentType": "message/rfc822", "size": len(ICS),
               "attachmentType": 1, "isInline": False, "format": "iCalendar", "content": ICS}
    opened = mail(f"read-{tag}", sender=("Mario Rossi", "mario.rossi@example.it"), headers=headers,
                  attachments=[file_attachment("att-pdf", "offerta.pdf", "application/pdf", PDF), meeting])
    opened["to"] = everyone[:20]  # Outlook on the web hands over 20 recipients at most
    frame = outlook.open(opened)
    outlook.wait_ready()
    assert frame.evaluate("Office.context.mailbox.item.to.length") == 20
    assert frame.evaluate("Office.context.mailbox.item.dateTimeCreated.getTime()") == DELIVERED_MS
    assert 168 in outlook.dispatch_ids()  # the headers were asked for, with the body
    shown = frame.locator("#mail-meta time").get_attribute("datetime") or ""
    assert datetime.fromisoformat(shown) == DATE_SENT  # the Date header, not dateTimeCreated

    sign_in(outlook, crm)
    suggestion = frame.locator("#mc-suggestions .record").first
    suggestion.wait_for(timeout=SCREEN_MS)
    suggestion.click()
    screen(outlook, "preflight")
    frame.click("[data-action='link']")
    screen(outlook, "receipt")

    message_id = opened["internetMessageId"]
    with sqlite3.connect(crm.db_path) as db:
        mdate, mto = db.execute("SELECT mdate, mto FROM mod_messages WHERE messageid = ?", (message_id,)).fetchone()
    assert mdate == to_db(DATE_SENT.astimezone(UTC))
    assert mdate != to_db(datetime.fromtimestamp(DELIVERED_MS / 1000, UTC))
    assert [a.strip() for a in mto.split(",")] == [a["address"] for a in everyone]
    documents = {d["filename"]: d for d in test_get(crm, "documents", message_id) if d["kind"] == "attachment"}
    assert set(documents) == {"offerta.pdf", "Kick-off.ics"}
    assert documents["Kick-off.ics"]["filetype"] == "text/calendar"
    assert documents["Kick-off.ics"]["filesize"] == len(ICS.encode())
    assert outlook.csp_violations() == [] and outlook.page_errors == []
