"""The CRM fails at each step of a whole session (status, login, modules, suggest, lookup, search,
upload start, upload chunk, link, receipt): it answers 500, answers too late (the CRM holds the call
until the client has given up, then lets it run or drops it: no timer decides), answers truncated
JSON, or drops the connection after doing the work.

One session per kind of failure, failing once at every step in turn. At each step: the call raises
the CrmError subclass the pane explains (or, for a dropped answer to a call that is safe to repeat,
the client repeats it and nobody notices); nothing is half-stored; the same client carries on when
the user tries again. At the end the mail is stored exactly once, byte-equal.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mailconnector.crm import CrmClient
from mailconnector.crm import errors as e
from mailconnector.crm.retry import NO_RETRY
from mailconnector.models import LinkAttachment, LinkMessage, UploadState
from tests.reliability.support import (
    FAST_RETRY,
    FIGURES,
    PASSWORDS,
    MailFiles,
    RestartableCrm,
    arm,
    armed,
    assert_nothing_half_stored,
    assert_stored_once,
    clear_faults,
    eml_name,
    faults,
    make_mail,
    run,
    sha,
)

pytestmark = pytest.mark.slow

STEPS = {
    "status": "mcstatus",
    "login": "mclogin",
    "modules": "mcmodules",
    "suggest": "mcsuggest",
    "lookup": "mclookup",
    "search": "query",
    "upload-start": "mcupload",  # the attachment's upload fails at `start`
    "upload-chunk": "mcupload",  # the .eml's upload fails at its chunk
    "link": "mclink",
    "receipt": "mcreceipt",
}
AFTER_LINK = {"receipt"}
FAULTS = {"http-500": "http_500", "timeout": "hold", "malformed-json": "malformed_json",
          "connection-dropped": "drop_response"}
# The client's timeout for the one operation the CRM holds (the others keep the pane's own): the held
# call cannot answer before the test releases it, which it does only after the client gave up.
TIMEOUT = 1.0
# Calls the client does not repeat by itself: each would create something again at the CRM.
NOT_REPEATED = {"login", "upload-start"}


def expected_outcome(step: str, fault: str) -> str:
    """The name of the CrmError the step raises, or "repeated" when the client gets over it alone."""
    if fault == "http-500":
        # stock vtenext keeps only the text of an error ("Unknown Error while processing request"),
        # which from `query` is how vtenext refuses a query
        return "QueryRejected" if step == "search" else "ServerError"
    if fault == "timeout":
        return "Timeout"
    if fault == "malformed-json":
        # Only discovery may conclude "this is not a vtenext" (the pane then says: check the address).
        # Later, the CRM was already recognised: a truncated answer is a broken answer, not another site.
        return "NotVtenext" if step == "status" else "CrmProtocolError"
    return "NetworkError" if step in NOT_REPEATED else "repeated"


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_failing_step_is_explained_stores_nothing_half_and_trying_again_completes(
    own_crm: RestartableCrm, fault: str
) -> None:
    crm = own_crm
    mail = make_mail(f"<rel-each-step-{fault}-{os.urandom(8).hex()}@reliability.invalid>",
                     {"allegato.bin": os.urandom(150_000)})  # three chunks
    observed: dict[str, str] = {}

    control = faults(crm)
    clients: list[CrmClient] = []
    held: dict[str, float | None] = {}  # operation -> the pane's own timeout, while the test shortens it

    def inject(step: str) -> None:
        options: dict[str, Any] = {"times": 0} if fault == "timeout" else {}  # every repeat is held too
        arm(crm, STEPS[step], FAULTS[fault], **options)
        if fault == "timeout":
            operation = STEPS[step]
            timeouts = clients[0]._conn._timeouts  # the test's only reach into the client: one short timeout
            held[operation] = timeouts.get(operation)
            timeouts[operation] = TIMEOUT

    async def attempt(step: str, action: Callable[[], Awaitable[Any]], *, armed_later: bool = False) -> Any:
        if not armed_later:
            inject(step)
        outcome = expected_outcome(step, fault)
        if outcome == "repeated":
            result = await action()
            assert armed(crm) == [], f"{step}: the fault did not hit"
            observed[step] = "repeated"
            return result
        try:
            await action()
        except e.CrmError as error:  # anything else is a crash and fails the test here
            observed[step] = type(error).__name__  # compared with the table at the end, all steps at once
        else:
            observed[step] = "no error"
        if fault == "timeout":
            operation = STEPS[step]
            own = held.pop(operation)
            if own is None:
                del clients[0]._conn._timeouts[operation]
            else:
                clients[0]._conn._timeouts[operation] = own
            # the client gave up; the CRM now runs the late mclink (it got it) and drops any other call
            late_link = step == "link"
            await asyncio.to_thread(control.release, operation, abort=not late_link)
            hits = await asyncio.to_thread(control.wait_finished, operation, "hold")
            assert {h["hold"] for h in hits} == {"released" if late_link else "aborted"}, hits
        clear_faults(crm)
        stored = assert_nothing_half_stored(crm, mail)
        if step in AFTER_LINK or (step == "link" and fault == "timeout"):
            assert stored == 1, f"{step}: the mail is not stored whole, once"  # the late link ran, whole
        else:
            assert stored == 0, f"{step}: something was stored"
        return await action()  # the user tries again, in the same pane

    async def go() -> None:
        retry = NO_RETRY if fault == "timeout" else FAST_RETRY  # a repeat would only wait as long again
        async with CrmClient(crm.url, retry=retry) as client:
            clients.append(client)
            await session(client, mail, attempt, inject)

    run(go())
    assert observed == {step: expected_outcome(step, fault) for step in STEPS}
    assert_stored_once(crm, mail)
    FIGURES["fault_cases_each_step"] += len(observed)


Attempt = Callable[..., Awaitable[Any]]


async def session(client: CrmClient, mail: MailFiles, attempt: Attempt, inject: Callable[[str], None]) -> None:
    """Everything the pane asks the CRM for, from discovery to the receipt, in order."""
    status = await attempt("status", client.status)
    assert status.component == "mailconnector"
    login = await attempt("login", lambda: client.login("anna", PASSWORDS["anna"], device="each-step"))
    assert login.user.username == "anna"
    modules = await attempt("modules", client.modules)
    contacts = next(m for m in modules if m.name == "Contacts")
    suggestions = await attempt("suggest", lambda: client.suggest(["mario.rossi@example.it"]))
    assert "4x3" in {s.id for s in suggestions}
    assert await attempt("lookup", lambda: client.lookup(mail.mail.effective_message_id())) == ()
    found = await attempt("search", lambda: client.search(contacts, "Mario Rossi", resolve_references=False))
    assert "4x3" in {r.id for r in found.records}

    (name, data), = mail.files.items()
    state: UploadState = await attempt(
        "upload-start", lambda: client.upload(data, name, "application/octet-stream"))
    assert (state.size, state.sha256, state.complete) == (len(data), sha(data), True)

    chunk_armed: list[bool] = []

    def arm_before_first_chunk(received: int, total: int) -> None:
        if received == 0 and not chunk_armed:  # `start` went through; its first chunk is next
            inject("upload-chunk")
            chunk_armed.append(True)

    eml: UploadState = await attempt(
        "upload-chunk",
        lambda: client.upload(mail.eml, eml_name(mail.mail.subject), "message/rfc822",
                              progress=arm_before_first_chunk),
        armed_later=True,
    )
    message = LinkMessage.from_snapshot(mail.mail)
    result = await attempt("link", lambda: client.link("4x3", message, [LinkAttachment.from_upload(state)], eml))
    receipt = await attempt("receipt", lambda: client.receipt(result.message))
    assert [(a.filename, a.size, a.sha256) for a in receipt.attachments] == [(name, len(data), sha(data))]
    assert receipt.eml is not None and receipt.eml.sha256 == sha(mail.eml)
