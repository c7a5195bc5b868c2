"""A small driver for the task pane page: what a user sees, plus what the page did on the wire."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Page, Request

# Collects CSP violations, and the events PyScript dispatches on the page's <script type="py"> (they
# bubble: `py:ready` once its interpreter is loaded, `py:done` once the script ran), before any page
# script runs.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  {directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample}));
window.__pyscriptEvents = [];
for (const type of ['py:ready', 'py:done']) {
  document.addEventListener(type, e => window.__pyscriptEvents.push(
    {type, script: e.target.getAttribute && e.target.getAttribute('type')}));
}
"""

BOOT_TIMEOUT_MS = 60_000  # cold boot on a busy 2-core CI machine; not a performance assertion


@dataclass
class PaneDriver:
    page: Page
    base_url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.add_init_script(CSP_RECORDER)
        self.page.on("request", self._on_request)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))

    def _on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def configure_sim(self, **config: Any) -> None:
        """Presets of the simulated Outlook (OfficeSim.configure options plus `json`/`eml`), before open()."""
        self.page.add_init_script(f"window.OfficeSimConfig = {json.dumps(config)};")

    def open(self, query: str = "") -> None:
        self.page.goto(f"{self.base_url}/index.html{query}")

    def wait_ready(self) -> None:
        """PyScript ran the page's <script type="py"> (its own `py:done` event), and the pane took over."""
        self.wait_pyscript_done()
        self.page.wait_for_selector("#app[data-state='ready']", timeout=BOOT_TIMEOUT_MS)

    def wait_pyscript_done(self) -> None:
        self.page.wait_for_function(
            "window.__pyscriptEvents && window.__pyscriptEvents.some(e => e.type === 'py:done')",
            timeout=BOOT_TIMEOUT_MS,
        )

    def pyscript_events(self) -> list[dict[str, str]]:
        events: list[dict[str, str]] = self.page.evaluate("window.__pyscriptEvents")
        return events

    def csp_violations(self) -> list[dict[str, str]]:
        violations: list[dict[str, str]] = self.page.evaluate("window.__cspViolations")
        return violations

    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.base_url) and not u.startswith(("data:", "blob:"))]


# --- driving the whole flow (the pane's user journey) -----------------------------------------------------------

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SCREEN_TIMEOUT_MS = 20_000

# Everything the page keeps: Web Storage, cookies, every IndexedDB record, and what the simulated
# Outlook saved as the add-in's roaming settings.
STORAGE_DUMP = """async () => {
  const dump = {localStorage: {}, sessionStorage: {}, cookies: document.cookie, indexedDB: {},
                roamingSettings: window.OfficeSim ? OfficeSim.savedRoamingSettings() : null};
  for (const [area, store] of [["localStorage", localStorage], ["sessionStorage", sessionStorage]]) {
    for (let i = 0; i < store.length; i++) { dump[area][store.key(i)] = store.getItem(store.key(i)); }
  }
  const plain = (k, v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v))
    ? Array.from(new Uint8Array(v.buffer || v)) : v;
  const dbs = indexedDB.databases ? await indexedDB.databases() : [];
  for (const info of dbs) {
    const db = await new Promise((ok, ko) => {
      const r = indexedDB.open(info.name); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error);
    });
    const stores = {};
    for (const name of db.objectStoreNames) {
      stores[name] = await new Promise((ok) => {
        const r = db.transaction(name).objectStore(name).getAll();
        r.onsuccess = () => ok(JSON.stringify(r.result, plain));
        r.onerror = () => ok(null);
      });
    }
    dump.indexedDB[info.name] = stores;
    db.close();
  }
  return dump;
}"""


@dataclass
class Flow:
    """The pane as a user drives it: screens, fields, buttons; plus storage and screenshots."""

    pane: PaneDriver
    label: str = ""  # e.g. "en-light": suffix of screenshot names
    dialogs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pane.page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)  # alert(1) from hostile text would land here
        dialog.dismiss()

    @property
    def page(self) -> Page:
        return self.pane.page

    def open(self, **sim: Any) -> None:
        self.pane.configure_sim(**sim)
        self.pane.open()
        self.pane.wait_ready()

    def screen(self, name: str, timeout: int = SCREEN_TIMEOUT_MS) -> None:
        self.page.wait_for_selector(f"#app[data-screen='{name}']", timeout=timeout)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}-{self.label}.png" if self.label else ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def shots(self, name: str, language: str) -> None:
        """The screen in Outlook's light and dark theme (switched live, as Outlook does), saved as
        `<name>-<language>-<theme>.png`; the theme is put back as it was."""
        before = self.page.locator("html").get_attribute("data-theme") or "light"
        other = "dark" if before == "light" else "light"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for theme in (before, other):
            self._theme(theme)
            self.page.screenshot(path=str(ARTIFACTS / f"{name}-{language}-{theme}.png"), full_page=True)
        self._theme(before)

    def _theme(self, theme: str) -> None:
        self.page.evaluate("theme => OfficeSim.configure({theme})", theme)
        self.page.wait_for_function("t => document.documentElement.dataset.theme === t", arg=theme)

    def connect(self, address: str, username: str) -> None:
        self.page.fill("#mc-url", address)
        self.page.fill("#mc-username", username)
        self.page.click("form[data-form='connect'] button[type='submit']")

    def password(self, password: str) -> None:
        self.page.wait_for_selector("#mc-password")
        self.page.fill("#mc-password", password)
        self.page.click("form[data-form='password'] button[type='submit']")

    def sign_in(self, address: str, username: str, password: str) -> None:
        self.connect(address, username)
        self.screen("password")
        self.password(password)
        self.screen("record")

    def link_suggestion(self, label: str) -> None:
        """Pick the suggested record with that label, link from the preflight, wait for the receipt."""
        self.page.locator("#mc-suggestions .record", has_text=label).first.click()
        self.screen("preflight")
        self.page.click("[data-action='link']")
        self.screen("receipt")

    def storage(self) -> dict[str, Any]:
        dump: dict[str, Any] = self.page.evaluate(STORAGE_DUMP)
        dump["context_cookies"] = self.page.context.cookies()
        return dump

    def text(self, selector: str) -> str:
        return self.page.locator(selector).inner_text()


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
