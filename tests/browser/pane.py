"""A small driver for the task pane page: what a user sees, plus what the page did on the wire."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import ConsoleMessage, Page, Request

# Collects CSP violations before any page script runs.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  {directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample}));
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

    def open(self, query: str = "") -> None:
        self.page.goto(f"{self.base_url}/index.html{query}")

    def wait_ready(self) -> None:
        self.page.wait_for_selector("#app[data-state='ready']", timeout=BOOT_TIMEOUT_MS)

    def csp_violations(self) -> list[dict[str, str]]:
        violations: list[dict[str, str]] = self.page.evaluate("window.__cspViolations")
        return violations

    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.base_url) and not u.startswith(("data:", "blob:"))]
