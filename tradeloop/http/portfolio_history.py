"""Route: Alpaca's portfolio history (/v2/account/portfolio/history), replayed from the journal and the stored bars.

The window follows Alpaca: two of `start`, `end` (or `date_end`) and `period`
place it, `end` defaulting to now and `period` to 1M; the timeframe defaults
to 1Min under 7 days, 15Min under 30 and 1D beyond, and an intraday one
covers a month (31 days) at most. Points begin at the bucket the account
opened in and end with the bucket in progress. The simulated market never
closes, so `intraday_reporting` and `extended_hours` leave every bucket in.
"""

from __future__ import annotations

import asyncio
import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Final, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from tradeloop.codec import json_number
from tradeloop.core.bars import TimeFrame, TimeFrameUnit
from tradeloop.core.events import CashAdjusted
from tradeloop.core.money import cents
from tradeloop.core.portfolio_history import (
    DAY,
    DEPOSIT,
    WITHDRAWAL,
    Mark,
    PortfolioHistory,
    bucket_starts,
    replay,
    symbols_held,
)
from tradeloop.errors import InvalidParameter
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_query
from tradeloop.http.fill_history import FILL_HISTORY
from tradeloop.http.history import MARKET_HISTORY
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.shapes.portfolio_history import PortfolioHistoryJson
from tradeloop.http.times import QueryDay, QueryTime, clamp, day_span, shift
from tradeloop.http.wire import json_response
from tradeloop.journal import ActivityQuery
from tradeloop.market.history import EARLIEST, MarketHistory

routes = web.RouteTableDef()

TAG: Final = "account"
TIMEFRAMES: Final = {
    "1Min": TimeFrame(1, TimeFrameUnit.MINUTE),
    "5Min": TimeFrame(5, TimeFrameUnit.MINUTE),
    "15Min": TimeFrame(15, TimeFrameUnit.MINUTE),
    "1H": TimeFrame(1, TimeFrameUnit.HOUR),
    "1D": TimeFrame(1, TimeFrameUnit.DAY),
}
INTRADAY_REACH: Final = timedelta(days=31)
"""The longest window an intraday timeframe covers (a month)."""
_PERIOD_DAYS: Final = {"D": 1, "W": 7, "M": 30, "A": 365}
"""A period's length in days, for choosing the default timeframe as Alpaca does."""
_RECORDED_FLOWS: Final = (DEPOSIT, WITHDRAWAL)
"""The cash movement types the server records: what `cashflow_types=ALL` asks for."""
CASHFLOW_TYPES: Final = frozenset({
    "ACATC", "ACATS", "CFEE", "CIL", "CSD", "CSW", "DIV", "DIVCGL", "DIVCGS", "DIVNRA", "DIVROC", "DIVTXEX", "DIVWH",
    "EXTRD", "FEE", "FXTRD", "INT", "INTPNL", "JNLC", "JNLS", "MA", "MEM", "NC", "OCT", "OPASN", "OPCSH", "OPEXC",
    "OPEXP", "OPTRD", "PTC", "REORG", "SPIN", "SPLIT", "SWP", "VOF", "WH",
})  # fmt: skip
"""Alpaca's activity types other than fills: each may be asked for (those this server never records stay at zero)."""
_EVERY: Final = 2**62
"""A limit that takes every activity."""


class PortfolioHistoryQuery(BaseModel):
    """GET /v2/account/portfolio/history: Alpaca's parameters."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    period: str | None = Field(
        default=None, pattern=r"^[1-9][0-9]{0,3}[DWMAdwma]$", description="A number and D, W, M or A (year): 1M."
    )
    timeframe: Literal["1Min", "5Min", "15Min", "1H", "1D"] | None = None
    intraday_reporting: Literal["market_hours", "extended_hours", "continuous"] = Field(
        default="market_hours", description="Accepted; the simulated market never closes, so all are the same."
    )
    start: QueryTime = None
    end: QueryTime = None
    date_end: QueryDay = Field(default=None, description="The last day of the window (instead of `end`).")
    pnl_reset: Literal["per_day", "no_reset"] = Field(
        default="per_day", description="Intraday P&L from each day's previous close (per_day) or the first's."
    )
    extended_hours: bool | None = Field(default=None, description="Accepted; no effect (the market never closes).")
    cashflow_types: str | None = Field(
        default=None, description="ALL, NONE (the default) or comma-separated activity types such as CSD,CSW."
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """What a query asks for once read: the timeframe's buckets, the P&L rule and the cash movement types."""

    timeframe: TimeFrame
    label: str
    start: datetime
    end: datetime
    reset_daily: bool
    flow_kinds: tuple[str, ...]


