"""Work interrupted from the user's side: the session revoked between the uploads and the link, and
the pane closed in the middle of the uploads and opened again on the same mail."""

from __future__ import annotations

import asyncio
import os
import uuid

import httpx
import pytest

from mailconnector.core.linking import UploadCache
from mailconnector.core.state import LinkProgress
from mailconnector.crm import CrmClient
from tests.reliability.support import (
    FAST_RETRY,
    FIGURES,
    MARIO,
    PASSWORDS,
    TICKET,
    RestartableCrm,
    assert_nothing_half_stored,
    assert_receipt_byte_equal,
    assert_receipt_matches,
    assert_stored_once,
    device_name,
    faults,
    inspect,
    linking_run,
    make_mail,
    revoke_device,
    run,
    signed_in,
    unique_message_id,
)


def test_session_revoked_between_the_uploads_and_the_link_signs_in_again_and_links(
    own_crm: RestartableCrm,
) -> None:
    crm = own_crm
    device = device_name("revoked")
    mail = make_mail(unique_message_id("revoked"), {"preventivo.pdf": os.urandom(200_000), "x.txt": b"x"})
    renewals: list[str] = []
    phases: list[str] = []
    old_token: list[str] = []

    async def go() -> None:
        client = await signed_in(crm, "anna", device=device)
        old_token.append(client.token or "")

        async def sign_in_again() -> str | None:
            # what the pane does: ask for the password, sign in on the same device, carry on
            renewals.append(phases[-1])
            return (await client.login("anna", PASSWORDS["anna"], device=device)).token

        client.on_session_expired = sign_in_again

        def on_progress(progress: LinkProgress) -> None:
            if progress.phase == "saving" and "saving" not in phases:
                # every file is up; the administrator revokes this device before mclink goes out
                assert all(i.status == "done" for i in progress.items)
                revoke_device(crm, "anna", device)
            phases.append(progress.phase)

        async with client:
            outcome = await linking_run(client, mail, MARIO, on_progress=on_progress).run()
            assert outcome.created and outcome.linked
            assert_receipt_matches(outcome, mail)
            await assert_receipt_byte_equal(client, mail)

    run(go())
    assert renewals == ["saving"]  # asked once, at the link, and the link went on with the same uploads
    assert_stored_once(crm, mail)
    refused = httpx.post(crm.endpoint("mcmodules"), auth=("anna", old_token[0]), timeout=10)
    assert refused.status_code == 401 and refused.json()["code"] == "SESSION_EXPIRED"


def test_pane_closed_mid_upload_leaves_nothing_visible_and_linking_again_completes(
    own_crm: RestartableCrm,
) -> None:
    """Uploads are restarted, not reused: the pane keeps finished uploads in memory only, so a pane
    opened again sends everything again; the abandoned uploads are invisible and expire in 24 h."""
    crm = own_crm
    tag = uuid.uuid4().hex[:8]
    first, big = f"primo-{tag}.txt", f"grande-{tag}.bin"
    mail = make_mail(unique_message_id("closed"), {first: b"primo file", big: os.urandom(1_000_000)})
    device = device_name("closed")
    token: list[str] = []

    async def close_mid_upload() -> None:
        client = await signed_in(crm, "sara", device=device)
        token.append(client.token or "")
        task: asyncio.Task[object] | None = None

        def on_progress(progress: LinkProgress) -> None:
            item = next(i for i in progress.items if i.name == big)
            if item.status == "uploading" and item.sent >= item.size // 2 and task is not None:
                task.cancel()  # the user closes the pane: everything in flight stops

        task = asyncio.ensure_future(linking_run(client, mail, TICKET, on_progress=on_progress).run())
        with pytest.raises(asyncio.CancelledError):
            await task
        await client.aclose()

    run(close_mid_upload())
    message_id = mail.mail.effective_message_id()
    assert inspect(crm, "messages", messageid=message_id) == []
    assert inspect(crm, "documents", messageid=message_id) == []
    abandoned = {u["filename"]: u for u in inspect(crm, "uploads", user="sara") if tag in u["filename"]}
    assert abandoned[first]["complete"] and not abandoned[big]["complete"]

    async def open_again() -> None:
        # a new pane: the device token from this browser's storage, nothing else survives
        async with CrmClient(crm.url, retry=FAST_RETRY) as client:
            client.set_credentials("sara", token[0])
            assert await client.lookup(message_id) == ()  # "not linked yet", for anyone
            outcome = await linking_run(client, mail, TICKET, cache=UploadCache()).run()
            assert outcome.created and outcome.linked
            assert_receipt_matches(outcome, mail)
            await assert_receipt_byte_equal(client, mail)

    run(open_again())
    assert_stored_once(crm, mail)
    left = {u["id"] for u in inspect(crm, "uploads", user="sara") if tag in u["filename"]}
    assert left == {abandoned[first]["id"], abandoned[big]["id"]}  # restarted, the old ones left to expire


@pytest.mark.parametrize("crm_side", ["never_ran", "ran_after_close", "committed_before_close"])
def test_pane_closed_while_mclink_is_on_its_way_then_reopened_ends_with_one_message(
    own_crm: RestartableCrm, crm_side: str
) -> None:
    """Closed while `mclink` is provably in flight (held by the CRM): the CRM then never runs it, runs it
    after the pane is gone, or had committed it already. Each outcome is its own case, checked as such,
    and opening the pane again ends with exactly one message."""
    crm = own_crm
    control = faults(crm)
    mail = make_mail(unique_message_id(f"closed-link-{crm_side}"), {"z.bin": os.urandom(100_000)})
    control.arm("mclink", "hold", after_commit=crm_side == "committed_before_close")

    async def close_during_link() -> None:
        async with await signed_in(crm, "anna") as client:
            task = asyncio.ensure_future(linking_run(client, mail, MARIO).run())
            await asyncio.to_thread(control.wait_holding, "mclink")
            task.cancel()  # the user closes the pane: mclink is at the CRM, its answer not back
            with pytest.raises(asyncio.CancelledError):
                await task

    run(close_during_link())
    control.release("mclink", abort=crm_side == "never_ran")
    (hit,) = control.wait_finished("mclink", "hold")
    assert hit["hold"] == ("aborted" if crm_side == "never_ran" else "released")
    FIGURES[f"pane_closed_during_mclink_{crm_side}"] += 1
    assert assert_nothing_half_stored(crm, mail) == (0 if crm_side == "never_ran" else 1)

    async def open_again() -> None:
        async with await signed_in(crm, "anna") as client:
            outcome = await linking_run(client, mail, MARIO).run()
            # stored by the closed pane already: the reopened one is told so and stores nothing new
            assert (outcome.created, outcome.linked) == ((True, True) if crm_side == "never_ran" else (False, False))
            assert_receipt_matches(outcome, mail)
            await assert_receipt_byte_equal(client, mail)

    run(open_again())
    assert_stored_once(crm, mail)
