"""Webhook endpoints in the journal's codec: their events and an account holding them round-trip; older accounts hold none."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import msgpack

from tradeloop.core.accounts import AccountState
from tradeloop.core.webhooks import (
    WebhookCreated,
    WebhookDeleted,
    WebhookDisabled,
    WebhookEndpoint,
    WebhookSecretRotated,
    WebhookStatus,
    WebhookUpdated,
)
from tradeloop.snapshots.codec import decode, encode

NOW = datetime(2026, 1, 5, 15, 30, tzinfo=UTC)


def endpoint() -> WebhookEndpoint:
    return WebhookEndpoint(
        id=uuid4(), url="https://hooks.example.com/in", events=("order.*", "alert.triggered"), description="fills",
        secret_sealed=b"\x00sealed", created_at=NOW, updated_at=NOW,
    )


def test_every_webhook_event_round_trips() -> None:
    made, account = endpoint(), uuid4()
    events = [
        WebhookCreated(account_id=account, endpoint=made),
        WebhookUpdated(account_id=account, webhook_id=made.id, events=("*",), status=WebhookStatus.DISABLED, timestamp=NOW),
        WebhookSecretRotated(account_id=account, webhook_id=made.id, secret_sealed=b"new", previous_until=NOW, timestamp=NOW),
        WebhookDisabled(account_id=account, webhook_id=made.id, url=made.url, reason="gone", timestamp=NOW),
        WebhookDeleted(account_id=account, webhook_id=made.id, timestamp=NOW),
    ]
    for event in events:
        assert decode(encode(event)) == event


def test_an_account_with_endpoints_round_trips_and_one_written_before_them_holds_none() -> None:
    made = replace(endpoint(), previous_secret_sealed=b"old", previous_until=NOW + timedelta(hours=24))
    state = AccountState(
        id=uuid4(), account_number="PA1", key_id="K", secret_hash="h", created_at=NOW, cash=Decimal(1), last_equity=Decimal(1),
        contributions=Decimal(1), webhooks={made.id: made},
    )
    assert decode(encode(state)).webhooks == {made.id: made}
    written_before = msgpack.unpackb(encode(state), strict_map_key=False)
    del written_before["webhooks"]
    assert decode(msgpack.packb(written_before)).webhooks == {}
