"""Choosing the record, in Chromium against the local CRM: exactly the user's modules, type-ahead
search with its distinct "none" and "too many" states, stale answers never shown; and hostile text
(mail subject, sender, attachment name, record names) shown literally, with no script running.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver
from tests.conftest import RunningCrm
from tests.support.faults import FaultsControl

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eml"
HOSTILE_SUBJECT = '<script>alert(1)</script> <img src=x onerror=alert(1)> &amp; "quotes"'
HOSTILE_NAME = "<img src=x onerror=alert(1)>"


def hostile_eml(message_id: str) -> str:
    """The hostile fixture under a Message-ID of this test's own (the CRM is shared by the run)."""
    text = (FIXTURES / "hostile-text.eml").read_text()
    return text.replace("<hostile-008@example.it>", message_id)


def test_modules_search_states_and_hostile_text(pane: PaneDriver, crm: RunningCrm) -> None:
    t = Translator("en-US")
    flow = Flow(pane)
    page = flow.page
    flow.open()
    flow.sign_in(crm.url.removeprefix("http://"), "anna", "anna123")

    # a pinned pane: the hostile mail is selected after the pane started
    message_id = f"<hostile-{uuid.uuid4().hex}@example.it>"
    page.evaluate("text => OfficeSim.loadEml(text)", hostile_eml(message_id))
    page.wait_for_function("s => document.querySelector('#mail-subject')?.textContent === s", arg=HOSTILE_SUBJECT)
    assert flow.text("#mail-from") == t.t("mail.from", sender=HOSTILE_NAME)
    assert page.locator("#app img, #app script, #app iframe").count() == 0

    # --- exactly this user's modules, in the CRM's order ------------------------------------------------------
    token = page.evaluate("JSON.parse(localStorage.getItem("
                          "Object.keys(localStorage).find(k => k.startsWith('mailconnector.session|')))).token")
    modules = httpx.post(crm.endpoint("mcmodules"), auth=("anna", token)).json()["data"]
    options = page.locator("#mc-module option")
    expect(options).to_have_count(len(modules), timeout=20_000)  # the switched-to mail's record screen, drawn
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == [m["name"] for m in modules]
    page.select_option("#mc-module", "Contacts")
    contacts = next(m for m in modules if m["name"] == "Contacts")
    assert flow.text("label[for='mc-query']") == t.t("search.label", module=contacts["label"])

    status = page.locator("#mc-search-status")

    def search(text: str, state: str) -> None:
        page.fill("#mc-query", text)
        page.wait_for_function(
            "([text, state]) => document.querySelector('#mc-query').value === text && "
            "document.querySelector('#mc-search-status').dataset.status === state",
            arg=[text, state], timeout=20_000,
        )

    # --- type-ahead: results show what tells records apart ----------------------------------------------------
    search("paolo neri", "results")
    row = page.locator("#mc-results .record").first
    assert "Paolo Neri" in row.inner_text()
    assert "paolo.neri@example.net" in row.inner_text() and "CON4" in row.inner_text()
    # the hits show after one round trip; the owner's name follows on the same row
    expect(row).to_contain_text(t.t("record.owner", owner="Anna Rossi"), timeout=20_000)

    search("zzqx-nobody", "none")
    assert status.inner_text() == t.t("search.none", text="zzqx-nobody")
    assert page.locator("#mc-results").count() == 0

    search("a", "too_many")
    shown = page.locator("#mc-results .record").count()
    assert 0 < shown < 100
    pattern = re.escape(t.t("search.too_many", total="TOTAL", shown=t.number(shown))).replace("TOTAL", "([0-9,]+)")
    match = re.fullmatch(pattern, status.inner_text())
    assert match is not None and int(match.group(1).replace(",", "")) > shown
    flow.shots("record-search", t.language)

    # --- a slow answer to an older query never replaces the newer one -------------------------------------------
    # The CRM holds the first query of "rossi" (provably in flight), "neri" is searched and shown, then
    # the held answer is let go: it must not replace "neri" (the pane aborts the stale request).
    faults = FaultsControl(crm.url)
    requests: dict[str, list[str]] = {"finished": [], "failed": []}
    page.on("requestfinished", lambda r: requests["finished"].append(r.post_data or "") if "/query" in r.url else None)
    page.on("requestfailed", lambda r: requests["failed"].append(r.post_data or "") if "/query" in r.url else None)
    faults.arm("query", "hold")
    try:
        page.fill("#mc-query", "rossi")
        page.wait_for_function("document.querySelector('#mc-search-status').dataset.status === 'searching'")
        faults.wait_holding("query")
        search("neri", "results")
        labels = page.locator("#mc-results .record-title").all_inner_texts()
        assert labels and all("neri" in label.lower() for label in labels)
        assert faults.release("query") == 1
        (hit,) = faults.wait_finished("query", "hold")
        assert hit["hold"] == "released"  # the CRM answered the stale query
        # what the browser did with that answer: the pane had aborted the stale request (recorded, not guessed)
        page.wait_for_function("() => true")  # let Playwright deliver pending request events
        assert [data for data in requests["failed"] if "rossi" in data.lower()], requests
        assert page.input_value("#mc-query") == "neri"
        assert page.locator("#mc-results .record-title").all_inner_texts() == labels
    finally:
        faults.clear()

    # --- hostile record names are text -----------------------------------------------------------------------------
    search("xss", "results")
    assert "Xss <script>alert(1)</script>" in page.locator("#mc-results").inner_text()
    search("xss.img", "results")
    assert f"Img {HOSTILE_NAME}" in page.locator("#mc-results").inner_text()
    page.locator("#mc-results .record").first.click()
    flow.screen("preflight")
    assert flow.text(".target-title") == f"Img {HOSTILE_NAME}"
    assert f"{HOSTILE_NAME}.html" in flow.text("#mc-preflight")
    flow.shots("preflight-hostile", t.language)
    page.click("[data-action='link']")
    flow.screen("receipt")
    expected = t.t("receipt.linked", module=contacts["singular"], record=f"Img {HOSTILE_NAME}")
    assert flow.text(".receipt-title") == expected
    assert f"{HOSTILE_NAME}.html" in flow.text("#mc-receipt")
    assert HOSTILE_SUBJECT in flow.text("#mc-receipt")
    stored = httpx.get(f"{crm.url}/_test/messages", params={"messageid": message_id}).json()
    assert [m["subject"] for m in stored] == [HOSTILE_SUBJECT]

    # nothing was interpreted: no element from mail or CRM text, no script ran, no policy violated
    assert page.locator("#app img, #app script, #app iframe").count() == 0
    assert flow.dialogs == []
    assert pane.page_errors == [] and pane.csp_violations() == []
