"""The market calendar: the trading days between two dates, each with its session's bounds, from the session rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

from tradeloop.core.sessions import session_bounds

_DAY: Final = timedelta(days=1)
SETTLEMENT_DAYS: Final = 1
"""Trades settle on the next trading day (T+1), as US equities have since May 2024."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingDay:
    """One day the market trades: when its session opens and closes, and when its trades settle."""

    day: date
    opens_at: datetime
    closes_at: datetime
    settles_on: date


def trading_days(first: date, last: date) -> list[TradingDay]:
    """Every trading day from `first` to `last`, both included; none when `last` is before `first`.

    The simulated market trades every day, so each date is a trading day whose
    session spans it, and its trades settle on the next one.
    """
    days: list[TradingDay] = []
    day = first
    while day <= last:
        opens_at, closes_at = session_bounds(datetime(day.year, day.month, day.day, tzinfo=UTC))
        days.append(
            TradingDay(day=day, opens_at=opens_at, closes_at=closes_at, settles_on=day + SETTLEMENT_DAYS * _DAY)
        )
        day += _DAY
    return days
