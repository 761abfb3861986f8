"""Route: the market calendar (Alpaca's /v2/calendar), drawn from the session rules in tradeloop/core/sessions.py."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Final

from aiohttp import web
from pydantic import BaseModel, BeforeValidator, ConfigDict

from tradeloop.core.calendar import TradingDay, trading_days
from tradeloop.errors import InvalidParameter
from tradeloop.http.bodies import read_query
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.shapes.calendar import CalendarDayJson
from tradeloop.http.times import parse_time
from tradeloop.http.wire import json_response
from tradeloop.market.history import EARLIEST, LATEST

routes = web.RouteTableDef()

TAG: Final = "clock"
DEFAULT_DAYS: Final = 31
"""Days listed when the query leaves out `end` (from `start`) or `start` (up to `end`)."""
MAX_DAYS: Final = 3660
"""The most days one answer lists: some ten years, about 500 kB."""
_FIRST_DAY: Final = EARLIEST.date()
_LAST_DAY: Final = LATEST.date() - timedelta(days=2)
"""The last day whose settlement date is still on the calendar."""
_MINUTE: Final = timedelta(minutes=1)


def _query_date(raw: object) -> object:
    """A YYYY-MM-DD date, or an RFC 3339 time (alpaca-py sends `+00:00` offsets) read as its UTC date."""
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return parse_time(text).date()


CalendarDate = Annotated[date | None, BeforeValidator(_query_date)]


class CalendarQuery(BaseModel):
    """GET /v2/calendar: the first and last day to list, both included (YYYY-MM-DD, or a time whose date is taken)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    start: CalendarDate = None
    end: CalendarDate = None

    def span(self, today: date) -> tuple[date, date]:
        """The first and last day to list, within the calendar: a missing end follows start, a missing start precedes end.

        Raises:
            InvalidParameter: more than MAX_DAYS days.
        """
        window = timedelta(days=DEFAULT_DAYS - 1)
        start, end = self.start, self.end
        if start is None:
            start = today if end is None else _shift(end, -window)
        if end is None:
            end = _shift(start, window)
        first, last = max(start, _FIRST_DAY), min(end, _LAST_DAY)
        if (last - first).days >= MAX_DAYS:
            raise InvalidParameter("end", f"the calendar lists at most {MAX_DAYS} days at once")
        return first, last


def _shift(day: date, delta: timedelta) -> date:
    """`day + delta`, held at the first or last date Python knows where it would run off them."""
    try:
        return day + delta
    except OverflowError:
        return date.min if delta < timedelta(0) else date.max


def calendar_day_json(day: TradingDay) -> CalendarDayJson:
    """A trading day as Alpaca sends it; a session that ends at midnight closes at 23:59 (HH:MM has no 24:00)."""
    closes = _same_day(day.closes_at, day.day)
    opens = _same_day(day.opens_at, day.day)
    return {
        "date": day.day.isoformat(),
        "open": opens.strftime("%H:%M"),
        "close": closes.strftime("%H:%M"),
        "session_open": opens.strftime("%H%M"),
        "session_close": closes.strftime("%H%M"),
        "settlement_date": day.settles_on.isoformat(),
    }


def _same_day(moment: datetime, day: date) -> datetime:
    """A session bound told on its trading day: the midnight that ends the day is its last minute."""
    return moment - _MINUTE if moment.date() > day else moment


_EXAMPLE: Final[list[CalendarDayJson]] = [
    {
        "date": "2026-01-05",
        "open": "00:00",
        "close": "23:59",
        "session_open": "0000",
        "session_close": "2359",
        "settlement_date": "2026-01-06",
    },
    {
        "date": "2026-01-06",
        "open": "00:00",
        "close": "23:59",
        "session_open": "0000",
        "session_close": "2359",
        "settlement_date": "2026-01-07",
    },
]


@routes.get("/v2/calendar")
@operation(
    tag=TAG,
    security=Security.KEYS,
    query=CalendarQuery,
    responses={200: list[CalendarDayJson]},
    examples=[
        Example(name="two days", query={"start": "2026-01-05", "end": "2026-01-06"}, response=_EXAMPLE),
    ],
)
async def get_calendar(request: web.Request) -> web.Response:
    """The trading days from `start` to `end` (both included), each with its session's open and close in UTC.

    The simulated market trades every day from 00:00 to 24:00 UTC (written 23:59, as HH:MM has no
    24:00); trades settle the next day (T+1). Without `end` it lists 31 days from `start`, without
    `start` the 31 days up to `end`, without either the 31 days from today; at most 3660 days at once.
    An `end` before `start` lists nothing.
    """
    query = read_query(request, CalendarQuery)
    first, last = query.span(request.app[ENGINE].clock().date())
    return json_response([calendar_day_json(day) for day in trading_days(first, last)])
