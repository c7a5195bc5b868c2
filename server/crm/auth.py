"""Who is calling: HTTP Basic (username + access key or device token), and password sign-in
with one-time codes and lock-out (protocol B.2)."""

from __future__ import annotations

import base64
import binascii
import sqlite3
from dataclasses import dataclass

from server.crm.access import User, find_user
from server.crm.db import write_tx
from server.crm.errors import ComponentError, CrmError, InvalidLogin
from server.crm.otp import totp
from server.crm.security import DUMMY_HASH, check_password, same_secret, token_hash
from server.crm.timeutil import from_db, now_db, utc_now

MAX_FAILURES = 5
LAST_USE_RESOLUTION_SECONDS = 60  # avoid one write per request just to move "last use"


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    username, sep, secret = decoded.partition(":")
    return (username, secret) if sep else None


@dataclass(frozen=True)
class Caller:
    user: User
    token_id: int | None  # the device token used, None for an access key


def authenticate(conn: sqlite3.Connection, header: str | None, component: bool) -> Caller:
    """Checks Basic credentials. Failures are 401 (or the component codes) and never count for lock-out."""

    def fail(reason: str, code: str = "SESSION_EXPIRED") -> CrmError:
        if component:
            return ComponentError(code, reason if code != "SESSION_EXPIRED" else
                                  "The session has expired or was revoked; please sign in again")
        return InvalidLogin(reason)

    creds = parse_basic(header)
    if creds is None:
        raise fail("Missing credentials", "AUTHENTICATION_REQUIRED") if component else InvalidLogin(
            "Missing or malformed credentials")
    username, secret = creds
    user = find_user(conn, username)
    if user is None or not secret:
        raise fail("Invalid username or access key")
    token_id: int | None = None
    key_row = conn.execute("SELECT access_key FROM users WHERE id = ?", (user.id,)).fetchone()
    if not same_secret(secret, key_row[0]):
        now = now_db()
        row = conn.execute(
            "SELECT id, last_used_at FROM device_tokens WHERE token_hash = ? AND user_id = ?"
            " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
            (token_hash(secret), user.id, now)).fetchone()
        if row is None:
            raise fail("Invalid username or access key")
        token_id = row["id"]
        _touch_token(conn, token_id, row["last_used_at"])
    if not user.active:
        raise fail("User is inactive", "USER_INACTIVE")
    if user.locked:
        raise fail("User is locked", "LOGIN_LOCKED")
    return Caller(user, token_id)


def _touch_token(conn: sqlite3.Connection, token_id: int, last_used: str) -> None:
    if (utc_now() - from_db(last_used)).total_seconds() < LAST_USE_RESOLUTION_SECONDS:
        return
    conn.execute("UPDATE device_tokens SET last_used_at = ? WHERE id = ?", (now_db(), token_id))


class LoginFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _record_failure(conn: sqlite3.Connection, user_id: int) -> None:
    with write_tx(conn):
        conn.execute(
            "UPDATE users SET failed_logins = failed_logins + 1,"
            " locked = CASE WHEN failed_logins + 1 >= ? THEN 1 ELSE locked END WHERE id = ?",
            (MAX_FAILURES, user_id))


def password_login(conn: sqlite3.Connection, username: str, password: str, otp: str | None) -> User:
    """The CRM's own sign-in. `otp` None means the caller cannot send a code (loginpwd).

    Raises LoginFailure with a component code. Wrong passwords and wrong codes count towards
    the lock-out; the fifth failure still says INVALID_CREDENTIALS, later ones LOGIN_LOCKED.
    """
    user = find_user(conn, username)
    if user is None:
        check_password(password, DUMMY_HASH)
        raise LoginFailure("INVALID_CREDENTIALS", "Invalid username or password")
    if user.locked:
        raise LoginFailure("LOGIN_LOCKED", "Too many failed sign-ins: the account is locked")
    stored = conn.execute("SELECT password_hash FROM users WHERE id = ?", (user.id,)).fetchone()[0]
    if not password or not check_password(password, stored):
        _record_failure(conn, user.id)
        raise LoginFailure("INVALID_CREDENTIALS", "Invalid username or password")
    if not user.active:
        raise LoginFailure("USER_INACTIVE", "This user is inactive")
    if user.otp_secret:
        if otp is None:
            raise LoginFailure("OTP_REQUIRED", "This user must sign in with a one-time code")
        if not otp.strip():
            raise LoginFailure("OTP_REQUIRED", "Enter the one-time code of your authenticator app")
        if not totp(user.otp_secret).verify(otp.strip(), valid_window=1):
            _record_failure(conn, user.id)
            raise LoginFailure("OTP_INVALID", "The one-time code is wrong or expired")
    if user.failed_logins:
        with write_tx(conn):
            conn.execute("UPDATE users SET failed_logins = 0 WHERE id = ? AND locked = 0", (user.id,))
    return user
