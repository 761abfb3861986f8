"""Notifications: one record per thing an account's owner is told of, journaled before it is delivered anywhere.

A notification is made in the same journal write as the events it tells of
(`tradeloop.core.notification_rules` derives it), carried by a
`NotificationsCreated` event, and kept by the journal's notifications table with
a read flag that `NotificationsRead` sets. Whatever delivers notifications (the
trading stream, a webhook outbox) delivers these records, never something
recomputed, so every channel tells the same thing under the same id.

`data` holds JSON values only (strings, integers, booleans, None, lists and
maps with string keys); money, prices and quantities are strings, as on the wire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class NotificationType(StrEnum):
    """What a notification tells of; webhooks will subscribe by these names (and by prefix, `order.*`)."""

    ALERT_TRIGGERED = "alert.triggered"
    """Reserved for alerts: made by an alert that fires."""
    ORDER_FILLED = "order.filled"
    ORDER_CANCELED = "order.canceled"
    ORDER_REJECTED = "order.rejected"
    RISK_LIMIT_WARNING = "risk.limit_warning"
    RISK_STATE_CHANGED = "risk.state_changed"
    STRATEGY_SIGNAL = "strategy.signal"
    STRATEGY_ERROR = "strategy.error"
    ACCOUNT_FUNDS = "account.funds"
    WEBHOOK_DISABLED = "webhook.disabled"
    """The server stopped delivering to a webhook endpoint (it answered 410 Gone, or failed for over a day)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """One thing an account's owner is told of: its type, when, and what (JSON values only)."""

    id: UUID
    """Derived from the id of what it tells of where that has one, so the same event always makes the same id."""
    type: NotificationType
    created_at: datetime
    account_id: UUID
    data: Mapping[str, object]


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationsCreated:
    """The notifications of one journal write, in the order of the events they tell of; not kept in the state."""

    notifications: tuple[Notification, ...]

    def __post_init__(self) -> None:
        # the journal's codec gives tuples back as lists
        object.__setattr__(self, "notifications", tuple(self.notifications))


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationsRead:
    """The owner read notifications: those named, or (with `until`) every one made at or before that time."""

    account_id: UUID
    ids: tuple[UUID, ...] = ()
    until: datetime | None = None
    at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", tuple(self.ids))


NotificationEvent = NotificationsCreated | NotificationsRead


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationEntry:
    """A stored notification and when its owner read it (None: unread)."""

    notification: Notification
    read_at: datetime | None = None
