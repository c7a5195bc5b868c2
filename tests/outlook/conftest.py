"""Fixtures of the real-office.js tests: the production build served with its real headers, and a fake
Outlook on the web around it (host.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext

from server.vendor import OFFICE_JS
from tests.conftest import RunningSite, build_site
from tests.outlook.host import OutlookWebHost
from tests.support.processes import ServerProcess, free_port, python_module


@pytest.fixture(scope="session")
def prod_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSite]:
    """`python -m server build` (production: Microsoft's office.js URL, no dev files) + `python -m server serve
    --https` (as for sideloading: office.js picks https for MicrosoftAjax.js from the page's own protocol)."""
    assert (OFFICE_JS / "office.js").is_file(), "run `python -m server vendor` (make setup) first"
    tmp = tmp_path_factory.mktemp("prod-site")
    out = tmp / "dist"
    reuse = os.environ.get("MC_PROD_DIST")  # while writing these tests: a production build made beforehand
    if reuse:
        out = Path(reuse)
    else:
        build_site(out, dev=False)
    port = free_port()
    proc = ServerProcess(
        python_module("server", "serve", "--no-build", "--root", str(out), "--port", str(port), "--https",
                      "--cert-dir", str(tmp / "certs")),
        tmp / "site.log",
    )
    url = f"https://localhost:{port}"
    try:
        proc.wait_ready(lambda: httpx.get(f"{url}/index.html", timeout=2, verify=False).status_code == 200,
                        timeout=60)
    except Exception:
        proc.stop()
        raise
    yield RunningSite(url=url, root=out, process=proc)
    proc.stop()


@pytest.fixture(scope="session")
def outlook_context(browser: Browser) -> Iterator[BrowserContext]:
    """The development certificate of `serve --https` is not trusted by this browser profile: accepted here."""
    context = browser.new_context(viewport={"width": 1000, "height": 760}, ignore_https_errors=True)
    yield context
    context.close()


@pytest.fixture
def outlook(outlook_context: BrowserContext, prod_site: RunningSite) -> Iterator[OutlookWebHost]:
    page = outlook_context.new_page()
    cdp = outlook_context.new_cdp_session(page)
    cdp.send("Storage.clearDataForOrigin", {"origin": prod_site.url,
                                            "storageTypes": "local_storage,session_storage,indexeddb"})
    cdp.detach()
    yield OutlookWebHost(page, prod_site.url)
    page.close()
