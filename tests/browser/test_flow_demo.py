"""The demo "mini Outlook" (/dev/outlook.html): sample mails on the left, the reading pane, our task
pane in a frame driven by the simulated host. Selecting a mail switches the pane like a pinned pane;
a dropped .eml opens and can be linked, all the way to the CRM.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from tests.browser.pane import ARTIFACTS, BOOT_TIMEOUT_MS, SCREEN_TIMEOUT_MS
from tests.conftest import RunningCrm, RunningSite

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eml"


@pytest.fixture
def demo_page(pane_page: Page) -> Page:
    pane_page.set_viewport_size({"width": 1280, "height": 800})
    return pane_page


def test_mini_outlook_switches_mail_and_links_a_dropped_eml(demo_page: Page, site: RunningSite,
                                                            crm: RunningCrm) -> None:
    page = demo_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site.url}/dev/outlook.html?lang=en-US&crm={crm.url}")
    page.wait_for_selector("body[data-ready='true']", timeout=BOOT_TIMEOUT_MS)
    pane = page.frame_locator("#ol-pane")
    pane.locator("#app[data-state='ready']").wait_for(timeout=BOOT_TIMEOUT_MS)

    # the list holds the sample mails; the first is selected in the list, the reading pane and the pane
    assert page.locator(".ol-message").count() >= 9
    first_subject = page.locator(".ol-message[aria-current='true'] .ol-subject").inner_text()
    assert page.locator("#ol-reading h2").inner_text() == first_subject
    assert pane.locator("#mail-subject").inner_text() == first_subject

    # the demo command's CRM is already filled in: a newcomer types a demo login only
    assert pane.locator("#mc-url").input_value() == crm.url
    assert pane.locator("#mc-username").evaluate("e => e === document.activeElement")
    pane.locator("#mc-username").fill("anna")
    pane.locator("form[data-form='connect'] button[type='submit']").click()
    pane.locator("#mc-password").fill("anna123")
    pane.locator("form[data-form='password'] button[type='submit']").click()
    pane.locator("#app[data-screen='record']").wait_for(timeout=SCREEN_TIMEOUT_MS)

    # selecting another mail: the pane follows (a pinned pane's ItemChanged)
    page.locator("[data-mail='several-attachments.eml']").click()
    expect_subject = "Offerta 2024-117 con allegati"
    page.wait_for_function(
        "s => document.querySelector('#ol-pane').contentDocument.querySelector('#mail-subject')?.textContent === s",
        arg=expect_subject, timeout=SCREEN_TIMEOUT_MS,
    )
    assert page.locator("#ol-reading h2").inner_text() == expect_subject
    assert "Laura Bianchi" in pane.locator("#mc-suggestions").inner_text(timeout=SCREEN_TIMEOUT_MS)

    # dropping an .eml on the page opens it
    message_id = f"<demo-{uuid.uuid4().hex}@example.com>"
    eml = (FIXTURES / "plain-text.eml").read_text().replace("Subject: ", "Subject: Dropped: ", 1)
    eml = _with_message_id(eml, message_id)
    transfer = page.evaluate_handle(
        "text => { const dt = new DataTransfer();"
        " dt.items.add(new File([text], 'dropped.eml', {type: 'message/rfc822'})); return dt; }",
        eml,
    )
    page.dispatch_event("body", "dragenter", {"dataTransfer": transfer})
    assert page.locator("#ol-drop").is_visible()
    page.dispatch_event("body", "drop", {"dataTransfer": transfer})
    page.wait_for_selector("[data-mail='dropped.eml'][aria-current='true']")
    assert page.locator("#ol-drop").is_hidden()
    dropped_subject = page.locator("#ol-reading h2").inner_text()
    assert dropped_subject.startswith("Dropped: ")
    page.wait_for_function(
        "s => document.querySelector('#ol-pane').contentDocument.querySelector('#mail-subject')?.textContent === s",
        arg=dropped_subject, timeout=SCREEN_TIMEOUT_MS,
    )

    # and it goes all the way to the CRM
    pane.locator("#mc-suggestions .record").first.click()
    pane.locator("[data-action='link']").click()
    pane.locator("#app[data-screen='receipt']").wait_for(timeout=SCREEN_TIMEOUT_MS)
    stored = httpx.get(f"{crm.url}/_test/messages", params={"messageid": message_id}).json()
    assert [m["subject"] for m in stored] == [dropped_subject]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-mini-outlook-en.png"))

    # the theme follows live, in the page and in the pane
    page.select_option("#ol-theme", "dark")
    page.wait_for_function(
        "document.querySelector('#ol-pane').contentDocument.documentElement.dataset.theme === 'dark'"
    )
    assert page.locator("html").get_attribute("data-theme") == "dark"
    page.screenshot(path=str(ARTIFACTS / "demo-mini-outlook-en-dark.png"))
    assert errors == []


def _with_message_id(eml: str, message_id: str) -> str:
    """The same mail under a Message-ID of this test's own (the CRM is shared by the run)."""
    return re.sub(r"(?im)^Message-ID:[^\r\n]*", f"Message-ID: {message_id}", eml, count=1)
