"""Webhook secrets as Standard Webhooks writes them: `whsec_` and the base64 of random bytes."""

from __future__ import annotations

import base64
import secrets
from typing import Final

PREFIX: Final = "whsec_"
SECRET_BYTES: Final = 32


def new_secret() -> str:
    """A fresh secret, shown to the owner once and kept sealed."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signing_key(secret: str) -> bytes:
    """The HMAC key a secret stands for: the bytes its base64 encodes."""
    return base64.b64decode(secret.removeprefix(PREFIX))
