"""Routes: notifications (tradeloop's /v2/notifications) — what the account's owner was told of, newest first, and read flags.

Notifications are made by the account as it journals what they tell of
(`tradeloop.core.notification_rules`); these routes list them from the journal's
notifications table and journal the owner's reads on the account.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradeloop.codec import rfc3339
from tradeloop.core.notifications import NotificationEntry, NotificationsRead, NotificationType
from tradeloop.errors import InvalidField, InvalidParameter, NotFound
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_model, read_query
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import path_id
from tradeloop.http.shapes.notifications import (
    NotificationPageJson,
    StoredNotificationJson,
    UnreadJson,
)
from tradeloop.http.streams.notifications import notification_json
from tradeloop.http.times import QueryTime
from tradeloop.http.wire import json_response
from tradeloop.journal import NotificationQuery

routes = web.RouteTableDef()

TAG: Final = "notifications"


class NotificationsQuery(BaseModel):
    """GET /v2/notifications: paged by the last id of the previous page."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    types: frozenset[NotificationType] | None = Field(
        default=None, description="Comma-separated types, e.g. `order.filled,order.canceled`; all when left out."
    )
    after: QueryTime = Field(default=None, description="Only notifications made after this time.")
    until: QueryTime = Field(default=None, description="Only notifications made at or before this time.")
    unread: bool = Field(default=False, description="Only notifications not read yet.")
    direction: Literal["asc", "desc"] = "desc"
    limit: int = Field(default=50, ge=1, le=500)
    page_token: UUID | None = Field(default=None, description="The `next_page_token` of the previous page.")

    @field_validator("types", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip()) or None
        return value


class ReadAllBody(BaseModel):
    """POST /v2/notifications/read_all: optionally only those made at or before a time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    until: Annotated[QueryTime, Field(description="Read only notifications made at or before this time.")] = None


class NotificationPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    notification_id: Annotated[UUID, Field(description="The notification's id.")]


def _stored_json(entry: NotificationEntry) -> StoredNotificationJson:
    made = notification_json(entry.notification)
    return {**made, "read_at": rfc3339(entry.read_at)}


_ID: Final = "0195f7a2-5b3c-8e21-b7a0-6d9e0a1b2c3d"
_PATH: Final = {"notification_id": _ID}
_FILLED: Final = {
    "id": _ID, "type": "order.filled", "created_at": "2026-01-05T15:30:00.123456Z",
    "account_id": "0195f7a0-1111-7222-8333-444455556666",
    "data": {
        "order_id": "0195f7a2-5b3c-7d4e-9f10-2a3b4c5d6e7f", "client_order_id": "my-order-1",
        "fill_id": "0195f7a2-5b3c-7d4e-9f10-2a3b4c5d6e80", "symbol": "AAPL", "side": "buy", "qty": "10",
        "price": "190.05", "filled_qty": "10", "leaves_qty": "0", "order_status": "filled", "strategy_id": None,
    },
}  # fmt: skip
_UNREAD: Final = {**_FILLED, "read_at": None}
_READ: Final = {**_FILLED, "read_at": "2026-01-05T15:31:02.000000Z"}


@routes.get("/v2/notifications")
@operation(
    tag=TAG, security=Security.KEYS, query=NotificationsQuery, responses={200: NotificationPageJson},
    errors=(InvalidParameter,),
    examples=[Example(name="fills", summary="the newest fill", query={"types": "order.filled", "limit": "1"},
                      response={"notifications": [_UNREAD], "unread": 3, "next_page_token": _ID})],
)  # fmt: skip
async def list_notifications(request: web.Request) -> web.Response:
    """The account's notifications, newest first unless asked otherwise, with how many are unread.

    A full page carries `next_page_token`: pass it as `page_token` for the next.
    """
    query = read_query(request, NotificationsQuery)
    journal, account = request.app[ENGINE].journal, account_id(request)
    wanted = NotificationQuery(
        account_id=account, types=query.types, after=query.after, until=query.until, unread=query.unread,
        limit=query.limit, direction=query.direction, page_token=query.page_token,
    )  # fmt: skip
    try:
        found = await journal.notifications(wanted)
    except InvalidField as exc:  # a page token this listing never gave: a bad query parameter, as elsewhere
        raise InvalidParameter(exc.field, exc.message.removeprefix(f"invalid {exc.field}: ")) from None
    page: NotificationPageJson = {
        "notifications": [_stored_json(entry) for entry in found],
        "unread": await journal.unread_notifications(account),
        "next_page_token": str(found[-1].notification.id) if len(found) == query.limit else None,
    }
    return json_response(page)


@routes.post("/v2/notifications/{notification_id}/read")
@operation(
    tag=TAG, security=Security.KEYS, path=NotificationPath, responses={200: StoredNotificationJson}, errors=(NotFound,),
    examples=[Example(name="read", path=_PATH, response=_READ)],
)
async def read_notification(request: web.Request) -> web.Response:
    """Mark one notification read (reading it again changes nothing); answers it as it now stands."""
    engine, account, notification_id = request.app[ENGINE], account_id(request), path_id(request, "notification")
    found = await engine.journal.notification(account, notification_id)
    if found is None:
        raise NotFound("notification not found")
    if found.read_at is None:
        await engine.record(account, [NotificationsRead(account_id=account, ids=(notification_id,), at=engine.clock())])
        found = await engine.journal.notification(account, notification_id)
        assert found is not None, "a notification is never removed"
    return json_response(_stored_json(found))


@routes.post("/v2/notifications/read_all")
@operation(
    tag=TAG, security=Security.KEYS, body=ReadAllBody, responses={200: UnreadJson}, errors=(InvalidField,),
    examples=[
        Example(name="all", summary="everything made so far", body={}, response={"unread": 0}),
        Example(name="until", summary="only what was made by a time", body={"until": "2026-01-05T15:30:00Z"},
                response={"unread": 2}),
    ],
)  # fmt: skip
async def read_all_notifications(request: web.Request) -> web.Response:
    """Mark read every notification made so far (or at or before `until`); a body is optional. Answers the unread count."""
    body = await read_model(request, ReadAllBody) if request.can_read_body else ReadAllBody()
    engine, account = request.app[ENGINE], account_id(request)
    await engine.record(account, [NotificationsRead(account_id=account, until=body.until, at=engine.clock())])
    answer: UnreadJson = {"unread": await engine.journal.unread_notifications(account)}
    return json_response(answer)
