"""The receipt is checked against what was sent, digest by digest, and the CRM's link to the record is
offered only when it is a web address of the CRM itself. Expected values are literal (FIPS 180-2 test
vectors for SHA-256), not computed with the code under test."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from mailconnector.core.receipt_check import SentContent, checked_record_url, verify
from mailconnector.core.state import AppState, StoredFile
from mailconnector.models import LinkResult, Receipt
from mailconnector.ui import screens_link
from mailconnector.ui.i18n import Translator
from tests.unit.core_fakes import BASE, FakeClient, FakeHost, attachment, mail, make_pane, settle, sign_in

ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # SHA-256("abc")
ABD = "a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9"  # SHA-256("abd")
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # SHA-256("")


def receipt(**changes: Any) -> Receipt:
    data: dict[str, Any] = {
        "subject": "S",
        "body_html_bytes": 3, "body_html_sha256": ABC,
        "body_text_bytes": 0, "body_text_sha256": EMPTY,
        "attachments": [{"filename": "a.pdf", "size": 3, "sha256": ABC},
                        {"filename": "b.pdf", "size": 3, "sha256": ABD}],
        "eml": {"size": 3, "sha256": ABD},
    }
    data.update(changes)
    return Receipt.model_validate(data)


SENT = SentContent(files=(StoredFile("a.pdf", 3, ABC), StoredFile("b.pdf", 3, ABD)),
                   eml=StoredFile("m.eml", 3, ABD), body_html="abc", body_text="")


def test_a_receipt_holding_every_byte_as_sent_is_verified() -> None:
    check = verify(receipt(), SENT, created=True)
    assert (check.verified, check.files, check.parts) == (True, (), ())


@pytest.mark.parametrize(
    ("changes", "files", "parts"),
    [
        # same name, same size, other bytes: only the digest tells
        ({"attachments": [{"filename": "a.pdf", "size": 3, "sha256": ABD},
                          {"filename": "b.pdf", "size": 3, "sha256": ABD}]}, ("a.pdf",), ()),
        ({"attachments": [{"filename": "a.pdf", "size": 3, "sha256": ABC}]}, ("b.pdf",), ()),
        ({"attachments": [{"filename": "a.pdf", "size": 4, "sha256": ABC},
                          {"filename": "b.pdf", "size": 3, "sha256": ABD}]}, ("a.pdf",), ()),
        ({"eml": {"size": 3, "sha256": ABC}}, (), ("receipt.part.eml",)),
        ({"eml": {"size": 4, "sha256": ABD}}, (), ("receipt.part.eml",)),
        ({"eml": None}, (), ("receipt.part.eml",)),
        ({"body_html_sha256": ABD}, (), ("receipt.part.body_html",)),
        ({"body_html_bytes": 4}, (), ("receipt.part.body_html",)),
        ({"body_text_bytes": 3, "body_text_sha256": ABC}, (), ("receipt.part.body_text",)),
    ],
    ids=["attachment-bytes", "attachment-missing", "attachment-size", "eml-bytes", "eml-size", "eml-missing",
         "html-bytes", "html-size", "text-bytes"],
)
def test_each_difference_is_named_and_the_receipt_is_not_verified(
    changes: dict[str, Any], files: tuple[str, ...], parts: tuple[str, ...]
) -> None:
    check = verify(receipt(**changes), SENT, created=True)
    assert (check.verified, check.files, check.parts) == (False, files, parts)


def test_a_receipt_without_body_digests_is_not_called_verified() -> None:
    check = verify(receipt(body_html_sha256="", body_text_sha256=""), SENT, created=True)
    assert (check.verified, check.files, check.parts) == (False, (), ())


def test_a_relink_compares_only_the_files_this_run_sent() -> None:
    # the message was stored earlier (its .eml from an earlier read, maybe more files): not a mismatch
    check = verify(receipt(eml={"size": 9, "sha256": EMPTY}), SentContent(files=(StoredFile("b.pdf", 3, ABD),)),
                   created=False)
    assert (check.verified, check.files, check.parts) == (True, (), ())


# --- the record's link --------------------------------------------------------------------------------------

CRM = "https://crm.example.com/vtenext"


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example.com/vtenext/index.php?module=Contacts&action=DetailView&record=10",
        "HTTPS://CRM.example.com:443/index.php?record=10",
    ],
)
def test_a_link_on_the_crm_itself_is_offered(url: str) -> None:
    assert checked_record_url(url, CRM) == (url, "")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(document.domain)", "receipt.no_link.scheme"),
        ("JavaScript:alert(1)//https://crm.example.com/", "receipt.no_link.scheme"),
        ("data:text/html,<script>alert(1)</script>", "receipt.no_link.scheme"),
        ("vbscript:msgbox", "receipt.no_link.scheme"),
        ("//evil.example/index.php", "receipt.no_link.scheme"),
        ("/index.php?module=Contacts", "receipt.no_link.scheme"),
        ("ftp://crm.example.com/x", "receipt.no_link.scheme"),
        (" https://crm.example.com/x", "receipt.no_link.scheme"),
        ("https://crm.example.com\\@evil.example/", "receipt.no_link.scheme"),
        ("https://crm.example.com\t.evil.example/", "receipt.no_link.scheme"),
        ("https://crm.example.com:99999/", "receipt.no_link.scheme"),
        ("https://evil.example/index.php?module=Contacts&record=10", "receipt.no_link.origin"),
        ("https://crm.example.com.evil.example/", "receipt.no_link.origin"),
        ("https://crm.example.com@evil.example/", "receipt.no_link.origin"),
        ("https://user@crm.example.com/", "receipt.no_link.origin"),
        ("http://crm.example.com/index.php", "receipt.no_link.origin"),  # downgraded to plain http
        ("https://crm.example.com:8443/index.php", "receipt.no_link.origin"),
    ],
)
def test_a_link_that_is_not_the_crm_is_refused_with_a_reason(url: str, reason: str) -> None:
    assert checked_record_url(url, CRM) == ("", reason)


# --- through the pane: the fake CRM stores what it was sent, or a corrupted copy -------------------------------


def link_once(script: Callable[[FakeClient], None]) -> AppState:
    async def scenario() -> AppState:
        pane = make_pane(host=FakeHost(contents={"att-a.pdf": b"abc", "att-b.pdf": b"abd"}, eml_bytes=b"eml"),
                         script=script)
        pane.app.start(mail(attachments=(attachment("a.pdf", 3), attachment("b.pdf", 3))))
        await sign_in(pane)
        pane.app.pick_suggestion("4x10")
        pane.app.link()
        await settle(60)
        assert pane.state.screen == "receipt"
        state: AppState = pane.state
        return state

    return asyncio.run(scenario())


def texts(state: AppState, language: str) -> list[str]:
    tree = screens_link.receipt_screen(state.outcome, Translator(language))  # type: ignore[arg-type]
    return [e.text() for e in tree.walk() if e.tag == "p"]


def hrefs(state: AppState) -> list[str]:
    tree = screens_link.receipt_screen(state.outcome, Translator("en"))  # type: ignore[arg-type]
    return [str(v) for e in tree.walk() for k, v in e.attrs if k == "href"]


def test_an_honest_crm_gives_a_verified_receipt_and_its_link() -> None:
    state = link_once(lambda client: None)
    assert state.outcome is not None and state.outcome.verified
    assert "Checked: the CRM holds the message text and every file byte for byte as they were sent (SHA-256)." in (
        texts(state, "en"))
    assert hrefs(state) == [f"{BASE}/index.php?module=Contacts&action=DetailView&record=10"]


@pytest.mark.parametrize(
    ("stored", "en", "it"),
    [
        ("a.pdf", "The CRM does not hold these as they were sent: a.pdf",
         "Il CRM non contiene queste parti come sono state inviate: a.pdf"),
        (".eml", "The CRM does not hold these as they were sent: the original message (.eml)",
         "Il CRM non contiene queste parti come sono state inviate: il messaggio originale (.eml)"),
        ("body_html", "The CRM does not hold these as they were sent: the message text (HTML)",
         "Il CRM non contiene queste parti come sono state inviate: il testo del messaggio (HTML)"),
        ("body_text", "The CRM does not hold these as they were sent: the message text (plain)",
         "Il CRM non contiene queste parti come sono state inviate: il testo del messaggio (testo semplice)"),
    ],
)
def test_a_same_length_corruption_is_reported_not_verified(stored: str, en: str, it: str) -> None:
    def script(client: FakeClient) -> None:
        client.corrupt[stored] = lambda data: bytes([data[0] ^ 1]) + data[1:]  # same length, one bit

    state = link_once(script)
    assert state.outcome is not None and not state.outcome.verified
    assert en in texts(state, "en") and it in texts(state, "it")
    assert not any(text.startswith("Checked") for text in texts(state, "en"))


@pytest.mark.parametrize(
    ("url", "en", "it"),
    [
        ("javascript:alert(1)",
         "No link to the record is shown: the CRM gave an address that is not a web page.",
         "Nessun link al record: il CRM ha fornito un indirizzo che non è una pagina web."),
        ("https://evil.example/login",
         "No link to the record is shown: the CRM gave an address on another site. Open the record from the CRM "
         "itself.",
         "Nessun link al record: il CRM ha fornito un indirizzo di un altro sito. Apri il record direttamente "
         "dal CRM."),
    ],
)
def test_a_crm_link_elsewhere_is_not_shown_and_the_pane_says_why(url: str, en: str, it: str) -> None:
    def script(client: FakeClient) -> None:
        honest = client.defaults["link"]

        def rewritten(*args: Any, **kwargs: Any) -> LinkResult:
            result: LinkResult = honest(*args, **kwargs)
            return result.model_copy(update={"target": result.target.model_copy(update={"url": url})})

        client.defaults["link"] = rewritten

    state = link_once(script)
    assert state.outcome is not None and state.outcome.record_url == ""
    assert hrefs(state) == []
    assert en in texts(state, "en") and it in texts(state, "it")
