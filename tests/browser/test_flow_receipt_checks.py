"""The receipt in Chromium when the CRM's answers are not what they should be (rewritten on the wire
with Playwright routes): a `javascript:` or foreign record URL in `mclink` gives no link and a reason;
a receipt whose SHA-256 of one attachment differs (same size) is not "checked" and names the file."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Route

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver
from tests.browser.test_flow_main import flow_mail
from tests.conftest import RunningCrm

pytestmark = pytest.mark.browser

Rewrite = Callable[[dict[str, Any]], None]


def rewrite(flow: Flow, operation: str, change: Rewrite) -> list[dict[str, Any]]:
    """Every answer of `operation` passes the CRM's real answer through `change`; returns what was seen."""
    seen: list[dict[str, Any]] = []

    def handle(route: Route) -> None:
        try:
            response = route.fetch()
        except PlaywrightError:  # the page closed while the request was on its way (end of a test)
            return
        answer = response.json()
        if route.request.method == "POST" and answer.get("status") == 200:
            change(answer["data"])
            seen.append(answer["data"])
        route.fulfill(response=response, body=json.dumps(answer))

    flow.page.route(f"**/restapi/v1/vtews/{operation}", handle)
    return seen


@pytest.fixture(autouse=True)
def _routes_end_with_the_test(pane: PaneDriver) -> Iterator[None]:
    yield
    pane.page.unroute_all(behavior="ignoreErrors")  # a request still routed at the end is not this test's


def link_mail(flow: Flow, crm: RunningCrm, language: str) -> None:
    flow.open(json=flow_mail(f"<receipt-check-{uuid.uuid4().hex}@example.it>"), displayLanguage=language)
    flow.sign_in(crm.url.removeprefix("http://"), "anna", "anna123")
    flow.page.locator("#mc-suggestions .record").first.click()
    flow.screen("preflight")
    flow.page.click("[data-action='link']")
    flow.screen("receipt")


@pytest.mark.parametrize(
    ("language", "url", "reason"),
    [
        ("en-US", "javascript:alert(document.domain)", "receipt.no_link.scheme"),
        ("it-IT", "https://crm.evil.example/index.php?module=Contacts&action=DetailView&record=1",
         "receipt.no_link.origin"),
    ],
)
def test_a_record_url_off_the_crm_is_not_offered(pane: PaneDriver, crm: RunningCrm, language: str, url: str,
                                                 reason: str) -> None:
    t = Translator(language)
    flow = Flow(pane)

    def hostile(data: dict[str, Any]) -> None:
        data["target"]["url"] = url

    seen = rewrite(flow, "mclink", hostile)
    link_mail(flow, crm, language)
    assert [answer["target"]["url"] for answer in seen] == [url]  # the rewritten answer reached the pane
    assert flow.page.locator("#app a[href]").evaluate_all("links => links.map(a => a.href)") == []
    assert t.t(reason) in flow.text(".screen")
    assert flow.text(".verified") == t.t("receipt.verified")  # the content itself is fine
    flow.shots(f"receipt-no-link-{reason.rsplit('.', 1)[1]}", t.language)
    assert flow.dialogs == [] and pane.page_errors == [] and pane.csp_violations() == []


def test_the_crms_own_record_url_is_offered(pane: PaneDriver, crm: RunningCrm) -> None:
    flow = Flow(pane)
    seen = rewrite(flow, "mclink", lambda data: None)
    link_mail(flow, crm, "en-US")
    (answer,) = seen
    assert answer["target"]["url"].startswith(f"{crm.url}/index.php?module=Contacts&action=DetailView&record=")
    assert flow.page.locator("a.btn-primary").get_attribute("href") == answer["target"]["url"]


@pytest.mark.parametrize("language", ["en-US", "it-IT"])
def test_a_receipt_with_another_digest_of_the_same_size_is_not_checked(pane: PaneDriver, crm: RunningCrm,
                                                                       language: str) -> None:
    t = Translator(language)
    flow = Flow(pane)

    def corrupted(data: dict[str, Any]) -> None:
        pdf = next(a for a in data["attachments"] if a["filename"] == "offerta.pdf")
        pdf["sha256"] = "0" * 64  # same name, same size: only the digest differs

    seen = rewrite(flow, "mcreceipt", corrupted)
    link_mail(flow, crm, language)
    assert len(seen) == 1
    assert flow.page.locator(".verified").count() == 0
    assert t.t("receipt.mismatch", names="offerta.pdf") in flow.text(".screen")
    flow.shots("receipt-mismatch", t.language)
