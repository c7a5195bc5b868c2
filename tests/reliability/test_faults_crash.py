"""The CRM process dies (SIGKILL) in the middle of a link, or its answer to `mclink` is lost after it
committed: the user never ends up with a half-stored mail nor with two copies.

The pane's own linking run (core.linking.LinkRun: read from Outlook, upload with progress, mclink,
receipt) runs here under CPython against a real CRM process that this suite kills and restarts on
the same port and database.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from mailconnector.core.linking import UploadCache
from mailconnector.core.state import LinkProgress
from mailconnector.crm import RetryPolicy
from mailconnector.crm import errors as e
from mailconnector.crm.retry import NO_RETRY
from tests.reliability.support import (
    FAST_RETRY,
    MARIO,
    RestartableCrm,
    arm,
    armed,
    assert_nothing_half_stored,
    assert_receipt_byte_equal,
    assert_receipt_matches,
    assert_stored_once,
    faults,
    inspect,
    linking_run,
    make_mail,
    run,
    signed_in,
    unique_message_id,
)

pytestmark = pytest.mark.slow

# Patient enough to outlast a restart of the CRM (about 2 s here, more on a busy machine):
# 0.25 + 0.5 + 1 + 2 + 2 + ... seconds between attempts, some 14 s in all.
PATIENT = RetryPolicy(attempts=10, first_delay=0.25, factor=2.0, max_delay=2.0)


def big_file_progress(progress: LinkProgress, name: str) -> tuple[int, int, str]:
    item = next(i for i in progress.items if i.name == name)
    return item.sent, item.size, item.status


def test_killed_between_chunks_the_same_upload_resumes_after_the_restart(own_crm: RestartableCrm) -> None:
    crm = own_crm
    big_name = f"contratto-{uuid.uuid4().hex[:8]}.pdf"
    mail = make_mail(unique_message_id("kill-resume"), {
        "nota.txt": "Consegna entro venerdì.\n".encode(),
        big_name: os.urandom(1024 * 1024 + 17),  # 17 chunks of 64 KiB
    })
    sent: list[int] = []
    killed_at: list[int] = []
    restart: list[threading.Thread] = []

    def on_progress(progress: LinkProgress) -> None:
        done, size, status = big_file_progress(progress, big_name)
        if status != "uploading":
            return
        sent.append(done)
        if not killed_at and done >= size // 3:
            crm.kill()  # between two chunks: the CRM acknowledged `done` bytes, then died
            killed_at.append(done)
            restart.append(crm.restart_in_background(after=0.5))

    async def go() -> None:
        async with await signed_in(crm, "anna", retry=PATIENT) as client:
            outcome = await linking_run(client, mail, MARIO, on_progress=on_progress).run()
            assert outcome.created and outcome.linked
            assert_receipt_matches(outcome, mail)
            await assert_receipt_byte_equal(client, mail)

    run(go())
    assert killed_at and crm.kills >= 1
    restart[0].join(60)
    # the same upload went on from what the CRM had kept: progress never went back
    assert sent == sorted(sent) and sent[-1] == len(mail.files[big_name])
    assert min(s for s in sent[sent.index(killed_at[0]) + 1:]) >= killed_at[0]
    assert_stored_once(crm, mail)
    # nothing was started twice: no upload of this file is left behind
    assert [u for u in inspect(crm, "uploads", user="anna") if u["filename"] == big_name] == []


def test_killed_during_a_chunk_and_down_for_long_the_retry_completes_the_same_link(
    own_crm: RestartableCrm,
) -> None:
    crm = own_crm
    big_name = f"offerta-{uuid.uuid4().hex[:8]}.zip"
    small = b"piccolo allegato"
    mail = make_mail(unique_message_id("kill-retry"), {"piccolo.txt": small, big_name: os.urandom(900_000)})
    killer: list[threading.Thread] = []
    control = faults(crm)

    def kill_while_held() -> None:
        control.wait_holding("mcupload")  # the next chunk has reached the CRM and waits there
        crm.kill()  # the CRM dies while holding it

    def on_progress(progress: LinkProgress) -> None:
        done, size, status = big_file_progress(progress, big_name)
        if status == "uploading" and not killer and done >= size // 3:
            control.arm("mcupload", "hold")
            killer.append(threading.Thread(target=kill_while_held, name="kill-while-held", daemon=True))
            killer[0].start()

    cache = UploadCache()  # the pane keeps finished uploads of the current mail for "Try again"

    async def first_attempt() -> None:
        async with await signed_in(crm, "anna", retry=FAST_RETRY) as client:
            with pytest.raises(e.NetworkError):  # the pane shows "cannot reach the CRM"
                await linking_run(client, mail, MARIO, cache=cache, on_progress=on_progress).run()

    run(first_attempt())
    killer[0].join(60)
    assert not crm.alive() and crm.kills >= 1
    crm.start()  # the administrator brings the CRM back
    assert assert_nothing_half_stored(crm, mail) == 0
    assert armed(crm) == []  # a restart forgets armed faults
    reused = set(cache.done)

    async def try_again() -> None:
        async with await signed_in(crm, "anna", retry=FAST_RETRY) as client:
            outcome = await linking_run(client, mail, MARIO, cache=cache).run()
            assert outcome.created
            assert_receipt_matches(outcome, mail)
            await assert_receipt_byte_equal(client, mail)

    run(try_again())
    assert reused == {"att-0"}  # the small file finished before the crash and was not sent again
    assert_stored_once(crm, mail)
    # the interrupted upload was restarted, not resumed: its first part is left behind, invisible,
    # until the CRM discards unlinked uploads (24 h)
    left = [u for u in inspect(crm, "uploads", user="anna") if u["filename"] == big_name]
    assert len(left) == 1 and not left[0]["complete"] and left[0]["received"] < len(mail.files[big_name])


@pytest.mark.parametrize(
    ("fault", "options", "error"),
    [
        ("drop_response", {}, e.NetworkError),
        ("http_500", {"after_commit": True}, e.ServerError),
        ("malformed_json", {"after_commit": True}, e.CrmProtocolError),
    ],
    ids=["connection-dropped", "500-after-commit", "truncated-json-after-commit"],
)
def test_an_mclink_answer_lost_after_commit_then_try_again_stores_nothing_new(
    own_crm: RestartableCrm, fault: str, options: dict[str, object], error: type[e.CrmError]
) -> None:
    crm = own_crm
    mail = make_mail(unique_message_id(f"lost-{fault}"), {"a.bin": os.urandom(150_000), "b.txt": b"due"})
    cache = UploadCache()

    async def go() -> None:
        async with await signed_in(crm, "anna", retry=NO_RETRY) as client:
            arm(crm, "mclink", fault, **options)
            with pytest.raises(error):
                await linking_run(client, mail, MARIO, cache=cache).run()
            assert armed(crm) == []
            # the request did reach the CRM and was stored, whole
            assert assert_nothing_half_stored(crm, mail) == 1
            outcome = await linking_run(client, mail, MARIO, cache=cache).run()  # "Try again"
            assert (outcome.created, outcome.linked) == (False, False)
            assert_receipt_matches(outcome, mail)
            await assert_receipt_byte_equal(client, mail)

    run(go())
    assert_stored_once(crm, mail)

