"""Find or create the right record, under CPython: names split from display names, the company
from the address, the form from describe, thread memory's suggestions, and the create -> link
flow with its refusals and its guard against making the same record twice (B.9, B.10)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

import pytest

from mailconnector.core.create_record import company_from_domain, form_for, sender_of, split_name
from mailconnector.core.thread import thread_records, without_thread
from mailconnector.crm import errors as e
from mailconnector.models import CrmRecord, EmailAddress, LinkableModule, LookupLink, Suggestion, ThreadLink
from mailconnector.ui.i18n import Translator
from mailconnector.ui.screens_create import thread_reason
from tests.unit.core_fakes import MARIO, MODULES, FakeClient, Pane, describe_of, mail, make_pane, settle, sign_in

LEADS = LinkableModule.model_validate({
    "name": "Leads", "label": "Leads", "singular": "Lead", "idPrefix": "2", "labelFields": ["firstname", "lastname"],
    "emailFields": ["email"], "canLink": True})


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


# --- names and companies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("display", "address", "expected"), [
    ("Mario Rossi", "m@x.it", ("Mario", "Rossi")),
    ("Rossi, Mario", "m@x.it", ("Mario", "Rossi")),
    ("Nicolò Bianchi", "n@x.it", ("Nicolò", "Bianchi")),
    ("  Maria   Grazia De Luca ", "m@x.it", ("Maria Grazia", "De Luca")),
    ("Jan van der Berg", "j@x.nl", ("Jan", "van der Berg")),
    ("ROSSI Mario", "m@x.it", ("Mario", "ROSSI")),
    ("Mario Rossi (ACME)", "m@x.it", ("Mario", "Rossi")),
    ('"Bianchi, Laura"', "l@x.it", ("Laura", "Bianchi")),
    ("Nicolò", "n@x.it", ("", "Nicolò")),
    ("", "giulio.neri@studio.it", ("Giulio", "Neri")),
    ("", "info@studio.it", ("", "")),
    ("", "j.smith@x.com", ("", "")),  # an initial is not a name
    ("mario.rossi@example.it", "mario.rossi@example.it", ("Mario", "Rossi")),  # the address as display name
])
def test_split_name(display: str, address: str, expected: tuple[str, str]) -> None:
    assert split_name(display, address) == expected


@pytest.mark.parametrize(("address", "company"), [
    ("info@studio-verdi.it", "Studio Verdi"),
    ("anna@mail.acme-crm.example", "Acme Crm"),
    ("john@smithpartners.co.uk", "Smithpartners"),
    ("someone@gmail.com", ""),
    ("x@libero.it", ""),
    ("no-at-sign", ""),
])
def test_company_from_domain(address: str, company: str) -> None:
    assert company_from_domain(address) == company


def test_a_new_record_is_about_the_sender_or_the_first_recipient_of_a_sent_mail() -> None:
    received = mail(from_="laura.bianchi@example.org")
    assert sender_of(received) == EmailAddress(address="laura.bianchi@example.org")
    sent = mail(from_="anna.rossi@acme-crm.example", to=("john.smith@example.com", "x@y.z"))
    assert sender_of(sent) == EmailAddress(address="john.smith@example.com")


def test_the_form_prefills_what_the_mail_gives_and_asks_the_mandatory_rest() -> None:
    person = EmailAddress(name="Rossi, Mario", address="mario@rossi-impianti.it")
    fields, values = form_for(describe_of("Leads"), person)
    assert [f.name for f in fields] == ["firstname", "lastname", "company", "email", "leadstatus"]
    assert dict(values) == {"firstname": "Mario", "lastname": "Rossi", "company": "Rossi Impianti",
                            "email": "mario@rossi-impianti.it", "leadstatus": "New"}
    status = fields[-1]
    assert status.kind == "picklist" and status.mandatory and status.choices == (("New", "New"), ("Hot", "Hot"))
    assert "assigned_user_id" not in dict(values)  # the owner defaults to the caller

    contact_fields, contact_values = form_for(describe_of("Contacts"), person, account=("3x7", "Rossi Impianti"))
    account = next(f for f in contact_fields if f.name == "account_id")
    assert account.kind == "reference" and account.shown == "Rossi Impianti"
    assert dict(contact_values)["account_id"] == "3x7"
    no_account, _ = form_for(describe_of("Contacts"), person)
    assert "account_id" not in [f.name for f in no_account]


# --- thread memory ------------------------------------------------------------------------------------------------


def _thread(record: str, message: str, by: str, at: str, label: str = "Laura Bianchi") -> ThreadLink:
    return ThreadLink(module="Leads", id=record, label=label, message=message, messageid=f"<{message}>",
                      subject="Offerta", linked_by=by, linked_at=at)


def test_thread_records_one_per_record_with_count_and_last_linker() -> None:
    thread = (
        _thread("2x5", "40x9", "Anna Rossi", "2024-11-14 10:00:00"),
        _thread("4x3", "40x8", "Marco Bianchi", "2024-11-13 09:00:00", "Mario Rossi"),
        _thread("2x5", "40x7", "Marco Bianchi", "2024-11-12 09:00:00"),
        _thread("2x5", "40x6", "Marco Bianchi", "2024-11-11 09:00:00"),
    )
    records = thread_records(thread, ())
    assert [(r.id, r.mails, r.last_by) for r in records] == [("2x5", 3, "Anna Rossi"), ("4x3", 1, "Marco Bianchi")]
    now = datetime(2024, 12, 1, 12, 0).astimezone()
    assert thread_reason(records[0], Translator("en-US"), now) == (
        "Earlier mails of this conversation are linked here: 3, last by Anna Rossi on Nov 14")
    assert thread_reason(records[1], Translator("en-GB"), now) == (
        "An earlier mail of this conversation is linked here, by Marco Bianchi on 13 Nov")
    assert thread_reason(records[0], Translator("it-IT"), now).startswith(
        "Mail precedenti di questa conversazione collegate qui: 3, l'ultima da Anna Rossi il 14 nov")
    # a record this very mail is already linked to is not suggested again
    linked = (LookupLink(module="Leads", id="2x5", label="Laura Bianchi", message="40x10"),)
    assert [r.id for r in thread_records(thread, linked)] == ["4x3"]
    # the sender's suggestions are still shown, without the records the thread put first
    laura = Suggestion(module="Leads", id="2x5", label="Laura Bianchi")
    assert without_thread((laura, MARIO), records) == (MARIO,)


def test_a_reply_sends_its_thread_and_links_to_the_conversations_record_in_one_click() -> None:
    async def scenario() -> None:
        def script(client: FakeClient) -> None:
            client.defaults["thread"] = (
                _thread("4x10", "40x1", "Marco Bianchi", "2024-11-14 10:00:00", "Mario Rossi"),)

        pane = make_pane(script=script)
        reply = mail("Re: Offerta").model_copy(update={
            "in_reply_to": "<offer@x>", "references": ("<root@x>", "<offer@x>"), "conversation_id": "conv-1"})
        pane.app.start(reply)
        await sign_in(pane)
        call = next(c for c in pane.client.calls if c.name == "thread")
        assert call.args == ("<m1@example.it>", ("<root@x>", "<offer@x>"), "conv-1")
        # with its id, a mail may have been stored before Outlook knew it (B.12): fingerprint and date go too
        assert call.kwargs["sent_item"] == (reply.content_fingerprint(), reply.date_sent)
        pane.app.link_to_thread("4x10")
        await settle()
        assert pane.state.screen == "receipt"
        target, sent, _files, _eml = pane.client.linked[0]
        assert target == "4x10" and sent.in_reply_to == "<offer@x>" and sent.references == ("<root@x>", "<offer@x>")
        assert sent.to_wire()["references"] == ["<root@x>", "<offer@x>"]

    run(scenario)


# --- create -> link -----------------------------------------------------------------------------------------------


def _create_pane(**defaults: Any) -> Pane:
    def script(client: FakeClient) -> None:
        client.defaults.update({"modules": (*MODULES, LEADS), "suggest": (), **defaults})

    return make_pane(script=script)


async def _open_form(pane: Pane, module: str, sender: str = "nicolo.bianchi@bianchi-srl.it") -> None:
    received = mail(from_=sender).model_copy(update={"from_": EmailAddress(name="Nicolò Bianchi", address=sender)})
    pane.app.start(received)
    await sign_in(pane)
    await settle()
    assert pane.state.choice.createable == ("Contacts", "Leads")
    pane.app.creator.open(module)
    await settle()
    assert pane.state.screen == "create" and pane.state.create is not None
    assert pane.state.create.status == "ready"


def test_create_a_contact_then_link_in_one_step() -> None:
    async def scenario() -> None:
        account = CrmRecord(id="3x7", fields={"accountname": "Bianchi S.r.l."})
        pane = _create_pane(query=(account,))
        await _open_form(pane, "Contacts")
        form = pane.state.create
        assert form is not None and dict(form.values)["account_id"] == "3x7"
        assert "bianchi-srl.it" in next(c for c in pane.client.calls if c.name == "query").args[0]
        pane.app.creator.submit({"firstname": "Nicolò", "lastname": "Bianchi"})
        pane.app.creator.submit({"firstname": "Nicolò", "lastname": "Bianchi"})  # a double click
        await settle()
        creates = [c for c in pane.client.calls if c.name == "create"]
        assert len(creates) == 1
        assert creates[0].args == ("Contacts", {"firstname": "Nicolò", "lastname": "Bianchi",
                                                "email": "nicolo.bianchi@bianchi-srl.it", "account_id": "3x7"})
        assert pane.state.screen == "receipt" and pane.state.created == "4x101"
        assert pane.client.linked[0][0] == "4x101"
        names = pane.client.names()
        assert names.index("suggest", names.index("modules")) < names.index("create")  # checked before creating

    run(scenario)


def test_mandatory_fields_left_empty_are_asked_before_anything_is_sent() -> None:
    async def scenario() -> None:
        pane = _create_pane()
        await _open_form(pane, "Leads", sender="info@gmail.com")
        pane.app.creator.submit({"lastname": "", "company": ""})
        form = pane.state.create
        assert form is not None and form.missing == ("lastname", "company")
        assert form.problem is not None and form.problem.key == "create.missing"
        assert "create" not in pane.client.names()

    run(scenario)


@pytest.mark.parametrize(("error", "key"), [
    (e.AccessDenied("x", server_message="Permission to perform the operation is denied"), "create.denied"),
    (e.MandatoryFieldMissing("x", server_message="company does not have a value"), "create.mandatory"),
    (e.Timeout("lost"), "create.unclear"),
])
def test_create_refusals_are_explained_and_leave_the_form(error: e.CrmError, key: str) -> None:
    async def scenario() -> None:
        pane = _create_pane()
        pane_client_answers = pane  # the client exists after sign-in
        await _open_form(pane_client_answers, "Leads")
        pane.client.answer("create", error)
        pane.app.creator.submit({})
        await settle()
        form = pane.state.create
        assert pane.state.screen == "create" and form is not None and form.status == "error"
        assert form.problem is not None and form.problem.key == key
        if key == "create.mandatory":
            assert form.problem.kwargs == {"field": "Company"}
        assert pane.client.linked == []

    run(scenario)


def test_a_lost_answer_uses_the_record_the_crm_made_and_an_existing_one_is_offered_instead() -> None:
    async def scenario() -> None:
        pane = _create_pane()
        await _open_form(pane, "Leads")
        made = Suggestion(module="Leads", id="2x77", label="Nicolò Bianchi", email="nicolo.bianchi@bianchi-srl.it")
        pane.client.answer("suggest", (), (made,))  # none before creating, the new one after
        pane.client.answer("create", e.NetworkError("connection closed"))
        pane.app.creator.submit({})
        await settle()
        assert [c.name for c in pane.client.calls].count("create") == 1
        assert pane.state.screen == "receipt" and pane.client.linked[0][0] == "2x77"

        again = _create_pane()
        await _open_form(again, "Leads")
        again.client.answer("suggest", (made,))
        again.app.creator.submit({})
        await settle()
        form = again.state.create
        assert form is not None and form.existing is not None and form.existing.id == "2x77"
        assert form.problem is not None and form.problem.key == "create.duplicate"
        assert "create" not in again.client.names()
        again.app.creator.use_existing()
        assert again.state.screen == "preflight" and again.state.target is not None
        assert again.state.target.id == "2x77"

    run(scenario)


def test_modules_the_profile_may_not_create_in_are_not_offered() -> None:
    async def scenario() -> None:
        def describe(module: str) -> Any:
            return describe_of(module).model_copy(update={"createable": module != "Leads"})

        pane = _create_pane(describe=describe)
        pane.app.start(mail())
        await sign_in(pane)
        await settle()
        assert pane.state.choice.createable == ("Contacts",)
        assert pane.state.choice.not_createable == ("Leads",)
        pane.app.creator.open("Leads")
        assert pane.state.screen == "record"

    run(scenario)
