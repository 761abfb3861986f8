"""Routes: account activities (fills, cash movements and fees) in Alpaca's shapes, and risk notices (RISK) in ours."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Final, Literal
from uuid import UUID, uuid5

from aiohttp import web
from pydantic import BaseModel, Field

from tradeloop.codec import rfc3339
from tradeloop.core.charges import FeeCharged
from tradeloop.core.events import CashAdjusted, OrderFilled, RiskWarned, TradingStateChanged
from tradeloop.core.money import fmt, fmt_qty
from tradeloop.errors import InvalidParameter
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_query
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import ActivityTypePath
from tradeloop.http.shapes.trading import ActivityJson
from tradeloop.http.times import QueryDay, QueryTime, day_span, shift
from tradeloop.http.wire import json_response
from tradeloop.journal import Activity, ActivityQuery, activity_kind

routes = web.RouteTableDef()

TAG: Final = "activities"

ALPACA_KINDS: Final = frozenset({"FILL", "CSD", "CSW", "FEE"})
"""What a listing holds unless asked for more: alpaca-py's activity models reject any type outside its own list."""
KINDS: Final = ALPACA_KINDS | {"RISK"}
_RISK_IDS: Final = UUID("6f1d7f5e-3a51-4c29-9d0e-52a4b1c0e7a1")
"""Namespace of risk notices' activity ids, which are derived from what the notice says (the event has no id)."""
_MILLISECOND: Final = timedelta(milliseconds=1)
_MICROSECOND: Final = timedelta(microseconds=1)


class ActivitiesQuery(BaseModel):
    """Query of GET /v2/account/activities."""

    activity_types: str | None = None
    date: QueryDay = None
    after: QueryTime = None
    until: QueryTime = None
    direction: Literal["asc", "desc"] = "desc"
    page_size: int = Field(default=100, ge=1, le=100)
    page_token: str | None = None


def _kinds(raw: str | None) -> frozenset[str]:
    if not raw:
        return ALPACA_KINDS
    kinds = frozenset(part.strip().upper() for part in raw.split(",") if part.strip())
    unknown = kinds - KINDS
    if unknown:
        raise InvalidParameter("activity_types", f"unknown activity types {sorted(unknown)}; known: {sorted(KINDS)}")
    return kinds


@routes.get("/v2/account/activities")
@operation(
    tag=TAG,
    security=Security.KEYS,
    query=ActivitiesQuery,
    responses={200: list[ActivityJson]},
    errors=(InvalidParameter,),
    examples=[
        Example(
            name="deposits", summary="cash deposits", query={"activity_types": "CSD"}, response=example("trading", "cash_activities")
        )
    ],
)
async def list_activities(request: web.Request) -> web.Response:
    """Fills and cash movements of the caller's account, newest first unless asked otherwise.

    Risk notices (RISK) are listed only when asked for by type, since alpaca-py rejects types it does not know.
    """
    query = read_query(request, ActivitiesQuery)
    return await _answer(request, query, _kinds(query.activity_types))


@routes.get("/v2/account/activities/{activity_type}")
@operation(
    tag=TAG,
    security=Security.KEYS,
    path=ActivityTypePath,
    query=ActivitiesQuery,
    responses={200: list[ActivityJson]},
    errors=(InvalidParameter,),
    examples=[
        Example(
            name="fills",
            summary="the newest two fills",
            path={"activity_type": "FILL"},
            query={"page_size": "2"},
            response=example("trading", "fill_activities"),
        )
    ],
)
async def list_activities_of_type(request: web.Request) -> web.Response:
    query = read_query(request, ActivitiesQuery)
    return await _answer(request, query, _kinds(request.match_info["activity_type"]))


