"""WebKit fixtures: one virtual display and WebKitWebDriver for the run, a fresh MiniBrowser per test.

The servers are the Chromium tests' own (tests/conftest.py: the built add-in `site`, the local `crm`).
A MiniBrowser under automation keeps its caches in memory, so each test starts with an empty profile: a
first start, as in a new Outlook for Mac; loading the pane again in the same session is a later start.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import RunningSite
from tests.support import webkit
from tests.webkit.pane import WebKitPane


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "webkit: end-to-end test in WebKit (WebKitGTK's MiniBrowser)")


@pytest.fixture(scope="session")
def webkit_driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webkit.Driver]:
    absent = webkit.missing()
    if absent:
        pytest.fail(f"WebKit is not installed ({', '.join(absent)}): `make setup` installs webkit2gtk-driver and xvfb")
    with webkit.webkit(tmp_path_factory.mktemp("webkit")) as driver:
        yield driver


@pytest.fixture
def webkit_pane(webkit_driver: webkit.Driver, site: RunningSite) -> Iterator[WebKitPane]:
    session = webkit_driver.session()
    try:
        yield WebKitPane(session, site.url)
    finally:
        session.close()
