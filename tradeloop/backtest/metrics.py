"""A run's figures, computed by the reports' code (`tradeloop.core.performance`) so each figure has one definition.

What is the backtest's own: its equity is sampled every bar, and the reports
work on a daily curve, so the run's curve is reduced to its first point and
the last point of each UTC day; and the figures a sweep may be ranked by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from tradeloop.core.money import ZERO
from tradeloop.core.performance import CurvePoint, Performance, held_at, performance
from tradeloop.core.trades import Fill, round_trips


@dataclass(frozen=True, slots=True, kw_only=True)
class EquityPoint:
    """The account's equity (cash plus positions at the last price) at a moment."""

    timestamp: datetime
    equity: Decimal


def daily_curve(curve: Sequence[EquityPoint], fills: Sequence[Fill]) -> list[CurvePoint]:
    """The run's first point, then the last point of each UTC day, each marked invested if a position was held."""
    if not curve:
        return []
    closes: dict[date, EquityPoint] = {}
    for point in curve:
        closes[point.timestamp.date()] = point  # the last point of each day wins
    points = [curve[0], *closes.values()]
    held = held_at(fills, [point.timestamp for point in points])
    return [CurvePoint(at=p.timestamp, equity=p.equity, invested=h) for p, h in zip(points, held)]


def metrics(curve: Sequence[EquityPoint], fills: Sequence[Fill]) -> Performance:
    """Every figure of a run from its equity curve and its fills (oldest first), as the performance report has them."""
    return performance(daily_curve(curve, fills), round_trips(fills), sum((fill.fee for fill in fills), ZERO))


RANKABLE: Final = (
    "total_return", "cagr", "max_drawdown", "sharpe", "sortino", "calmar", "win_rate", "profit_factor", "trades",
    "net_profit",
)  # fmt: skip
"""Figures a sweep may be ranked by: higher is better for each (a drawdown is negative, so the shallowest wins)."""


__all__: Sequence[str] = ("RANKABLE", "EquityPoint", "daily_curve", "metrics")
