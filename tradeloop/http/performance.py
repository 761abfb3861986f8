"""Routes: the performance report (tradeloop's /v2/reports/performance), in JSON, streamed as CSV, or as an HTML page.

The equity curve is the portfolio history at the 1Day timeframe: the account's
equity, replayed from the journal, at the midnight starting the period's first
day and at the end of each of its days, positions at their daily closes; the
figures are computed from it (`tradeloop.core.performance`) and from the round
trips of trade history.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final, Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradeloop.codec import rfc3339
from tradeloop.core.bars import Bar
from tradeloop.core.money import ZERO, cents, fmt
from tradeloop.core.performance import (
    DAYS_PER_YEAR,
    CurvePoint,
    Performance,
    drawdowns,
    held_at,
    monthly_returns,
    performance,
    price_at,
)
from tradeloop.core.portfolio_history import DAY
from tradeloop.core.trade_stats import summarize_by_symbol
from tradeloop.core.trades import Fill, RoundTrip
from tradeloop.errors import InvalidParameter
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_query
from tradeloop.http.fill_history import FILL_HISTORY
from tradeloop.http.history import MARKET_HISTORY
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Reply, Security, operation
from tradeloop.http.portfolio_history import Window, portfolio_history
from tradeloop.http.report_pages import performance_page
from tradeloop.http.shapes.performance import EquityPointJson, PerformanceJson
from tradeloop.http.statements import TAG, period, stream_csv
from tradeloop.http.times import QueryTime
from tradeloop.http.trades import stats_json
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

FLOW_KINDS: Final = ("CSD", "CSW")
"""Deposits and withdrawals: the cash movements a daily return leaves out."""
DAY_SPAN: Final = timedelta(days=1)
RATIO_PLACES: Final = Decimal("1E-10")
CSV_COLUMNS: Final = ("record", "name", "timestamp", "value", "cashflow", "benchmark")
"""`record` is `metric` (a figure: `name`, `value`) or `equity` (a point of the curve: `timestamp`, `value`, ...)."""


class PerformanceQuery(BaseModel):
    """GET /v2/reports/performance: the period, whose trades, the benchmark, and the format."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    start: QueryTime = Field(default=None, description="From this time (RFC 3339 or a date); left out: the opening.")
    end: QueryTime = Field(default=None, description="Up to this time, included; left out: now.")
    symbol: str | None = Field(default=None, description="Only this symbol's round trips in the trade figures.")
    strategy_id: UUID | None = Field(default=None, description="Only this strategy's round trips in the trade figures.")
    benchmark: str | None = Field(default=None, description="A listed symbol to compare with, such as SPY.")
    format: Literal["json", "csv", "html"] = Field(
        default="json", description="json, csv (streamed), or html (one page, its charts drawn in it)."
    )

    @field_validator("symbol", "benchmark", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() or None if isinstance(value, str) else value


async def _daily_bars(request: web.Request, symbol: str, start: datetime, end: datetime) -> list[Bar]:
    """The symbol's daily bars from the day before the period's start to its end, oldest first."""
    days = (end - start).days + 3
    bars, _ = await request.app[MARKET_HISTORY].bars(
        symbol, DAY, start=start - DAY_SPAN, end=end, limit=days, check_more=False
    )
    return bars


async def account_curve(
    request: web.Request, fills: Sequence[Fill], start: datetime, end: datetime
) -> list[CurvePoint]:
    """The account's equity at the midnight starting the period's first day and at each of its days' ends.

    The portfolio history's replay (`tradeloop.core.portfolio_history`) at the 1Day timeframe makes it, so the
    report's curve is the one GET /v2/account/portfolio/history draws; the last point is at `end`.
    """
    window = Window(timeframe=DAY, label="1D", start=start, end=end, reset_daily=False, flow_kinds=FLOW_KINDS)
    history = await portfolio_history(request, window)
    if not history.points:
        return []
    first = DAY.bucket_start(history.points[0].start)
    moments = [first, *(min(DAY.next_start(point.start), end) for point in history.points)]
    moments_held = [first, *(DAY.next_start(point.start) for point in history.points)]
    invested = await asyncio.to_thread(held_at, fills, moments_held)
    equities = [history.base_value, *(point.equity for point in history.points)]
    flows = [ZERO, *(sum(point.cashflow.values(), ZERO) for point in history.points)]
    return [
        CurvePoint(at=at, equity=equity, flow=flow, invested=held)
        for at, equity, flow, held in zip(moments, equities, flows, invested)
    ]


def _trips(trips: Sequence[RoundTrip], query: PerformanceQuery, start: datetime, end: datetime) -> list[RoundTrip]:
    """The round trips that closed in the period, of the symbol and strategy asked for (each symbol's are its own)."""
    return [
        trip
        for trip in trips
        if start <= trip.exit_at <= end
        and (query.symbol is None or trip.symbol == query.symbol)
        and (query.strategy_id is None or trip.strategy_id == query.strategy_id)
    ]


def _figures(
    fills: Sequence[Fill], trips: Sequence[RoundTrip], query: PerformanceQuery, start: datetime, end: datetime,
    curve: list[CurvePoint], benchmark_return: Decimal | None,
) -> tuple[Performance, list[RoundTrip]]:
    """The report's figures and the round trips they count (blocking: run in a worker thread)."""
    fees = sum((fill.fee for fill in fills if start <= fill.timestamp <= end), ZERO)
    chosen = _trips(trips, query, start, end)
    return performance(curve, chosen, fees, benchmark_return), chosen


def _listed(request: web.Request, field: str, symbol: str | None) -> None:
    if symbol is not None and symbol not in request.app[ENGINE].assets:
        raise InvalidParameter(field, f"{symbol} is not a listed symbol")


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """What a performance report is made of: its figures, its curve (as sent and as computed) and its round trips."""

    performance: Performance
    points: list[EquityPointJson]
    curve: list[CurvePoint]
    trips: list[RoundTrip]


async def account_performance(request: web.Request, query: PerformanceQuery) -> Report:
    """The figures and the daily curve (with the benchmark's closes) of the caller's account over the period asked for.

    Raises:
        InvalidParameter: start is after end, or the symbol or benchmark is not listed.
    """
    _listed(request, "symbol", query.symbol)
    _listed(request, "benchmark", query.benchmark)
    opened_at = request.app[ENGINE].account(account_id(request)).created_at
    start, end = period(request, query.start, query.end)
    start = opened_at if start is None else start
    if start > end:
        raise InvalidParameter("end", f"{rfc3339(end)} is before the account was opened ({rfc3339(opened_at)})")
    fills, every_trip = await request.app[FILL_HISTORY].fills_and_trips(account_id(request))
    curve = await account_curve(request, fills, start, end)
    if not curve:
        raise InvalidParameter("end", f"{rfc3339(end)} is before the account was opened ({rfc3339(opened_at)})")
    benchmark: list[Decimal | None] = [None] * len(curve)
    benchmark_return = None
    if query.benchmark is not None:
        bars = await _daily_bars(request, query.benchmark, curve[0].at, end)
        closes = [(bar.timestamp, bar.close) for bar in bars]
        # Before the benchmark's first close, the open of its first bar is its price.
        benchmark = [price_at(closes, point.at) or (bars[0].open if bars else None) for point in curve]
        first, last = benchmark[0], benchmark[-1]
        benchmark_return = last / first - 1 if first and last else None
    # Over 100,000 fills the figures take a while: a worker thread makes them, so the loop serves on.
    found, trips = await asyncio.to_thread(_figures, fills, every_trip, query, start, end, curve, benchmark_return)
    points: list[EquityPointJson] = [
        {
            "timestamp": rfc3339(point.at),
            "equity": fmt(cents(point.equity)),
            "cashflow": fmt(cents(point.flow)),
            "benchmark": None if close is None else fmt(close),
        }
        for point, close in zip(curve, benchmark)
    ]
    return Report(performance=found, points=points, curve=curve, trips=trips)


def _ratio(value: Decimal | None) -> float | None:
    """A ratio as a JSON number, to ten places."""
    return None if value is None else _number(value)


def _number(value: Decimal) -> float:
    return float(value.quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN))


