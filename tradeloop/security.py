"""API credentials: generation, salted hashing and constant-time verification."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from typing import Final

_KEY_ALPHABET: Final = string.ascii_uppercase + string.digits
_SECRET_ALPHABET: Final = string.ascii_letters + string.digits
_SCHEME: Final = "sha256"


def new_key_id() -> str:
    """A key id in Alpaca's shape: 'PK' and 18 upper-case letters or digits."""
    return "PK" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(18))


def new_secret() -> str:
    """A 40-character random secret (about 238 bits)."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def hash_secret(secret: str, salt: str | None = None) -> str:
    """Hash a secret as 'sha256$salt$digest'.

    Secrets are long random strings, so a salted SHA-256 resists offline
    guessing as well as a slow hash would, at a cost every request can afford.
    """
    salt = salt or secrets.token_hex(16)
    digest = hashlib.sha256(f"{salt}${secret}".encode()).hexdigest()
    return f"{_SCHEME}${salt}${digest}"


def verify_secret(secret: str, hashed: str) -> bool:
    """Compare a presented secret with a stored hash in constant time."""
    try:
        scheme, salt, _ = hashed.split("$", 2)
    except ValueError:
        return False
    if scheme != _SCHEME:
        return False
    return hmac.compare_digest(hash_secret(secret, salt).encode(), hashed.encode())
