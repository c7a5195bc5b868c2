"""Connecting, in both languages, against the local CRM: what each failure says, the licence gate's
screens (each with what to do next), the one-time code step.

One pane per language walks every case in turn (a pane boot costs seconds). The licence is changed
with the CRM's admin command line and always restored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Route

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver, audit
from tests.conftest import RunningCrm, RunningSite

pytestmark = pytest.mark.browser

GIULIA_SECRET = "JBSWY3DPEHPK3PXP"


class _DemoTotp(pyotp.TOTP):
    min_secret_length_bits = 80  # the demo secret is the classic 80-bit example


@pytest.fixture
def licence(crm: RunningCrm) -> Iterator[RunningCrm]:
    """The CRM, with its licence put back as it was after the test."""
    before = json.loads(crm.admin("--json", "licence", "show").stdout)
    yield crm
    crm.admin("licence", "set", "--state", before["state"], "--expires", before["expires"] or "never")


@pytest.mark.parametrize("language", ["en-US", "it-IT"])
def test_connect_errors_gate_screens_and_one_time_code(pane: PaneDriver, licence: RunningCrm, site: RunningSite,
                                                        language: str, axe_source: str) -> None:
    crm = licence
    t = Translator(language)
    flow = Flow(pane)
    page = flow.page
    flow.open(displayLanguage=language)
    flow.screen("connect")
    host = crm.url.removeprefix("http://")

    def problem() -> str:
        page.wait_for_selector("form[data-form] [role='alert']")
        return flow.text("form[data-form] [role='alert']")

    # --- an address where nothing answers (the browser cannot tell this from CORS) -----------------------
    flow.connect("127.0.0.1:9", "anna")
    assert problem() == t.t("error.CORS_OR_NETWORK")
    flow.shots("connect-error", t.language)

    # --- a web server that is not a vtenext ---------------------------------------------------------------
    flow.connect(site.url, "anna")
    page.wait_for_function(
        "text => document.querySelector(\"[role='alert']\")?.innerText === text", arg=t.t("error.NOT_VTENEXT")
    )

    # --- a vtenext without the component: its own screen, and "try again" starts over ----------------------
    def no_component(route: Route) -> None:
        route.fulfill(status=400, content_type="application/json", body=json.dumps(
            {"status": 400, "error": "RouteNotFoundException", "message": "Route not found: mcstatus"}))

    page.route(f"{crm.url}/restapi/v1/vtews/mcstatus", no_component, times=1)
    flow.connect(host, "anna")
    flow.screen("gate")
    assert page.locator("[data-gate]").get_attribute("data-gate") == "component_missing"
    assert flow.text("#mc-gate-title") == t.t("gate.component_missing.title")
    assert t.t("gate.component_missing.todo") in flow.text(".gate")
    flow.shots("gate-component-missing", t.language)
    page.click("[data-action='retry-gate']")
    flow.screen("password")
    page.click("[data-action='back-to-address']")
    flow.screen("connect")

    # --- licence not active, then expired: discovery says so before any password is typed ---------------------
    crm.admin("licence", "set", "--state", "inactive")
    flow.connect(host, "anna")
    flow.screen("gate")
    assert flow.text("#mc-gate-title") == t.t("gate.licence_inactive.title")
    assert t.t("gate.licence_inactive.body", installation="ACME CRM") in flow.text(".gate")
    flow.shots("gate-licence-inactive", t.language)
    violations = audit(flow, axe_source, "gate")
    crm.admin("licence", "set", "--state", "active", "--expires", "2020-01-31")
    page.click("[data-action='retry-gate']")
    page.wait_for_selector("[data-gate='licence_expired']")
    assert flow.text("#mc-gate-title") == t.t("gate.licence_expired.title")
    assert t.t("gate.licence_expired.todo") in flow.text(".gate")
    crm.admin("licence", "set", "--expires", "never")
    page.click("[data-action='retry-gate']")
    flow.screen("password")

    # --- a user the licence does not cover: known only after the password --------------------------------------
    page.click("[data-action='back-to-address']")
    flow.connect(host, "luca")
    flow.screen("password")
    flow.password("luca123")
    flow.screen("gate")
    assert flow.text("#mc-gate-title") == t.t("gate.user_not_enabled.title")
    assert t.t("gate.user_not_enabled.todo") in flow.text(".gate")
    flow.shots("gate-user-not-enabled", t.language)

    # --- password then one-time code ------------------------------------------------------------------------------
    page.click("[data-action='back-to-address']")
    flow.connect(host, "giulia")
    flow.screen("password")
    flow.password("giulia123")
    flow.screen("otp")
    assert flow.text("#app h1") == t.t("otp.title")
    assert page.locator("#mc-code").get_attribute("autocomplete") == "one-time-code"
    flow.shots("otp", t.language)
    violations += audit(flow, axe_source, "otp")
    page.fill("#mc-code", "000000" if _DemoTotp(GIULIA_SECRET).now() != "000000" else "111111")
    page.click("form[data-form='otp'] button[type='submit']")
    assert problem() == t.t("error.OTP_INVALID")
    assert page.input_value("#mc-code") == ""
    page.fill("#mc-code", _DemoTotp(GIULIA_SECRET).now())
    page.click("form[data-form='otp'] button[type='submit']")
    flow.screen("record")
    assert t.t("footer.signed_in", user="Giulia Romano", host="127.0.0.1") in flow.text("#pane-footer")
    stored = json.dumps(flow.storage())
    assert "giulia123" not in stored

    assert violations == []  # axe-core: no serious or critical violation on the gate and code screens
    assert pane.page_errors == [] and pane.csp_violations() == [] and flow.dialogs == []