def performance_json(
    request: web.Request, query: PerformanceQuery, found: Performance, points: list[EquityPointJson]
) -> PerformanceJson:
    return {
        "account_id": str(account_id(request)),
        "start": points[0]["timestamp"],
        "end": points[-1]["timestamp"],
        "symbol": query.symbol,
        "strategy_id": None if query.strategy_id is None else str(query.strategy_id),
        "days_per_year": DAYS_PER_YEAR,
        "start_equity": fmt(cents(found.start_equity)),
        "end_equity": fmt(cents(found.end_equity)),
        "net_deposits": fmt(cents(found.net_deposits)),
        "profit": fmt(cents(found.profit)),
        "total_return": _number(found.total_return),
        "cagr": _ratio(found.cagr),
        "volatility": _ratio(found.volatility),
        "sharpe": _ratio(found.sharpe),
        "sortino": _ratio(found.sortino),
        "calmar": _ratio(found.calmar),
        "max_drawdown": _number(found.max_drawdown),
        "max_drawdown_duration_seconds": found.max_drawdown_duration.total_seconds(),
        "exposure": _ratio(found.exposure),
        "payoff_ratio": _ratio(found.payoff_ratio),
        "fees": fmt(cents(found.fees)),
        "benchmark": query.benchmark,
        "benchmark_return": _ratio(found.benchmark_return),
        "trades": stats_json(found.trades),
        "equity": points,
    }


