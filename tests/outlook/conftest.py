"""Fixtures of the real-office.js tests: the production build served with its real headers, and a fake
Outlook on the web around it (host.py)."""

from __future__ import annotations

import http.server
import os
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserType

from server.certs import ensure_dev_certificates
from server.vendor import OFFICE_JS
from tests.conftest import RunningSite, build_site
from tests.outlook.host import NEW_OFFICE_CDN_HOST, OutlookWebHost
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


# This Chromium build blocks all third-party storage (its "tracking protection" third-party cookie phase-out): the
# pane in Outlook on the web's frame would get no localStorage or IndexedDB. Chrome and Edge as shipped give a
# cross-site frame its own partitioned storage; these tests run like that. (With storage blocked, PyScript's core
# fails at start: see the report of issue #11.)
OUTLOOK_BROWSER_ARGS = ["--disable-features=TrackingProtection3pcd"]


class _NewCdnFiles(http.server.SimpleHTTPRequestHandler):
    """Microsoft's newer office.js host: /1/<file> of the vendored package."""

    def translate_path(self, path: str) -> str:
        target = (OFFICE_JS / path.split("?")[0].removeprefix("/1/")).resolve()
        return str(target) if target.is_relative_to(OFFICE_JS) else str(OFFICE_JS / "missing")

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")  # office.js reads some of its files with XHR
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def new_office_cdn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real HTTPS server standing in for officeapis.public.onecdn.static.microsoft, which the browser resolves
    to it (Playwright does not route the request a routed redirect leads to, so the move is followed for real)."""
    certs = ensure_dev_certificates(tmp_path_factory.mktemp("new-cdn-certs"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NewCdnFiles)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs.cert, certs.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def outlook_browser(browser_type: BrowserType, browser_type_launch_args: dict[str, Any],
                    new_office_cdn: int) -> Iterator[Browser]:
    args = [*browser_type_launch_args.get("args", []), *OUTLOOK_BROWSER_ARGS,
            f"--host-resolver-rules=MAP {NEW_OFFICE_CDN_HOST} 127.0.0.1:{new_office_cdn}"]
    browser = browser_type.launch(**{**browser_type_launch_args, "args": args})
    yield browser
    browser.close()


@pytest.fixture
def outlook(
    outlook_browser: Browser, prod_site: RunningSite, request: pytest.FixtureRequest
) -> Iterator[OutlookWebHost]:
    """A fresh profile per test (storage in Outlook's frame is partitioned per top-level site, which the CDP
    clear-by-origin does not reach). The development certificate of `serve --https` is accepted here.
    Parametrized indirectly, the value is the browser's language (e.g. "it-IT")."""
    locale = getattr(request, "param", "en-US")
    context = outlook_browser.new_context(viewport={"width": 1000, "height": 760}, ignore_https_errors=True,
                                          locale=locale)
    yield OutlookWebHost(context.new_page(), prod_site.url)
    context.close()
