"""Signing a delivery as the Standard Webhooks specification says: HMAC-SHA256 of `id.timestamp.body`, in base64."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from tradeloop.webhooks.secrets import signing_key


def signature(secret: str, message_id: str, timestamp_s: int, body: bytes) -> str:
    """One `v1,<base64>` signature of the body sent with that id at that time (whole seconds since the epoch)."""
    signed = b"%s.%d.%s" % (message_id.encode(), timestamp_s, body)
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secrets: Iterable[str], message_id: str, timestamp_s: int, body: bytes) -> dict[str, str]:
    """The request's headers: its id, its time, and one signature per secret, space-separated (a rotation's grace)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp_s),
        "webhook-signature": " ".join(signature(secret, message_id, timestamp_s, body) for secret in secrets),
        "content-type": "application/json",
    }
