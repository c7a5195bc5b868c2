"""Connection failures the browser reports only as "fetch failed": a host that does not exist, a CRM
whose certificate the browser does not trust (TLS failure), a server that refuses the add-in's origin
(CORS). Each gets the same explained message, in English and Italian, and nothing is sent anywhere
else; the pane stays on the address form so the user can correct it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver
from tests.conftest import RunningSite
from tests.support.processes import ServerProcess, free_port, python_module

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def untrusted_https(site: RunningSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An HTTPS server whose development CA this browser has never been told to trust."""
    tmp: Path = tmp_path_factory.mktemp("tls")
    port = free_port()
    proc = ServerProcess(
        python_module("server", "serve", "--https", "--no-build", "--root", str(site.root), "--port", str(port),
                      "--cert-dir", str(tmp / "certs")),
        tmp / "https.log",
    )
    url = f"https://localhost:{port}"
    proc.wait_ready(lambda: httpx.get(url + "/index.html", verify=False, timeout=2).status_code == 200)
    yield url
    proc.stop()


@pytest.mark.parametrize("language", ["en-US", "it-IT"])
def test_unreachable_untrusted_and_cross_origin_refused_crms_are_explained(
    pane: PaneDriver, site: RunningSite, untrusted_https: str, language: str
) -> None:
    t = Translator(language)
    flow = Flow(pane)
    page = flow.page
    flow.open(displayLanguage=language)
    flow.screen("connect")
    expected = t.t("error.CORS_OR_NETWORK")
    # The pane's own server answers under another origin name, without CORS headers: refused by the browser.
    cross_origin = site.url.replace("127.0.0.1", "localhost")
    for address, base in (("crm.does-not-exist.invalid", "https://crm.does-not-exist.invalid"),
                          (untrusted_https, untrusted_https), (cross_origin, cross_origin)):
        # The browser itself refuses the request (DNS, certificate, CORS), then the pane explains.
        with page.expect_event("requestfailed", lambda r, base=base: r.url.startswith(base)):
            flow.connect(address, "anna")
        page.wait_for_function(
            """text => document.querySelector("form[data-form='connect'][aria-busy='false']")
                      && document.querySelector("form[data-form] [role='alert']")?.innerText === text""",
            arg=expected,
        )
        flow.screen("connect")
    # Only the three addresses were tried; no other host was contacted.
    tried = {u.split("/restapi/")[0] for u in pane.requests if "/restapi/" in u}
    assert tried == {"https://crm.does-not-exist.invalid", untrusted_https, cross_origin}
    assert pane.page_errors == []