def _before(moment: datetime, count: int, unit: str) -> datetime:
    """`count` days, weeks, months or years before `moment`, clamped to the stored range."""
    if unit in ("D", "W"):
        return shift(moment, -timedelta(days=count * _PERIOD_DAYS[unit]))
    months = moment.year * 12 + moment.month - 1 - count * (12 if unit == "A" else 1)
    year, month = divmod(months, 12)
    if year < EARLIEST.year:
        return EARLIEST
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return clamp(moment.replace(year=year, month=month + 1, day=day))


def _after(moment: datetime, count: int, unit: str) -> datetime:
    """`count` days, weeks, months or years after `moment` (never past LATEST)."""
    if unit in ("D", "W"):
        return shift(moment, timedelta(days=count * _PERIOD_DAYS[unit]))
    months = moment.year * 12 + moment.month - 1 + count * (12 if unit == "A" else 1)
    year, month = divmod(months, 12)
    if year > 9997:
        return clamp(datetime.max.replace(tzinfo=moment.tzinfo))
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return clamp(moment.replace(year=year, month=month + 1, day=day))


def read_window(query: PortfolioHistoryQuery, now: datetime) -> Window:
    """The window, timeframe and types a query asks for.

    Raises:
        InvalidParameter: start, end (or date_end) and period all given, end with date_end, a window
            that ends before it starts, an intraday timeframe over more than a month, an unknown cash flow type.
    """
    if query.end is not None and query.date_end is not None:
        raise InvalidParameter("date_end", "give end or date_end, not both")
    end = query.end if query.end is not None else None
    if query.date_end is not None:
        end = day_span(query.date_end)[1] - timedelta(microseconds=1)
    if query.start is not None and end is not None and query.period is not None:
        raise InvalidParameter("period", "only two of start, end (or date_end) and period may be given")
    count, unit = (int(query.period[:-1]), query.period[-1].upper()) if query.period else (1, "M")
    if query.start is not None:
        start = query.start
        if end is None:
            end = _after(start, count, unit) if query.period is not None else now
    else:
        end = now if end is None else end
        start = _before(end, count, unit)
    end = min(end, now)
    if start > end:
        raise InvalidParameter("start", "the window starts after it ends (or after now)")
    label = query.timeframe or _default_timeframe(query, start, end)
    timeframe = TIMEFRAMES[label]
    if timeframe.unit is not TimeFrameUnit.DAY and end - start > INTRADAY_REACH:
        raise InvalidParameter("timeframe", f"{label} covers a month at most (31 days); use 1D for longer windows")
    return Window(
        timeframe=timeframe, label=label, start=start, end=end, reset_daily=query.pnl_reset == "per_day",
        flow_kinds=_flow_kinds(query.cashflow_types),
    )  # fmt: skip


def _default_timeframe(query: PortfolioHistoryQuery, start: datetime, end: datetime) -> str:
    """1Min under 7 days, 15Min under 30, else 1D: of the period when given, else of the window."""
    if query.period is not None and (query.start is None or query.end is None):
        days = float(int(query.period[:-1]) * _PERIOD_DAYS[query.period[-1].upper()])
    else:
        days = (end - start) / timedelta(days=1)
    return "1Min" if days < 7 else "15Min" if days < 30 else "1D"


def _flow_kinds(raw: str | None) -> tuple[str, ...]:
    if raw is None or not raw.strip() or raw.strip().upper() == "NONE":
        return ()
    if raw.strip().upper() == "ALL":
        return _RECORDED_FLOWS
    kinds = [part.strip().upper() for part in raw.split(",") if part.strip()]
    unknown = [kind for kind in kinds if kind not in CASHFLOW_TYPES]
    if unknown:
        raise InvalidParameter("cashflow_types", f"{', '.join(unknown)}: not a cash flow activity type")
    return tuple(dict.fromkeys(kinds))


