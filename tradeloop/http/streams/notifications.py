"""Notifications on the trading stream: `{"stream":"notifications","data":{...}}`, one per notification, as journaled.

A committed write's notifications come from its `NotificationsCreated` event, so
the stream sends the very records the journal holds (the same ids the list
and webhooks show), after the write committed and in the order they were made.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from tradeloop.actors.account import Committed
from tradeloop.codec import rfc3339
from tradeloop.core.notifications import Notification, NotificationsCreated
from tradeloop.http.shapes.notifications import NotificationJson
from tradeloop.http.streams.frames import Message

NOTIFICATIONS: Final = "notifications"


def notification_json(made: Notification) -> NotificationJson:
    """A notification as every channel sends it: the list, the trading stream and (later) webhooks."""
    return {
        "id": str(made.id),
        "type": made.type.value,
        "created_at": rfc3339(made.created_at),
        "account_id": str(made.account_id),
        "data": dict(made.data),
    }


def notification_messages(committed: Committed) -> Iterator[Message]:
    """The notifications stream's messages of a committed write, in the order its notifications were made."""
    for event in committed.events:
        if isinstance(event, NotificationsCreated):
            for made in event.notifications:
                yield Message({"stream": NOTIFICATIONS, "data": dict(notification_json(made))})
