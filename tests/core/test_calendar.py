"""The market calendar drawn from the session rules: every day trades, sessions span the UTC day, settlement is T+1."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tradeloop.core.calendar import trading_days


def test_lists_every_day_between_both_ends_with_its_session() -> None:
    days = trading_days(date(2024, 2, 28), date(2024, 3, 1))
    assert [day.day for day in days] == [date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1)]
    leap = days[1]
    assert leap.opens_at == datetime(2024, 2, 29, tzinfo=UTC)
    assert leap.closes_at == datetime(2024, 3, 1, tzinfo=UTC)
    assert leap.settles_on == date(2024, 3, 1)


def test_an_end_before_the_start_lists_nothing() -> None:
    assert trading_days(date(2024, 3, 2), date(2024, 3, 1)) == []