async def _marks(
    history: MarketHistory, symbol: str, timeframe: TimeFrame, first: datetime, last: datetime
) -> list[Mark]:
    """The symbol's closes of the timeframe's bars from `first` to `last`, after the last close before `first`."""
    before = await history.recent_bars(symbol, timeframe, first, 1)
    within, _ = await history.bars(symbol, timeframe, start=first, end=last, limit=_EVERY, check_more=False)
    return [Mark(symbol=symbol, at=timeframe.next_start(bar.timestamp), price=bar.close) for bar in before + within]


async def portfolio_history(request: web.Request, window: Window) -> PortfolioHistory:
    """The account's history over the window, replayed from its journal and the stored bars."""
    engine, history = request.app[ENGINE], request.app[MARKET_HISTORY]
    account = account_id(request)
    state = engine.account(account)
    fills = await request.app[FILL_HISTORY].fills(account)
    moved = await engine.journal.activities(
        ActivityQuery(account_id=account, kinds=frozenset(_RECORDED_FLOWS), newest_first=False, limit=_EVERY)
    )
    flows = [flow for flow in moved if isinstance(flow, CashAdjusted)]
    # What the account opened with: the net cash put in, less what the movements on record put in.
    opening_cash = state.contributions - sum((flow.amount for flow in flows), Decimal(0))
    opened = state.created_at
    starts = [] if opened > window.end else bucket_starts(window.timeframe, max(window.start, opened), window.end)
    marks: list[Mark] = []
    if starts:
        reach = DAY.bucket_start(starts[0])  # the first point's base is the close before its day
        held = await asyncio.to_thread(symbols_held, fills, reach, window.timeframe.next_start(starts[-1]))
        for symbol in sorted(held):
            marks += await _marks(history, symbol, window.timeframe, reach, starts[-1])
    # Replaying 100,000 fills takes a while: a worker thread does it (its inputs are not changed), so the loop serves on.
    made = partial(
        replay, opening_cash=opening_cash, opened_at=opened, fills=fills, flows=flows, marks=marks, starts=starts,
        timeframe=window.timeframe, reset_daily=window.reset_daily, flow_kinds=window.flow_kinds,
    )  # fmt: skip
    return await asyncio.to_thread(made)


def history_json(history: PortfolioHistory, label: str) -> PortfolioHistoryJson:
    """The replayed history in Alpaca's shape: money to the cent, ratios as fractions, all exact JSON numbers."""
    points = history.points
    kinds = points[0].cashflow.keys() if points else ()
    answer: PortfolioHistoryJson = {
        "timestamp": [int(point.start.timestamp()) for point in points],
        "equity": [json_number(cents(point.equity)) for point in points],
        "profit_loss": [json_number(cents(point.profit_loss)) for point in points],
        "profit_loss_pct": [
            None if point.profit_loss_pct is None else json_number(point.profit_loss_pct.normalize())
            for point in points
        ],
        "base_value": json_number(cents(history.base_value)),
        "timeframe": label,
        "cashflow": {kind: [json_number(cents(point.cashflow[kind])) for point in points] for kind in kinds},
    }
    if history.base_value_asof is not None:
        answer["base_value_asof"] = history.base_value_asof.isoformat()
    return answer


_EXAMPLE: Final = {
    "timestamp": [1767571200, 1767657600, 1767744000],
    "equity": [100000.00, 100412.50, 100287.25],
    "profit_loss": [0.00, 412.50, 287.25],
    "profit_loss_pct": [0.0, 0.004125, 0.0028725],
    "base_value": 100000.00,
    "base_value_asof": "2026-01-04",
    "timeframe": "1D",
    "cashflow": {},
}


@routes.get("/v2/account/portfolio/history")
@operation(
    tag=TAG, security=Security.KEYS, query=PortfolioHistoryQuery, responses={200: PortfolioHistoryJson},
    errors=(InvalidParameter,),
    examples=[Example(name="days", summary="three days, one point a day", query={"period": "3D", "timeframe": "1D"},
                      response=_EXAMPLE)],
)  # fmt: skip
async def get_portfolio_history(request: web.Request) -> web.Response:
    """The account's equity and P&L over time, replayed exactly from its fills, cash movements and bars.

    Each point is the equity at the end of its bucket: cash plus each position at its
    symbol's last close by then. P&L leaves out deposits and withdrawals since the base.
    """
    query = read_query(request, PortfolioHistoryQuery)
    window = read_window(query, request.app[ENGINE].clock())
    history = await portfolio_history(request, window)
    return json_response(history_json(history, window.label))
