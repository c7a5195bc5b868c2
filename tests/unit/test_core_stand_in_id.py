"""Mails without a Message-ID (scanners, notifications): two that differ only by their files are two
mails for the CRM, and the pane links the second one instead of reporting it "already linked"."""

from __future__ import annotations

import asyncio
import re

from mailconnector.models import LookupLink, MailSnapshot
from tests.unit.core_fakes import FakeHost, make_pane, settle, sign_in


def scanner_mail(files: int, item: str) -> MailSnapshot:
    return MailSnapshot.model_validate({
        "item_id": item, "from": {"address": "scanner@example.it"}, "date_sent": "2024-01-02T03:04:05+00:00",
        "subject": "Scan", "body_text": "", "body_html": "",
        "attachments": [{"id": f"{item}-{n}", "name": f"scan-{n}.pdf", "size": 3, "content_type": "application/pdf"}
                        for n in range(files)],
    })


def test_two_scanner_mails_are_both_linked() -> None:
    async def scenario() -> None:
        contents = {f"{item}-{n}": b"abc" for item in ("two", "four") for n in range(4)}
        pane = make_pane(host=FakeHost(contents=contents))
        outcomes = []
        for mail in (scanner_mail(2, "two"), scanner_mail(4, "four")):
            pane.app.start(mail)
            if not pane.clients:
                await sign_in(pane)
            await settle()
            pane.app.pick_suggestion("4x10")
            pane.app.link()
            await settle(80)
            assert pane.state.screen == "receipt", pane.state.problem
            outcomes.append(pane.state.outcome)
        assert [(o.created, o.linked, len(o.files)) for o in outcomes] == [(True, True, 2), (True, True, 4)]
        ids = [message.messageid for client in pane.clients for _target, message, _files, _eml in client.linked]
        assert len(set(ids)) == 2 and all(re.fullmatch(r"<[0-9a-f]{64}@mailconnector\.invalid>", i) for i in ids)
        assert [o.message_id for o in outcomes] == ids

    asyncio.run(scenario())


def test_after_the_link_the_pane_looks_the_stand_in_id_up() -> None:
    async def scenario() -> None:
        pane = make_pane(host=FakeHost(contents={"two-0": b"abc", "two-1": b"abd"}))
        pane.app.start(scanner_mail(2, "two"))
        await sign_in(pane)
        await settle()
        # before its files were read, the mail has no id to look up: nothing is asked, nothing claimed
        assert [c for c in pane.client.calls if c.name == "lookup"] == []
        assert pane.state.choice.links_status == "ready" and pane.state.choice.links == ()
        pane.app.pick_suggestion("4x10")
        pane.app.link()
        await settle(80)
        (linked,) = pane.client.linked
        pane.client.answer("lookup", (LookupLink(module="Contacts", id="4x10", label="Mario Rossi", message="40x1"),))
        pane.app.link_again()
        await settle()
        assert {c.args for c in pane.client.calls if c.name == "lookup"} == {(linked[1].messageid,)}
        assert [link.id for link in pane.state.choice.links] == ["4x10"]

    asyncio.run(scenario())
