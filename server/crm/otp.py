"""One-time codes (TOTP, RFC 6238).

pyotp 2.12 refuses secrets shorter than 112 bits; the demo user's fixed secret
(JBSWY3DPEHPK3PXP, 80 bits, the classic authenticator-app example) is accepted here on purpose
so that demos and tests can compute codes. New secrets from the admin CLI are 160 bits.
"""

from __future__ import annotations

from typing import ClassVar

import pyotp


class Totp(pyotp.TOTP):
    min_secret_length_bits: ClassVar[int] = 80


def totp(secret: str) -> pyotp.TOTP:
    """`totp(secret).now()` gives the current code; `.verify(code, valid_window=1)` checks one."""
    return Totp(secret)


def new_secret() -> str:
    return pyotp.random_base32()
