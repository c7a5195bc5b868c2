"""Browser fixtures: one Chromium and one browser context for the whole run (so the runtime is
downloaded and compiled once), a fresh page per test with the origin's storage cleared."""

from __future__ import annotations

from collections.abc import Iterator

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
