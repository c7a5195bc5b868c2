"""Sideloading over HTTPS, end to end: the real `python -m server serve --https` process.

The server generates its development CA and localhost certificate in a fresh folder; a client that
trusts only that CA must reach every URL of the manifest the server publishes, and the pane.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from mailconnector.version import VERSION
from server.manifest import manifest_urls, render_manifest
from tests.conftest import build_site
from tests.support.processes import ServerProcess, free_port, python_module

EXPECTED_TYPES = {".png": "image/png", ".html": "text/html", ".css": "text/css", ".xml": "application/xml"}
# A first build on a fresh clone takes the boot snapshot and compresses the runtime (over a minute, several on a
# busy machine): a hang guard for this module's setup, not a performance bound.
pytestmark = pytest.mark.timeout(900)


@dataclass
class HttpsServer:
    base: str  # https://localhost:PORT/
    ca_cert: Path
    client: httpx.Client  # trusts the generated CA and nothing else


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsServer]:
    tmp = tmp_path_factory.mktemp("https")
    cert_dir = tmp / "certs"
    port = free_port()
    # The same build once beforehand, to completion: the server's own build then finds the snapshot and the
    # compressed files in the build cache, and its start is not a race against a cold build.
    build_site(tmp / "warm-up", dev=False, base_url=f"https://localhost:{port}/")
    proc = ServerProcess(
        python_module(
            "server", "serve", "--https", "--port", str(port), "--cert-dir", str(cert_dir),
            "--root", str(tmp / "dist"),
        ),
        tmp / "serve.log",
    )
    base = f"https://localhost:{port}/"
    ca_cert = cert_dir / "ca.pem"
    clients: list[httpx.Client] = []

    def ready() -> bool:
        if not ca_cert.exists():
            return False  # the server writes its CA before it listens
        if not clients:
            clients.append(httpx.Client(verify=ssl.create_default_context(cafile=str(ca_cert)), timeout=10))
        clients[0].get(base + "index.html")  # any answer: up (the tests judge the status)
        return True

    try:
        proc.wait_ready(ready, timeout=120)
        yield HttpsServer(base=base, ca_cert=ca_cert, client=clients[0])
    finally:
        for client in clients:
            client.close()
        proc.stop()


def test_the_certificate_chain_verifies_against_the_generated_ca_only(https_server: HttpsServer) -> None:
    # Trusting the CA: the handshake succeeds (the fixture's client) ...
    assert https_server.client.get(https_server.base + "index.html").status_code == 200
    # ... and without it the same server is rejected, so the check above was a real verification.
    with (
        httpx.Client(timeout=10) as public_roots_only,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE"),
    ):
        public_roots_only.get(https_server.base + "index.html")


def test_the_server_publishes_the_manifest_for_its_own_https_address(https_server: HttpsServer) -> None:
    response = https_server.client.get(https_server.base + "manifest.xml")
    assert response.status_code == 200
    assert response.text == render_manifest(https_server.base, VERSION)


def test_every_manifest_url_is_served_over_https(https_server: HttpsServer) -> None:
    urls = manifest_urls(render_manifest(https_server.base, VERSION))
    assert len(set(urls)) >= 7  # pane, support page (+ Italian anchor), five icons at least
    for url in sorted(set(urls)):
        assert url.startswith(https_server.base), url
        response = https_server.client.get(url)
        assert response.status_code == 200, url
        suffix = Path(url.split("#")[0]).suffix
        assert response.headers["content-type"].startswith(EXPECTED_TYPES[suffix]), (url, response.headers)
        assert response.content, url


def test_the_pane_and_the_support_page_load_their_files_over_https(https_server: HttpsServer) -> None:
    for page in ("index.html", "support.html"):
        response = https_server.client.get(https_server.base + page)
        assert response.status_code == 200, page
        assert "text/html" in response.headers["content-type"]
        local_refs = [
            ref
            for ref in re.findall(r'(?:src|href)="([^"#]+)"', response.text)
            if not re.match(r"[a-z]+:", ref)  # same-origin references only (not the Office CDN)
        ]
        assert local_refs, page
        for ref in local_refs:
            url = urljoin(https_server.base + page, ref)
            assert https_server.client.get(url).status_code == 200, (page, ref)
