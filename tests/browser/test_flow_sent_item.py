"""A mail the user has just sent, linked from Sent Items before Outlook knows its Message-ID, then
opened again once it does (protocol B.12), in Chromium against the local CRM and the simulated Outlook.

Outlook can leave `internetMessageId` empty on a just-sent item (OfficeDev/office-js#49) and has no
internet headers for items in Sent Items yet (OfficeDev/office-js-docs-pr#5057): the pane stores the
mail under a stand-in id with Outlook's creation time. The later read has the real id and the Date
header; the pane must show where the mail already is, and a link to another record must reuse the
stored mail, never store it a second time.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
import pytest

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver
from tests.conftest import RunningCrm

pytestmark = pytest.mark.browser

OFFER = b"%PDF-1.4\n" + bytes(range(256)) * 9 + b"\n%%EOF\n"
ANNA = {"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}  # the simulated mailbox's user


def sent_mail(subject: str, message_id: str | None) -> dict[str, Any]:
    return {
        "subject": subject,
        "from": ANNA,
        "to": [{"name": "Mario Rossi", "address": "mario.rossi@example.it"},
               {"name": "John Smith", "address": "john.smith@example.com"}],
        "date": "2026-05-04T11:00:05+02:00",
        "internetMessageId": message_id,
        "bodyText": "Buongiorno,\r\nin allegato l'offerta aggiornata.\r\nAnna\r\n",
        "bodyHtml": "<p>Buongiorno,</p><p>in allegato l'offerta aggiornata.</p><p>Anna</p>",
        "attachments": [{"name": "offerta.pdf", "contentType": "application/pdf",
                         "base64": base64.b64encode(OFFER).decode()}],
    }


def stored(crm: RunningCrm, subject: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = httpx.get(f"{crm.url}/_test/messages", params={"subject": subject}).json()
    return rows


def links(crm: RunningCrm, message_id: str) -> list[str]:
    rows = httpx.get(f"{crm.url}/_test/links", params={"messageid": message_id}).json()
    return sorted(r["label"] for r in rows)


def test_a_just_sent_mail_linked_again_once_it_has_its_id_is_stored_once(pane: PaneDriver, crm: RunningCrm) -> None:
    t = Translator("en-US")
    flow = Flow(pane)
    page = flow.page
    subject = f"Offerta aggiornata {uuid.uuid4().hex[:8]}"
    # just sent: no Message-ID and no internet headers yet
    flow.open(json=sent_mail(subject, None), headersFail=True)
    flow.sign_in(crm.url, "anna", "anna123")
    flow.screen("record")
    # the pane says the date is Outlook's, not the mail's
    assert t.t("mail.date_created", when="").strip() in flow.text("#mail-meta time")
    flow.link_suggestion("Mario Rossi")
    assert flow.text(".verified") == t.t("receipt.verified")
    [first] = stored(crm, subject)
    stand_in = first["messageid"]
    assert stand_in.endswith("@mailconnector.invalid>") and first["fingerprint"]

    # later: the same item, now with its Message-ID and headers (the Date header differs from the
    # creation time the first link stored)
    real_id = f"<sent-{uuid.uuid4().hex}@acme-crm.example>"
    page.evaluate("d => { OfficeSim.configure({headersFail: false}); OfficeSim.loadJson(d); }",
                  sent_mail(subject, real_id))
    page.wait_for_function("s => document.querySelector('#mail-subject')?.textContent === s", arg=subject)
    flow.screen("record")
    banner = page.locator(".links-slot .linked")
    banner.wait_for()
    assert t.t("linked.title") in banner.inner_text() and "Mario Rossi" in banner.inner_text()

    # linked to the other recipient too: the stored mail is reused and takes its real id
    flow.link_suggestion("John Smith")
    assert flow.text(".verified") == t.t("receipt.verified")
    [after] = stored(crm, subject)
    assert (after["crmid"], after["messageid"], after["aliases"]) == (first["crmid"], real_id, stand_in)
    assert links(crm, real_id) == ["John Smith", "Mario Rossi"]
    documents = httpx.get(f"{crm.url}/_test/documents", params={"messageid": real_id}).json()
    assert sorted(d["kind"] for d in documents) == ["attachment", "eml"]  # one copy of each, from the first link
    assert pane.page_errors == [] and pane.csp_violations() == []
