"""The connection check in Chromium, against the local CRM set up to fail each way for real (test-mode
switches, the admin command line, a port where nothing runs): each diagnosis in English and Italian
with a screenshot, reached from where the user meets the failure (the connect error, the gate, the
address form). The copied report holds no password and no token.

One pane per language walks every case in turn (a pane boot costs seconds); the CRM is put back as it
was after each case.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver, audit
from tests.conftest import RunningCrm, RunningSite
from tests.support.processes import free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def restored(crm: RunningCrm) -> Iterator[RunningCrm]:
    """The CRM with its licence and test switches put back as they were after the test."""
    before = json.loads(crm.admin("--json", "licence", "show").stdout)
    yield crm
    httpx.delete(f"{crm.url}/_test/mode")
    crm.admin("licence", "set", "--state", before["state"], "--expires", before["expires"] or "never")


def mode(crm: RunningCrm, **switches: object) -> None:
    assert httpx.post(f"{crm.url}/_test/mode", json=switches).status_code == 200


@pytest.mark.parametrize("language", ["en-US", "it-IT"])
def test_each_diagnosis_for_real(pane: PaneDriver, restored: RunningCrm, site: RunningSite, language: str,
                                 axe_source: str) -> None:
    crm = restored
    t = Translator(language)
    flow = Flow(pane)
    page = flow.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    flow.open(displayLanguage=language)
    flow.screen("connect")
    host = crm.url.removeprefix("http://")

    def connect_error(address: str, user: str = "anna") -> None:
        flow.connect(address, user)
        page.wait_for_selector("form[data-form='connect'][aria-busy='false'] [role='alert']")
        page.click("#mc-doctor-open.btn-secondary")  # prominent next to the failure

    violations: list[dict[str, object]] = []

    def diagnosis(key: str, who: str, shot: str, check_a11y: bool = False) -> str:
        flow.screen("doctor")
        page.wait_for_selector("[data-running='false']")
        if check_a11y:
            violations.extend(audit(flow, axe_source, f"doctor-{key}"))
        found = page.locator("#mc-diagnosis")
        assert (found.get_attribute("data-diagnosis"), found.get_attribute("data-who")) == (key, who)
        assert t.t(f"doctor.who.{who}") in found.inner_text()
        flow.shots(f"doctor-{shot}", t.language)
        text = found.inner_text()
        page.click("[data-action='doctor-back']")
        return text

    # --- CORS off: the server answers a no-cors request, not a normal one ------------------------------------
    mode(crm, cors=False)
    connect_error(host)
    text = diagnosis("cors", "admin", "cors", check_a11y=True)
    assert f"Access-Control-Allow-Origin: {site.url}" in text
    assert "Access-Control-Allow-Headers: Authorization, Content-Type" in text
    mode(crm, cors=True)
    flow.screen("connect")

    # --- stopped: nothing listens on the port ----------------------------------------------------------------
    stopped = f"127.0.0.1:{free_port()}"
    connect_error(stopped)
    assert t.t("doctor.unreachable.title", host="127.0.0.1") in diagnosis("unreachable", "user", "stopped")

    # --- a name that does not exist (DNS): over HTTPS the browser cannot tell it from a certificate refused ----
    connect_error("crm.does-not-exist.invalid")
    text = diagnosis("unreachable_https", "user", "dns")
    assert t.t("doctor.unreachable_https.title", host="crm.does-not-exist.invalid") in text

    # --- wrong path: something answers, not vtenext's REST API -----------------------------------------------
    connect_error(f"{host}/crm")
    assert "HTTP 404" in diagnosis("wrong_path", "user", "wrong-path")

    # --- component missing: the gate, and the check from there ---------------------------------------------------
    mode(crm, component=False)
    flow.connect(host, "anna")
    flow.screen("gate")
    page.click(".gate #mc-doctor-open")
    diagnosis("component_missing", "admin", "component-missing")
    flow.screen("gate")
    mode(crm, component=True)
    page.click("[data-action='back-to-address']")

    # --- an older component -------------------------------------------------------------------------------------
    mode(crm, component_version="0.9.0")
    page.click("#mc-doctor-open")
    assert "0.9.0" in diagnosis("too_old", "admin", "too-old")
    mode(crm, component_version=None)

    # --- licence expired ------------------------------------------------------------------------------------------
    crm.admin("licence", "set", "--state", "active", "--expires", "2020-01-31")
    flow.connect(host, "anna")
    flow.screen("gate")
    page.click(".gate #mc-doctor-open")
    diagnosis("licence_expired", "admin", "licence-expired")
    crm.admin("licence", "set", "--expires", "never")
    page.click("[data-action='back-to-address']")

    # --- a user the licence does not cover (known from the sign-in) ------------------------------------------------
    flow.connect(host, "luca")
    flow.screen("password")
    flow.password("luca123")
    flow.screen("gate")
    page.click(".gate #mc-doctor-open")
    flow.screen("doctor")
    page.wait_for_selector("[data-running='false']")
    # the report, copied for the administrator: plain text, every probe, no password or token
    page.click("[data-action='doctor-copy']")
    page.wait_for_selector("#mc-copied")
    report = page.evaluate("navigator.clipboard.readText()")
    assert report == page.input_value("#mc-report")
    assert t.t("doctor.report_title") in report and crm.url in report and site.url in report
    assert t.t("doctor.user_not_enabled.title") in report and t.t("doctor.probe.licence") in report
    assert "luca123" not in report and "anna123" not in report
    tokens = [v for v in flow.storage()["localStorage"].values()]
    assert all(token not in report for token in tokens)
    diagnosis("user_not_enabled", "admin", "user-not-enabled")
    flow.screen("gate")
    page.click("[data-action='back-to-address']")

    # --- clock skew: the CRM's Date two hours behind this computer -------------------------------------------------
    mode(crm, clock_skew_seconds=-7200)
    page.fill("#mc-url", host)
    page.click("#mc-doctor-open")
    assert t.t("doctor.clock_skew.title", minutes=120) in diagnosis("clock_skew", "user", "clock-skew")
    mode(crm, clock_skew_seconds=0)

    # --- and when nothing is wrong, it says so --------------------------------------------------------------------
    page.click("#mc-doctor-open")
    diagnosis("all_good", "user", "all-good")
    flow.screen("connect")

    assert violations == []  # axe-core: no serious or critical violation on the check's screen
    # each failing request was refused by the browser or answered with an error: the console says so itself
    assert pane.page_errors == [] and pane.csp_violations() == [] and flow.dialogs == []
