"""Errors while linking, each with its message in English and Italian and nothing half-stored in the
CRM: the CRM failing (5xx), the record deleted meanwhile, an attachment Outlook will not hand over,
an Outlook too old to hand over attachments, a mail over the CRM's size limit.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver
from tests.browser.test_flow_main import NOTE, PDF, flow_mail
from tests.conftest import RunningCrm, start_crm

pytestmark = pytest.mark.browser


def stored(crm: RunningCrm, what: str, message_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = httpx.get(f"{crm.url}/_test/{what}", params={"messageid": message_id}).json()
    return rows


def new_contact(crm: RunningCrm, lastname: str) -> str:
    """A Contact of anna's, created for this test (the CRM is shared by the run)."""
    token = httpx.post(crm.endpoint("mclogin"), data={"username": "admin", "password": "admin123",
                                                      "device": "test"}).json()["data"]["token"]
    element = {"firstname": "Erica", "lastname": lastname, "email": f"{lastname.lower()}@example.net",
               "assigned_user_id": "19x2"}
    answer = httpx.post(crm.endpoint("create"), auth=("admin", token),
                        data={"elementType": "Contacts", "element": json.dumps(element)}).json()
    httpx.post(crm.endpoint("mclogout"), auth=("admin", token))
    return str(answer["data"]["id"])


def delete_record(crm: RunningCrm, ws_id: str) -> None:
    """What deleting it in the CRM's web interface does: the entity is flagged deleted."""
    with sqlite3.connect(crm.db_path) as db:
        db.execute("UPDATE crmentity SET deleted = 1 WHERE crmid = ?", (int(ws_id.split("x")[1]),))


@pytest.fixture
def no_faults(crm: RunningCrm) -> Iterator[RunningCrm]:
    yield crm
    httpx.delete(f"{crm.url}/_test/faults")


@pytest.mark.parametrize("language", ["en-US", "it-IT"])
def test_link_errors_are_explained_and_leave_nothing_half_stored(pane: PaneDriver, no_faults: RunningCrm,
                                                                  language: str) -> None:
    crm = no_faults
    t = Translator(language)
    flow = Flow(pane)
    page = flow.page
    message_id = f"<errors-{uuid.uuid4().hex}@example.it>"
    flow.open(json=flow_mail(message_id), displayLanguage=language, failures={"note.txt": 9054})
    flow.sign_in(crm.url.removeprefix("http://"), "anna", "anna123")

    lastname = f"Errata{uuid.uuid4().hex[:8]}"
    record = new_contact(crm, lastname)
    page.select_option("#mc-module", "Contacts")
    page.fill("#mc-query", lastname)
    page.locator("#mc-results .record").first.click()
    flow.screen("preflight")

    def problem() -> str:
        page.wait_for_selector(".screen [role='alert']")
        return flow.text(".screen [role='alert']")

    # --- the CRM fails (an internal error is not retried): said so, nothing stored, "Link" again possible ---------
    httpx.post(f"{crm.url}/_test/faults", json={"operation": "mclink", "fault": "http_500", "times": 1})
    page.click("[data-action='link']")
    flow.screen("preflight", timeout=30_000)
    assert problem() == t.t("error.SERVER_ERROR")
    assert stored(crm, "messages", message_id) == []
    flow.shots("error-server", t.language)

    # --- the record was deleted meanwhile ------------------------------------------------------------------------
    delete_record(crm, record)
    page.click("[data-action='link']")
    page.wait_for_function(
        "text => document.querySelector(\".screen [role='alert']\")?.innerText.startsWith(text)",
        arg=t.t("error.RECORD_NOT_FOUND"),
    )
    assert stored(crm, "messages", message_id) == []

    # --- an attachment Outlook refuses: named, and the rest is stored ---------------------------------------------
    page.click("[data-action='back-to-record']")
    flow.screen("record")
    page.locator("#mc-suggestions .record").first.click()
    flow.screen("preflight")
    page.click("[data-action='link']")
    flow.screen("receipt")
    assert t.t("receipt.skipped", names="note.txt") in flow.text(".screen")
    assert t.plural("receipt.files", 1, size=t.size(len(PDF))) in flow.text("#mc-receipt")
    documents = stored(crm, "documents", message_id)
    assert sorted(d["filename"] for d in documents if d["kind"] == "attachment") == ["offerta.pdf"]
    # the refused file was never uploaded on its own: no document of this mail, no upload, has its bytes
    note_sha = hashlib.sha256(NOTE.encode()).hexdigest()
    assert note_sha not in {d["file_sha256"] for d in documents}
    uploads = httpx.get(f"{crm.url}/_test/uploads", params={"user": "anna"}).json()
    assert note_sha not in {u["sha256"] for u in uploads}
    flow.shots("receipt-skipped", t.language)

    # --- an Outlook without the attachment API (Mailbox 1.5) ----------------------------------------------------------
    page.evaluate("OfficeSim.configure({maxMailbox: '1.5'})")
    other = f"<errors-old-{uuid.uuid4().hex}@example.it>"
    page.evaluate("d => OfficeSim.loadJson(d)", flow_mail(other, "Vecchio Outlook"))
    page.wait_for_function("document.querySelector('#mail-subject')?.textContent === 'Vecchio Outlook'")
    page.locator("#mc-suggestions .record").first.click()
    flow.screen("preflight")
    rows = page.locator("#mc-preflight li")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert sum(t.t("preflight.reason.old_host") in text for text in texts) == 2
    assert t.t("preflight.reason.no_eml") in texts[-1]
    assert pane.page_errors == [] and pane.csp_violations() == [] and flow.dialogs == []


def test_a_mail_over_the_crms_limit_is_refused_before_anything_is_sent(pane: PaneDriver,
                                                                        tmp_path: Path) -> None:
    small = start_crm(tmp_path, "--max-message-bytes", "2000")
    try:
        t = Translator("it-IT")
        flow = Flow(pane)
        page = flow.page
        flow.open(json=flow_mail(f"<big-{uuid.uuid4().hex}@example.it>"), displayLanguage="it-IT")
        flow.sign_in(small.url.removeprefix("http://"), "anna", "anna123")
        page.locator("#mc-suggestions .record").first.click()
        flow.screen("preflight")
        total = len(PDF) + len(NOTE) + len(flow_mail("")["bodyHtml"]) + len(flow_mail("")["bodyText"])
        assert flow.text(".screen [role='alert']") == t.t("preflight.too_large", total=t.size(total),
                                                          limit=t.size(2000))
        assert page.locator("[data-action='link']").is_disabled()
        uploads = httpx.get(f"{small.url}/_test/uploads").json()
        assert uploads == []
    finally:
        small.process.stop()
