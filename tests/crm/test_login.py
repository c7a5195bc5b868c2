"""Sign-in (protocol B.2): credentials, one-time codes, lock-out, licence gate, tokens, admin CLI."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from server.crm.otp import totp
from tests.conftest import RunningCrm
from tests.crm.support import GIULIA_SECRET, login, post


def code_of(r: httpx.Response) -> str:
    return str(r.json().get("code", ""))


def new_user(crm: RunningCrm, prefix: str) -> str:
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    crm.admin("users", "create", name, "--password", "s3cret!", "--first", "Test", "--last", "User")
    return name


def test_login_success_shape(crm: RunningCrm) -> None:
    s = login(crm, "anna")
    assert len(s.secret) >= 43  # 32 random bytes, URL-safe
    assert s.login_data["user"] == {"id": "19x2", "username": "anna", "name": "Anna Rossi",
                                    "email": "anna.rossi@acme-crm.example", "language": "it_it",
                                    "timezone": "Europe/Rome"}
    assert login(crm, "marco").login_data["user"]["language"] == "en_us"
    assert isinstance(s.data("mcmodules"), list)
    assert s.data("describe", elementType="Contacts")["name"] == "Contacts"


def test_wrong_password_and_unknown_user_look_the_same(crm: RunningCrm) -> None:
    wrong = post(crm, "mclogin", username="anna", password="nope", device="t")
    unknown = post(crm, "mclogin", username="nobody-here", password="nope", device="t")
    assert wrong.status_code == unknown.status_code == 401
    assert code_of(wrong) == code_of(unknown) == "INVALID_CREDENTIALS"
    assert wrong.json()["message"] == unknown.json()["message"]
    assert post(crm, "mclogin", username="anna", password="anna123").status_code == 200  # resets the count


def test_lockout_after_five_failures_and_admin_unlock(crm: RunningCrm) -> None:
    name = new_user(crm, "lock")
    key = post(crm, "loginpwd", username=name, password="s3cret!").json()["data"][0]
    for _ in range(4):
        assert code_of(post(crm, "mclogin", username=name, password="bad")) == "INVALID_CREDENTIALS"
    # a success before the fifth failure resets the count (the user is not licensed, but the password was right)
    assert code_of(post(crm, "mclogin", username=name, password="s3cret!")) == "USER_NOT_ENABLED"
    for _ in range(4):
        assert code_of(post(crm, "mclogin", username=name, password="bad")) == "INVALID_CREDENTIALS"
    r = post(crm, "loginpwd", username=name, password="bad")  # loginpwd counts too: fifth failure
    assert r.status_code == 500 and r.json()["message"] == "Invalid username or password"
    r = post(crm, "mclogin", username=name, password="s3cret!")
    assert r.status_code == 403 and code_of(r) == "LOGIN_LOCKED"
    assert post(crm, "loginpwd", username=name, password="s3cret!").status_code == 500
    # failed Basic secrets do not count, but a locked user is refused on every call
    r = post(crm, "describe", auth=(name, key), elementType="Contacts")
    assert r.status_code == 401 and "locked" in r.json()["message"]
    crm.admin("users", "unlock", name)
    assert post(crm, "describe", auth=(name, key), elementType="Contacts").status_code == 200
    for _ in range(7):
        assert post(crm, "describe", auth=(name, "wrong-secret"), elementType="Contacts").status_code == 401
    assert code_of(post(crm, "mclogin", username=name, password="s3cret!")) == "USER_NOT_ENABLED"


def test_one_time_code(crm: RunningCrm) -> None:
    r = post(crm, "mclogin", username="giulia", password="giulia123", device="t")
    assert r.status_code == 401 and code_of(r) == "OTP_REQUIRED"
    good = totp(GIULIA_SECRET).now()
    bad = f"{(int(good) + 500000) % 1000000:06d}"
    r = post(crm, "mclogin", username="giulia", password="giulia123", otp=bad, device="t")
    assert r.status_code == 401 and code_of(r) == "OTP_INVALID"
    r = post(crm, "mclogin", username="giulia", password="wrong", otp=good, device="t")
    assert code_of(r) == "INVALID_CREDENTIALS"
    r = post(crm, "mclogin", username="giulia", password="giulia123", otp=totp(GIULIA_SECRET).now(), device="t")
    assert r.status_code == 200
    assert r.json()["data"]["user"]["username"] == "giulia"


def test_otp_can_be_switched_on_by_the_admin(crm: RunningCrm) -> None:
    name = new_user(crm, "otp")
    out = crm.admin("users", "set-otp", name, "on").stdout
    secret = next(line.split(": ")[1] for line in out.splitlines() if line.startswith("secret: "))
    assert code_of(post(crm, "mclogin", username=name, password="s3cret!")) == "OTP_REQUIRED"
    r = post(crm, "mclogin", username=name, password="s3cret!", otp=totp(secret).now())
    assert code_of(r) == "USER_NOT_ENABLED"  # past the code: the licence gate comes next
    crm.admin("users", "set-otp", name, "off")
    assert code_of(post(crm, "mclogin", username=name, password="s3cret!")) == "USER_NOT_ENABLED"


def test_inactive_and_not_enabled_users(crm: RunningCrm) -> None:
    r = post(crm, "mclogin", username="luca", password="luca123")
    assert r.status_code == 403 and code_of(r) == "USER_NOT_ENABLED"
    assert code_of(post(crm, "mclogin", username="luca", password="bad")) == "INVALID_CREDENTIALS"
    name = new_user(crm, "inactive")
    key = post(crm, "loginpwd", username=name, password="s3cret!").json()["data"][0]
    crm.admin("users", "deactivate", name)
    r = post(crm, "mclogin", username=name, password="s3cret!")
    assert r.status_code == 403 and code_of(r) == "USER_INACTIVE"
    assert code_of(post(crm, "mclogin", username=name, password="bad")) == "INVALID_CREDENTIALS"
    assert post(crm, "describe", auth=(name, key), elementType="Contacts").status_code == 401


@pytest.fixture
def restore_licence(crm: RunningCrm) -> Iterator[None]:
    try:
        yield
    finally:
        crm.admin("licence", "set", "--state", "active", "--expires", "2027-03-31", "--seats", "5")


def test_licence_inactive(crm: RunningCrm, restore_licence: None) -> None:
    s = login(crm, "anna")
    crm.admin("licence", "set", "--state", "inactive")
    assert post(crm, "mcstatus").json()["data"]["licence"]["state"] == "inactive"
    r = post(crm, "mclogin", username="anna", password="anna123")
    assert r.status_code == 403 and code_of(r) == "LICENCE_INACTIVE"
    assert code_of(s.call("mcmodules")) == "LICENCE_INACTIVE"  # an existing session is gated too
    assert s.call("describe", elementType="Contacts").status_code == 200  # stock operations are not
    assert code_of(post(crm, "mclogin", username="anna", password="bad")) == "INVALID_CREDENTIALS"


def test_licence_expired(crm: RunningCrm, restore_licence: None) -> None:
    crm.admin("licence", "set", "--expires", "2020-01-31")
    status = post(crm, "mcstatus").json()["data"]["licence"]
    assert status == {"state": "expired", "installation": "ACME CRM", "expires": "2020-01-31"}
    r = post(crm, "mclogin", username="marco", password="marco123")
    assert r.status_code == 403 and code_of(r) == "LICENCE_EXPIRED"
    crm.admin("licence", "set", "--expires", "never")
    assert post(crm, "mcstatus").json()["data"]["licence"]["expires"] is None
    assert post(crm, "mclogin", username="marco", password="marco123").status_code == 200


def test_seats_cannot_be_exceeded(crm: RunningCrm, restore_licence: None) -> None:
    r = crm.admin("licence", "set", "--enable", "luca", check=False)
    assert r.returncode == 1 and "seats" in r.stderr
    shown = json.loads(crm.admin("licence", "show", "--json").stdout)
    assert shown["seats"] == 5 and "luca" not in shown["enabled_users"]
    assert shown["enabled_users"] == ["admin", "anna", "marco", "sara", "giulia"]


def test_logout_revokes_only_the_calling_token(crm: RunningCrm) -> None:
    first, second = login(crm, "marco", device="laptop"), login(crm, "marco", device="phone")
    assert first.data("mclogout") == {"revoked": True}
    r = first.call("mcmodules")
    assert r.status_code == 401 and code_of(r) == "SESSION_EXPIRED"
    r = first.call("query", query="SELECT count(*) FROM Leads;")
    assert r.status_code == 401 and r.json()["error"] == "InvalidLoginException"
    assert second.data("mcmodules")


def test_admin_revokes_device_tokens(crm: RunningCrm) -> None:
    device = f"device-{uuid.uuid4().hex[:6]}"
    s = login(crm, "sara", device=device)
    tokens = json.loads(crm.admin("tokens", "list", "--user", "sara", "--json").stdout)
    mine = [t for t in tokens if t["device"] == device]
    assert len(mine) == 1 and mine[0]["state"] == "active"
    assert s.secret not in json.dumps(tokens)  # the admin's listing does not show it
    crm.admin("tokens", "revoke", str(mine[0]["id"]))
    r = s.call("mcsuggest", addresses=["mario.rossi@example.it"])
    assert r.status_code == 401 and code_of(r) == "SESSION_EXPIRED"
    others = [login(crm, "sara", device="a"), login(crm, "sara", device="b")]
    crm.admin("tokens", "revoke", "--user", "sara", "--all")
    assert all(o.call("mcmodules").status_code == 401 for o in others)
    assert login(crm, "sara").data("mcmodules")


def test_users_list_from_the_cli(crm: RunningCrm) -> None:
    users = {u["username"]: u for u in json.loads(crm.admin("users", "list", "--json").stdout)}
    assert users["giulia"]["otp"] is True and users["giulia"]["enabled"] is True
    assert users["luca"]["enabled"] is False and users["luca"]["status"] == "Active"
    assert users["anna"]["role"] == "Sales Manager" and users["admin"]["admin"] is True
    logins = crm.admin("demo-logins").stdout
    assert "anna123" in logins and "JBSWY3DPEHPK3PXP" in logins


def test_device_tokens_are_stored_only_as_their_hash(crm: RunningCrm) -> None:
    """Read from the database itself: the row of this device holds SHA-256(token), and the token's text
    is nowhere in the database's files (main file and write-ahead log)."""
    device = f"hash-{uuid.uuid4().hex[:6]}"
    s = login(crm, "anna", device=device)
    with closing(sqlite3.connect(f"file:{crm.db_path}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT token_hash FROM device_tokens WHERE device = ?", (device,)).fetchall()
    assert rows == [(hashlib.sha256(s.secret.encode()).hexdigest(),)]
    assert rows[0][0] != s.secret
    files = [p for p in crm.db_path.parent.glob(crm.db_path.name + "*") if p.is_file()]
    assert crm.db_path in files
    assert not [p.name for p in files if s.secret.encode() in p.read_bytes()]
