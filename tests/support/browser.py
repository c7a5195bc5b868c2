"""Browser fixtures shared by every test folder (registered as a plugin by tests/conftest.py): one
browser context for the whole run (the runtime is downloaded and compiled once), a fresh pane page per
test with the origin's storage cleared, and a Pyodide harness that runs Python inside the pane's runtime."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.pane import PaneDriver
from tests.conftest import RunningSite


@pytest.fixture(scope="session")
def shared_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 360, "height": 720})
    yield context
    context.close()


@pytest.fixture
def pane_page(shared_context: BrowserContext, site: RunningSite) -> Iterator[Page]:
    page = shared_context.new_page()
    cdp = shared_context.new_cdp_session(page)
    # Storage is per test; the HTTP cache (runtime, wasm) is kept for speed.
    cdp.send(
        "Storage.clearDataForOrigin",
        {"origin": site.url, "storageTypes": "cookies,local_storage,session_storage,indexeddb,cache_storage"},
    )
    cdp.detach()
    yield page
    page.close()


@pytest.fixture
def pane(pane_page: Page, site: RunningSite) -> PaneDriver:
    return PaneDriver(pane_page, site.url)


class PyodideHarness:
    """Runs Python inside the pane's runtime (dev build's /test-harness.html) and returns its result."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def run(self, code: str, **values: object) -> Any:
        """`code` defines `async def main()`; `values` become globals of the code (JSON-able)."""
        # each value crosses as JSON text, decoded by Python's json (a text containing "true" stays text)
        prelude = "import json as _json\n" + "".join(
            f"{name} = _json.loads({json.dumps(value)!r})\n" for name, value in values.items()
        )
        answer = json.loads(self.page.evaluate("code => window.mcRun(code)", prelude + textwrap.dedent(code)))
        if not answer["ok"]:
            raise PyodideError(answer["error"], answer["message"], answer["traceback"])
        return answer["result"]


class PyodideError(Exception):
    def __init__(self, name: str, message: str, trace: str) -> None:
        super().__init__(f"{name}: {message}\n{trace}")
        self.name = name
        self.message = message


@pytest.fixture(scope="session")
def harness(shared_context: BrowserContext, site: RunningSite) -> Iterator[PyodideHarness]:
    page = shared_context.new_page()
    page.goto(f"{site.url}/test-harness.html")
    page.wait_for_selector("body[data-harness='ready']", state="attached", timeout=60_000)
    yield PyodideHarness(page)
    page.close()
