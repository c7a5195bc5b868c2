"""The add-in's server, over real HTTP: MIME types, caching, precompression, headers, path safety."""

from __future__ import annotations

import gzip
import os
import re
import time
import uuid
from pathlib import Path

import brotli
import httpx
import pytest

from tests.conftest import RunningSite
from tests.support.canaries import ESCAPES, Canaries, escaping_path, plant, raw_get


def get(site: RunningSite, path: str, **headers: str) -> httpx.Response:
    # Accept-Encoding identity unless a test asks: httpx would otherwise decode transparently.
    return httpx.get(site.url + path, headers={"Accept-Encoding": "identity", **headers}, timeout=10)


def runtime_path(site: RunningSite, name: str) -> str:
    html = get(site, "/index.html").text
    match = re.search(r'href="\./(runtime/[0-9a-f]{12})/', html)
    assert match, "index.html names the hashed runtime folder"
    return f"/{match.group(1)}/{name}"


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("pyodide/pyodide.asm.wasm", "application/wasm"),
        ("pyodide/pyodide.mjs", "text/javascript"),
        ("pyodide/pyodide-lock.json", "application/json"),
        ("pyscript/core.js", "text/javascript"),
        ("pyscript/core.css", "text/css"),
        ("pyodide/httpx-0.28.1-py3-none-any.whl", "application/zip"),
    ],
)
def test_runtime_files_have_the_right_type_and_are_immutable(site: RunningSite, name: str, mime: str) -> None:
    response = get(site, runtime_path(site, name))
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == mime
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_html_entry_is_revalidated_and_carries_the_csp(site: RunningSite) -> None:
    response = get(site, "/index.html")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"].split() == [
        "'self'", "'wasm-unsafe-eval'", "'unsafe-eval'", "https://appsforoffice.microsoft.com",
        "https://officeapis.public.onecdn.static.microsoft", "https://ajax.aspnetcdn.com",
    ]
    assert "'unsafe-inline'" not in csp
    assert directives["object-src"] == "'none'"
    assert "frame-ancestors" in directives
    # The root serves the same entry.
    assert get(site, "/").text == response.text


def test_revalidation_answers_304_with_the_etag(site: RunningSite) -> None:
    first = get(site, "/index.html")
    again = get(site, "/index.html", **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_every_hashed_name_in_the_entry_is_served_and_immutable(site: RunningSite) -> None:
    html = get(site, "/index.html").text
    urls = re.findall(r'(?:href|src|config|data-pyscript)="\./([^"]+)"', html)
    hashed = [u for u in urls if re.search(r"[0-9a-f]{12}", u)]
    assert len(hashed) >= 5, urls
    for rel in hashed:
        response = get(site, "/" + rel)
        assert response.status_code == 200, rel
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable", rel


@pytest.mark.parametrize(("encoding", "decode"), [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_runtime_is_served_precompressed(site: RunningSite, encoding: str, decode: object) -> None:
    path = runtime_path(site, "pyodide/pyodide.asm.wasm")
    plain = get(site, path).content
    with httpx.stream("GET", site.url + path, headers={"Accept-Encoding": encoding}, timeout=10) as response:
        raw = b"".join(response.iter_raw())  # the bytes on the wire, not decoded by httpx
    assert response.headers["content-encoding"] == encoding
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) == len(raw) < len(plain) * 0.5
    assert decode(raw) == plain  # type: ignore[operator]


def test_brotli_is_preferred_and_identity_is_the_fallback(site: RunningSite) -> None:
    path = runtime_path(site, "pyodide/pyodide.mjs")
    assert get(site, path, **{"Accept-Encoding": "gzip, deflate, br"}).headers["content-encoding"] == "br"
    assert get(site, path, **{"Accept-Encoding": "br;q=0, gzip"}).headers["content-encoding"] == "gzip"
    assert "content-encoding" not in get(site, path).headers


def test_the_demo_build_serves_the_simulated_host_and_sample_mails(site: RunningSite) -> None:
    html = get(site, "/index.html").text
    assert "./dev/office-sim.js" in html
    assert "appsforoffice.microsoft.com" not in html


@pytest.fixture(scope="module")
def canaries(site: RunningSite) -> Canaries:
    return plant(site.root)


def test_the_canaries_exist_and_the_same_request_path_reads_a_file(site: RunningSite, canaries: Canaries) -> None:
    """The control: the canaries are real files, and the raw request below does fetch a served file."""
    assert all(path.read_text() == canaries.secret for path in canaries.all())
    status, data = raw_get(site.url, "/index.html")
    assert status == b"200" and b"<html" in data


@pytest.mark.parametrize("template", ESCAPES)
def test_paths_out_of_the_root_or_to_hidden_files_are_refused(site: RunningSite, canaries: Canaries,
                                                              template: str) -> None:
    path = escaping_path(template, canaries)
    status, data = raw_get(site.url, path)
    assert status in (b"404", b"400"), (path, data[:200])
    assert canaries.secret.encode() not in data, path


@pytest.mark.parametrize("path", ["/index.html%00.png", "//etc/passwd", "/nonexistent.js", "/runtime/"])
def test_odd_paths_are_refused_with_404(site: RunningSite, path: str) -> None:
    status, data = raw_get(site.url, path)
    assert status in (b"404", b"400"), (path, data[:200])
    assert b"root:" not in data


def test_symlinks_out_of_the_root_are_not_followed(site: RunningSite, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    link = site.root / "leak.txt"
    os.symlink(secret, link)
    try:
        response = get(site, "/leak.txt")
    finally:
        link.unlink()
    assert response.status_code == 404
    assert "top secret" not in response.text


def test_only_get_and_head(site: RunningSite) -> None:
    assert httpx.post(site.url + "/index.html", timeout=10).status_code == 405
    head = httpx.head(site.url + "/index.html", timeout=10)
    assert head.status_code == 200 and head.content == b""


def test_one_log_line_per_request(site: RunningSite) -> None:
    marker = f"/log-marker-{uuid.uuid4().hex}.js"
    after = f"/log-after-{uuid.uuid4().hex}.js"
    get(site, marker)
    get(site, after)  # logged after the marker's line: once it is there, the marker's lines all are
    deadline = time.monotonic() + 60
    while after not in (log := site.process.log_tail(200_000)):
        assert time.monotonic() < deadline, "the server never logged the request"
        time.sleep(0.02)
    lines = [line for line in log.splitlines() if marker in line]
    assert len(lines) == 1, lines
    assert re.search(rf'"GET {re.escape(marker)}" 404 ', lines[0])
