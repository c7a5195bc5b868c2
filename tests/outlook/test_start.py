"""Start-up on Microsoft's real office.js inside a fake Outlook, for every Outlook platform office.js knows."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserType, Frame, Page

from mailconnector.ui.i18n import Translator
from tests.browser.pane import ARTIFACTS
from tests.conftest import RunningSite
from tests.outlook.host import MS_AJAX, NEW_OFFICE_CDN, OFFICE_CDN, OutlookWebHost
from tests.outlook.mails import mail

pytestmark = pytest.mark.browser


def test_pane_starts_in_outlook_on_the_web_with_the_real_office_js(outlook: OutlookWebHost) -> None:
    outlook.open(mail("start-web"))
    outlook.wait_ready()
    frame = outlook.frame
    assert frame.locator("#app").get_attribute("data-screen") == "connect"
    # The real library ran: office.js from (our stand-in for) Microsoft's CDN, its Outlook on the web file,
    # and MicrosoftAjax.js, which office.js fetched itself.
    assert f"{OFFICE_CDN}office.js" in outlook.requests
    assert f"{OFFICE_CDN}outlook-web-16.01.js" in outlook.requests
    assert outlook.ms_ajax_requested(), MS_AJAX
    assert frame.evaluate("Office.context.mailbox.item.itemId") == "AAMk-start-web"
    assert "ContextActivationManager_getAppContextAsync" in [e["action"] for e in outlook.log()]
    assert outlook.csp_violations() == []
    assert outlook.page_errors == []


def test_pane_starts_when_office_js_moved_to_microsofts_new_cdn_host(outlook: OutlookWebHost) -> None:
    """The page names the long-standing address; Microsoft now serves office.js from a new host. With every
    file of the old address redirected there, the policy lets the library and its Outlook file load."""
    outlook.cdn_redirect = True
    outlook.open(mail("start-moved"))
    outlook.wait_ready()
    assert f"{NEW_OFFICE_CDN}office.js" in outlook.requests
    assert f"{NEW_OFFICE_CDN}outlook-web-16.01.js" in outlook.requests
    assert outlook.ms_ajax_requested()
    assert outlook.frame.evaluate("Office.context.mailbox.item.itemId") == "AAMk-start-moved"
    assert outlook.csp_violations() == [] and outlook.page_errors == []


@pytest.mark.parametrize(("platform", "host_file"), [
    ("Web", "outlook-web-16.01.js"), ("Win32", "outlook-win32-16.02.js"), ("Mac", "outlook-mac-16.00.js"),
])
def test_every_outlook_platform_starts_under_the_policy(outlook: OutlookWebHost, platform: str,
                                                         host_file: str) -> None:
    """office.js picks its Outlook file from the platform hint; each one, with MicrosoftAjax.js, loads under the
    pane's CSP, and Office.onReady was called while the page was parsed, before any module script existed.
    (Windows and Mac then talk to the native host through objects a browser does not have: only Outlook on the
    web answers here.)"""
    frame = outlook.open(mail(f"platform-{platform}"), platform=platform)
    frame.wait_for_function("() => typeof OsfMsAjaxFactory === 'object' && !!(window.Sys && Sys.StringBuilder)",
                            timeout=60_000)
    assert f"{OFFICE_CDN}{host_file}" in outlook.requests
    assert outlook.ms_ajax_requested()
    assert outlook.registered() == {"readyState": "loading", "moduleScripts": 0, "officeLoaded": True}
    order = frame.evaluate("[...document.scripts].map(s => s.type === 'module' ? 'module' : s.src.split('/').pop())")
    assert order.index("office.js") < order.index(next(s for s in order if s.startswith("office-ready.")))
    if platform == "Web":
        outlook.wait_ready()
    assert outlook.csp_violations() == []


@pytest.mark.parametrize("outlook", ["en-US", "it-IT"], indirect=True)
def test_outlook_slow_to_answer_gets_a_readable_screen_then_the_pane(outlook: OutlookWebHost) -> None:
    language = outlook.page.evaluate("navigator.language")
    outlook.page.add_init_script("window.mcOfficeReadyLimitMs = 300;")  # the bound, short for the test
    frame = outlook.open(mail("late"), asleep=True)
    frame.wait_for_selector("#app[data-screen='host-late']", timeout=60_000)
    assert Translator(language).t("app.host.late.title") in frame.locator("#app h1").inner_text()
    assert frame.locator("#app [role='status']").count() == 1
    shot(frame, f"host-late-{language[:2]}")
    outlook.wake()  # Outlook answers after all: the pane carries on by itself
    outlook.wait_ready()
    assert frame.locator("#mail-subject").inner_text() == "Offer late"


@pytest.mark.parametrize("language", ["en-US", "it-IT"])
def test_opened_outside_outlook_says_so(outlook_browser: Browser, prod_site: RunningSite, language: str) -> None:
    """The production page opened directly in a browser: office.js answers {host: null}; the pane says where
    it works instead of showing a skeleton forever."""
    context = outlook_browser.new_context(locale=language, ignore_https_errors=True,
                                          viewport={"width": 360, "height": 640})
    page = context.new_page()
    host = OutlookWebHost(page, prod_site.url)
    page.goto(f"{prod_site.url}/index.html")
    page.wait_for_selector("#app[data-screen='host-outside']", timeout=60_000)
    t = Translator(language)
    assert page.locator("#app h1").inner_text() == t.t("app.host.outside.title")
    assert t.t("app.host.outside.body") in page.locator("#app").inner_text()
    assert page.locator("html").get_attribute("lang") == language
    # Outside Office, office.js's plain-browser path frames Microsoft's telemetry page (with an inline style):
    # nothing the pane needs, so the policy keeps blocking it. Nothing else is refused.
    refused = {(v["directive"], v["blocked"]) for v in page.evaluate("window.__cspViolations")}
    assert refused <= {("frame-src", "https://telemetryservice.firstpartyapps.oaspapps.com"),
                       ("style-src-attr", "inline")}
    assert host.page_errors == []
    shot(page, f"host-outside-{language[:2]}")
    context.close()


@pytest.mark.parametrize("outlook", ["en-US", "it-IT"], indirect=True)
def test_office_js_that_did_not_load_is_explained(outlook: OutlookWebHost) -> None:
    language = outlook.page.evaluate("navigator.language")
    outlook.page.route(f"{OFFICE_CDN}office.js", lambda route: route.abort())
    frame = outlook.open(mail("missing"))
    frame.wait_for_selector("#app[data-screen='host-missing']", timeout=60_000)
    assert frame.locator("#app [role='alert'] h1").inner_text() == Translator(language).t("app.host.missing.title")
    shot(frame, f"host-missing-{language[:2]}")


def shot(target: Frame | Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target.locator("body").screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_pane_starts_when_the_browser_blocks_storage_in_outlooks_frame(
    browser_type: BrowserType, browser_type_launch_args: dict[str, Any], prod_site: RunningSite
) -> None:
    """This Chromium blocks storage in third-party frames (as Chrome does with third-party cookies blocked, the
    default of a private window): the pane's IndexedDB open fails. PyScript's core stops for good when its
    storage cannot open, so the pane gives it one in memory and starts; nothing is kept between starts."""
    browser = browser_type.launch(**browser_type_launch_args)  # without OUTLOOK_BROWSER_ARGS: storage blocked
    try:
        context = browser.new_context(viewport={"width": 1000, "height": 760}, ignore_https_errors=True)
        outlook = OutlookWebHost(context.new_page(), prod_site.url)
        frame = outlook.open(mail("storage-blocked"))
        # The browser's own storage in the frame (the pane's IndexedDB may be its in-memory stand-in by now).
        blocked = frame.evaluate("() => { try { return window.localStorage.length < 0; } catch (e) { return true; } }")
        assert blocked, "this browser no longer blocks storage in a third-party frame: the test proves nothing"
        outlook.wait_ready()
        assert frame.locator("#app").get_attribute("data-screen") == "connect"
        assert frame.locator("html").get_attribute("data-storage") == "memory"
        assert outlook.csp_violations() == []
        assert outlook.page_errors == []
        context.close()
    finally:
        browser.close()
