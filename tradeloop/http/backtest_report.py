"""A backtest's result as the performance report's HTML page: the same figures, charts and code as an account's."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from aiohttp import web

from tradeloop.backtest.metrics import EquityPoint, daily_curve, metrics
from tradeloop.codec import rfc3339
from tradeloop.core.money import cents, fmt
from tradeloop.core.orders import OrderSide
from tradeloop.core.performance import drawdowns, monthly_returns
from tradeloop.core.trade_stats import summarize_by_symbol
from tradeloop.core.trades import Fill, round_trips
from tradeloop.http.performance import PerformanceQuery, performance_json
from tradeloop.http.report_pages import performance_page
from tradeloop.http.shapes.performance import EquityPointJson


def _fill(body: dict[str, Any], strategy_id: UUID) -> Fill:
    qty, price = Decimal(body["qty"]), Decimal(body["price"])
    cash = Decimal(body["cash"]) if "cash" in body else cents(qty * price)  # results kept before fills showed it
    return Fill(
        fill_id=UUID(body["id"]), order_id=UUID(body["order_id"]), symbol=body["symbol"], side=OrderSide(body["side"]),
        qty=qty, price=price, cash=cash, timestamp=datetime.fromisoformat(body["timestamp"]), fee=Decimal(body["fee"]),
        strategy_id=strategy_id,
    )  # fmt: skip


def backtest_page(request: web.Request, result: bytes) -> str:
    """The report page of a run's result (a sweep's: its best run's), from its equity curve and fills; no benchmark."""
    found: dict[str, Any] = orjson.loads(result)
    run: dict[str, Any] = found["best"] if "rank_by" in found else found
    strategy_id = UUID(run["strategy"]["id"])
    fills = [_fill(body, strategy_id) for body in run["fills"]]
    curve = [
        EquityPoint(timestamp=datetime.fromisoformat(point["timestamp"]), equity=Decimal(point["equity"]))
        for point in run["equity_curve"]
    ]
    days = daily_curve(curve, fills)
    figures = metrics(curve, fills)
    points: list[EquityPointJson] = [
        {"timestamp": rfc3339(p.at), "equity": fmt(cents(p.equity)), "cashflow": fmt(cents(p.flow)), "benchmark": None}
        for p in days
    ]
    report = performance_json(request, PerformanceQuery(strategy_id=strategy_id, format="html"), figures, points)
    by_symbol = [(symbol, float(s.realized_pl)) for symbol, s in summarize_by_symbol(round_trips(fills)).items()]
    drawn = [0.0, *(float(d) for d in drawdowns(figures.returns))]
    months = {month: float(r) for month, r in monthly_returns(days).items()}
    return performance_page(report, drawn, months, by_symbol, title=f"Backtest report: {run['strategy']['name']}")
