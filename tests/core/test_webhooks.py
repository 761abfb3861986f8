"""Webhook endpoints as account state: decisions, their events applied, type patterns, URL checks and the rotation grace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from tradeloop.core.notification_rules import notifications_of
from tradeloop.core.notifications import NotificationType
from tradeloop.core.webhooks import (
    MAX_WEBHOOKS,
    ROTATION_GRACE,
    CreateWebhook,
    DeleteWebhook,
    DisableWebhook,
    RotateWebhookSecret,
    UpdateWebhook,
    WebhookCommand,
    WebhookDisabled,
    WebhookEndpoint,
    WebhookStatus,
    apply_webhook_event,
    check_patterns,
    check_url,
    decide_webhook,
    pattern_matches,
)
from tradeloop.errors import InvalidField, NotFound

ACCOUNT = UUID("0195f7a0-1111-7222-8333-444455556666")
NOW = datetime(2026, 1, 5, 15, 30, tzinfo=UTC)


def run(endpoints: dict[UUID, WebhookEndpoint], command: WebhookCommand, now: datetime = NOW) -> WebhookEndpoint | None:
    webhook_id, event = decide_webhook(endpoints, command, account_id=ACCOUNT, now=now)
    if event is not None:
        apply_webhook_event(endpoints, event)
    return endpoints.get(webhook_id)


def created(endpoints: dict[UUID, WebhookEndpoint], **overrides: object) -> WebhookEndpoint:
    values: dict[str, object] = {
        "webhook_id": uuid4(), "url": "https://hooks.example.com/in", "events": ("order.*",), "description": "",
        "secret_sealed": b"sealed-1",
    }
    values.update(overrides)
    made = run(endpoints, CreateWebhook(**values))  # type: ignore[arg-type]
    assert made is not None
    return made


def test_create_change_rotate_disable_and_delete() -> None:
    endpoints: dict[UUID, WebhookEndpoint] = {}
    made = created(endpoints, events=("order.*", "order.*", " alert.triggered "))
    assert made.events == ("order.*", "alert.triggered") and made.status is WebhookStatus.ENABLED
    later = NOW + timedelta(minutes=1)
    changed = run(endpoints, UpdateWebhook(webhook_id=made.id, description="fills", enabled=False), later)
    assert changed is not None and changed.description == "fills" and changed.status is WebhookStatus.DISABLED
    assert changed.url == made.url and changed.updated_at == later
    enabled = run(endpoints, UpdateWebhook(webhook_id=made.id, enabled=True))
    assert enabled is not None and enabled.status is WebhookStatus.ENABLED and enabled.disabled_reason is None
    rotated = run(endpoints, RotateWebhookSecret(webhook_id=made.id, secret_sealed=b"sealed-2"), later)
    assert rotated is not None and rotated.secret_sealed == b"sealed-2"
    assert rotated.previous_secret_sealed == b"sealed-1" and rotated.previous_until == later + ROTATION_GRACE
    disabled = run(endpoints, DisableWebhook(webhook_id=made.id, reason="the endpoint answered 410 Gone"))
    assert disabled is not None and disabled.status is WebhookStatus.DISABLED
    assert disabled.disabled_reason == "the endpoint answered 410 Gone"
    assert decide_webhook(endpoints, DisableWebhook(webhook_id=made.id, reason="again"), account_id=ACCOUNT, now=NOW)[1] is None
    assert run(endpoints, DeleteWebhook(webhook_id=made.id)) is None and endpoints == {}
    with pytest.raises(NotFound):
        run(endpoints, UpdateWebhook(webhook_id=made.id, description="gone"))


def test_both_secrets_sign_during_the_grace_and_only_the_new_one_after() -> None:
    endpoints: dict[UUID, WebhookEndpoint] = {}
    made = created(endpoints)
    assert made.sealed_secrets(NOW) == (b"sealed-1",)
    rotated = run(endpoints, RotateWebhookSecret(webhook_id=made.id, secret_sealed=b"sealed-2"))
    assert rotated is not None
    assert rotated.sealed_secrets(NOW + ROTATION_GRACE - timedelta(seconds=1)) == (b"sealed-2", b"sealed-1")
    assert rotated.sealed_secrets(NOW + ROTATION_GRACE) == (b"sealed-2",)


@pytest.mark.parametrize(
    ("pattern", "kind", "taken"),
    [
        ("*", "order.filled", True),
        ("order.*", "order.filled", True),
        ("order.*", "orders.filled", False),
        ("order.filled", "order.filled", True),
        ("order.filled", "order.canceled", False),
        ("alert.*", "order.filled", False),
    ],
)
def test_patterns_take_a_type_exactly_by_prefix_or_all(pattern: str, kind: str, taken: bool) -> None:
    assert pattern_matches(pattern, kind) is taken


@pytest.mark.parametrize(("patterns", "field"), [((), "events"), (("order.filled", "order.fild"), "events/1"), (("ord*",), "events/0")])
def test_patterns_that_match_no_notification_type_are_refused_by_place(patterns: tuple[str, ...], field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        check_patterns(patterns)
    assert refused.value.field == field


def test_every_notification_type_can_be_named() -> None:
    assert check_patterns(tuple(kind.value for kind in NotificationType)) == tuple(kind.value for kind in NotificationType)


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example.com/", "hooks.example.com/in", "https:///in", "https://user:pw@hooks.example.com/",
     "https://hooks.example.com:99999/", "https://hooks.example.com/#frag", "https://x.example/" + "a" * 2048],
)
def test_urls_that_are_not_plain_http_or_https_are_refused(url: str) -> None:
    with pytest.raises(InvalidField) as refused:
        check_url(url)
    assert refused.value.field == "url"


def test_an_account_holds_a_bounded_number_of_endpoints() -> None:
    endpoints: dict[UUID, WebhookEndpoint] = {}
    for _ in range(MAX_WEBHOOKS):
        created(endpoints)
    with pytest.raises(InvalidField):
        created(endpoints)


def test_a_disabled_endpoint_notifies_its_owner_with_a_stable_id() -> None:
    webhook_id = uuid4()
    event = WebhookDisabled(account_id=ACCOUNT, webhook_id=webhook_id, url="https://h.example/", reason="410", timestamp=NOW)
    (made,) = notifications_of(ACCOUNT, [event], {})
    assert made.type is NotificationType.WEBHOOK_DISABLED and made.created_at == NOW
    assert made.data == {"webhook_id": str(webhook_id), "url": "https://h.example/", "reason": "410"}
    assert notifications_of(ACCOUNT, [event], {})[0].id == made.id
