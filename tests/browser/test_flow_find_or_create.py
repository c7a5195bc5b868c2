"""Find or create the right record (issue #14), in Chromium against the local CRM, in English and
Italian: a reply suggests the record of its conversation first and links there in one click; a
user who may not see that record gets no such suggestion; a new Contact ("Nicolò Bianchi") and a
new Lead (a sender without display name) are created from the mail and linked, checked against
the CRM; a profile without create permission on Leads is not offered one; a `create` whose answer
is lost leaves one record, and trying again does not make a second.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from mailconnector.ui.i18n import Translator
from tests.browser.pane import Flow, PaneDriver, audit
from tests.browser.test_flow_main import flow_mail
from tests.conftest import RunningCrm
from tests.crm.support import Session, login, mail

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eml"
LANGUAGES = ("en-US", "it-IT")


@pytest.fixture
def no_faults(crm: RunningCrm) -> Iterator[None]:
    yield
    httpx.delete(f"{crm.url}/_test/faults")


def reply_eml(reply_id: str, original_id: str) -> str:
    """The demo's "Re: Offerta 2024-117 con allegati" (sent by Anna) answering an offer of this test's own."""
    text = (FIXTURES / "sent-by-user.eml").read_text()
    text = text.replace("<sent-007@acme-crm.example>", reply_id)
    return text.replace("<attachments-003@example.org>", original_id)


def new_mail(message_id: str, sender: str, subject: str = "Richiesta informazioni") -> str:
    """A received mail; `sender` as it stands in the From header."""
    return (
        f"From: {sender}\r\nTo: Anna Rossi <anna.rossi@acme-crm.example>\r\nSubject: {subject}\r\n"
        f"Date: Tue, 03 Dec 2024 09:30:00 +0100\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Buongiorno,\r\nvorrei ricevere il vostro listino.\r\nGrazie\r\n"
    )


def start(pane: PaneDriver, crm: RunningCrm, language: str, user: str) -> Flow:
    flow = Flow(pane)
    flow.open(json=flow_mail(f"<start-{uuid.uuid4().hex}@example.it>"), displayLanguage=language)
    flow.sign_in(crm.url.removeprefix("http://"), user, f"{user}123")
    return flow


def show(page: Page, eml: str, subject: str) -> None:
    """Select another mail, as a pinned pane sees it."""
    page.evaluate("text => OfficeSim.loadEml(text)", eml)
    page.wait_for_function("s => document.querySelector('#mail-subject')?.textContent === s", arg=subject)


def singular(session: Session, module: str) -> str:
    """A module's name as the pane shows it (mcmodules, in the CRM user's language)."""
    return str(next(m["singular"] for m in session.data("mcmodules") if m["name"] == module))


def lookup(session: Session, message_id: str) -> list[dict[str, str]]:
    links: list[dict[str, str]] = session.data("mclookup", messageid=message_id)["links"]
    return links


# --- thread memory ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reply_suggests_its_conversations_record_first_and_links_there_in_one_click(
    pane: PaneDriver, crm: RunningCrm, axe_source: str, language: str
) -> None:
    t = Translator(language)
    marco, anna = login(crm, "marco"), login(crm, "anna")
    original, reply = f"<offer-{uuid.uuid4().hex}@example.org>", f"<reply-{uuid.uuid4().hex}@acme-crm.example>"
    # Marco filed the original offer under Laura Bianchi's Lead (his; Anna, his manager, sees it)
    marco.data("mclink", target="2x5", attachments=[], message=mail(original, "Offerta 2024-117 con allegati"))

    flow = start(pane, crm, language, "anna")
    page = flow.page
    show(page, reply_eml(reply, original), "Re: Offerta 2024-117 con allegati")
    card = page.locator("#mc-thread .thread-card").first
    card.wait_for()
    assert "Laura Bianchi" in card.inner_text()
    reason = card.locator(".thread-reason").inner_text()
    assert reason.startswith(t.plural("thread.reason", 1, user="Marco Bianchi", when="").split("Marco")[0])
    assert "Marco Bianchi" in reason
    # the sender's suggestions are still there, after the conversation's record, without repeating it
    page.wait_for_selector("#mc-suggestions .record")
    assert page.evaluate(
        "document.querySelector('#mc-thread').compareDocumentPosition("
        "document.querySelector('#mc-suggestions')) & Node.DOCUMENT_POSITION_FOLLOWING") > 0
    suggested = page.locator("#mc-suggestions").inner_text()
    assert "Mario Rossi" in suggested and "Laura Bianchi" not in suggested
    flow.shots("thread", t.language)
    assert audit(flow, axe_source, "thread") == []

    # one click: linked there, receipt read back from the CRM
    card.locator("[data-action='link-thread']").click()
    flow.screen("receipt")
    assert flow.text(".receipt-title") == t.t("receipt.linked", module=singular(anna, "Leads"), record="Laura Bianchi")
    assert [link["id"] for link in lookup(anna, reply)] == ["2x5"]
    stored = httpx.get(f"{crm.url}/_test/links", params={"messageid": reply}).json()
    assert [(row["crmid"], row["linked_by"]) for row in stored] == [(5, "anna")]


def test_a_user_who_may_not_see_the_conversations_record_gets_no_such_suggestion(
    pane: PaneDriver, crm: RunningCrm
) -> None:
    marco, sara, anna = login(crm, "marco"), login(crm, "sara"), login(crm, "anna")
    original, reply = f"<offer-{uuid.uuid4().hex}@example.org>", f"<reply-{uuid.uuid4().hex}@acme-crm.example>"
    marco.data("mclink", target="2x5", attachments=[], message=mail(original, "Offerta 2024-117 con allegati"))
    # the CRM knows the conversation (Anna, who may see the Lead, is told) ...
    assert [r["id"] for r in anna.data("mclookup", messageid=reply, references=[original])["thread"]] == ["2x5"]
    assert sara.data("mclookup", messageid=reply, references=[original])["thread"] == []

    flow = start(pane, crm, "it-IT", "sara")
    page = flow.page
    with page.expect_response(lambda r: r.url.endswith("/mclookup")) as answered:
        show(page, reply_eml(reply, original), "Re: Offerta 2024-117 con allegati")
    assert answered.value.json()["data"]["thread"] == []
    # ... but Sara's pane, once the look-up is answered, suggests nothing from the conversation
    page.wait_for_function("!document.querySelector('.links-slot .loading')")
    assert page.locator("#mc-thread").count() == 0
    assert "Laura Bianchi" not in flow.text("#pane-body")


# --- create a record from the mail ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_contact_from_nicolo_bianchi_is_created_and_linked(
    pane: PaneDriver, crm: RunningCrm, axe_source: str, language: str
) -> None:
    t = Translator(language)
    anna = login(crm, "anna")
    tag = uuid.uuid4().hex[:8]
    domain = f"bianchi{tag}.example"
    address = f"nicolo.bianchi@{domain}"
    company = anna.data("create", elementType="Accounts",
                        element={"accountname": f"Bianchi {tag} S.r.l.", "email1": f"info@{domain}"})
    message_id = f"<new-{tag}@{domain}>"

    flow = start(pane, crm, language, "anna")
    page = flow.page
    show(page, new_mail(message_id, f"=?utf-8?q?Nicol=C3=B2_Bianchi?= <{address}>"), "Richiesta informazioni")
    offer = page.locator("[data-action='create-record'][data-id='Contacts']")
    offer.wait_for()
    assert t.t("suggestions.none", addresses=address) in flow.text("#pane-body")
    assert page.locator("[data-action='create-record'][data-id='Leads']").count() == 1
    flow.shots("create-offer", t.language)
    offer.click()

    flow.screen("create")
    page.wait_for_selector("#mc-create-lastname")
    assert page.input_value("#mc-create-firstname") == "Nicolò"
    assert page.input_value("#mc-create-lastname") == "Bianchi"
    assert page.input_value("#mc-create-email") == address
    assert page.input_value("#mc-create-account_id") == company["id"]  # the company with the sender's domain
    assert company["accountname"] in flow.text("#mc-create-account_id")
    flow.shots("create-contact", t.language)
    assert audit(flow, axe_source, "create-contact") == []

    page.locator("form[data-form='create'] button[type='submit']").dblclick()  # a double click: one record
    flow.screen("receipt")
    assert flow.text("#mc-new-record") == t.t("receipt.new_record", module=singular(anna, "Contacts"),
                                              record="Nicolò Bianchi")
    flow.shots("create-receipt", t.language)
    found = anna.data("mcsuggest", addresses=[address])
    assert [(s["module"], s["label"], s["account"]["id"]) for s in found] == [
        ("Contacts", "Nicolò Bianchi", company["id"])]
    assert [link["id"] for link in lookup(anna, message_id)] == [found[0]["id"]]
    assert found[0]["label"] in flow.text(".receipt-title")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_lead_from_a_sender_without_display_name_asks_what_the_mail_cannot_give(
    pane: PaneDriver, crm: RunningCrm, language: str
) -> None:
    t = Translator(language)
    anna = login(crm, "anna")
    tag = uuid.uuid4().hex[:8]
    address = f"info@studio-ferri{tag}.example"
    message_id = f"<lead-{tag}@example.it>"

    flow = start(pane, crm, language, "anna")
    page = flow.page
    show(page, new_mail(message_id, address, "Preventivo"), "Preventivo")
    page.locator("[data-action='create-record'][data-id='Leads']").click()
    flow.screen("create")
    page.wait_for_selector("#mc-create-lastname")
    assert page.input_value("#mc-create-lastname") == ""  # "info" is no name
    assert page.input_value("#mc-create-company") == f"Studio Ferri{tag}"
    assert page.input_value("#mc-create-email") == address

    # the last name is required: asked, nothing sent
    page.click("form[data-form='create'] button[type='submit']")
    page.wait_for_selector("#mc-create-lastname[aria-invalid='true']")
    assert "create" not in [r.split("/")[-1] for r in pane.requests if "/vtews/" in r]
    flow.shots("create-lead-missing", t.language)
    page.fill("#mc-create-lastname", "Ferri")
    page.click("form[data-form='create'] button[type='submit']")
    flow.screen("receipt")
    found = anna.data("mcsuggest", addresses=[address])
    assert [(s["module"], s["label"]) for s in found] == [("Leads", "Ferri")]
    lead = anna.data("retrieve", id=found[0]["id"])
    assert (lead["company"], lead["email"], lead["assigned_user_id"]) == (f"Studio Ferri{tag}", address, "19x2")
    assert [link["id"] for link in lookup(anna, message_id)] == [found[0]["id"]]
    assert page.locator("#mc-new-record").count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_profile_that_may_not_create_leads_is_not_offered_one(
    pane: PaneDriver, crm: RunningCrm, language: str
) -> None:
    t = Translator(language)
    sara = login(crm, "sara")
    assert sara.data("describe", elementType="Leads")["createable"] is False
    flow = start(pane, crm, language, "sara")
    page = flow.page
    address = f"nuovo.cliente@{uuid.uuid4().hex[:8]}.example"
    show(page, new_mail(f"<sara-{uuid.uuid4().hex}@example.it>", address), "Richiesta informazioni")
    page.wait_for_selector("#mc-create-denied")
    leads = next(m["label"] for m in sara.data("mcmodules") if m["name"] == "Leads")
    assert flow.text("#mc-create-denied") == t.t("create.not_allowed", modules=leads)
    assert page.locator("[data-action='create-record'][data-id='Leads']").count() == 0
    assert page.locator("[data-action='create-record'][data-id='Contacts']").count() == 1
    flow.shots("create-denied", t.language)
    # and the CRM itself refuses, with vtenext's text (what the pane would explain)
    r = sara.call("create", elementType="Leads", element={"lastname": "X", "company": "Y", "email": address})
    assert r.json()["message"] == "Permission to perform the operation is denied"
    assert sara.data("mcsuggest", addresses=[address]) == []


@pytest.mark.usefixtures("no_faults")
def test_a_lost_create_answer_then_trying_again_leaves_one_record(pane: PaneDriver, crm: RunningCrm) -> None:
    t = Translator("en-US")
    anna = login(crm, "anna")
    tag = uuid.uuid4().hex[:8]
    address = f"giulio.neri@neri{tag}.example"
    message_id = f"<lost-{tag}@example.it>"
    flow = start(pane, crm, "en-US", "anna")
    page = flow.page
    show(page, new_mail(message_id, f"Giulio Neri <{address}>", "Listino"), "Listino")
    page.locator("[data-action='create-record'][data-id='Contacts']").click()
    flow.screen("create")
    page.wait_for_selector("#mc-create-lastname")
    # the CRM creates the record, then the connection drops before the answer arrives
    armed = httpx.post(f"{crm.url}/_test/faults", json={"operation": "create", "fault": "drop_response"})
    assert armed.status_code == 200
    page.click("form[data-form='create'] button[type='submit']")
    flow.screen("receipt")  # the pane asked the CRM, found the record it made, and linked to it
    assert httpx.get(f"{crm.url}/_test/faults").json()["faults"] == []  # the fault did hit
    found = anna.data("mcsuggest", addresses=[address])
    assert [(s["module"], s["label"]) for s in found] == [("Contacts", "Giulio Neri")]
    assert [link["id"] for link in lookup(anna, message_id)] == [found[0]["id"]]

    # trying again from the start: the pane finds the record instead of making a second one
    page.click("[data-action='link-again']")
    flow.screen("record")
    page.wait_for_selector("#mc-suggestions .record")  # now suggested: the new Contact
    page.fill("#mc-query", f"nobody-{tag}")
    page.locator("[data-action='create-record'][data-id='Contacts']").click()
    flow.screen("create")
    page.wait_for_selector("#mc-create-lastname")
    page.click("form[data-form='create'] button[type='submit']")
    page.wait_for_selector("[data-action='create-use-existing']")
    assert t.t("create.use_existing", record="Giulio Neri") == flow.text("[data-action='create-use-existing']")
    flow.shots("create-duplicate", t.language)
    assert len(anna.data("mcsuggest", addresses=[address])) == 1
