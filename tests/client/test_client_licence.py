"""The licence gate, on a CRM of its own (changing the licence would disturb the shared one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailconnector.crm import CrmClient
from mailconnector.crm import errors as e
from tests.client.conftest import PASSWORDS, device_name, run, signed_in
from tests.conftest import RunningCrm, start_crm


@pytest.fixture(scope="module")
def own_crm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCrm]:
    running = start_crm(tmp_path_factory.mktemp("licence-crm"))
    yield running
    running.process.stop()


async def login_error(crm: RunningCrm, username: str) -> e.CrmError:
    async with CrmClient(crm.url) as client:
        with pytest.raises(e.CrmError) as caught:
            await client.login(username, PASSWORDS[username], device=device_name())
        return caught.value


async def licence_state(crm: RunningCrm) -> str:
    async with CrmClient(crm.url) as client:
        return (await client.status()).licence.state


def test_inactive_then_expired_then_active_again(own_crm: RunningCrm) -> None:
    async def go() -> None:
        async with await signed_in(own_crm, "anna") as anna:
            try:
                own_crm.admin("licence", "set", "--state", "inactive")
                assert await licence_state(own_crm) == "inactive"
                error = await login_error(own_crm, "marco")
                assert type(error) is e.LicenceInactive and error.code == "LICENCE_INACTIVE"

                own_crm.admin("licence", "set", "--state", "active", "--expires", "2020-01-31")
                assert await licence_state(own_crm) == "expired"
                assert type(await login_error(own_crm, "marco")) is e.LicenceExpired
                with pytest.raises(e.LicenceExpired):  # the gate also closes on a session already open
                    await anna.modules()
            finally:
                own_crm.admin("licence", "set", "--state", "active", "--expires", "never")
            assert await licence_state(own_crm) == "active"
            assert await anna.modules()

    run(go())


def test_seats_decide_who_is_enabled(own_crm: RunningCrm) -> None:
    async def go() -> None:
        own_crm.admin("licence", "set", "--disable", "sara")
        try:
            assert type(await login_error(own_crm, "sara")) is e.UserNotEnabled
        finally:
            own_crm.admin("licence", "set", "--enable", "sara")
        async with await signed_in(own_crm, "sara") as sara:
            assert await sara.modules()

    run(go())
