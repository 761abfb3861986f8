"""Shapes of webhook endpoints and their deliveries (tradeloop's /v2/webhooks)."""

from __future__ import annotations

from typing import Any, Literal

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


class WebhookTestJson(TypedDict):
    """A test message queued to one endpoint: its `webhook-id`, as the receiver will see it."""

    message_id: str
    type: Literal["webhook.test"]


class DeliveryAttemptJson(TypedDict):
    """One attempt to deliver a message: when, the endpoint's status code (null: no answer), how long, what went wrong."""

    message_id: str
    type: str
    attempt: int
    attempted_at: Timestamp
    status_code: int | None
    latency_ms: int
    error: str | None


class WebhookMessageJson(TypedDict):
    """The body of a request to an endpoint (Standard Webhooks): the notification's type, when it was made, its data."""

    type: str
    timestamp: Timestamp
    data: dict[str, Any]
    """The notification's data with its `notification_id` and `account_id` (money and quantities as strings)."""
