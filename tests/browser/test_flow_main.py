"""The main path a user takes, in Chromium against the local CRM and the simulated Outlook, in both
languages: connect (address feedback, wrong then right password) → suggestion → preflight → link
→ receipt read back from the CRM → relink stores nothing new → sign out revokes the token.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver
from tests.conftest import RunningCrm

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 12 + b"\n%%EOF\n"
NOTE = "Consegna entro dicembre: 10 licenze.\r\n"


def flow_mail(message_id: str, subject: str = "Offerta licenze 2025",
              sender: tuple[str, str] = ("Mario Rossi", "mario.rossi@example.it")) -> dict[str, Any]:
    """A received mail (by default from Mario Rossi, a Contact of the demo CRM) with two files and a
    cloud file."""
    return {
        "subject": subject,
        "from": {"name": sender[0], "address": sender[1]},
        "to": [{"name": "Anna Rossi", "address": "anna.rossi@acme-crm.example"}],
        "date": "2024-11-12T10:15:00+01:00",
        "internetMessageId": message_id,
        "bodyText": "Buongiorno Anna,\r\nin allegato l'offerta.\r\nMario\r\n",
        "bodyHtml": "<html><body><p>Buongiorno Anna,</p><p>in allegato l'offerta.</p><p>Mario</p></body></html>",
        "attachments": [
            {"name": "offerta.pdf", "contentType": "application/pdf", "base64": base64.b64encode(PDF).decode()},
            {"name": "note.txt", "contentType": "text/plain", "text": NOTE},
            {"name": "Capitolato.docx", "attachmentType": "cloud", "size": 48_213_344,
             "url": "https://contoso.sharepoint.example/Capitolato.docx",
             "contentType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        ],
    }


def test_get(crm: RunningCrm, what: str, message_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = httpx.get(f"{crm.url}/_test/{what}", params={"messageid": message_id}).json()
    return rows


test_get.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.mark.parametrize(("language", "theme"), [("en-US", "light"), ("it-IT", "dark")])
def test_connect_link_receipt_relink_and_sign_out(pane: PaneDriver, crm: RunningCrm, language: str,
                                                  theme: str) -> None:
    t = Translator(language)
    flow = Flow(pane)
    page = flow.page
    message_id = f"<flow-{uuid.uuid4().hex}@example.it>"
    flow.open(json=flow_mail(message_id), displayLanguage=language, theme=theme)

    # the pane speaks the user's language and follows Outlook's theme
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("html").get_attribute("data-theme") == theme
    flow.screen("connect")
    assert flow.text("#mail-subject") == "Offerta licenze 2025"
    assert flow.text("#mail-from") == t.t("mail.from", sender="Mario Rossi")
    assert t.plural("mail.attachments", 3, size=t.size(len(PDF) + len(NOTE) + 48_213_344)) in flow.text("#mail-meta")
    assert flow.text("#app h1") == t.t("connect.title")

    # --- the address: feedback while typing, normalised to the same site -----------------------------------
    page.fill("#mc-url", "http://crm.example.com")
    assert flow.text("#mc-url-hint") == t.t("url.HTTP_NOT_ALLOWED")
    host = crm.url.removeprefix("http://")
    page.fill("#mc-url", f"{host}/index.php?module=Home")
    assert flow.text("#mc-url-hint") == t.t("connect.url_ok", base=crm.url)
    flow.shots("connect", t.language)
    flow.connect(f"{host}/index.php?module=Home", "anna")
    flow.screen("password")
    assert "ACME" in flow.text(".crm-card")
    flow.shots("password", t.language)

    # --- wrong password, then the right one ------------------------------------------------------------------
    flow.password("not-the-password")
    page.wait_for_selector("[role='alert']")
    assert t.t("error.INVALID_CREDENTIALS") in flow.text("[role='alert']")
    assert page.input_value("#mc-password") == ""  # cleared for the next attempt
    flow.password("anna123")
    flow.screen("record")
    assert t.t("footer.signed_in", user="Anna Rossi", host="127.0.0.1") in flow.text("#pane-footer")

    stored = flow.storage()
    assert "anna123" not in json.dumps(stored) and "not-the-password" not in json.dumps(stored)
    # the key names the mailbox and the CRM (ui/token_store.py): two mailboxes never share a session
    session_key = f"mailconnector.session|anna.rossi@acme-crm.example|{crm.url}"
    assert [k for k in stored["localStorage"] if k.startswith("mailconnector.session")] == [session_key]
    session = json.loads(stored["localStorage"][session_key])
    assert (session["url"], session["username"]) == (crm.url, "anna") and len(session["token"]) >= 32
    remembered = json.loads(stored["roamingSettings"]["mailconnector"])
    assert (remembered["url"], remembered["username"]) == (crm.url, "anna")
    assert session["token"] not in json.dumps(stored["roamingSettings"])  # the token never roams
    assert stored["sessionStorage"] == {} and stored["cookies"] == "" and stored["context_cookies"] == []

    contact = contact_label(crm, session["token"])

    # --- choosing the record: the sender's Contact is suggested first ------------------------------------------
    suggestion = page.locator("#mc-suggestions .record").first
    suggestion.wait_for()
    assert "Mario Rossi" in suggestion.inner_text()
    assert "mario.rossi@example.it" in suggestion.inner_text()
    assert page.locator(".links-slot .linked").count() == 0  # not linked yet
    flow.shots("record", t.language)
    suggestion.click()

    # --- preflight: what will be copied, linked, or left out -----------------------------------------------------
    flow.screen("preflight")
    rows = page.locator("#mc-preflight li")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert len(texts) == 5
    assert t.t("preflight.body") in texts[0]
    assert "offerta.pdf" in texts[1] and t.size(len(PDF)) in texts[1] and t.t("kind.pdf") in texts[1]
    assert "note.txt" in texts[2] and t.t("preflight.plan.copy") in texts[2]
    assert "Capitolato.docx" in texts[3] and t.t("preflight.plan.link") in texts[3]
    assert t.t("preflight.eml") in texts[4]
    flow.shots("preflight", t.language)
    page.click("[data-action='link']")

    # --- receipt: what the CRM holds, read back ---------------------------------------------------------------------
    flow.screen("receipt")
    assert flow.text(".receipt-title") == t.t("receipt.linked", module=contact, record="Mario Rossi")
    receipt = flow.text("#mc-receipt")
    assert t.plural("receipt.files", 2, size=t.size(len(PDF) + len(NOTE.encode()))) in receipt
    assert t.plural("receipt.links", 1) in receipt
    assert flow.text(".verified") == t.t("receipt.verified")
    flow.shots("receipt", t.language)
    href = page.locator("a.btn-primary").get_attribute("href")
    messages = test_get(crm, "messages", message_id)
    assert len(messages) == 1 and messages[0]["user_name"] == "anna"
    documents = test_get(crm, "documents", message_id)
    files = sorted((d["filename"], d["filesize"], d["kind"]) for d in documents if d["kind"] == "attachment")
    assert files == [("note.txt", len(NOTE.encode()), "attachment"), ("offerta.pdf", len(PDF), "attachment")]
    assert [d["kind"] for d in documents].count("eml") == 1 and all(d["stored"] for d in documents)
    (link,) = test_get(crm, "links", message_id)
    assert (link["module"], link["label"], link["linked_by"]) == ("Contacts", "Mario Rossi", "anna")
    assert href == f"{crm.url}/index.php?module=Contacts&action=DetailView&record={link['crmid']}"

    # --- linking again to the same record stores nothing new, and says so ------------------------------------------
    page.click("[data-action='link-again']")
    flow.screen("record")
    banner = page.locator(".links-slot .linked")
    banner.wait_for()
    assert t.t("linked.title") in banner.inner_text() and "Mario Rossi" in banner.inner_text()
    assert "Anna Rossi" in banner.inner_text()
    page.locator("#mc-suggestions .record").first.click()
    flow.screen("preflight")
    assert t.t("preflight.already") in flow.text(".screen")
    page.click("[data-action='link']")
    flow.screen("receipt")
    assert flow.text(".receipt-title") == t.t("receipt.already", module=contact, record="Mario Rossi")
    assert len(test_get(crm, "messages", message_id)) == 1
    assert len(test_get(crm, "documents", message_id)) == len(documents)

    # --- sign out: the token is revoked at the CRM and forgotten here; address and user are kept ---------------------
    page.click("#mc-logout")
    flow.screen("connect")
    assert page.input_value("#mc-url") == crm.url and page.input_value("#mc-username") == "anna"
    after = flow.storage()
    assert not any(k.startswith("mailconnector.session") for k in after["localStorage"])
    assert "anna123" not in json.dumps(after) and session["token"] not in json.dumps(after)
    refused = httpx.post(crm.endpoint("mcmodules"), auth=("anna", session["token"]))
    assert refused.status_code == 401 and refused.json()["code"] == "SESSION_EXPIRED"

    # the browser itself logs the wrong password's 401 answer; nothing else may show up
    assert [e for e in pane.console_errors if "status of 401" not in e] == []
    assert pane.page_errors == [] and pane.csp_violations() == []
    # mail data went to the CRM the user chose, and nowhere else
    assert [u for u in pane.external_requests() if not u.startswith(f"{crm.url}/restapi/")] == []
    assert flow.dialogs == []


def contact_label(crm: RunningCrm, token: str) -> str:
    """The CRM's singular label of Contacts for anna (the pane shows the CRM's own module names)."""
    modules = httpx.post(crm.endpoint("mcmodules"), auth=("anna", token)).json()["data"]
    return str(next(m["singular"] or m["label"] for m in modules if m["name"] == "Contacts"))
