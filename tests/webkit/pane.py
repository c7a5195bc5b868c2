"""The task pane in WebKit, as tests/browser/pane.py has it in Chromium: open, wait, read the boot marks.

WebKitWebDriver runs no script before the page's own (no init scripts) and has no log command: what the
pane did is read from its performance marks (addin/loader/boot.mjs) and its DOM afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.webkit import Session

BOOT_TIMEOUT_MS = 120_000  # cold start in WebKit on a busy 2-core machine; not a performance assertion
SCREEN_TIMEOUT_MS = 30_000


@dataclass
class WebKitPane:
    session: Session
    base_url: str

    def open(self, query: str = "") -> None:
        # A pane opened again is a new frame, not a reload of the same URL (WebKit answered Cache Storage
        # lookups of the reloaded page with nothing, though the entries were listed).
        self.session.get("about:blank")
        self.session.get(f"{self.base_url}/index.html{query}")

    def wait_ready(self) -> None:
        self.session.wait_for(
            "document.querySelector(\"#app[data-state='ready']\")", timeout_ms=BOOT_TIMEOUT_MS, what="pane ready"
        )

    def marks(self) -> set[str]:
        return self.session.marks()

    def screen(self, name: str) -> None:
        self.session.wait_for(
            "document.querySelector(`#app[data-screen='${args[0]}']`)", name, timeout_ms=SCREEN_TIMEOUT_MS,
            what=f"screen {name}",
        )

    def text(self, selector: str) -> str:
        return str(self.session.run("return document.querySelector(arguments[0])?.textContent ?? ''", selector))

    def python_errors(self) -> list[str]:
        """What PyScript shows on the page when Python fails (its error boxes)."""
        errors: list[str] = self.session.run(
            "return [...document.querySelectorAll('.py-error, py-error, mpy-error')].map(e => e.textContent)"
        )
        return errors
