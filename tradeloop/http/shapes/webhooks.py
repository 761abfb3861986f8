"""Shapes of webhook endpoints and their deliveries (tradeloop's /v2/webhooks)."""

from __future__ import annotations

from typing import Literal

from typing_extensions import TypedDict

from tradeloop.http.openapi.fields import Timestamp, UuidText


class WebhookJson(TypedDict):
    """A webhook endpoint: where the account's notifications go, which types (patterns), and whether it is enabled."""

    id: UuidText
    url: str
    events: list[str]
    description: str
    status: Literal["enabled", "disabled"]
    disabled_reason: str | None
    previous_secret_expires_at: Timestamp | None
    """Until when the secret before the last rotation still signs (null: no previous secret)."""
    created_at: Timestamp
    updated_at: Timestamp


class WebhookWithSecretJson(WebhookJson):
    """An endpoint with its signing secret, shown only in the answer that made it (creation, rotation)."""

    secret: str
