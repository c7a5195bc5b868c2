"""The pane inside a fake Outlook on the web, on Microsoft's real office.js (npm @microsoft/office-js, vendored
by `python -m server vendor` into .vendor/office-js, never committed).

Playwright routing gives the test three things a real Outlook would: the parent page on
https://outlook.office.com (owa_host.js speaks Outlook's cross-frame protocol to office.js in the pane's
iframe), Microsoft's CDN answered from the vendored package, and a stand-in for MicrosoftAjax.js (not in the
package; msajax_standin.js), whose request is recorded. The pane itself comes from the production build served
by `python -m server serve` with its real headers and Content Security Policy.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Frame, Page, Route

from server.vendor import OFFICE_JS

HERE = Path(__file__).resolve().parent
OWA_ORIGIN = "https://outlook.office.com"

HOST_PAGE = f"{OWA_ORIGIN}/mail/inbox"
OFFICE_CDN = "https://appsforoffice.microsoft.com/lib/1/hosted/"
# Microsoft's newer CDN host for office.js (learn.microsoft.com "Understanding the Office JavaScript API",
# updated by OfficeDev/office-js-docs-pr pull request 5882): the old address may redirect there.
NEW_OFFICE_CDN_HOST = "officeapis.public.onecdn.static.microsoft"
NEW_OFFICE_CDN = f"https://{NEW_OFFICE_CDN_HOST}/1/"  # answered by a local server (tests/outlook/conftest.py)
MS_AJAX = "https://ajax.aspnetcdn.com/ajax/3.5/MicrosoftAjax.js"
BOOT_TIMEOUT_MS = 60_000  # cold boot on a busy 2-core machine; not a performance assertion

# Records CSP violations and what office-ready.js saw, in every frame, before any page script runs.
RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  {directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile}));
"""

HOST_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>Outlook</title>
<style>body{margin:0;display:flex} #pane-slot iframe{width:360px;height:720px;border:0}</style>
<script src="/owa/host.js"></script></head>
<body><main id="reading-pane"></main><aside id="pane-slot"></aside></body></html>"""


@dataclass
class OutlookWebHost:
    """One Outlook on the web tab; `frame` is the pane once `open()` was called."""

    page: Page
    site_url: str
    requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    # the old CDN answers every file with a redirect to the new host, as a CDN move would
    cdn_redirect: bool = False

    def __post_init__(self) -> None:
        # The pane is served over https on localhost (as for sideloading), a local address for a page on
        # outlook.office.com: Chromium's Local Network Access asks the user first; owa_host.js delegates it.
        self.page.context.grant_permissions(["local-network-access"], origin=OWA_ORIGIN)
        self.page.add_init_script(RECORDER)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.route(f"{OWA_ORIGIN}/**", self._owa)
        self.page.route(f"{OFFICE_CDN}**", self._cdn)
        self.page.route(MS_AJAX, lambda route: route.fulfill(path=HERE / "msajax_standin.js",
                                                             content_type="text/javascript"))

    def _owa(self, route: Route) -> None:
        url = route.request.url
        if url.endswith("/owa/host.js"):
            route.fulfill(path=HERE / "owa_host.js", content_type="text/javascript")
        elif url.split("?")[0] == HOST_PAGE:
            route.fulfill(body=HOST_HTML, content_type="text/html")
        else:
            route.fulfill(status=404, body="")

    def _cdn(self, route: Route) -> None:
        url = route.request.url.split("?")[0]
        if self.cdn_redirect and url.startswith(OFFICE_CDN):
            route.fulfill(status=301, headers={"Location": NEW_OFFICE_CDN + url.removeprefix(OFFICE_CDN),
                                               "Access-Control-Allow-Origin": "*"})
            return
        rel = url.removeprefix(OFFICE_CDN)
        path = (OFFICE_JS / rel).resolve()
        if not path.is_relative_to(OFFICE_JS) or not path.is_file():
            route.fulfill(status=404, body="")
            return
        route.fulfill(path=path, content_type=mimetypes.guess_type(path.name)[0] or "text/javascript")

    # --- the host's side -----------------------------------------------------------------------------------
    def open(self, mail: dict[str, Any] | None, *, platform: str = "Web", lang: str = "en-US",
             mailbox: str = "1.11", settings: dict[str, str] | None = None, query: str = "",
             user: dict[str, str] | None = None, asleep: bool = False) -> Frame:
        """Frame the pane; `asleep`: Outlook answers nothing until `wake()`."""
        self.page.goto(HOST_PAGE)
        options = {"mail": mail, "platform": platform, "lang": lang, "mailbox": mailbox,
                   "settings": settings or {}, "user": user, "asleep": asleep}
        self.page.evaluate("([url, o]) => owa.open(url, o)", [f"{self.site_url}/index.html{query}", options])
        return self.frame

    @property
    def frame(self) -> Frame:
        element = self.page.wait_for_selector("#pane", state="attached")
        frame = element.content_frame() if element else None
        assert frame is not None, "the pane was not opened"
        return frame

    def wait_ready(self) -> None:
        self.frame.wait_for_selector("#app[data-state='ready']", timeout=BOOT_TIMEOUT_MS)

    def wake(self) -> None:
        self.page.evaluate("owa.wake()")

    def select(self, mail: dict[str, Any] | None) -> None:
        assert self.page.evaluate("m => owa.select(m)", mail), "the pane registered no ItemChanged handler"

    def log(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.page.evaluate("owa.log")
        return entries

    def dispatch_ids(self) -> list[int]:
        ids: list[int] = self.page.evaluate("owa.dispatchIds()")
        return ids

    def saved_settings(self) -> dict[str, Any] | None:
        saved: dict[str, Any] | None = self.page.evaluate("owa.savedSettings()")
        return saved

    def csp_violations(self) -> list[dict[str, str]]:
        found: list[dict[str, str]] = self.frame.evaluate("window.__cspViolations")
        return found

    def registered(self) -> dict[str, Any]:
        info: dict[str, Any] = self.frame.evaluate("window.mcOffice && window.mcOffice.registered")
        return info

    def ms_ajax_requested(self) -> bool:
        return MS_AJAX in self.requests

    def office_version(self) -> str:
        """What office.js says about itself (proves the real library, not the simulated host, ran)."""
        return str(self.frame.evaluate("typeof OSF === 'object' && typeof OSF.ConstantNames === 'object' ? "
                                       "'office.js ' + (Office.context && Office.context.diagnostics ? "
                                       "Office.context.diagnostics.version : '?') : 'none'"))


def mail_json(mail: dict[str, Any]) -> str:
    return json.dumps(mail)
