"""The main flows on Microsoft's real office.js inside a fake Outlook on the web, against the local CRM:
sign in (roaming settings saved through office.js) → suggestion → preflight (no .eml: the npm office.js has no
getAsFileAsync; an attachment the host refuses is named) → link → receipt read back → a pinned pane's
ItemChanged shows the next mail."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest

from mailconnector.ui.i18n import Translator
from tests.browser.test_flow_main import test_get
from tests.conftest import RunningCrm
from tests.outlook.host import OutlookWebHost
from tests.outlook.mails import CSV, PDF, file_attachment, mail

pytestmark = pytest.mark.browser
SCREEN_MS = 30_000
REFUSED = 9054  # AttachmentDownloadFailed (Office's error table, as the simulated host uses it)


def screen(outlook: OutlookWebHost, name: str) -> None:
    outlook.frame.wait_for_selector(f"#app[data-screen='{name}']", timeout=SCREEN_MS)


def test_sign_in_link_with_attachments_receipt_and_item_changed(outlook: OutlookWebHost, crm: RunningCrm) -> None:
    t = Translator("en-US")
    tag = uuid.uuid4().hex[:12]
    first = mail(f"flow-{tag}", sender=("Mario Rossi", "mario.rossi@example.it"), attachments=[
        file_attachment("att-pdf", "offerta.pdf", "application/pdf", PDF),
        file_attachment("att-csv", "prezzi.csv", "text/csv", CSV),
        {**file_attachment("att-bad", "bloccato.zip", "application/zip", b"PK\x03\x04"), "refuse": REFUSED},
    ])
    frame = outlook.open(first)
    outlook.wait_ready()
    # Microsoft's library, not our simulated host: and it has no getAsFileAsync (Mailbox 1.14).
    assert frame.evaluate("typeof OfficeSim") == "undefined"
    assert frame.evaluate("typeof Office.context.mailbox.item.getAttachmentContentAsync") == "function"
    assert frame.evaluate("typeof Office.context.mailbox.item.getAsFileAsync") == "undefined"
    assert frame.locator("#mail-subject").inner_text() == f"Offer flow-{tag}"

    # --- sign in: address and user are remembered in Outlook's roaming settings, never the token ------------
    frame.fill("#mc-url", crm.url)
    frame.fill("#mc-username", "anna")
    frame.click("form[data-form='connect'] button[type='submit']")
    screen(outlook, "password")
    frame.fill("#mc-password", "anna123")
    frame.click("form[data-form='password'] button[type='submit']")
    screen(outlook, "record")
    outlook.page.wait_for_function("() => !!owa.savedSettings()", timeout=SCREEN_MS)
    saved = outlook.saved_settings()
    assert saved is not None and 404 in outlook.dispatch_ids()
    # office.js stores each setting as JSON text: our value (itself JSON text) is serialized once more.
    remembered = json.loads(json.loads(saved["mailconnector"]))
    assert (remembered["url"], remembered["username"]) == (crm.url, "anna")
    assert "anna123" not in json.dumps(saved) and "token" not in json.dumps(saved)

    # --- suggestion → preflight: the .eml cannot be had here; the refused attachment is named -----------------
    suggestion = frame.locator("#mc-suggestions .record").first
    suggestion.wait_for(timeout=SCREEN_MS)
    assert "Mario Rossi" in suggestion.inner_text()
    suggestion.click()
    screen(outlook, "preflight")
    preflight = frame.locator("#mc-preflight").inner_text()
    assert "offerta.pdf" in preflight and "prezzi.csv" in preflight and "bloccato.zip" in preflight
    assert t.t("preflight.reason.no_eml") in preflight
    frame.click("[data-action='link']")

    # --- receipt, and what the CRM holds: both files byte for byte, no .eml, the refused one left out -----------
    screen(outlook, "receipt")
    message_id = first["internetMessageId"]
    (stored,) = test_get(crm, "messages", message_id)
    assert stored["subject"] == f"Offer flow-{tag}"
    documents = test_get(crm, "documents", message_id)
    files = sorted((d["filename"], d["filesize"], d["file_sha256"]) for d in documents if d["kind"] == "attachment")
    assert files == [("offerta.pdf", len(PDF), hashlib.sha256(PDF).hexdigest()),
                     ("prezzi.csv", len(CSV), hashlib.sha256(CSV).hexdigest())]
    assert [d for d in documents if d["kind"] == "eml"] == []
    assert "bloccato.zip" in frame.locator("#app .screen").inner_text()  # named as not copied
    # Attachments were asked for one by one through ExecuteMethod 150, the body through 37.
    calls = outlook.log()
    asked = [c["params"]["id"] for c in calls if c["dispatchId"] == 150]
    assert sorted(set(asked)) == ["att-bad", "att-csv", "att-pdf"]

    # --- pinned pane: Outlook selects another mail; the pane follows it ----------------------------------------
    second = mail(f"next-{tag}", sender=("Mario Rossi", "mario.rossi@example.it"))
    outlook.select(second)
    frame.wait_for_function("s => document.querySelector('#mail-subject')?.textContent === s",
                            arg=f"Offer next-{tag}", timeout=SCREEN_MS)
    assert frame.evaluate("Office.context.mailbox.item.itemId") == f"AAMk-next-{tag}"
    assert outlook.csp_violations() == []
    assert outlook.page_errors == []
