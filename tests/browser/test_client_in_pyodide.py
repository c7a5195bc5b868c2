"""The CRM client inside Pyodide, through the fetch transport, against the real local CRM (CORS and all)."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import RunningCrm
from tests.support.browser import PyodideError, PyodideHarness
from tests.support.faults import FaultsControl
from tests.support.processes import free_port

pytestmark = pytest.mark.browser

CLIENT = """
from mailconnector.crm.client import CrmClient
from mailconnector.crm.transport import FetchTransport

def client(url=None, **kw):
    return CrmClient(url or CRM, transport=FetchTransport(), **kw)
"""


def test_status_and_sign_in_through_fetch(harness: PyodideHarness, crm: RunningCrm) -> None:
    result = harness.run(
        CLIENT
        + """
async def main():
    c = client()
    status = await c.status()
    login = await c.login("anna", "anna123", device="pyodide test")
    modules = [m.name for m in await c.modules()]
    await c.logout()
    return {"component": status.component, "licence": status.licence.state, "user": login.user.username,
            "token_len": len(login.token), "modules": modules}
""",
        CRM=crm.url,
    )
    assert result["component"] == "mailconnector"
    assert result["licence"] == "active"
    assert result["user"] == "anna"
    assert result["token_len"] >= 32
    assert result["modules"][:2] == ["Accounts", "Contacts"]


def test_errors_keep_their_type_in_the_browser(harness: PyodideHarness, crm: RunningCrm) -> None:
    result = harness.run(
        CLIENT
        + """
from mailconnector.crm.errors import CrmError

async def code_of(coro):
    try:
        await coro
    except CrmError as exc:
        return exc.code
    return "no error"

async def main():
    return {
        "wrong_password": await code_of(client().login("marco", "not-his-password")),
        "not_enabled": await code_of(client().login("luca", "luca123")),
        "nobody_listens": await code_of(client(f"http://127.0.0.1:{CLOSED_PORT}").status()),
    }
""",
        CRM=crm.url,
        CLOSED_PORT=free_port(),
    )
    assert result == {"wrong_password": "INVALID_CREDENTIALS", "not_enabled": "USER_NOT_ENABLED",
                      "nobody_listens": "NETWORK_ERROR"}


def test_search_upload_link_and_receipt_from_pyodide(harness: PyodideHarness, crm: RunningCrm) -> None:
    payload = bytes(range(256)) * 4096 + "è fine".encode()  # ~1 MB, not text
    result = harness.run(
        CLIENT
        + """
import datetime, hashlib
from mailconnector.models import LinkMessage, LinkAttachment, EmailAddress

async def main():
    c = client()
    await c.login("anna", "anna123", device="pyodide test")
    contacts = next(m for m in await c.modules() if m.name == "Contacts")
    hits = await c.search(contacts, "O'Brien")
    target = next(r for r in hits.records if "Brien" in r.label)
    data = bytes(range(256)) * 4096 + "è fine".encode()
    seen = []
    state = await c.upload(data, "dati.bin", "application/octet-stream", progress=lambda done, total: seen.append(done))
    message = LinkMessage.model_validate({
        "subject": "Pyodide link test", "body_text": "ciao", "body_html": "<p>ciao</p>",
        "from": {"name": "Mario Rossi", "address": "mario.rossi@example.it"},
        "date": datetime.datetime(2024, 11, 12, 10, 15, tzinfo=datetime.timezone.utc),
        "messageid": MESSAGE_ID,
    })
    attachment = LinkAttachment(upload=state.upload, filename="dati.bin", content_type="application/octet-stream",
                                size=len(data), sha256=hashlib.sha256(data).hexdigest())
    first = await c.link(target.id, message, [attachment])
    receipt = await c.receipt(first.message)
    return {"labels": [r.label for r in hits.records], "created": first.created, "linked": first.linked,
            "progress_last": seen[-1], "attachments": [(a.filename, a.size, a.sha256) for a in receipt.attachments],
            "subject": receipt.subject}
