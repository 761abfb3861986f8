"""What a run leaves: its orders, fills, signals and equity, collected as the engine commits them, and the result JSON.

The result is written with sorted keys and money as decimal text, and holds nothing
drawn from the wall clock or the OS's random source, so the same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final
from uuid import UUID

import orjson

from tradeloop.actors.account import Committed
from tradeloop.backtest.metrics import EquityPoint
from tradeloop.backtest.spec import RunSpec
from tradeloop.codec import rfc3339
from tradeloop.core.bars import TimeFrame, TimeFrameUnit
from tradeloop.core.events import OrderFilled
from tradeloop.core.money import cents, fmt
from tradeloop.core.orders import Order
from tradeloop.core.performance import DAYS_PER_YEAR, Performance
from tradeloop.core.strategies import Signal, StrategySignalled
from tradeloop.core.trades import Fill, RoundTrip

MAX_CURVE_POINTS: Final = 5_000
"""The result's equity curve is coarsened (per hour, then per day, then per week) until it fits."""
_COARSER: Final = (TimeFrame(1, TimeFrameUnit.HOUR), TimeFrame(1, TimeFrameUnit.DAY), TimeFrame(1, TimeFrameUnit.WEEK))
RATIO_PLACES: Final = Decimal("1E-10")
"""Ratios are written as JSON numbers to ten places, as the performance report writes them."""


@dataclass(slots=True)
class Collector:
    """Told of every committed write of the backtest's account (an engine event listener); keeps what the result shows."""

    orders: dict[UUID, Order] = field(default_factory=dict)
    """Each order's last record, in the order they were first seen."""
    fills: list[OrderFilled] = field(default_factory=list)
    fees: list[Decimal] = field(default_factory=list)
    """The fee of each fill, by position in `fills` (filled in by the run once charged)."""
    signals: list[Signal] = field(default_factory=list)

    def __call__(self, told: Committed) -> None:
        for order_id, order in told.orders.items():
            self.orders[order_id] = order
        for event in told.events:
            if isinstance(event, OrderFilled):
                self.fills.append(event)
            elif isinstance(event, StrategySignalled):
                self.signals.append(event.signal)

    def executions(self, strategy_id: UUID) -> list[Fill]:
        """The fills as trade history reads them, each with its fee, all placed by the strategy tested."""
        return [
            Fill(fill_id=f.fill_id, order_id=f.order_id, symbol=f.symbol, side=f.side, qty=f.qty, price=f.price,
                 cash=f.cash, timestamp=f.timestamp, fee=fee, strategy_id=strategy_id)
            for f, fee in zip(self.fills, self.fees)
        ]  # fmt: skip


def result_json(
    spec: RunSpec, collected: Collector, curve: Sequence[EquityPoint], found: Performance, trips: Sequence[RoundTrip],
    timeframe: TimeFrame,
) -> bytes:
    """The run's result as JSON bytes, keys sorted: the same run gives the same bytes."""
    body = {
        "strategy": {"id": str(spec.strategy_id), "version": spec.version, "name": spec.name},
        "parameters": dict(spec.parameters),
        "symbols": list(spec.symbols),
        "start": rfc3339(spec.start),
        "end": rfc3339(spec.end),
        "initial_cash": fmt(spec.initial_cash),
        "fill": spec.fill.value,
        "slippage_bps": fmt(spec.slippage_bps),
        "commission": {
            "per_share": fmt(spec.commission.per_share),
            "per_order": fmt(spec.commission.per_order),
            "percent": fmt(spec.commission.percent),
        },
        "metrics": metrics_json(found),
        "orders": [_order(order) for order in collected.orders.values()],
        "fills": [_fill(fill, fee) for fill, fee in zip(collected.fills, collected.fees)],
        "signals": [_signal(signal) for signal in collected.signals],
        "round_trips": [_trip(trip) for trip in trips],
        "equity_curve": [
            {"timestamp": rfc3339(point.timestamp), "equity": fmt(point.equity)} for point in coarsened(curve, timeframe)
        ],
    }
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def metrics_json(found: Performance) -> dict[str, Any]:
    """The run's figures as the performance report writes them (money to the cent, ratios to ten places)."""
    stats = found.trades
    return {
        "days_per_year": DAYS_PER_YEAR,
        "total_return": _ratio(found.total_return),
        "cagr": _ratio(found.cagr),
        "volatility": _ratio(found.volatility),
        "sharpe": _ratio(found.sharpe),
        "sortino": _ratio(found.sortino),
        "calmar": _ratio(found.calmar),
        "max_drawdown": _ratio(found.max_drawdown),
        "max_drawdown_duration_seconds": found.max_drawdown_duration.total_seconds(),
        "exposure": _ratio(found.exposure),
        "payoff_ratio": _ratio(found.payoff_ratio),
        "win_rate": None if stats.win_rate is None else float(stats.win_rate),
        "profit_factor": None if stats.profit_factor is None else float(stats.profit_factor),
        "expectancy": _text(stats.expectancy),
        "trades": stats.trades,
        "final_equity": fmt(cents(found.end_equity)),
        "net_profit": fmt(cents(found.profit)),
        "fees": fmt(cents(found.fees)),
    }


