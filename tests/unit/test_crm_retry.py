"""Retries only where repeating is safe; a revoked session is renewed once through the hook."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from mailconnector.crm import CrmClient
from mailconnector.crm import errors as e
from mailconnector.models import LinkMessage
from tests.client.fake_crm import (
    CONTACTS,
    CONTACTS_DESCRIBE,
    LOGIN,
    STATUS,
    FakeCrm,
    component_error,
    invalid_login,
    ok,
    stock_error,
)

LINK_RESULT = {
    "message": "40x7",
    "created": True,
    "linked": True,
    "documents": [],
    "eml_document": None,
    "target": {"module": "Contacts", "id": "4x1", "label": "Mario Rossi", "url": "https://crm/x"},
}
RECEIPT = {"subject": "Hi", "messageid": "<m@x>", "attachments": [], "links": []}
MESSAGE = LinkMessage.model_validate(
    {"from": {"name": "A", "address": "a@x.it"}, "date": "2024-11-12T10:00:00+01:00", "messageid": "<m@x>"}
)

Call = Callable[[CrmClient], Awaitable[Any]]
# (operation, its successful answer, a call that makes the client send it)
SAFE: list[tuple[str, Any, Call]] = [
    ("mcstatus", STATUS, lambda c: c.status()),
    ("mcmodules", [CONTACTS], lambda c: c.modules()),
    ("mcsuggest", [], lambda c: c.suggest(["a@x.it"])),
    ("mclookup", {"links": []}, lambda c: c.lookup("<m@x>")),
    ("query", [], lambda c: c.query("SELECT * FROM Contacts;")),
    ("describe", CONTACTS_DESCRIBE, lambda c: c.describe("Contacts")),
    ("retrieve", {"id": "4x1", "lastname": "Rossi"}, lambda c: c.retrieve("4x1")),
    ("mcreceipt", RECEIPT, lambda c: c.receipt("40x7")),
    ("mclink", LINK_RESULT, lambda c: c.link("4x1", MESSAGE)),
]
TRANSIENT = [
    httpx.ReadTimeout("slow"),
    httpx.Response(503, html="<h1>Service Unavailable</h1>"),
    httpx.ConnectError("[Errno 111] Connection refused"),
    httpx.RemoteProtocolError("Server disconnected"),
    httpx.Response(502, text="Bad Gateway"),
    httpx.Response(504, text="Gateway Timeout"),
]


@pytest.mark.parametrize(("operation", "answer", "call"), SAFE, ids=[s[0] for s in SAFE])
def test_safe_operations_are_retried_with_back_off(operation: str, answer: Any, call: Call) -> None:
    fake = FakeCrm().answer(operation, TRANSIENT[0], TRANSIENT[1], ok(answer))

    async def go() -> None:
        async with fake.client() as client:
            await call(client)

    asyncio.run(go())
    assert len(fake.calls(operation)) == 3
    assert fake.sleeps == [0.5, 1.0]


@pytest.mark.parametrize("failure", TRANSIENT, ids=lambda f: type(f).__name__)
def test_each_kind_of_transient_failure_is_retried(failure: Any) -> None:
    fake = FakeCrm().answer("mcmodules", failure, ok([CONTACTS]))

    async def go() -> None:
        async with fake.client() as client:
            assert (await client.modules())[0].name == "Contacts"

    asyncio.run(go())
    assert len(fake.calls("mcmodules")) == 2


def test_retries_end_after_the_policy_s_attempts() -> None:
    fake = FakeCrm().always("mcmodules", httpx.ReadTimeout("slow"))

    async def go() -> None:
        async with fake.client() as client:
            with pytest.raises(e.Timeout):
                await client.modules()

    asyncio.run(go())
    assert len(fake.calls("mcmodules")) == 3
    assert fake.sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("[Errno -2] Name or service not known"),
        httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
        component_error(403, "ACCESS_DENIED"),
        component_error(500, "INTERNAL_ERROR"),
        stock_error("Permission to perform the operation is denied"),
        httpx.Response(500, html="<b>Fatal error</b>"),
        httpx.Response(200, html="<html></html>"),
    ],
    ids=["dns", "tls", "denied", "internal", "stock", "500", "html"],
)
def test_failures_that_will_not_go_away_are_not_retried(failure: Any) -> None:
    fake = FakeCrm().always("mcmodules", failure)

    async def go() -> None:
        async with fake.client() as client:
            with pytest.raises(e.CrmError):
                await client.modules()

    asyncio.run(go())
    assert len(fake.calls("mcmodules")) == 1
    assert fake.sleeps == []


@pytest.mark.parametrize("failure", TRANSIENT, ids=lambda f: type(f).__name__)
def test_login_is_never_retried_because_failed_attempts_count_towards_lock_out(failure: Any) -> None:
    fake = FakeCrm().answer("mclogin", failure, ok(LOGIN))

    async def go() -> None:
        async with fake.client(signed_in=False) as client:
            with pytest.raises(e.CrmError):
                await client.login("anna", "anna123")
            assert client.token is None

    asyncio.run(go())
    assert len(fake.calls("mclogin")) == 1


def test_logout_is_not_retried_but_forgets_the_token_anyway() -> None:
    fake = FakeCrm().answer("mclogout", httpx.ReadTimeout("slow"), ok(None))

    async def go() -> None:
        async with fake.client() as client:
            with pytest.raises(e.Timeout):
                await client.logout()
            assert client.token is None
            assert not client.signed_in

    asyncio.run(go())
    assert len(fake.calls("mclogout")) == 1


def test_logout_with_an_already_revoked_token_is_quietly_done() -> None:
    fake = FakeCrm().answer("mclogout", component_error(401, "SESSION_EXPIRED"))
    hook_calls = 0

    async def hook() -> str | None:
        nonlocal hook_calls
        hook_calls += 1
        return None

    async def go() -> None:
        async with fake.client(on_session_expired=hook) as client:
            await client.logout()
            assert client.token is None

    asyncio.run(go())
    assert hook_calls == 0  # nobody is made to sign in just to sign out


def test_upload_start_is_not_retried() -> None:
    fake = FakeCrm().answer("mcupload", httpx.ReadTimeout("slow"))

    async def go() -> None:
        async with fake.client() as client:
            with pytest.raises(e.Timeout):
                await client.upload(b"abc", "a.txt", "text/plain")

    asyncio.run(go())
    assert [c.params["action"] for c in fake.calls("mcupload")] == ["start"]


# --- session renewal -------------------------------------------------------------------------------------
class Hook:
    def __init__(self, *tokens: str | None) -> None:
        self.tokens = list(tokens)
        self.calls = 0

    async def __call__(self) -> str | None:
        self.calls += 1
        await asyncio.sleep(0)
        return self.tokens.pop(0)


@pytest.mark.parametrize(
    "expired", [component_error(401, "SESSION_EXPIRED"), invalid_login()], ids=["component", "stock"]
)
def test_an_expired_session_is_renewed_through_the_hook_and_the_call_resumes(expired: httpx.Response) -> None:
    fake = FakeCrm().answer("query", expired, ok([{"id": "4x1", "lastname": "Rossi"}]))
    hook = Hook("token-2")

    async def go() -> None:
        async with fake.client(on_session_expired=hook) as client:
            rows = await client.query("SELECT * FROM Contacts;")
            assert rows[0].id == "4x1"
            assert client.token == "token-2"

    asyncio.run(go())
    assert hook.calls == 1
    assert [c.auth for c in fake.calls("query")] == [("anna", "token-1"), ("anna", "token-2")]


def test_the_hook_giving_up_raises_the_original_error() -> None:
    fake = FakeCrm().answer("mcmodules", component_error(401, "SESSION_EXPIRED", "token revoked"))
    hook = Hook(None)

    async def go() -> None:
        async with fake.client(on_session_expired=hook) as client:
            with pytest.raises(e.SessionExpired) as caught:
                await client.modules()
            assert caught.value.server_message == "token revoked"

    asyncio.run(go())
    assert hook.calls == 1
    assert len(fake.calls("mcmodules")) == 1


def test_the_call_is_repeated_only_once_after_renewal() -> None:
    fake = FakeCrm().always("mcmodules", component_error(401, "SESSION_EXPIRED"))
    hook = Hook("token-2", "token-3")

    async def go() -> None:
        async with fake.client(on_session_expired=hook) as client:
            with pytest.raises(e.SessionExpired):
                await client.modules()

    asyncio.run(go())
    assert hook.calls == 1
    assert len(fake.calls("mcmodules")) == 2


def test_without_a_hook_an_expired_session_is_raised() -> None:
    fake = FakeCrm().always("mcmodules", component_error(401, "SESSION_EXPIRED"))

    async def go() -> None:
        async with fake.client() as client:
            with pytest.raises(e.SessionExpired):
                await client.modules()

    asyncio.run(go())
    assert len(fake.calls("mcmodules")) == 1


def test_calls_failing_together_share_one_renewal() -> None:
    def answer(sent: Any) -> httpx.Response:
        if sent.auth == ("anna", "token-1"):
            return component_error(401, "SESSION_EXPIRED")
        return ok([CONTACTS])

    fake = FakeCrm().always("mcmodules", answer)
    hook = Hook("token-2", "token-3")

    async def go() -> None:
        async with fake.client(on_session_expired=hook) as client:
            results = await asyncio.gather(*(client.modules() for _ in range(4)))
            assert all(r[0].name == "Contacts" for r in results)

    asyncio.run(go())
    assert hook.calls == 1


def test_not_signed_in_asks_the_hook_too() -> None:
    fake = FakeCrm().answer("mcmodules", ok([CONTACTS]))

    async def go() -> None:
        client = fake.client(signed_in=False)

        async def sign_in() -> str | None:
            client.set_credentials("anna", "fresh")
            return "fresh"

        client.on_session_expired = sign_in
        async with client:
            await client.modules()

    asyncio.run(go())
    assert [c.auth for c in fake.calls("mcmodules")] == [("anna", "fresh")]


def test_a_renewed_session_also_repeats_an_operation_that_is_not_idempotent() -> None:
    started = {"upload": "u1", "received": 0, "chunk_bytes": 1024}
    fake = FakeCrm().answer("mcupload", component_error(401, "SESSION_EXPIRED"), ok(started), ok({"received": 3}))
    hook = Hook("token-2")

    async def go() -> None:
        async with fake.client(on_session_expired=hook) as client:
            state = await client.upload(b"abc", "a.txt", "text/plain")
            assert state.complete

    asyncio.run(go())
    assert [c.params["action"] for c in fake.calls("mcupload")] == ["start", "start", "chunk"]


# --- cancellation --------------------------------------------------------------------------------------------
def test_a_call_in_flight_can_be_cancelled_and_is_not_retried() -> None:
    arrived = asyncio.Event()
    requests = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal requests
        requests += 1
        arrived.set()
        await asyncio.sleep(3600)
        raise AssertionError("not reached")

    async def go() -> None:
        async with CrmClient("https://crm.example.com", transport=httpx.MockTransport(handler)) as client:
            client.set_credentials("anna", "t")
            task = asyncio.create_task(client.query("SELECT * FROM Contacts;"))
            await arrived.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(go())
    assert requests == 1
