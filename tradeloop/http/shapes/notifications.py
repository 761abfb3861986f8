"""Shapes of notifications (tradeloop's /v2/notifications and the trading stream's `notifications`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import WithJsonSchema
from typing_extensions import TypedDict

from tradeloop.core.notifications import NotificationType
from tradeloop.http.openapi.fields import Timestamp, UuidText

NotificationTypeText = Annotated[
    str, WithJsonSchema({"type": "string", "enum": [kind.value for kind in NotificationType]})
]
"""One of the notification types, as `NotificationType` lists them (a new type shows up here by itself)."""


class NotificationJson(TypedDict):
    """One notification: what it tells of (`type`), when, and its data (JSON values; money as strings)."""

    id: UuidText
    type: NotificationTypeText
    created_at: Timestamp
    account_id: UuidText
    data: dict[str, Any]


class StoredNotificationJson(NotificationJson):
    """A notification as the list keeps it: with when it was read (null: unread)."""

    read_at: Timestamp | None


class NotificationPageJson(TypedDict):
    """A page of notifications, the account's unread count, and the token of the next page (null: none)."""

    notifications: list[StoredNotificationJson]
    unread: int
    next_page_token: UuidText | None


class UnreadJson(TypedDict):
    """How many of the account's notifications are not read yet."""

    unread: int
