"""The CRM address as typed by users, normalised to one canonical base (crm-protocol §1)."""

from __future__ import annotations

import pytest

from mailconnector.crm.errors import InsecureUrl, MalformedUrl
from mailconnector.crm.urls import endpoint_url, normalise_crm_url

SAME_SITE = [
    "crm.example.com",
    "CRM.Example.COM",
    "https://crm.example.com",
    "https://crm.example.com/",
    "HTTPS://crm.example.com/index.php",
    "https://crm.example.com/index.php?module=Home&action=index",
    "https://crm.example.com/#/dashboard",
    "https://crm.example.com/restapi/v1/vtews/listtypes",
    "crm.example.com/restapi/",
    "https://crm.example.com:443/",
    "  https://crm.example.com/  ",
    "crm.example.com.",
    "https://crm.example.com//index.php",
    "https://crm.example.com/webservice.php",
]


@pytest.mark.parametrize("typed", SAME_SITE)
def test_variants_of_one_site_give_one_base(typed: str) -> None:
    assert normalise_crm_url(typed).base == "https://crm.example.com"


@pytest.mark.parametrize(
    ("typed", "base"),
    [
        ("crm.example.com/vtenext", "https://crm.example.com/vtenext"),
        ("crm.example.com/vtenext/", "https://crm.example.com/vtenext"),
        ("https://crm.example.com/vtenext/index.php", "https://crm.example.com/vtenext"),
        ("https://crm.example.com/vtenext/index.php?module=Contacts", "https://crm.example.com/vtenext"),
        ("https://crm.example.com/a/b/restapi/v1/vtews/query", "https://crm.example.com/a/b"),
        ("https://crm.example.com/Vtenext/", "https://crm.example.com/Vtenext"),  # paths keep case
        ("https://crm.example.com/my crm/", None),  # whitespace is refused (below)
        ("https://crm.example.com/crm%20eu/", "https://crm.example.com/crm%20eu"),
        ("https://crm.example.com/crmè/", "https://crm.example.com/crm%C3%A8"),
        ("crm.example.com:8443", "https://crm.example.com:8443"),
        ("https://crm.example.com:8443/vtenext", "https://crm.example.com:8443/vtenext"),
        ("localhost", "http://localhost"),
        ("localhost:8000", "http://localhost:8000"),
        ("http://localhost:8000/index.php", "http://localhost:8000"),
        ("https://localhost:8443", "https://localhost:8443"),
        ("127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.0.0.1", "http://127.0.0.1"),
        ("http://127.0.0.1:80/", "http://127.0.0.1"),
        ("[::1]:8080", "http://[::1]:8080"),
        ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]"),
        ("[2001:db8::1]", "https://[2001:db8::1]"),
        ("https://[2001:DB8:0::1]:8443/crm", "https://[2001:db8::1]:8443/crm"),
        ("10.0.0.5", "https://10.0.0.5"),
        ("crm", "https://crm"),
        ("crm-01.intra_net.local", "https://crm-01.intra_net.local"),
        ("bücher.example", "https://xn--bcher-kva.example"),
        ("https://BÜCHER.example/vtenext", "https://xn--bcher-kva.example/vtenext"),
        ("xn--bcher-kva.example", "https://xn--bcher-kva.example"),
        ("例え.テスト", "https://xn--r8jz45g.xn--zckzah"),
    ],
)
def test_normalisation(typed: str, base: str | None) -> None:
    if base is None:
        with pytest.raises(MalformedUrl):
            normalise_crm_url(typed)
    else:
        assert normalise_crm_url(typed).base == base


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "EMPTY"),
        ("   ", "EMPTY"),
        ("crm example.com", "WHITESPACE"),
        ("crm.example.com\n", None),  # trailing newline is just trimmed (pasted text)
        ("crm.exa\tmple.com", "WHITESPACE"),
        ("ftp://crm.example.com", "SCHEME"),
        ("javascript://alert(1)", "SCHEME"),
        ("https:crm.example.com", "SCHEME"),
        ("mailto:admin@example.com", "SCHEME"),
        ("https://", "HOST"),
        ("https:///index.php", "HOST"),
        ("https://user:pass@crm.example.com", "CREDENTIALS"),
        ("https://anna@crm.example.com", "CREDENTIALS"),
        ("crm.example.com:0", "PORT"),
        ("crm.example.com:65536", "PORT"),
        ("crm.example.com:http", "PORT"),
        ("crm.example.com:", "PORT"),
        ("crm.example.com:８０", "PORT"),
        ("2001:db8::1", "HOST"),
        ("[2001:db8::zz]", "HOST"),
        ("[2001:db8::1", "HOST"),
        ("[::1]x", "HOST"),
        ("999.1.1.1", "HOST"),
        ("1.2.3", "HOST"),
        ("crm..example.com", "HOST"),
        ("-crm.example.com", "HOST"),
        ("crm!.example.com", "HOST"),
        ("a" * 64 + ".example.com", "HOST"),
        ("xn--.example", "HOST"),
        ("https://crm.example.com/../admin", "PATH"),
    ],
)
def test_malformed_addresses_say_what_is_wrong(typed: str, reason: str | None) -> None:
    if reason is None:
        assert normalise_crm_url(typed).base == "https://crm.example.com"
        return
    with pytest.raises(MalformedUrl) as caught:
        normalise_crm_url(typed)
    assert caught.value.reason == reason
    assert caught.value.code == "MALFORMED_URL"


@pytest.mark.parametrize(
    "typed",
    [
        "http://crm.example.com",
        "http://crm.example.com:8080/vtenext",
        "HTTP://crm.example.com/index.php",
        "http://10.0.0.5",
        "http://[2001:db8::1]",
        "http://localhost.example.com",
        "http://127.0.0.2",
    ],
)
def test_plain_http_is_refused_except_for_this_machine(typed: str) -> None:
    with pytest.raises(InsecureUrl) as caught:
        normalise_crm_url(typed)
    assert caught.value.reason == "HTTP_NOT_ALLOWED"
    assert caught.value.code == "INSECURE_URL"


def test_endpoint_is_under_the_base_path() -> None:
    url = normalise_crm_url("https://crm.example.com/vtenext/index.php")
    assert url.endpoint("mcstatus") == "https://crm.example.com/vtenext/restapi/v1/vtews/mcstatus"
    assert endpoint_url("http://127.0.0.1:8000/", "query") == "http://127.0.0.1:8000/restapi/v1/vtews/query"


def test_parts_and_display_host() -> None:
    url = normalise_crm_url("https://Bücher.example:8443/crm/")
    assert (url.scheme, url.host, url.port, url.path) == ("https", "xn--bcher-kva.example", 8443, "/crm")
    assert url.display_host == "bücher.example"
    assert str(url) == url.base


def test_normalising_twice_changes_nothing() -> None:
    for typed in [*SAME_SITE, "crm.example.com:8443/vtenext", "[::1]:8080", "bücher.example"]:
        once = normalise_crm_url(typed).base
        assert normalise_crm_url(once).base == once
