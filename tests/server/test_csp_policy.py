"""The Content Security Policy, pinned literally as the README documents it (issue #16): the test does not read
the server's constant, so loosening connect-src, frame-ancestors or script-src fails here until the policy,
this file and the README are changed together on purpose. Also: frame-ancestors chosen at build time."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from server import site_config
from server.static import StaticSite
from tests.conftest import RunningSite

README = Path(__file__).resolve().parents[2] / "README.md"

POLICY = (
    "default-src 'none'; "
    "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval' https://appsforoffice.microsoft.com "
    "https://officeapis.public.onecdn.static.microsoft https://ajax.aspnetcdn.com; "
    "style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
    "connect-src 'self' https: http://localhost:* http://127.0.0.1:*; worker-src 'self' blob:; frame-src 'self'; "
    "manifest-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'; "
    "frame-ancestors 'self' https://*.office.com https://*.office365.com https://*.outlook.com "
    "https://outlook.live.com https://*.microsoft.com https://*.officeapps.live.com https://*.cloud.microsoft"
)


def _words(policy: str) -> str:
    return " ".join(policy.split())


@pytest.mark.parametrize("path", ["/index.html", "/support.html", "/no-such-file"])
def test_the_server_sends_exactly_the_documented_policy(site: RunningSite, path: str) -> None:
    response = httpx.get(site.url + path, timeout=30)
    assert response.headers["content-security-policy"] == POLICY


def test_the_readme_documents_exactly_this_policy() -> None:
    block = re.search(r"this Content Security Policy:\n\n```\n(.*?)```", README.read_text(), re.S)
    assert block, "README: the CSP block after 'this Content Security Policy:'"
    assert _words(block.group(1)) == _words(POLICY)


def test_frame_ancestors_are_chosen_at_build_time(tmp_path: Path) -> None:
    ancestors = site_config.parse_frame_ancestors("'self' https://mail.contoso.com https://*.contoso.net:8443")
    site_config.write(tmp_path, site_config.SiteConfig(ancestors))
    csp = StaticSite(tmp_path).headers["Content-Security-Policy"]
    assert csp.endswith("; frame-ancestors 'self' https://mail.contoso.com https://*.contoso.net:8443")
    assert csp.removesuffix(csp.split("; ")[-1]) == POLICY.removesuffix(POLICY.split("; ")[-1])
    # Without a build setting: Microsoft's public hosts.
    assert StaticSite(tmp_path / "elsewhere").headers["Content-Security-Policy"] == POLICY


@pytest.mark.parametrize("value", [
    "*", "https:", "https://*", "http://mail.contoso.com", "https://mail.contoso.com; script-src *",
    "https://mail.contoso.com/path", "'unsafe-inline'", "", "data:",
])
def test_frame_ancestors_that_would_widen_the_policy_are_refused(value: str) -> None:
    with pytest.raises(site_config.SiteConfigError, match="frame-ancestors"):
        site_config.parse_frame_ancestors(value)


def test_icons_and_the_support_page_may_be_loaded_by_outlook_cross_origin(site: RunningSite) -> None:
    for path in ("/assets/icon-32.png", "/assets/icon-80.png", "/support.html"):
        assert httpx.get(site.url + path, timeout=30).headers["cross-origin-resource-policy"] == "cross-origin", path
    # Everything else stays same-origin.
    assert httpx.get(site.url + "/index.html", timeout=30).headers["cross-origin-resource-policy"] == "same-origin"
