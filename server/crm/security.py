"""Secrets: password hashes (scrypt), access keys, device tokens (only their hash is stored)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
ACCESS_KEY_ALPHABET = string.ascii_letters + string.digits


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_b64, _digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hash_password(password, base64.b64decode(salt_b64))
    return hmac.compare_digest(candidate, stored)


# Checked for unknown users too, so that timing does not tell which usernames exist.
DUMMY_HASH = hash_password("not-a-password", b"0123456789abcdef")


def new_access_key() -> str:
    """A vtiger-style 16-character webservice access key."""
    return "".join(secrets.choice(ACCESS_KEY_ALPHABET) for _ in range(16))


def new_token() -> str:
    """A device token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
