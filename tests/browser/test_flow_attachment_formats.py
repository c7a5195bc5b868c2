"""Each kind of attachment as Outlook hands it over (learn.microsoft.com "Office.AttachmentContent":
files base64, attached mails eml, attached calendar items iCalendar, cloud files url), linked through
the pane in Chromium and read back from the CRM byte for byte."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import httpx
import pytest

from tests.browser.pane import Flow, PaneDriver
from tests.conftest import RunningCrm

pytestmark = pytest.mark.browser

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Acme//Test//IT\r\nBEGIN:VEVENT\r\n"
       "UID:kickoff-1@example.it\r\nDTSTART:20261210T090000Z\r\nDTEND:20261210T100000Z\r\n"
       "SUMMARY:Kick-off è confermato\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
INVITE_FILE = ICS.replace("Kick-off", "Invito").encode()
FORWARDED = ("From: Laura Bianchi <laura.bianchi@example.org>\r\nTo: Mario Rossi <mario.rossi@example.it>\r\n"
             "Subject: Ordine 77\r\nDate: Mon, 11 Nov 2024 08:30:00 +0100\r\nMessage-ID: <order-77@example.org>\r\n"
             "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOrdine 77 confermato.\r\n")


def mail(message_id: str) -> dict[str, Any]:
    return {
        "subject": "Kick-off e ordine",
        "from": {"name": "Mario Rossi", "address": "mario.rossi@example.it"},
        "to": [{"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}],
        "date": "2026-11-30T10:00:00+01:00",
        "internetMessageId": message_id,
        "bodyText": "Anna, in allegato l'appuntamento, l'invito e l'ordine.\r\n",
        "attachments": [
            {"name": "invito.ics", "contentType": "text/calendar", "base64": base64.b64encode(INVITE_FILE).decode()},
            {"name": "Kick-off", "attachmentType": "item", "ics": ICS},
            {"name": "Ordine 77", "attachmentType": "item", "eml": FORWARDED},
            {"name": "Capitolato.docx", "attachmentType": "cloud", "size": 1200,
             "url": "https://contoso.sharepoint.example/Capitolato.docx"},
        ],
    }


def test_files_mails_calendar_items_and_cloud_files_are_stored_in_their_documented_form(
        pane: PaneDriver, crm: RunningCrm) -> None:
    flow = Flow(pane)
    page = flow.page
    message_id = f"<formats-{uuid.uuid4().hex}@example.it>"
    flow.open(json=mail(message_id))
    flow.sign_in(crm.url, "anna", "anna123")
    flow.link_suggestion("Mario Rossi")
    assert page.locator(".verified").count() == 1  # every digest the CRM reports equals what the pane sent

    documents = httpx.get(f"{crm.url}/_test/documents", params={"messageid": message_id}).json()
    stored = {d["filename"]: (d["filetype"], d["filesize"], d["file_sha256"]) for d in documents
              if d["kind"] == "attachment"}
    assert stored == {
        # a .ics FILE is a file: its bytes exactly, as base64 gave them
        "invito.ics": ("text/calendar", len(INVITE_FILE), hashlib.sha256(INVITE_FILE).hexdigest()),
        # an attached calendar ITEM: the iCalendar text Outlook hands over, as a .ics document
        "Kick-off.ics": ("text/calendar", len(ICS.encode()), hashlib.sha256(ICS.encode()).hexdigest()),
        # an attached mail: the .eml text Outlook hands over
        "Ordine 77.eml": ("message/rfc822", len(FORWARDED.encode()), hashlib.sha256(FORWARDED.encode()).hexdigest()),
    }
    assert len(httpx.get(f"{crm.url}/_test/messages", params={"messageid": message_id}).json()) == 1
    assert pane.page_errors == [] and pane.csp_violations() == []