def _ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN))


def coarsened(curve: Sequence[EquityPoint], timeframe: TimeFrame) -> list[EquityPoint]:
    """The curve with one point (the last) per bucket of the first timeframe that keeps it within MAX_CURVE_POINTS."""
    points = list(curve)
    for coarser in (timeframe, *_COARSER):
        if len(points) <= MAX_CURVE_POINTS:
            return points
        points = last_per_bucket(points, coarser)
    return points


def last_per_bucket(points: Sequence[EquityPoint], timeframe: TimeFrame) -> list[EquityPoint]:
    """The last point of each bucket of the timeframe, for points in time order (a bucket is looked up only
    when a point falls past the current one's end: a year of minutes would otherwise cost seconds)."""
    kept: list[EquityPoint] = []
    end: datetime | None = None
    for point in points:
        moment = point.timestamp
        if end is not None and moment < end:
            kept[-1] = point
            continue
        kept.append(point)
        if end is not None:  # most often the point opens the bucket right after the last one
            end = timeframe.next_start(end)
        if end is None or moment >= end:
            end = timeframe.next_start(timeframe.bucket_start(moment))
    return kept


def _text(value: Decimal | None) -> str | None:
    return None if value is None else fmt(value)


def _time(value: datetime | None) -> str | None:
    return None if value is None else rfc3339(value)


def _order(order: Order) -> dict[str, Any]:
    terms = order.terms
    return {
        "id": str(terms.id),
        "client_order_id": terms.client_order_id,
        "symbol": terms.symbol,
        "side": terms.side.value,
        "type": terms.type.value,
        "order_class": terms.order_class.value,
        "time_in_force": terms.time_in_force.value,
        "qty": _text(terms.qty),
        "notional": _text(terms.notional),
        "limit_price": _text(terms.limit_price),
        "stop_price": _text(terms.stop_price),
        "trail_percent": _text(terms.trail_percent),
        "parent_id": None if terms.parent_id is None else str(terms.parent_id),
        "status": order.status.value,
        "filled_qty": fmt(order.filled_qty),
        "filled_avg_price": None if order.filled_qty == 0 else fmt(order.filled_value / order.filled_qty),
        "submitted_at": rfc3339(terms.created_at),
        "filled_at": _time(order.filled_at),
        "canceled_at": _time(order.canceled_at),
        "expired_at": _time(order.expired_at),
    }


def _fill(fill: OrderFilled, fee: Decimal) -> dict[str, Any]:
    return {
        "id": str(fill.fill_id),
        "order_id": str(fill.order_id),
        "symbol": fill.symbol,
        "side": fill.side.value,
        "qty": fmt(fill.qty),
        "price": fmt(fill.price),
        "cash": fmt(fill.cash),
        "fee": fmt(fee),
        "timestamp": rfc3339(fill.timestamp),
    }


def _signal(signal: Signal) -> dict[str, Any]:
    return {
        "symbol": signal.symbol,
        "bar_time": rfc3339(signal.bar_time),
        "rule": signal.rule,
        "side": signal.side.value,
        "values": dict(signal.values),
        "client_order_id": signal.client_order_id,
        "order_id": None if signal.order_id is None else str(signal.order_id),
        "refusal": signal.refusal,
        "refusal_code": signal.refusal_code,
    }


def _trip(trip: RoundTrip) -> dict[str, Any]:
    return {
        "symbol": trip.symbol,
        "side": trip.side.value,
        "qty": fmt(trip.qty),
        "entry_at": rfc3339(trip.entry_at),
        "exit_at": rfc3339(trip.exit_at),
        "cost": fmt(trip.cost),
        "proceeds": fmt(trip.proceeds),
        "realized_pl": fmt(trip.realized_pl),
        "fees": fmt(trip.fees),
    }


__all__: Sequence[str] = ("MAX_CURVE_POINTS", "Collector", "coarsened", "last_per_bucket", "metrics_json", "result_json")
