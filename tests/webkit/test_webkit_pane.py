"""The pane in WebKit (Outlook for Mac's WKWebView, Safari): it starts from the build's snapshot, taken in
Chromium, thanks to the table-identity correction (addin/loader/table-identity.mjs), links a mail, and
falls back to the plain boot, keeping its cached copies, when the table does not match the build's.

These are what fails loudly when a Pyodide or WebKit upgrade breaks the correction: the restore marks
are asserted, and a fallback is a failure here.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
import pytest

from mailconnector.ui.i18n import Translator
from tests.conftest import RunningCrm
from tests.webkit.pane import WebKitPane

pytestmark = pytest.mark.webkit

def boot_caches(pane: WebKitPane) -> list[str]:
    names: list[str] = pane.session.run_async(
        "caches.keys().then(keys => keys.filter(k => k.startsWith('mail-connector-boot/')))"
    )
    return names


def test_the_pane_starts_from_the_chromium_made_snapshot_in_webkit(webkit_pane: WebKitPane) -> None:
    pane = webkit_pane
    pane.open()
    pane.wait_ready()
    seen = pane.marks()
    # JavaScriptCore's tables lack the identity Emscripten relies on: corrected, then the heap restored.
    assert "mc:table-corrected" in seen
    assert {"mc:wasm-ready", "mc:heap-restored", "mc:snapshot-restored"} <= seen
    assert not {"mc:plain-boot", "mc:table-mismatch", "mc:snapshot-skipped"} & seen
    assert pane.python_errors() == []

    # A later start in the same WebKit reads the decoded copies from Cache Storage and restores again.
    pane.session.wait_for("performance.getEntriesByName('mc:cache-stored').length > 0", what="copies stored")
    pane.open()
    pane.wait_ready()
    seen = pane.marks()
    assert {"mc:cache-hit:snapshot.bin", "mc:snapshot-restored"} <= seen and "mc:plain-boot" not in seen


def test_an_uncorrected_table_boots_the_plain_way_and_keeps_the_cached_copies(webkit_pane: WebKitPane) -> None:
    pane = webkit_pane
    pane.open()
    pane.wait_ready()
    pane.session.wait_for("performance.getEntriesByName('mc:cache-stored').length > 0", what="copies stored")
    stored = boot_caches(pane)
    assert len(stored) == 1

    # WebKit's own layout (972 more slots) is not the build's: refused before the heap is copied in ...
    pane.open("?mc-table=uncorrected")
    pane.wait_ready()
    seen = pane.marks()
    assert {"mc:table-uncorrected", "mc:table-mismatch", "mc:plain-boot"} <= seen
    assert "mc:snapshot-restored" not in seen
    assert pane.python_errors() == []
    # ... the plain boot runs the same pane, and the copies, which were not at fault, are kept.
    pane.screen("connect")
    assert boot_caches(pane) == stored

    pane.open()
    pane.wait_ready()
    seen = pane.marks()
    assert {"mc:cache-hit:snapshot.bin", "mc:snapshot-restored"} <= seen


PDF = b"%PDF-1.4\n" + bytes(range(256)) * 12 + b"\n%%EOF\n"
NOTE = "Consegna entro dicembre: 10 licenze.\r\n"


def mail(message_id: str) -> dict[str, Any]:
    """A mail from a Contact of the demo CRM (Paolo Neri, found by searching), with two files."""
    return {
        "subject": "Ordine licenze WebKit",
        "from": {"name": "Paolo Neri", "address": "paolo.neri@example.net"},
        "to": [{"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}],
        "date": "2024-11-12T10:15:00+01:00",
        "internetMessageId": message_id,
        "bodyText": "Buongiorno Anna,\r\nin allegato l'ordine.\r\nPaolo\r\n",
        "attachments": [
            {"name": "ordine.pdf", "contentType": "application/pdf", "base64": base64.b64encode(PDF).decode()},
            {"name": "note.txt", "contentType": "text/plain", "text": NOTE},
        ],
    }


def test_connect_sign_in_search_link_and_receipt_in_webkit(webkit_pane: WebKitPane, crm: RunningCrm) -> None:
    t = Translator("en-US")
    pane = webkit_pane
    s = pane.session
    pane.open()
    pane.wait_ready()
    assert "mc:snapshot-restored" in pane.marks() and "mc:plain-boot" not in pane.marks()
    pane.screen("connect")

    # Outlook selects the mail to link (ItemChanged in a pinned pane).
    message_id = f"<webkit-{uuid.uuid4().hex}@example.net>"
    s.run("OfficeSim.loadJson(arguments[0])", mail(message_id))
    s.wait_for("document.querySelector('#mail-subject')?.textContent === 'Ordine licenze WebKit'", what="subject")

    # --- connect and sign in --------------------------------------------------------------------------------------
    s.fill("#mc-url", crm.url.removeprefix("http://"))
    s.fill("#mc-username", "anna")
    s.click("form[data-form='connect'] button[type='submit']")
    pane.screen("password")
    s.fill("#mc-password", "anna123")
    s.click("form[data-form='password'] button[type='submit']")
    pane.screen("record")

    # --- search for the record among the Contacts and pick it ---------------------------------------------------------
    s.click("#mc-module option[value='Contacts']")
    s.wait_for("document.querySelector('#mc-module').value === 'Contacts'", what="Contacts chosen")
    s.fill("#mc-query", "paolo neri")
    s.wait_for(
        "document.querySelector('#mc-query').value === 'paolo neri' && "
        "document.querySelector('#mc-search-status')?.dataset.status === 'results'",
        what="search results",
    )
    row = "#mc-results .record"
    assert "Paolo Neri" in pane.text(row)
    s.click(row)

    # --- preflight, link, receipt read back from the CRM --------------------------------------------------------------
    pane.screen("preflight")
    s.click("[data-action='link']")
    pane.screen("receipt")
    s.wait_for("document.querySelector('.verified')", what="verified receipt")
    assert pane.text(".verified") == t.t("receipt.verified")
    assert t.plural("receipt.files", 2, size=t.size(len(PDF) + len(NOTE.encode()))) in pane.text("#mc-receipt")

    def rows(what: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = httpx.get(f"{crm.url}/_test/{what}", params={"messageid": message_id}).json()
        return found

    assert len(rows("messages")) == 1
    documents = rows("documents")
    files = sorted((d["filename"], d["filesize"]) for d in documents if d["kind"] == "attachment")
    assert files == [("note.txt", len(NOTE.encode())), ("ordine.pdf", len(PDF))]
    assert [d["kind"] for d in documents].count("eml") == 1 and all(d["stored"] for d in documents)
    (link,) = rows("links")
    assert (link["module"], link["label"], link["linked_by"]) == ("Contacts", "Paolo Neri", "anna")
    assert pane.python_errors() == []


def test_asking_the_permission_ahead_spares_the_search_its_preflight_in_webkit(
    webkit_pane: WebKitPane, crm: RunningCrm
) -> None:
    """Outlook for Mac's engine keeps a CORS permission as Chromium does: after the pane's bare OPTIONS
    (the search being typed, see tests/browser/test_page_module.py), the POST goes without a preflight."""
    pane = webkit_pane
    pane.open()
    pane.session.wait_for("typeof MailConnectorPage === 'object'", what="page.mjs loaded")
    tag = uuid.uuid4().hex
    asked = f"{crm.url}/restapi/v1/vtews/mcstatus?t={tag}-asked"  # addresses never called before
    cold = f"{crm.url}/restapi/v1/vtews/mcstatus?t={tag}-cold"
    statuses = pane.session.run_async(
        """(async ([asked, cold]) => {
          const page = MailConnectorPage;
          const permission = await page.send(asked, "OPTIONS", [], null, 10000).answer;
          const headers = [["Authorization", "Basic " + btoa("anna:token")],
                           ["Content-Type", "application/x-www-form-urlencoded"]];
          const post = async (url) => (await page.send(url, "POST", headers, new Uint8Array(), 10000).answer).status;
          return [permission.status, await post(asked), await post(cold)];
        })(args)""",
        asked,
        cold,
    )
    assert statuses == [200, 200, 200]

    def seen(url: str) -> list[str | None]:
        query = url.split("?", 1)[1]
        return [p["requested_method"] for p in httpx.get(f"{crm.url}/_test/preflights").json() if p["query"] == query]

    assert seen(asked) == ["OPTIONS", None]
    assert seen(cold) == ["POST"]
