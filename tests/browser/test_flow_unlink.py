"""Undoing a link in Chromium against the local CRM (B.11): from the receipt, the linker removes the
only link and the CRM deletes the stored mail with its documents and the bytes only it used (checked
in SQLite and in the file store), then links the mail elsewhere; from the "already in the CRM" banner,
removing one of two links keeps the mail for the other record, and another (non-admin) user is
refused in their own language."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from typing import Any

import httpx
import pytest

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver, audit
from tests.conftest import RunningCrm
from tests.crm.support import attachment, login

pytestmark = pytest.mark.browser

JOHN = ("John Smith", "john.smith@example.com")


def unlink_mail(message_id: str, pdf: bytes, note: bytes) -> dict[str, Any]:
    return {
        "subject": "Quarterly offer (undo)",
        "from": {"name": JOHN[0], "address": JOHN[1]},
        "to": [{"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}],
        "date": "2026-03-02T10:15:00+01:00",
        "internetMessageId": message_id,
        "bodyText": "Hello Anna,\r\nthe offer is attached.\r\n",
        "bodyHtml": "<p>Hello Anna,</p><p>the offer is attached.</p>",
        "attachments": [
            {"name": "offer.pdf", "contentType": "application/pdf", "base64": base64.b64encode(pdf).decode()},
            {"name": "note.txt", "contentType": "text/plain", "base64": base64.b64encode(note).decode()},
        ],
    }


def inspect(crm: RunningCrm, what: str, message_id: str | None = None) -> Any:
    params = {"messageid": message_id} if message_id else {}
    return httpx.get(f"{crm.url}/_test/{what}", params=params, timeout=10).json()


def singular(crm: RunningCrm, user: str, module: str) -> str:
    """The CRM's own name for one record of a module, in that user's CRM language (the pane shows it)."""
    modules = login(crm, user).data("mcmodules")
    return str(next(m["singular"] or m["label"] for m in modules if m["name"] == module))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_linker_undoes_the_only_link_the_mail_and_its_files_go_then_it_is_linked_elsewhere(
        pane: PaneDriver, crm: RunningCrm, axe_source: str) -> None:
    t = Translator("en-US")
    flow = Flow(pane)
    page = flow.page
    message_id = f"<undo-{uuid.uuid4().hex}@example.com>"
    pdf, note = b"%PDF-1.4\n" + os.urandom(4000) + b"\n%%EOF\n", os.urandom(700).hex().encode()
    flow.open(json=unlink_mail(message_id, pdf, note), displayLanguage="en-US")
    flow.screen("connect")
    flow.sign_in(crm.url.removeprefix("http://"), "anna", "anna123")
    page.locator("#mc-suggestions .record", has_text="John Smith").first.click()
    flow.screen("preflight")
    page.click("[data-action='link']")
    flow.screen("receipt")
    stored = inspect(crm, "documents", message_id)
    assert len(stored) == 3 and {sha(pdf), sha(note)} <= set(inspect(crm, "store"))

    # --- undo: one confirmation that says what will go ------------------------------------------------
    page.click("#mc-undo")
    flow.screen("unlink")
    consequence = page.locator("#mc-unlink-consequence")
    consequence.filter(has_text=t.t("unlink.deletes")).wait_for()
    contact = singular(crm, "anna", "Contacts")
    assert flow.text("#app h1") == t.t("unlink.title", module=contact, record="John Smith")
    assert inspect(crm, "messages", message_id) != []  # nothing removed before the confirmation
    flow.shots("unlink-confirm", t.language)
    violations = audit(flow, axe_source, "unlink-confirm")
    page.click("[data-action='unlink-confirm']")
    page.wait_for_selector("[data-unlink='done'][data-deleted='true']")
    assert t.t("unlink.done_deleted", module=contact, record="John Smith") in flow.text(".screen")
    assert t.plural("unlink.deleted_files", 2) in flow.text(".screen")
    flow.shots("unlink-done", t.language)
    violations += audit(flow, axe_source, "unlink-done")
    assert violations == []  # axe-core: no serious or critical violation

    # the CRM holds nothing of it any more: message, documents (.eml too), the bytes only it used
    assert inspect(crm, "messages", message_id) == [] and inspect(crm, "links", message_id) == []
    ids = {d["crmid"] for d in stored}
    assert [d for d in inspect(crm, "documents") if d["crmid"] in ids] == []
    assert not {sha(pdf), sha(note)} & set(inspect(crm, "store"))

    # --- then link it to another record ----------------------------------------------------------------
    page.click("[data-action='unlink-elsewhere']")
    flow.screen("record")
    page.locator(".links-slot").filter(has_text=t.t("linked.title")).wait_for(state="detached")
    page.select_option("#mc-module", "Contacts")
    page.fill("#mc-query", "Mario Rossi")
    page.locator("#mc-results .record", has_text="Mario Rossi").first.click()
    flow.screen("preflight")
    page.click("[data-action='link']")
    flow.screen("receipt")
    assert t.t("receipt.linked", module=contact, record="Mario Rossi") == flow.text(".receipt-title")
    links = inspect(crm, "links", message_id)
    assert [(link["label"], link["linked_by"]) for link in links] == [("Mario Rossi", "anna")]
    assert {sha(pdf), sha(note)} <= set(inspect(crm, "store"))
    assert pane.page_errors == [] and pane.csp_violations() == [] and flow.dialogs == []


def test_from_the_banner_one_link_goes_the_mail_stays_and_another_user_is_refused_in_their_language(
        pane: PaneDriver, crm: RunningCrm) -> None:
    t = Translator("it-IT")
    flow = Flow(pane)
    page = flow.page
    message_id = f"<undo-{uuid.uuid4().hex}@example.com>"
    pdf, note = b"%PDF-1.4\n" + os.urandom(3000) + b"\n%%EOF\n", os.urandom(300).hex().encode()
    anna = login(crm, "anna")
    upload = anna.upload(pdf, "offer.pdf", "application/pdf")
    wire = {"subject": "Quarterly offer (undo)", "body_html": "<p>Hello</p>", "body_text": "Hello",
            "from": {"name": JOHN[0], "address": JOHN[1]}, "to": [], "cc": [],
            "date": "2026-03-02T10:15:00+01:00", "messageid": message_id}
    for target in ("4x4", "3x1"):  # both visible to marco too
        anna.data("mclink", target=target, message=wire,
                  attachments=[attachment(upload, pdf, "offer.pdf")] if target == "4x4" else [])
    company = next(link["label"] for link in inspect(crm, "links", message_id) if link["crmid"] == 1)

    flow.open(json=unlink_mail(message_id, pdf, note), displayLanguage="it-IT")
    flow.screen("connect")
    flow.sign_in(crm.url.removeprefix("http://"), "anna", "anna123")
    banner = page.locator(".links-slot .linked")
    banner.wait_for()
    assert page.locator(".links-slot [data-action='unlink-link']").count() == 2
    page.click(".links-slot [data-action='unlink-link'][data-id='3x1']")
    flow.screen("unlink")
    page.locator("#mc-unlink-consequence").filter(has_text=t.plural("unlink.keeps", 1)).wait_for()
    page.click("[data-action='unlink-confirm']")
    page.wait_for_selector("[data-unlink='done'][data-deleted='false']")
    assert t.t("unlink.done_relation", module=singular(crm, "anna", "Accounts"), record=company) in flow.text(".screen")
    flow.shots("unlink-kept", t.language)
    # the mail, its document and its bytes stay for the contact; the company no longer has them
    assert len(inspect(crm, "messages", message_id)) == 1
    assert [link["crmid"] for link in inspect(crm, "links", message_id)] == [4]
    (document,) = [d for d in inspect(crm, "documents", message_id) if d["kind"] == "attachment"]
    assert document["stored"] and 1 not in document["related"] and 4 in document["related"]
    assert sha(pdf) in inspect(crm, "store")
    page.click("[data-action='unlink-elsewhere']")
    flow.screen("record")
    page.wait_for_function("() => document.querySelectorAll('.links-slot .linked-item').length === 1")

    # --- another user, not an administrator: refused, in their language; nothing changes ----------------
    page.click("#mc-logout")
    flow.screen("connect")
    flow.sign_in(crm.url.removeprefix("http://"), "marco", "marco123")
    page.locator(".links-slot .linked-item").first.wait_for()
    page.click(".links-slot [data-action='unlink-link'][data-id='4x4']")
    flow.screen("unlink")
    page.click("[data-action='unlink-confirm']")
    alert = page.locator(".screen [role='alert']")
    alert.wait_for()
    assert t.t("unlink.denied", user="Anna Rossi") in alert.inner_text()
    assert page.locator("[data-action='unlink-confirm']").is_disabled()
    flow.shots("unlink-refused", t.language)
    assert [link["crmid"] for link in inspect(crm, "links", message_id)] == [4]
    page.click("[data-action='unlink-cancel']")
    flow.screen("record")
    # the browser logs the 403 answer itself; nothing else may show up
    assert [e for e in pane.console_errors if "status of 403" not in e] == []
    assert pane.page_errors == [] and pane.csp_violations() == [] and flow.dialogs == []
