"""Summary of round trips, overall and per symbol: how many won, how much, and for how long they were held.

Money stays Decimal (sums exact, averages rounded to the cent, half up); ratios
(win rate, profit factor) are floats, as the backtests' metrics keep them: they
are statistics, not amounts. A round trip wins when its realized P&L is above
zero and loses when it is below; one at exactly zero does neither, and counts
in the win rate's denominator, as the backtests' win rate counts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from tradeloop.core.money import ZERO, cents
from tradeloop.core.trades import RoundTrip


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeStats:
    """The figures of a set of round trips; each undefined one (an average of nothing) is None."""

    trades: int
    winners: int
    losers: int
    win_rate: Decimal | None
    """Winners over trades."""
    gross_profit: Decimal
    """The winners' P&L added up: zero or more."""
    gross_loss: Decimal
    """The losers' P&L added up: zero or less."""
    realized_pl: Decimal
    """Every trade's P&L added up: gross profit plus gross loss."""
    fees: Decimal
    profit_factor: Decimal | None
    """Gross profit over the size of the gross loss; None without a losing trade."""
    expectancy: Decimal | None
    """Realized P&L per trade: what a trade made on average."""
    avg_win: Decimal | None
    avg_loss: Decimal | None
    best: Decimal | None
    """The highest P&L of one trade."""
    worst: Decimal | None
    """The lowest P&L of one trade."""
    avg_holding: timedelta | None
    """From entry to exit, on average."""


def summarize(trips: Sequence[RoundTrip]) -> TradeStats:
    """The figures of the round trips given."""
    results = [trip.realized_pl for trip in trips]
    wins = [pl for pl in results if pl > ZERO]
    losses = [pl for pl in results if pl < ZERO]
    gross_profit, gross_loss = sum(wins, ZERO), sum(losses, ZERO)
    return TradeStats(
        trades=len(trips),
        winners=len(wins),
        losers=len(losses),
        win_rate=Decimal(len(wins)) / len(trips) if trips else None,
        gross_profit=gross_profit,
        gross_loss=gross_loss,
        realized_pl=gross_profit + gross_loss,
        fees=sum((trip.fees for trip in trips), ZERO),
        profit_factor=gross_profit / -gross_loss if losses else None,
        expectancy=_average(results),
        avg_win=_average(wins),
        avg_loss=_average(losses),
        best=max(results) if results else None,
        worst=min(results) if results else None,
        avg_holding=sum((trip.holding for trip in trips), timedelta()) / len(trips) if trips else None,
    )


def summarize_by_symbol(trips: Sequence[RoundTrip]) -> dict[str, TradeStats]:
    """The figures of each symbol's round trips, by symbol in alphabetical order."""
    grouped: dict[str, list[RoundTrip]] = {}
    for trip in trips:
        grouped.setdefault(trip.symbol, []).append(trip)
    return {symbol: summarize(grouped[symbol]) for symbol in sorted(grouped)}


def _average(amounts: Sequence[Decimal]) -> Decimal | None:
    return cents(sum(amounts, ZERO) / len(amounts)) if amounts else None