def performance_rows(report: PerformanceJson) -> Iterator[Sequence[str]]:
    """The report as CSV rows: each figure (trade figures prefixed `trades.`), then each point of the curve."""
    for name, value in report.items():
        if name == "equity":
            continue
        if name == "trades":
            for key, figure in report["trades"].items():
                yield ("metric", f"trades.{key}", "", _text(figure), "", "")
            continue
        yield ("metric", name, "", _text(value), "", "")
    for point in report["equity"]:
        yield ("equity", "", point["timestamp"], point["equity"], point["cashflow"], point["benchmark"] or "")


def _text(value: object) -> str:
    return "" if value is None else str(value)


_EXAMPLE: Final[PerformanceJson] = {
    "account_id": "0195f7a2-1111-7d4e-9f10-2a3b4c5d6e7f", "start": "2026-01-05T00:00:00.000000Z",
    "end": "2026-01-07T00:00:00.000000Z", "symbol": None, "strategy_id": None, "days_per_year": 365,
    "start_equity": "100000.00", "end_equity": "100150.00", "net_deposits": "0.00", "profit": "150.00",
    "total_return": 0.0015, "cagr": 0.3146969, "volatility": 0.0135, "sharpe": 19.1, "sortino": None,
    "calmar": None, "max_drawdown": 0.0, "max_drawdown_duration_seconds": 0.0, "exposure": 0.5,
    "payoff_ratio": None, "fees": "0.00", "benchmark": "SPY", "benchmark_return": 0.004,
    "trades": {"trades": 1, "winners": 1, "losers": 0, "win_rate": 1.0, "gross_profit": "150.00", "gross_loss": "0.00",
               "realized_pl": "150.00", "fees": "0.00", "profit_factor": None, "expectancy": "150.00",
               "avg_win": "150.00", "avg_loss": None, "best": "150.00", "worst": "150.00", "avg_holding_seconds": 86400.0},
    "equity": [
        {"timestamp": "2026-01-05T00:00:00.000000Z", "equity": "100000.00", "cashflow": "0.00", "benchmark": "500.00"},
        {"timestamp": "2026-01-06T00:00:00.000000Z", "equity": "100050.00", "cashflow": "0.00", "benchmark": "501.00"},
        {"timestamp": "2026-01-07T00:00:00.000000Z", "equity": "100150.00", "cashflow": "0.00", "benchmark": "502.00"},
    ],
}  # fmt: skip


@routes.get("/v2/reports/performance")
@operation(
    tag=TAG, security=Security.KEYS, query=PerformanceQuery, errors=(InvalidParameter,),
    responses={200: [Reply(shape=PerformanceJson, description="format=json;"),
                     Reply(content_type="text/csv", description="format=csv: a row per figure, then per point of the curve;"),
                     Reply(content_type="text/html", description="format=html: one self-contained page, its charts inline SVG.")]},
    examples=[Example(name="two days", summary="two days against SPY",
                      query={"start": "2026-01-05T00:00:00Z", "end": "2026-01-07T00:00:00Z", "benchmark": "SPY"},
                      response=_EXAMPLE)],
)  # fmt: skip
async def get_performance(request: web.Request) -> web.StreamResponse:
    """How the account did over a period: return, CAGR, volatility, Sharpe, Sortino, Calmar, drawdown, trade figures.

    Daily returns of the equity curve (deposits and withdrawals taken out), annualized by 365 days a year.
    `symbol` and `strategy_id` narrow the trade figures; the return figures are the whole account's.
    """
    query = read_query(request, PerformanceQuery)
    made = await account_performance(request, query)
    report = performance_json(request, query, made.performance, made.points)
    if query.format == "csv":
        return await stream_csv(request, "performance.csv", CSV_COLUMNS, performance_rows(report))
    if query.format == "html":
        page = await asyncio.to_thread(_page, report, made)  # P&L by symbol of every trip in the period: a while
        return web.Response(text=page, content_type="text/html")
    return json_response(report)


def _page(report: PerformanceJson, made: Report) -> str:
    """The report's HTML page with its charts (blocking)."""
    by_symbol = [(symbol, float(stats.realized_pl)) for symbol, stats in summarize_by_symbol(made.trips).items()]
    drawn = [0.0, *(float(d) for d in drawdowns(made.performance.returns))]
    months = {month: float(r) for month, r in monthly_returns(made.curve).items()}
    return performance_page(report, drawn, months, by_symbol)
