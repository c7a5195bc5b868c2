"""The demo's thread memory: `python -m server demo` files the original offer (Marco, under Laura
Bianchi's Lead) so that the mini Outlook's "Re: Offerta 2024-117 con allegati" suggests that Lead.
On a CRM of its own: the shared test CRM must not hold the sample mails already."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.demo_offer import OFFER, file_original_offer
from tests.conftest import RunningCrm, start_crm
from tests.crm.support import login
from tests.sim.expected import expected_mail

REPLY = Path(__file__).resolve().parents[1] / "fixtures" / "eml" / "sent-by-user.eml"


@pytest.fixture(scope="module")
def own_crm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCrm]:
    running = start_crm(tmp_path_factory.mktemp("demo-crm"))
    yield running
    running.process.stop()


def test_the_demo_files_the_offer_whole_once_and_the_reply_finds_it(own_crm: RunningCrm) -> None:
    assert file_original_offer(own_crm.url) is True
    assert file_original_offer(own_crm.url) is False  # a second demo start files nothing new
    offer = expected_mail(OFFER)
    stored = httpx.get(f"{own_crm.url}/_test/links", params={"messageid": offer.message_id}).json()
    assert [(row["crmid"], row["linked_by"]) for row in stored] == [(5, "marco")]

    anna = login(own_crm, "anna")
    message = anna.data("mclookup", messageid=offer.message_id)["links"][0]["message"]
    receipt = anna.data("mcreceipt", message=message)
    assert receipt["subject"] == offer.subject
    assert [a["filename"] for a in receipt["attachments"]] == [a.name for a in offer.attachments]
    # the bytes the pane itself would send for each file (calendar items come from Outlook as text)
    sent = [(a.text.encode() if a.text is not None else a.data) for a in offer.attachments]
    assert [a["sha256"] for a in receipt["attachments"]] == [hashlib.sha256(d).hexdigest() for d in sent]
    assert receipt["eml"]["size"] == OFFER.stat().st_size
    assert receipt["body_html_bytes"] == len((offer.html or "").encode())

    # the reply names the offer in In-Reply-To/References: the Lead is its thread's record
    reply = expected_mail(REPLY)
    thread = anna.data("mclookup", messageid=reply.message_id, references=["<attachments-003@example.org>"])["thread"]
    assert [(t["id"], t["label"], t["linked_by"]) for t in thread] == [("2x5", "Laura Bianchi", "Marco Bianchi")]
