"""Salted PIN hashes (stdlib scrypt) in the form stored in the config's `pin_hash`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1
PIN_DIGITS = (4, 12)  # a PIN is 4 to 12 digits


def pin_problem(pin: str) -> str | None:
    """Why `pin` cannot be a PIN (Indonesian, for the admin console), or None when it can."""
    lo, hi = PIN_DIGITS
    if not (pin.isascii() and pin.isdigit() and lo <= len(pin) <= hi):
        return f"PIN harus {lo} sampai {hi} angka"
    return None


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    b64 = base64.urlsafe_b64encode
    return f"scrypt${N}${R}${P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, pin_hash: str) -> bool:
    try:
        _, n, r, p, salt, digest = pin_hash.split("$")
        expected = base64.urlsafe_b64decode(digest)
        actual = hashlib.scrypt(
            pin.encode(), salt=base64.urlsafe_b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# A fixed hash to compare against when the username is unknown, so the answer
# takes as long as for a wrong PIN and reveals nothing.
DUMMY_HASH = hash_pin("0000", salt=b"mpp-dummy-salt--")
