"""The requests the server sends to webhook endpoints, as the OpenAPI document's `webhooks` describe them."""

from __future__ import annotations

from typing import Any, Final

from pydantic import TypeAdapter

from tradeloop.http.shapes.webhooks import WebhookMessageJson

_HEADERS: Final = (
    ("webhook-id", "The notification's id, the same on every retry: drop a request already handled.", "3f0c6a52-1d0e-5b7f-9a3c-8e2d4b6f1a09"),
    ("webhook-timestamp", "When this attempt was sent, in seconds since the epoch.", "1767627005"),
    (
        "webhook-signature",
        "`v1,` and the base64 of HMAC-SHA256 of `id.timestamp.body` keyed with the secret's bytes; during a rotation's "
        "grace two signatures, space-separated.",
        "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    ),
)
_EXAMPLE: Final = {
    "type": "account.funds",
    "timestamp": "2026-01-05T15:30:05.120000Z",
    "data": {
        "notification_id": "3f0c6a52-1d0e-5b7f-9a3c-8e2d4b6f1a09", "account_id": "0195f7a0-1111-7222-8333-444455556666",
        "activity_id": "0195f7a3-2222-7333-8444-555566667777", "kind": "deposit", "amount": "500.00", "description": "top up",
    },
}


def webhook_requests() -> dict[str, Any]:
    """The OpenAPI 3.1 `webhooks` object: the one request every endpoint gets, per notification (docs/webhooks.md)."""
    schema = TypeAdapter(WebhookMessageJson).json_schema()
    return {
        "notification": {
            "post": {
                "operationId": "webhook_notification",
                "tags": ["webhooks"],
                "summary": "A notification sent to an endpoint that takes its type, signed per Standard Webhooks.",
                "description": (
                    "Sent at least once: retried after about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 24 h until a 2xx "
                    "answer, never sooner than Retry-After; 410 disables the endpoint. Redirects are not followed."
                ),
                "parameters": [
                    {"name": name, "in": "header", "required": True, "description": text, "schema": {"type": "string"},
                     "example": example}
                    for name, text, example in _HEADERS
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": schema, "examples": {"funds": {"value": _EXAMPLE}}}},
                },
                "responses": {
                    "2XX": {"description": "Delivered."},
                    "410": {"description": "The endpoint is gone: it is disabled, and its owner told (webhook.disabled)."},
                    "default": {"description": "Not delivered: tried again later."},
                },
            }
        }
    }
