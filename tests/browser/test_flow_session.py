"""Work that outlives its moment: the session revoked mid-flow (sign in again, the link then completes
without choosing again), and a pinned pane switching mail while a link is in flight (the old mail is
stored whole, for the old mail, and the pane says so on the new one, which stays usable meanwhile).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver, audit
from tests.browser.test_flow_main import flow_mail
from tests.conftest import RunningCrm

pytestmark = pytest.mark.browser
JOHN = ("John Smith", "john.smith@example.com")  # a Contact marco may see (marco: not anna's Mario Rossi)


def stored(crm: RunningCrm, what: str, message_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = httpx.get(f"{crm.url}/_test/{what}", params={"messageid": message_id}).json()
    return rows


def test_session_revoked_mid_link_then_pinned_switch_during_a_link(pane: PaneDriver, crm: RunningCrm,
                                                                   axe_source: str) -> None:
    t = Translator("it-IT")
    flow = Flow(pane)
    page = flow.page
    first = f"<session-a-{uuid.uuid4().hex}@example.it>"
    flow.open(json=flow_mail(first, "Prima mail", JOHN), displayLanguage="it-IT")
    flow.sign_in(crm.url.removeprefix("http://"), "marco", "marco123")
    page.select_option("#mc-module", "Accounts")

    # --- a company marco may see but not write to (Accounts are public read-only): the CRM refuses ------------
    page.fill("#mc-query", "Rossi Costruzioni")
    page.locator("#mc-results .record").first.click()
    flow.screen("preflight")
    page.click("[data-action='link']")
    alert = page.locator(".screen [role='alert']")
    alert.wait_for(timeout=20_000)
    assert alert.inner_text().startswith(t.t("error.ACCESS_DENIED"))
    assert "You may not link mails to this record" in alert.inner_text()  # the CRM's own words, as text
    assert stored(crm, "messages", first) == []
    flow.shots("error-access-denied", t.language)
    page.click("[data-action='back-to-record']")
    flow.screen("record")
    assert page.input_value("#mc-module") == "Accounts"

    page.locator("#mc-suggestions .record").first.click()
    flow.screen("preflight")

    # --- the administrator revokes every device of this user; the user clicks Link ---------------------------
    crm.admin("tokens", "revoke", "--user", "marco", "--all")
    page.click("[data-action='link']")
    page.wait_for_selector("form[data-form='reauth']")
    assert flow.text("#mc-reauth-title") == t.t("reauth.title")
    assert t.t("reauth.intro", username="marco") in flow.text("form[data-form='reauth']")
    assert page.locator(".screen").is_hidden()
    assert page.evaluate("document.activeElement.id") == "mc-reauth-password"
    flow.shots("reauth", t.language)
    assert audit(flow, axe_source, "reauth") == []
    page.fill("#mc-reauth-password", "wrong")
    page.click("form[data-form='reauth'] button[type='submit']")
    page.wait_for_selector("form[data-form='reauth'] [role='alert']")
    assert flow.text("form[data-form='reauth'] [role='alert']") == t.t("error.INVALID_CREDENTIALS")
    page.fill("#mc-reauth-password", "marco123")
    page.click("form[data-form='reauth'] button[type='submit']")
    flow.screen("receipt")  # the pending link went on by itself: no record chosen again
    assert page.locator("form[data-form='reauth']").count() == 0
    assert len(stored(crm, "messages", first)) == 1
    (link,) = stored(crm, "links", first)
    assert (link["label"], link["linked_by"]) == ("John Smith", "marco")

    # --- pinned pane: select another mail; the module choice stays -------------------------------------------
    second = f"<session-b-{uuid.uuid4().hex}@example.it>"
    third = f"<session-c-{uuid.uuid4().hex}@example.it>"
    page.evaluate("d => OfficeSim.loadJson(d)", flow_mail(second, "Seconda mail", JOHN))
    flow.screen("record")
    page.wait_for_function("document.querySelector('#mail-subject').textContent === 'Seconda mail'")
    assert page.input_value("#mc-module") == "Accounts"
    page.locator("#mc-suggestions .record").first.click()
    flow.screen("preflight")

    # the CRM is slow to store the second mail; meanwhile the user selects a third one
    httpx.post(f"{crm.url}/_test/faults", json={"operation": "mclink", "fault": "delay", "seconds": 4, "times": 1})
    try:
        page.click("[data-action='link']")
        flow.screen("linking")
        page.wait_for_selector("[data-phase='saving']", timeout=20_000)
        flow.shots("linking", t.language)
        page.evaluate("d => OfficeSim.loadJson(d)", flow_mail(third, "Terza mail", JOHN))
        page.wait_for_function("document.querySelector('#mail-subject').textContent === 'Terza mail'")
        flow.screen("record")
        assert page.input_value("#mc-module") == "Accounts"
        # the pane stays usable while the old link is in flight
        page.fill("#mc-query", "s")
        page.wait_for_selector("#mc-search-status:is([data-status='results'], [data-status='too_many'])")
        assert stored(crm, "messages", second) == []  # still in flight
        notice = page.locator("#mc-notices [role='status']")
        notice.wait_for(timeout=20_000)
    finally:
        httpx.delete(f"{crm.url}/_test/faults")
    assert notice.inner_text().startswith(
        t.t("notice.linked", subject="Seconda mail", module=_singular(crm, "marco", "Contacts"), record="John Smith")
    )
    flow.shots("notice", t.language)
    (message,) = stored(crm, "messages", second)
    assert message["subject"] == "Seconda mail"
    assert sorted(d["filename"] for d in stored(crm, "documents", second) if d["kind"] == "attachment") == [
        "note.txt", "offerta.pdf"]
    assert stored(crm, "messages", third) == []
    assert flow.text("#mail-subject") == "Terza mail"  # the new mail's screen was not replaced
    page.locator("#mc-notices [data-action='dismiss-notice']").click()
    assert page.locator("#mc-notices [role='status']").count() == 0

    assert pane.page_errors == [] and pane.csp_violations() == [] and flow.dialogs == []


def _singular(crm: RunningCrm, username: str, module: str) -> str:
    token = httpx.post(crm.endpoint("mclogin"), data={"username": username, "password": f"{username}123",
                                                      "device": "test"}).json()["data"]["token"]
    modules = httpx.post(crm.endpoint("mcmodules"), auth=(username, token)).json()["data"]
    httpx.post(crm.endpoint("mclogout"), auth=(username, token))
    return str(next(m["singular"] or m["label"] for m in modules if m["name"] == module))
