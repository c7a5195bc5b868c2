"""Calls that find the session expired together (a link's uploads go side by side): the user is asked to sign
in again once, and that one answer serves them all, a "no" included (crm/connection.py `_renew`)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from mailconnector.crm import CrmClient
from mailconnector.crm import errors as e
from tests.client.fake_crm import FakeCrm, Sent, component_error, ok

CALLS_TOGETHER = 3


def crm_that_revoked(token: str, all_refused: asyncio.Event) -> FakeCrm:
    """Every `mclookup` with `token` is refused as expired; with any other token it is answered.
    `all_refused` is set once CALLS_TOGETHER of them have been refused."""
    refused: list[Sent] = []

    def lookup(sent: Sent) -> httpx.Response:
        if sent.auth is not None and sent.auth[1] == token:
            refused.append(sent)
            if len(refused) == CALLS_TOGETHER:
                all_refused.set()
            return component_error(401, "SESSION_EXPIRED", "The session expired")
        return ok({"links": []})

    return FakeCrm().always("mclookup", lookup)


def asking(answer: str | None, asked: list[str], all_refused: asyncio.Event) -> Any:
    async def sign_in_again() -> str | None:
        asked.append("asked")
        await all_refused.wait()  # the user answers once every call was refused: all of them wait on it
        return answer

    return sign_in_again


async def lookups_together(client: CrmClient) -> list[Any]:
    calls = (client.lookup(f"<m{i}@example.it>") for i in range(CALLS_TOGETHER))
    return await asyncio.gather(*calls, return_exceptions=True)


def test_calls_refused_together_ask_once_and_all_go_on_with_the_new_session() -> None:
    async def go() -> None:
        all_refused = asyncio.Event()
        fake = crm_that_revoked("token-1", all_refused)
        asked: list[str] = []
        async with fake.client(on_session_expired=asking("token-2", asked, all_refused)) as client:
            results = await lookups_together(client)
        assert asked == ["asked"]
        assert results == [()] * CALLS_TOGETHER
        assert [s.auth[1] for s in fake.calls("mclookup")[CALLS_TOGETHER:] if s.auth] == ["token-2"] * CALLS_TOGETHER

    asyncio.run(go())


def test_a_no_to_signing_in_again_answers_every_call_refused_with_it_and_a_later_call_asks_again() -> None:
    async def go() -> None:
        all_refused = asyncio.Event()
        fake = crm_that_revoked("token-1", all_refused)
        asked: list[str] = []
        async with fake.client(on_session_expired=asking(None, asked, all_refused)) as client:
            results = await lookups_together(client)
            assert asked == ["asked"]  # not once per call: the sign-in would show again for each
            assert all(isinstance(r, e.SessionExpired) for r in results)
            assert len(fake.calls("mclookup")) == CALLS_TOGETHER  # none was sent again

            with pytest.raises(e.SessionExpired):
                await client.lookup("<later@example.it>")  # the user does something else later
            assert asked == ["asked", "asked"]

    asyncio.run(go())
