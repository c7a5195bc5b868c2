"""Keyboard only, and checked by axe-core: the whole path from the address to the receipt without a
mouse, with no serious or critical accessibility violation on any screen on the way (light and dark).

axe-core comes from npm (pinned, integrity-checked) into .vendor/test-tools, like the runtime.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import tarfile
import uuid
from typing import Any

import pytest

from tests.browser.pane import Flow, PaneDriver
from tests.browser.test_flow_main import flow_mail
from tests.conftest import RunningCrm
from tests.support.processes import ROOT

pytestmark = pytest.mark.browser

AXE_VERSION = "4.14.1"
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
TOOLS = ROOT / ".vendor" / "test-tools"


@pytest.fixture(scope="session")
def axe_source() -> str:
    tarball = TOOLS / f"axe-core-{AXE_VERSION}.tgz"
    if not tarball.exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", f"axe-core@{AXE_VERSION}", "--silent"], cwd=TOOLS, check=True, timeout=300,
                       capture_output=True)
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    assert digest == AXE_INTEGRITY, "axe-core tarball does not match the pinned integrity"
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/axe.min.js")
        assert member is not None
        return member.read().decode()


def audit(flow: Flow, axe_source: str, where: str) -> list[dict[str, Any]]:
    """Serious and critical violations on the current screen, in both themes."""
    page = flow.page
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source)  # evaluated by the test driver: not subject to the pane's CSP
    found: list[dict[str, Any]] = []
    before = page.locator("html").get_attribute("data-theme") or "light"
    for theme in (before, "dark" if before == "light" else "light", before):
        page.evaluate("theme => OfficeSim.configure({theme})", theme)
        page.wait_for_function("t => document.documentElement.dataset.theme === t", arg=theme)
        result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        found += [
            {"where": f"{where}/{theme}", "id": v["id"], "impact": v["impact"],
             "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result if v["impact"] in ("serious", "critical")
        ]
    return found


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
