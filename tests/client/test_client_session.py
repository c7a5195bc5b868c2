"""Discovery, sign-in and sessions against the running local CRM."""

from __future__ import annotations

import json
import uuid

import pytest

from mailconnector.crm import CrmClient, RetryPolicy
from mailconnector.crm import errors as e
from tests.client.conftest import PASSWORDS, device_name, giulia_code, run, signed_in
from tests.conftest import RunningCrm


def login_error(crm: RunningCrm, username: str, password: str, otp: str | None = None) -> e.CrmError:
    async def go() -> e.CrmError:
        async with CrmClient(crm.url) as client:
            with pytest.raises(e.CrmError) as caught:
                await client.login(username, password, otp=otp, device=device_name())
            assert client.token is None
            return caught.value

    return run(go())


def fresh_user(crm: RunningCrm) -> tuple[str, str]:
    """A user of our own (not enabled for Mail Connector: the licence's seats are the demo's)."""
    name, password = f"cl{uuid.uuid4().hex[:10]}", "Secret-123"
    crm.admin("users", "create", name, "--password", password)
    return name, password


def active_tokens(crm: RunningCrm, username: str, device: str) -> list[dict[str, object]]:
    listed = json.loads(crm.admin("tokens", "list", "--user", username, "--json").stdout)
    return [t for t in listed if t["device"] == device and t["state"] == "active"]


def revoke_device(crm: RunningCrm, username: str, device: str) -> None:
    (token,) = active_tokens(crm, username, device)
    crm.admin("tokens", "revoke", str(token["id"]))


def test_status_describes_the_crm_before_sign_in(crm: RunningCrm) -> None:
    async def go() -> None:
        async with CrmClient(crm.url) as client:
            status = await client.status()
            assert status.component == "mailconnector"
            assert status.crm.product == "vtenext"
            assert status.licence.state == "active"
            assert {"lookup", "suggest", "chunked_upload", "receipt"} <= set(status.capabilities)
            assert 0 < status.limits.chunk_bytes <= status.limits.max_file_bytes <= status.limits.max_message_bytes
            assert not client.signed_in

    run(go())


def test_the_url_the_user_typed_is_normalised(crm: RunningCrm) -> None:
    async def go() -> None:
        async with CrmClient(crm.url.replace("http://", "") + "/index.php?module=Home") as client:
            assert client.url.base == crm.url
            assert (await client.status()).component == "mailconnector"

    run(go())


def test_an_address_that_is_not_the_crm_s_rest_api_is_not_vtenext(crm: RunningCrm) -> None:
    async def go() -> None:
        async with CrmClient(crm.url + "/no/such/install", retry=RetryPolicy(attempts=1)) as client:
            with pytest.raises(e.NotVtenext):
                await client.status()

    run(go())


@pytest.mark.parametrize("username", ["admin", "anna", "marco", "sara"])
def test_demo_users_sign_in(crm: RunningCrm, username: str) -> None:
    async def go() -> None:
        client = await signed_in(crm, username)
        async with client:
            assert client.user is not None and client.user.username == username
            assert client.user.id.startswith("19x")
            assert client.token and len(client.token) >= 32
            assert await client.modules()

    run(go())


def test_wrong_password_and_unknown_user_get_the_same_answer(crm: RunningCrm) -> None:
    name, _ = fresh_user(crm)
    wrong = login_error(crm, name, "wrong-password")
    unknown = login_error(crm, f"nobody{uuid.uuid4().hex[:6]}", "whatever")
    assert type(wrong) is type(unknown) is e.InvalidCredentials
    assert wrong.code == "INVALID_CREDENTIALS"


def test_five_failures_lock_the_account_even_for_the_right_password(crm: RunningCrm) -> None:
    name, password = fresh_user(crm)
    for _ in range(5):
        assert type(login_error(crm, name, "wrong")) is e.InvalidCredentials
    assert type(login_error(crm, name, password)) is e.LoginLocked


def test_an_inactive_user_is_told_so(crm: RunningCrm) -> None:
    name, password = fresh_user(crm)
    crm.admin("users", "deactivate", name)
    assert type(login_error(crm, name, password)) is e.UserInactive


def test_a_user_without_a_seat_is_not_enabled(crm: RunningCrm) -> None:
    error = login_error(crm, "luca", PASSWORDS["luca"])
    assert type(error) is e.UserNotEnabled
    assert error.code == "USER_NOT_ENABLED"


def test_one_time_code_required_wrong_and_right(crm: RunningCrm) -> None:
    assert type(login_error(crm, "giulia", PASSWORDS["giulia"])) is e.OtpRequired
    assert type(login_error(crm, "giulia", PASSWORDS["giulia"], otp="000000")) is e.OtpInvalid

    async def go() -> None:
        async with CrmClient(crm.url) as client:
            result = await client.login("giulia", PASSWORDS["giulia"], otp=giulia_code())
            assert result.user.username == "giulia"
            assert await client.modules()

    run(go())


def test_logout_revokes_the_token_at_the_crm(crm: RunningCrm) -> None:
    device = device_name()

    async def go() -> None:
        client = await signed_in(crm, "marco", device=device)
        token = client.token
        assert token is not None
        async with client:
            await client.logout()
            assert not client.signed_in
        assert active_tokens(crm, "marco", device) == []
        async with CrmClient(crm.url) as stale:
            stale.set_credentials("marco", token)
            with pytest.raises(e.SessionExpired):
                await stale.modules()

    run(go())


def test_a_session_revoked_mid_flow_is_renewed_by_the_hook_and_the_work_resumes(crm: RunningCrm) -> None:
    device = device_name()
    renewals: list[str] = []

    async def go() -> None:
        client = await signed_in(crm, "anna", device=device)

        async def sign_in_again() -> str | None:
            renewals.append("asked")
            # what the UI does: ask for the password, then sign in again on the same device
            return (await client.login("anna", PASSWORDS["anna"], device=device)).token

        client.on_session_expired = sign_in_again
        async with client:
            modules = await client.modules()
            revoke_device(crm, "anna", device)
            assert await client.modules() == modules  # component operation: SESSION_EXPIRED
            assert renewals == ["asked"]
            revoke_device(crm, "anna", device)
            record = await client.retrieve("4x3")  # stock operation: 401 InvalidLoginException
            assert record.text("lastname") == "Rossi"
            assert renewals == ["asked", "asked"]

    run(go())


def test_when_the_user_declines_to_sign_in_again_the_session_error_stands(crm: RunningCrm) -> None:
    device = device_name()

    async def go() -> None:
        async def decline() -> str | None:
            return None

        client = await signed_in(crm, "sara", device=device, on_session_expired=decline)
        async with client:
            revoke_device(crm, "sara", device)
            with pytest.raises(e.SessionExpired):
                await client.suggest(["mario.rossi@example.it"])

    run(go())
