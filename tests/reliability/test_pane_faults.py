"""Faults as the user meets them in the pane (Chromium, simulated Outlook, real CRM process):

- the CRM process is killed mid-upload: the pane says it cannot reach the CRM and offers Link again;
  once the CRM is back, Link completes the same mail, stored once with every file byte-equal;
- the pane is closed mid-upload and opened again on the same mail: nothing half-stored is visible,
  the pane is still signed in, and linking again completes (the uploads are sent again);
- text from the CRM (installation name, record labels, user names, error messages) that contains
  markup is shown as text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Route

from mailconnector.ui.i18n import Translator
from server.crm.app import CORS_HEADERS
from tests.browser.pane import Flow, PaneDriver
from tests.conftest import RunningSite
from tests.reliability.support import RestartableCrm, arm, clear_faults, inspect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLOW_CHUNKS = 0.15  # seconds the CRM waits on each 64 KiB chunk: the upload lasts a few seconds


def mail_with(files: dict[str, bytes], message_id: str, subject: str = "Contratto firmato") -> dict[str, Any]:
    return {
        "subject": subject, "from": {"name": "Mario Rossi", "address": "mario.rossi@example.it"},
        "to": [{"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}],
        "date": "2024-11-12T10:15:00+01:00", "internetMessageId": message_id,
        "bodyText": "In allegato il contratto.", "bodyHtml": "<p>In allegato il contratto.</p>",
        "attachments": [{"name": name, "contentType": "application/octet-stream",
                         "base64": base64.b64encode(data).decode()} for name, data in files.items()],
    }


def assert_stored_once_in_full(crm: RestartableCrm, message_id: str, files: dict[str, bytes]) -> None:
    assert len(inspect(crm, "messages", messageid=message_id)) == 1
    assert len(inspect(crm, "links", messageid=message_id)) == 1
    documents = inspect(crm, "documents", messageid=message_id)
    attachments = {(d["filename"], d["file_sha256"]) for d in documents if d["kind"] == "attachment"}
    assert attachments == {(n, hashlib.sha256(d).hexdigest()) for n, d in files.items()}
    assert [d["kind"] for d in documents].count("eml") == 1 and all(d["stored"] for d in documents)


def choose_mario_and_open_preflight(flow: Flow) -> None:
    flow.page.locator("#mc-suggestions .record").first.click()
    flow.screen("preflight")


def wait_until_uploading(flow: Flow, name: str) -> None:
    flow.page.wait_for_function(
        """name => [...document.querySelectorAll('#mc-progress li[data-status="uploading"]')]
                    .some(li => li.querySelector('.copy-name').textContent === name
                                && Number(li.querySelector('progress').value) > 0)""",
        arg=name, timeout=30_000,
    )


def test_crm_killed_mid_upload_then_back_link_again_completes_the_same_mail(pane: PaneDriver,
                                                                            own_crm: RestartableCrm) -> None:
    crm = own_crm
    t = Translator("en-US")
    tag = uuid.uuid4().hex[:8]
    files = {f"nota-{tag}.txt": b"prima parte\n", f"contratto-{tag}.pdf": os.urandom(1_500_000)}
    big = f"contratto-{tag}.pdf"
    message_id = f"<pane-kill-{tag}@example.it>"
    flow = Flow(pane)
    flow.open(json=mail_with(files, message_id))
    flow.sign_in(crm.url.removeprefix("http://"), "anna", "anna123")
    choose_mario_and_open_preflight(flow)

    arm(crm, "mcupload", "delay", seconds=SLOW_CHUNKS, times=0)
    flow.page.click("[data-action='link']")
    wait_until_uploading(flow, big)
    crm.kill()

    # a clear state: the mail's preflight again, what went wrong, and Link to try again
    flow.screen("preflight", timeout=60_000)
    alert = flow.page.locator(".screen [role='alert']")
    assert alert.inner_text().startswith(t.t("error.CORS_OR_NETWORK"))
    assert flow.page.locator("[data-action='link']").is_enabled()
    flow.shot("reliability-crm-down")

    crm.start()  # the administrator brings the CRM back (faults armed before are forgotten)
    assert inspect(crm, "messages", messageid=message_id) == []  # nothing half-stored meanwhile
    flow.page.click("[data-action='link']")
    flow.screen("receipt", timeout=60_000)
    assert flow.text(".verified") == t.t("receipt.verified")
    assert_stored_once_in_full(crm, message_id, files)
    # the file finished before the crash was not sent again; the interrupted one was sent again
    left = {u["filename"]: u for u in inspect(crm, "uploads", user="anna") if tag in u["filename"]}
    assert list(left) == [big] and not left[big]["complete"]
    assert pane.page_errors == [] and pane.csp_violations() == [] and flow.dialogs == []


def test_pane_closed_mid_upload_and_opened_again_on_the_same_mail_links_it_once(
    pane: PaneDriver, own_crm: RestartableCrm, shared_context: BrowserContext, site: RunningSite
) -> None:
    crm = own_crm
    t = Translator("en-US")
    tag = uuid.uuid4().hex[:8]
    big = f"progetto-{tag}.zip"
    files = {f"indice-{tag}.txt": b"indice\n", big: os.urandom(1_200_000)}
    message_id = f"<pane-closed-{tag}@example.it>"
    description = mail_with(files, message_id, subject="Progetto esecutivo")
    flow = Flow(pane)
    flow.open(json=description)
    flow.sign_in(crm.url.removeprefix("http://"), "anna", "anna123")
    choose_mario_and_open_preflight(flow)
    arm(crm, "mcupload", "delay", seconds=SLOW_CHUNKS, times=0)
    flow.page.click("[data-action='link']")
    wait_until_uploading(flow, big)
    flow.page.close()  # the user closes the pane (or Outlook) in the middle of the upload
    clear_faults(crm)

    assert inspect(crm, "messages", messageid=message_id) == []
    assert inspect(crm, "documents", messageid=message_id) == []
    abandoned = {u["id"] for u in inspect(crm, "uploads", user="anna") if tag in u["filename"]}
    assert abandoned  # parts reached the CRM, and stay invisible

    again = PaneDriver(shared_context.new_page(), site.url)
    try:
        reopened = Flow(again)
        reopened.open(json=description)
        reopened.screen("record")  # still signed in: the device token was kept in this browser
        assert reopened.page.locator(".links-slot .linked").count() == 0  # "not linked yet", for anyone
        choose_mario_and_open_preflight(reopened)
        reopened.page.click("[data-action='link']")
        reopened.screen("receipt", timeout=60_000)
        assert reopened.text(".verified") == t.t("receipt.verified")
        assert again.page_errors == [] and again.csp_violations() == [] and reopened.dialogs == []
    finally:
        again.page.close()
    assert_stored_once_in_full(crm, message_id, files)
    left = {u["id"] for u in inspect(crm, "uploads", user="anna") if tag in u["filename"]}
    assert left == abandoned  # restarted, not reused: the abandoned parts wait for the CRM's 24 h sweep


MARKUP = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=1</script>'


def test_crm_text_with_markup_is_shown_as_text(pane: PaneDriver, own_crm: RestartableCrm) -> None:
    """A CRM (or something in front of it) answering markup in names and error messages: the pane
    shows the characters, creates no element from them, and runs nothing."""
    crm = own_crm
    t = Translator("en-US")
    page = pane.page
    endpoint = f"{crm.url}/restapi/v1/vtews/"

    def rewrite(operation: str, change: Any) -> None:
        def handler(route: Route) -> None:
            if route.request.method != "POST":
                route.continue_()
                return
            answer = route.fetch()
            body = json.loads(answer.body())
            route.fulfill(response=answer, body=json.dumps(change(body)))

        page.route(endpoint + operation, handler)

    def installation(body: dict[str, Any]) -> dict[str, Any]:
        body["data"]["licence"]["installation"] = f"ACME {MARKUP}"
        return body

    def hostile_suggestions(body: dict[str, Any]) -> dict[str, Any]:
        for item in body["data"]:
            item["label"] = f"Mario {MARKUP}"
            item["owner"] = f"Anna {MARKUP}"
        return body

    def already_linked_by(body: dict[str, Any]) -> dict[str, Any]:
        body["data"]["links"] = [{"module": "Contacts", "id": "4x3", "label": f"Mario {MARKUP}",
                                  "message": "40x999", "linked_by": f"Eve {MARKUP}",
                                  "linked_at": "2024-11-12 10:20:00"}]
        return body

    def refused(route: Route) -> None:  # answered here: the link never reaches the CRM
        if route.request.method != "POST":
            route.continue_()
            return
        route.fulfill(status=403, headers=CORS_HEADERS, content_type="application/json", body=json.dumps(
            {"status": 403, "error": "MailConnectorException", "code": "ACCESS_DENIED",
             "message": f"Denied {MARKUP}"}))

    rewrite("mcstatus", installation)
    rewrite("mcsuggest", hostile_suggestions)
    rewrite("mclookup", already_linked_by)
    page.route(endpoint + "mclink", refused)
    flow = Flow(pane)
    message_id = f"<pane-markup-{uuid.uuid4().hex}@example.it>"
    flow.open(json=mail_with({"a.txt": b"a"}, message_id))
    flow.connect(crm.url.removeprefix("http://"), "anna")
    flow.screen("password")
    assert f"ACME {MARKUP}" in (page.locator(".crm-name").text_content() or "")
    flow.password("anna123")
    flow.screen("record")

    suggestion = page.locator("#mc-suggestions .record").first
    suggestion.wait_for()
    assert f"Mario {MARKUP}" in (suggestion.text_content() or "")
    banner = page.locator(".links-slot .linked")
    banner.wait_for()
    assert f"Eve {MARKUP}" in (banner.text_content() or "")
    suggestion.click()
    flow.screen("preflight")
    page.click("[data-action='link']")
    page.wait_for_selector(".screen [role='alert'] .banner-detail")
    assert page.locator(".screen [role='alert'] .banner-detail").text_content() == t.t(
        "common.details", detail=f"Denied {MARKUP}")
    flow.shot("reliability-markup")

    assert page.locator("#app img, #app script, #app b").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    assert pane.page_errors == [] and pane.csp_violations() == [] and flow.dialogs == []
    assert inspect(crm, "messages", messageid=message_id) == []
