"""Performance of an account over a period: return, risk and trade figures from its daily equity curve and round trips.

The curve is the equity at the period's start and at the end of each of its
days. A day's return is its closing equity, less the cash deposited (or plus
the cash withdrawn) that day, over the previous close, minus one: money moved
in or out is not performance. Statistics over these returns follow empyrical's
definitions (sample deviation, no risk-free rate, the drawdown's peak including
the start) and are annualized by 365 days a year: the market trades every day
of the calendar. Everything is Decimal, ratios too (at the context's 28
digits); the edge turns ratios into JSON numbers.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from tradeloop.core.money import ZERO
from tradeloop.core.orders import OrderSide
from tradeloop.core.trade_stats import TradeStats, summarize
from tradeloop.core.trades import Fill, RoundTrip

DAYS_PER_YEAR: Final = 365
"""Daily returns per year: every calendar day trades (the simulated and manual markets never close)."""
_YEAR: Final = Decimal(DAYS_PER_YEAR)
_ROOT_YEAR: Final = _YEAR.sqrt()
_ONE: Final = Decimal(1)


@dataclass(frozen=True, slots=True, kw_only=True)
class CurvePoint:
    """The account at a moment: its equity, the cash moved in (out, if negative) since the point before, and whether it held a position."""

    at: datetime
    equity: Decimal
    flow: Decimal = ZERO
    invested: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Performance:
    """The figures of a period; each undefined one (a ratio over nothing) is None."""

    start_equity: Decimal
    end_equity: Decimal
    net_deposits: Decimal
    """Deposits less withdrawals in the period."""
    profit: Decimal
    """The change in equity that deposits and withdrawals do not explain."""
    returns: tuple[Decimal, ...]
    """The daily returns the statistics are computed from."""
    total_return: Decimal
    """The daily returns compounded."""
    cagr: Decimal | None
    volatility: Decimal | None
    """Annualized sample deviation of daily returns."""
    sharpe: Decimal | None
    sortino: Decimal | None
    calmar: Decimal | None
    max_drawdown: Decimal
    """The deepest fall of the compounded returns from a running peak, as a fraction of it: 0 or negative."""
    max_drawdown_duration: timedelta
    """The longest time from a peak to the first point back at it (or to the period's end, if never)."""
    exposure: Decimal | None
    """The share of the curve's daily closes at which a position was held."""
    trades: TradeStats
    payoff_ratio: Decimal | None
    """Average win over the size of the average loss."""
    fees: Decimal
    benchmark_return: Decimal | None


def daily_returns(curve: Sequence[CurvePoint]) -> list[Decimal]:
    """Each point's return over the point before, deposits and withdrawals taken out (0 after an equity of 0)."""
    returns: list[Decimal] = []
    for before, point in zip(curve, curve[1:]):
        returns.append((point.equity - point.flow) / before.equity - 1 if before.equity != ZERO else ZERO)
    return returns


def compounded(returns: Sequence[Decimal]) -> list[Decimal]:
    """The growth of 1 through the returns, one value per return."""
    value, grown = _ONE, []
    for daily in returns:
        value *= _ONE + daily
        grown.append(value)
    return grown


def drawdowns(returns: Sequence[Decimal]) -> list[Decimal]:
    """Each day's fall from the running peak of the compounded returns (the start, 1, counting as a peak)."""
    peak, found = _ONE, []
    for value in compounded(returns):
        peak = max(peak, value)
        found.append(value / peak - 1 if peak else ZERO)
    return found


def max_drawdown_duration(curve: Sequence[CurvePoint], returns: Sequence[Decimal]) -> timedelta:
    """The longest time spent below a previous peak, from the peak to the first point back at it or to the end."""
    if not curve:
        return timedelta(0)
    longest, peak, peak_at, below = timedelta(0), _ONE, curve[0].at, False
    for point, value in zip(curve[1:], compounded(returns)):
        if value < peak or below:  # still below the peak, or the first point back at it: the time since the peak counts
            longest = max(longest, point.at - peak_at)
        below = value < peak
        if not below:
            peak, peak_at = value, point.at
    return longest


def cagr(returns: Sequence[Decimal]) -> Decimal | None:
    """The compounded return as a yearly rate over len(returns) / 365 years."""
    if not returns:
        return None
    final = compounded(returns)[-1]
    return final ** (_YEAR / len(returns)) - 1 if final > 0 else -_ONE


def volatility(returns: Sequence[Decimal]) -> Decimal | None:
    if len(returns) < 2:
        return None
    return statistics.stdev(returns) * _ROOT_YEAR


def sharpe(returns: Sequence[Decimal]) -> Decimal | None:
    """Mean over sample deviation of daily returns, times √365; None when they do not vary."""
    if len(returns) < 2:
        return None
    deviation = statistics.stdev(returns)
    if deviation == ZERO:
        return None
    return statistics.mean(returns) / deviation * _ROOT_YEAR


def sortino(returns: Sequence[Decimal]) -> Decimal | None:
    """Annualized mean over annualized downside deviation (root mean square of the returns below zero)."""
    if len(returns) < 2:
        return None
    downside = statistics.mean([min(r, ZERO) ** 2 for r in returns]).sqrt() * _ROOT_YEAR
    if downside == ZERO:
        return None
    return statistics.mean(returns) * _YEAR / downside


def performance(
    curve: Sequence[CurvePoint], trips: Sequence[RoundTrip], fees: Decimal, benchmark_return: Decimal | None = None
) -> Performance:
    """The figures of a period from its equity curve (start first), the round trips closed and the fees paid in it."""
    returns = daily_returns(curve)
    deepest = min(drawdowns(returns), default=ZERO)
    growth = cagr(returns)
    stats = summarize(trips)
    start = curve[0].equity if curve else ZERO
    end = curve[-1].equity if curve else ZERO
    net_deposits = sum((point.flow for point in curve[1:]), ZERO)
    closes = curve[1:]
    return Performance(
        start_equity=start,
        end_equity=end,
        net_deposits=net_deposits,
        profit=end - start - net_deposits,
        returns=tuple(returns),
        total_return=compounded(returns)[-1] - 1 if returns else ZERO,
        cagr=growth,
        volatility=volatility(returns),
        sharpe=sharpe(returns),
        sortino=sortino(returns),
        calmar=growth / -deepest if growth is not None and deepest < 0 else None,
        max_drawdown=deepest,
        max_drawdown_duration=max_drawdown_duration(curve, returns),
        exposure=Decimal(sum(1 for point in closes if point.invested)) / len(closes) if closes else None,
        trades=stats,
        payoff_ratio=stats.avg_win / -stats.avg_loss if stats.avg_win and stats.avg_loss else None,
        fees=fees,
        benchmark_return=benchmark_return,
    )


def held_at(fills: Sequence[Fill], moments: Sequence[datetime]) -> list[bool]:
    """Whether any position was held at each of `moments` (in order), from the fills before it (oldest first)."""
    held: dict[str, Decimal] = {}
    found: list[bool] = []
    place = 0
    for moment in moments:
        while place < len(fills) and fills[place].timestamp < moment:
            fill = fills[place]
            held[fill.symbol] = held.get(fill.symbol, ZERO) + (fill.qty if fill.side is OrderSide.BUY else -fill.qty)
            place += 1
        found.append(any(qty > ZERO for qty in held.values()))
    return found


def price_at(closes: Sequence[tuple[datetime, Decimal]], moment: datetime) -> Decimal | None:
    """The close of the last daily bar begun before `moment` (closes by bar start, oldest first); None before any."""
    found = None
    for begun, close in closes:
        if begun >= moment:
            break
        found = close
    return found


def monthly_returns(curve: Sequence[CurvePoint]) -> dict[tuple[int, int], Decimal]:
    """Each calendar month's daily returns compounded, by (year, month) of the points that end them, in order."""
    months: dict[tuple[int, int], Decimal] = {}
    for point, daily in zip(curve[1:], daily_returns(curve)):
        # A point at midnight closes the day before it: it belongs to that day's month.
        day = (point.at - timedelta(microseconds=1)).date()
        key = (day.year, day.month)
        months[key] = (_ONE + months.get(key, ZERO)) * (_ONE + daily) - 1
    return months