""",
        CRM=crm.url,
        MESSAGE_ID=f"<pyodide-{hashlib.sha256(payload).hexdigest()[:12]}@test.invalid>",
    )
    assert all("O'Brien" in label for label in result["labels"]), result["labels"]
    assert result["created"] is True and result["linked"] is True
    assert result["progress_last"] == len(payload)
    assert result["attachments"] == [["dati.bin", len(payload), hashlib.sha256(payload).hexdigest()]]
    assert result["subject"] == "Pyodide link test"


def test_harness_passes_values_as_json(harness: PyodideHarness) -> None:
    value = {"text": "it is true, not false, and not null", "flags": [True, False, None], "n": 1.5,
             "quote": "'\"\\ \u00e8 \u2028"}
    echoed = harness.run("async def main():\n    return [VALUE, type(VALUE['flags'][0]).__name__]\n", VALUE=value)
    assert echoed == [value, "bool"]


def test_harness_reports_python_errors(harness: PyodideHarness) -> None:
    with pytest.raises(PyodideError) as err:
        harness.run("async def main():\n    raise ValueError('boom')\n")
    assert err.value.name == "ValueError"


def test_timeouts_and_cancellation_abort_the_fetch(harness: PyodideHarness, crm: RunningCrm) -> None:
    """The CRM holds every mcstatus (test-mode fault) until the test releases it, so the client's 0.5 s
    timeout and the pane's cancel both land while the request is in flight; the browser itself then
    reports each fetch as aborted (not merely a Python exception while the request goes on)."""
    faults = FaultsControl(crm.url)
    failed: list[tuple[str, str]] = []
    finished: list[str] = []
    page = harness.page
    on_failed = lambda r: failed.append((r.url, r.failure or "")) if "/mcstatus" in r.url else None  # noqa: E731
    on_finished = lambda r: finished.append(r.url) if "/mcstatus" in r.url else None  # noqa: E731
    console: list[str] = []
    on_console = lambda m: console.append(m.text) if m.type in ("error", "warning") else None  # noqa: E731
    page.on("requestfailed", on_failed)
    page.on("requestfinished", on_finished)
    page.on("console", on_console)
    faults.arm("mcstatus", "hold", times=0)
    try:
        timed_out = harness.run(
            CLIENT
            + """
import asyncio, builtins
from mailconnector.crm.errors import CrmError
from mailconnector.crm.retry import NO_RETRY

async def main():
    try:
        await client(timeouts={"mcstatus": 0.5}, retry=NO_RETRY).status()
        code = "no error"
    except CrmError as exc:
        code = exc.code
    # a second call, left in flight: the test cancels it once the CRM holds it
    builtins._cancel_me = asyncio.ensure_future(client(retry=NO_RETRY).status())
    return code
""",
            CRM=crm.url,
        )
        assert timed_out == "TIMEOUT"
        # both calls are at the CRM, unanswered: the first one timed out while held
        faults.wait("two mcstatus held", lambda r: len(r["holding"]) == 2)
        cancelled = harness.run(
            """
import asyncio, builtins

async def main():
    task = builtins._cancel_me
    task.cancel()  # a newer search, a closed screen: the pane cancels the call
    try:
        await task
        return False
    except asyncio.CancelledError:
        return True
"""
        )
        assert cancelled is True
        assert faults.release("mcstatus") == 2
        hits = faults.wait_finished("mcstatus", "hold", count=2)
        assert [h["hold"] for h in hits] == ["released", "released"]
        page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")  # deliver pending events
    finally:
        faults.clear()
        page.remove_listener("requestfailed", on_failed)
        page.remove_listener("requestfinished", on_finished)
        page.remove_listener("console", on_console)
    # the browser aborted both fetches (AbortController): neither read the answer the CRM sent later
    assert [failure for _, failure in failed] == ["net::ERR_ABORTED", "net::ERR_ABORTED"], failed
    assert finished == []
    # and the aborted fetches settled quietly: no Python error behind the user's back (the pane shows
    # stray Python errors on the page)
    assert [m for m in console if "Error" in m or "Traceback" in m] == []