async def _answer(request: web.Request, query: ActivitiesQuery, kinds: frozenset[str]) -> web.Response:
    after, until = query.after, query.until
    if query.date is not None:
        start, end = day_span(query.date)
        after, until = shift(start, -_MICROSECOND), end
    newest_first = query.direction == "desc"
    if query.page_token:
        # Start the search at the token's own time, so paging reaches any depth of history.
        at = _token_time(query.page_token)
        if newest_first:
            edge = shift(at, _MILLISECOND)
            until = min(until, edge) if until is not None else edge
        else:
            edge = shift(at, -_MICROSECOND)
            after = max(after, edge) if after is not None else edge
    found = await request.app[ENGINE].journal.activities(
        ActivityQuery(
            account_id=account_id(request),
            kinds=kinds,
            after=after,
            until=until,
            newest_first=newest_first,
            limit=query.page_size + 1000 if query.page_token else query.page_size,
        )
    )
    if query.page_token:
        ids = [activity_id(a) for a in found]
        if query.page_token not in ids:
            raise InvalidParameter("page_token", "does not name an activity of this listing")
        found = found[ids.index(query.page_token) + 1 :]
    return json_response([activity_json(a) for a in found[: query.page_size]])


def _token_time(token: str) -> datetime:
    """The millisecond an activity id (used as a page token) names.

    Raises:
        InvalidParameter: the token is not an activity id.
    """
    stamp, separator, _ = token.partition("::")
    try:
        if not separator or len(stamp) != 17 or not stamp.isdigit():
            raise ValueError(token)
        second = datetime.strptime(stamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    except ValueError:
        raise InvalidParameter("page_token", "is not an activity id") from None
    return second + timedelta(milliseconds=int(stamp[14:]))


def activity_id(activity: Activity) -> str:
    """Alpaca's activity id: the time to the millisecond, '::', and a UUID."""
    stamp = activity.timestamp.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:-3]
    if isinstance(activity, OrderFilled):
        unique = activity.fill_id
    elif isinstance(activity, CashAdjusted | FeeCharged):
        unique = activity.activity_id
    else:
        unique = uuid5(_RISK_IDS, f"{activity.account_id}|{activity.timestamp.isoformat()}|{_risk_text(activity)}")
    return f"{stamp}::{unique}"


def _risk_times(activity: TradingStateChanged | RiskWarned) -> dict[str, str]:
    return {"transaction_time": rfc3339(activity.timestamp), "date": activity.timestamp.date().isoformat()}


def _risk_text(activity: TradingStateChanged | RiskWarned) -> str:
    if isinstance(activity, TradingStateChanged):
        return f"{activity.state}|{activity.source}|{activity.reason}"
    return f"warning|{activity.limit}|{activity.message}"


def activity_json(activity: Activity) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": activity_id(activity),
        "account_id": str(activity.account_id),
        "activity_type": activity_kind(activity),
    }
    if isinstance(activity, OrderFilled):
        base.update(
            transaction_time=rfc3339(activity.timestamp),
            type="fill" if activity.order_done else "partial_fill",
            price=fmt(activity.price),
            qty=fmt_qty(activity.qty),
            side=activity.side.value,
            symbol=activity.symbol,
            leaves_qty=fmt_qty(activity.leaves_qty),
            order_id=str(activity.order_id),
            cum_qty=fmt_qty(activity.cum_qty),
            order_status="filled" if activity.order_done else "partially_filled",
        )
    elif isinstance(activity, CashAdjusted):
        base.update(
            date=activity.timestamp.date().isoformat(),
            net_amount=fmt(activity.amount),
            description=activity.description,
            status="executed",
        )
    elif isinstance(activity, FeeCharged):
        base.update(
            date=activity.timestamp.date().isoformat(),
            net_amount=fmt(-activity.amount),
            description=f"fee on fill {activity.fill_id} of order {activity.order_id}",
            status="executed",
            symbol=activity.symbol,
        )
    elif isinstance(activity, TradingStateChanged):
        base.update(_risk_times(activity), event="state_changed", trading_state=activity.state.value)
        base.update(source=activity.source.value, limit=None, description=activity.reason)
    else:
        base.update(_risk_times(activity), event="warning", trading_state=None)
        base.update(source=None, limit=activity.limit, description=activity.message)
    return base
