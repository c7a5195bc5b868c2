"""Keyboard only, and checked by axe-core: the whole path from the address to the receipt without a
mouse, with no serious or critical accessibility violation on any screen on the way (light and dark).

axe-core comes from npm (pinned, integrity-checked) into .vendor/test-tools (fixture `axe_source`).
"""

from __future__ import annotations

import uuid

import pytest

from tests.browser.pane import Flow, PaneDriver, audit
from tests.browser.test_flow_main import flow_mail
from tests.conftest import RunningCrm

pytestmark = pytest.mark.browser


def test_keyboard_only_from_address_to_receipt_without_serious_accessibility_violations(
    pane: PaneDriver, crm: RunningCrm, axe_source: str
) -> None:
    flow = Flow(pane)
    page = flow.page
    keyboard = page.keyboard
    flow.open(json=flow_mail(f"<a11y-{uuid.uuid4().hex}@example.it>"))
    flow.screen("connect")
    violations = audit(flow, axe_source, "connect")

    # the caret starts in the address field; Tab moves to the username; Enter submits
    assert page.evaluate("document.activeElement.id") == "mc-url"
    keyboard.type(crm.url.removeprefix("http://"))
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "mc-username"
    keyboard.type("anna")
    keyboard.press("Enter")
    flow.screen("password")
    page.wait_for_function("document.activeElement.id === 'mc-password'")
    violations += audit(flow, axe_source, "password")
    keyboard.type("anna123")
    keyboard.press("Enter")

    # record screen: the caret is in the search field; arrows reach the results, Enter picks one
    flow.screen("record")
    page.wait_for_selector("#mc-suggestions .record")
    page.wait_for_function("document.activeElement.id === 'mc-query'")
    keyboard.type("paolo neri")
    page.wait_for_selector("#mc-search-status[data-status='results']")
    violations += audit(flow, axe_source, "record")
    page.focus("#mc-query")
    keyboard.press("ArrowDown")
    first = page.locator("#mc-results .record").first.inner_text()
    assert "neri" in first.lower() and page.evaluate("document.activeElement.innerText") == first
    keyboard.press("Enter")

    # preflight: the Link button has the focus
    flow.screen("preflight")
    page.wait_for_function("document.activeElement.dataset.action === 'link'")
    violations += audit(flow, axe_source, "preflight")
    keyboard.press("Enter")
    flow.screen("receipt")
    violations += audit(flow, axe_source, "receipt")
    # the receipt's first action opens the record; Tab reaches "link to another record"
    keyboard.press("Tab")
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.action") == "link-again"
    keyboard.press("Enter")
    flow.screen("record")

    assert violations == []
