"""The production build is self-contained: a plain `python -m http.server` serves a working pane."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Route

from server.build import OFFICE_JS_CDN
from tests.conftest import build_site
from tests.support.processes import ROOT, ServerProcess, free_port, python_module

SIMULATED_HOST = ROOT / "addin" / "dev" / "office-sim.js"


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("prod")
    port = free_port()
    out = tmp / "dist"
    build_site(out, dev=False, base_url="https://addin.example.com/")
    proc = ServerProcess(
        python_module("http.server", str(port), "--bind", "127.0.0.1", "--directory", str(out)), tmp / "http.log"
    )
    url = f"http://127.0.0.1:{port}"
    proc.wait_ready(lambda: httpx.get(url + "/index.html", timeout=2).status_code == 200)
    yield url, out
    proc.stop()


def test_production_build_has_no_dev_files_and_points_at_the_public_url(plain_server: tuple[str, Path]) -> None:
    _, out = plain_server
    assert not (out / "dev").exists()
    html = (out / "index.html").read_text()
    assert OFFICE_JS_CDN in html and "office-sim" not in html
    manifest = (out / "manifest.xml").read_text()
    urls = set(re.findall(r'(?:DefaultValue|Location)="(https?://[^"]+)"', manifest))
    assert urls and all(u.startswith("https://addin.example.com/") for u in urls), urls
    for url in urls:  # every file the manifest names is in the build
        assert (out / url.removeprefix("https://addin.example.com/").split("#")[0]).is_file(), url


@pytest.mark.browser
def test_plain_http_server_boots_the_pane(browser: Browser, plain_server: tuple[str, Path]) -> None:
    url, _ = plain_server
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # Office.js comes from Microsoft's CDN, unreachable here: answer it with the simulated host.
    def office(route: Route) -> None:
        route.fulfill(path=SIMULATED_HOST, content_type="text/javascript")

    page.route(OFFICE_JS_CDN, office)
    # PyScript runs the page's Python: its `py:done` event reaches the document.
    page.add_init_script("document.addEventListener('py:done', () => { window.__pyDone = true; });")
    page.goto(url + "/index.html")
    page.wait_for_function("window.__pyDone === true", timeout=60_000)
    page.wait_for_selector("#app[data-state='ready']", timeout=60_000)
    context.close()
    assert errors == []
    assert [r for r in requests if not r.startswith(url)] == [OFFICE_JS_CDN]
