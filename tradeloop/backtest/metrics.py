"""Performance metrics of a run: pure functions over an equity curve and the round trips of its fills.

Money stays Decimal (equity, profit, fees); ratios are floats (returns, drawdown,
Sharpe, win rate), as they are statistics rather than amounts. The definitions
match empyrical's: Sharpe over daily returns with the sample deviation, times √252,
no risk-free rate; the maximum drawdown as a non-positive fraction of the peak.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from tradeloop.core.money import ZERO
from tradeloop.core.orders import OrderSide

TRADING_DAYS: Final = 252
"""Daily returns per year, to annualize the Sharpe ratio."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EquityPoint:
    """The account's equity (cash plus positions at the last price) at a moment."""

    timestamp: datetime
    equity: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Execution:
    """One fill as the metrics see it: what moved, at what price, and the fee charged for it."""

    symbol: str
    side: OrderSide
    qty: Decimal
    price: Decimal
    fee: Decimal
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundTrip:
    """A position from flat back to flat in one symbol: its profit after fees."""

    symbol: str
    opened_at: datetime
    closed_at: datetime
    qty: Decimal
    """The most held at once."""
    profit: Decimal
    """Sale proceeds minus purchase cost minus every fee of its fills."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Metrics:
    """The numbers a run is judged (and a sweep ranked) by."""

    total_return: float
    max_drawdown: float
    sharpe: float | None
    """None with fewer than two daily returns, or when they do not vary."""
    win_rate: float | None
    """None without a closed round trip."""
    trades: int
    """Closed round trips."""
    final_equity: Decimal
    net_profit: Decimal
    fees: Decimal


def total_return(curve: Sequence[EquityPoint]) -> float:
    """Last equity over the first, minus one (0 for a curve shorter than two points or starting at 0)."""
    if len(curve) < 2 or curve[0].equity == ZERO:
        return 0.0
    return float(curve[-1].equity / curve[0].equity - 1)


def max_drawdown(curve: Sequence[EquityPoint]) -> float:
    """The deepest fall from a running peak, as a fraction of that peak: 0 or negative."""
    peak = ZERO
    deepest = ZERO
    for point in curve:
        peak = max(peak, point.equity)
        if peak > ZERO:
            deepest = min(deepest, point.equity / peak - 1)
    return float(deepest)


def daily_returns(curve: Sequence[EquityPoint]) -> list[float]:
    """Each UTC day's closing equity over the previous day's close (the first day's, over the curve's first point)."""
    if not curve:
        return []
    closes: dict[date, Decimal] = {}
    for point in curve:
        closes[point.timestamp.date()] = point.equity  # the last point of each day wins
    previous = curve[0].equity
    returns: list[float] = []
    for close in closes.values():
        returns.append(float(close / previous - 1) if previous != ZERO else 0.0)
        previous = close
    return returns


def sharpe(returns: Sequence[float]) -> float | None:
    """Mean over sample standard deviation of daily returns, times √252; None when undefined."""
    if len(returns) < 2:
        return None
    deviation = statistics.stdev(returns)
    if deviation == 0.0 or not math.isfinite(deviation):
        return None
    return statistics.fmean(returns) / deviation * math.sqrt(TRADING_DAYS)


def round_trips(executions: Iterable[Execution]) -> list[RoundTrip]:
    """Each symbol's positions from flat to flat, in the order they closed; a position still open is not one."""
    open_: dict[str, tuple[datetime, Decimal, Decimal, Decimal]] = {}  # symbol -> opened, held, most held, cash flow
    closed: list[RoundTrip] = []
    for fill in executions:
        opened, held, most, flow = open_.get(fill.symbol, (fill.timestamp, ZERO, ZERO, ZERO))
        signed = fill.qty if fill.side is OrderSide.BUY else -fill.qty
        held += signed
        flow += -signed * fill.price - fill.fee
        most = max(most, abs(held))
        if held == ZERO:
            closed.append(
                RoundTrip(symbol=fill.symbol, opened_at=opened, closed_at=fill.timestamp, qty=most, profit=flow)
            )
            open_.pop(fill.symbol, None)
        else:
            open_[fill.symbol] = (opened, held, most, flow)
    return closed


def win_rate(trips: Sequence[RoundTrip]) -> float | None:
    """The share of round trips that made money after fees; None without any."""
    if not trips:
        return None
    return sum(1 for trip in trips if trip.profit > ZERO) / len(trips)


def metrics(curve: Sequence[EquityPoint], executions: Sequence[Execution]) -> Metrics:
    """Every metric of a run from its equity curve and its fills."""
    trips = round_trips(executions)
    first = curve[0].equity if curve else ZERO
    last = curve[-1].equity if curve else ZERO
    return Metrics(
        total_return=total_return(curve),
        max_drawdown=max_drawdown(curve),
        sharpe=sharpe(daily_returns(curve)),
        win_rate=win_rate(trips),
        trades=len(trips),
        final_equity=last,
        net_profit=last - first,
        fees=sum((fill.fee for fill in executions), ZERO),
    )


RANKABLE: Final = ("total_return", "max_drawdown", "sharpe", "win_rate", "trades", "net_profit")
"""Metrics a sweep may be ranked by: higher is better for each (a drawdown is negative, so the shallowest wins)."""


def rank_key(found: Metrics, by: str) -> tuple[int, float]:
    """Sort key putting the best run first by metric `by`: undefined values (None) last."""
    value = getattr(found, by)
    if value is None:
        return (1, 0.0)
    return (0, -float(value))


__all__: Sequence[str] = (
    "RANKABLE",
    "TRADING_DAYS",
    "EquityPoint",
    "Execution",
    "Metrics",
    "RoundTrip",
    "daily_returns",
    "max_drawdown",
    "metrics",
    "rank_key",
    "round_trips",
    "sharpe",
    "total_return",
    "win_rate",
)
