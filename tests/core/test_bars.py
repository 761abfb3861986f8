"""Bars: built from trades, aggregated across timeframes, with exact Decimal sums and sane OHLC."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeloop.core.bars import (
    MINUTE,
    VWAP_STEP,
    Bar,
    TimeFrame,
    TimeFrameUnit,
    add_trade,
    aggregate,
    bar_from_trade,
    combine,
    minute_start,
    parse_timeframe,
)
from tradeloop.core.marketdata import Trade
from tradeloop.core.money import ZERO

T0 = datetime(2024, 2, 27, 21, 0, tzinfo=timezone.utc)  # a Tuesday, three days before a month's end
TIMEFRAMES = [
    parse_timeframe(text)
    for text in ("1Min", "2Min", "5Min", "7Min", "15Min", "30Min", "1Hour", "2Hour", "5Hour", "1Day", "1Week")
] + [parse_timeframe(text) for text in ("1Month", "3Month", "12Month")]

prices = st.one_of(
    st.integers(1, 200_000).map(lambda cents: Decimal(cents) / 100),
    st.integers(1, 9_999).map(lambda units: Decimal(units) / 10_000),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=9),
)
sizes = st.one_of(
    st.none(), st.integers(1, 5_000).map(Decimal), st.integers(1, 10_000).map(lambda n: Decimal(n) / 1000)
)


@st.composite
def tapes(draw: st.DrawFn) -> list[Trade]:
    """Trades of one symbol in time order, spread over up to ~40 days."""
    gaps_s = draw(st.lists(st.integers(0, 90_000), min_size=1, max_size=120))
    trades, moment = [], T0 + timedelta(seconds=draw(st.integers(0, 3_600)))
    for gap_s in gaps_s:
        moment += timedelta(seconds=gap_s, microseconds=draw(st.integers(0, 999_999)))
        trades.append(Trade(symbol="AAPL", price=draw(prices), size=draw(sizes), timestamp=moment))
    return trades


def minute_bars(trades: Sequence[Trade]) -> list[Bar]:
    """Fold time-ordered trades into one-minute bars, as the market history does."""
    bars: list[Bar] = []
    for trade in trades:
        if bars and bars[-1].timestamp == minute_start(trade.timestamp):
            bars[-1] = add_trade(bars[-1], trade)
        else:
            bars.append(bar_from_trade(trade))
    return bars


def assert_sane(bar: Bar) -> None:
    assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
    assert bar.low <= bar.vwap <= bar.high
    assert bar.volume >= ZERO and bar.trade_count >= 1


@given(tapes(), st.sampled_from(TIMEFRAMES))
def test_aggregation_preserves_sums_and_ohlc(trades: list[Trade], timeframe: TimeFrame) -> None:
    minutes = minute_bars(trades)
    bars = list(aggregate(minutes, timeframe))
    assert sum((bar.volume for bar in bars), ZERO) == sum((t.size or ZERO for t in trades), ZERO)
    assert sum(bar.trade_count for bar in bars) == len(trades)
    assert sum((bar.notional for bar in bars), ZERO) == sum((t.price * (t.size or ZERO) for t in trades), ZERO)
    assert [bar.timestamp for bar in bars] == sorted({timeframe.bucket_start(m.timestamp) for m in minutes})
    for bar in bars:
        assert_sane(bar)
        inside = [m for m in minutes if timeframe.bucket_start(m.timestamp) == bar.timestamp]
        assert bar.open == inside[0].open and bar.close == inside[-1].close
        assert bar.high == max(m.high for m in inside) and bar.low == min(m.low for m in inside)
        assert bar.timestamp <= inside[0].timestamp and inside[-1].timestamp < timeframe.next_start(bar.timestamp)


@given(tapes(), st.sampled_from(TIMEFRAMES))
def test_newest_first_input_gives_the_same_bars_newest_first(trades: list[Trade], timeframe: TimeFrame) -> None:
    minutes = minute_bars(trades)
    assert list(aggregate(reversed(minutes), timeframe)) == list(reversed(list(aggregate(minutes, timeframe))))


@given(tapes())
def test_aggregating_in_steps_equals_aggregating_at_once(trades: list[Trade]) -> None:
    minutes = minute_bars(trades)
    for fine, coarse in (("5Min", "15Min"), ("15Min", "1Hour"), ("1Hour", "1Day"), ("1Day", "1Month")):
        in_steps = aggregate(aggregate(minutes, parse_timeframe(fine)), parse_timeframe(coarse))
        assert list(in_steps) == list(aggregate(minutes, parse_timeframe(coarse)))


@given(tapes())
def test_minute_bars_of_trades_are_sane_and_vwap_is_the_weighted_mean(trades: list[Trade]) -> None:
    for bar in minute_bars(trades):
        assert_sane(bar)
        assert MINUTE.bucket_start(bar.timestamp) == bar.timestamp
        if bar.volume > ZERO:
            exact = bar.notional / bar.volume
            assert abs(bar.vwap - exact) <= VWAP_STEP or bar.vwap in (bar.low, bar.high)


def test_a_bar_of_one_price_has_that_vwap_however_many_digits() -> None:
    price = Decimal("123.456789012345678")
    trade = Trade(symbol="AAPL", price=price, size=Decimal(3), timestamp=T0)
    bar = add_trade(bar_from_trade(trade), trade)
    assert bar.vwap == price and bar.volume == 6 and bar.trade_count == 2


def test_unsized_trades_count_but_weigh_nothing() -> None:
    sized = Trade(symbol="AAPL", price=Decimal("10.00"), size=Decimal(100), timestamp=T0)
    unsized = Trade(symbol="AAPL", price=Decimal("12.00"), size=None, timestamp=T0 + timedelta(seconds=1))
    bar = add_trade(bar_from_trade(sized), unsized)
    assert (bar.volume, bar.trade_count, bar.vwap) == (Decimal(100), 2, Decimal(10))
    assert bar.close == bar.high == Decimal(12)
    assert bar_from_trade(unsized).vwap == Decimal("12.00")  # nothing sized: the close


def test_vwap_is_rounded_without_trailing_zeros() -> None:
    first = Trade(symbol="AAPL", price=Decimal("10.00"), size=Decimal(1), timestamp=T0)
    second = Trade(symbol="AAPL", price=Decimal("10.01"), size=Decimal(2), timestamp=T0)
    bar = add_trade(bar_from_trade(first), second)
    assert str(bar.vwap) == "10.006667"
    assert str(bar_from_trade(first).vwap) == "1E+1" and bar_from_trade(first).vwap == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1Min", TimeFrame(1, TimeFrameUnit.MINUTE)),
        ("59T", TimeFrame(59, TimeFrameUnit.MINUTE)),
        ("15min", TimeFrame(15, TimeFrameUnit.MINUTE)),
        ("1Hour", TimeFrame(1, TimeFrameUnit.HOUR)),
        ("23H", TimeFrame(23, TimeFrameUnit.HOUR)),
        ("1Day", TimeFrame(1, TimeFrameUnit.DAY)),
        ("1D", TimeFrame(1, TimeFrameUnit.DAY)),
        ("1Week", TimeFrame(1, TimeFrameUnit.WEEK)),
        ("1W", TimeFrame(1, TimeFrameUnit.WEEK)),
        ("1Month", TimeFrame(1, TimeFrameUnit.MONTH)),
        ("6M", TimeFrame(6, TimeFrameUnit.MONTH)),
    ],
)
def test_timeframes_read_as_alpaca_writes_them(text: str, expected: TimeFrame) -> None:
    assert parse_timeframe(text) == expected
    assert str(parse_timeframe(str(expected))) == str(expected)


@pytest.mark.parametrize(
    "text",
    ["", "Min", "0Min", "60Min", "24Hour", "2Day", "2Week", "5Month", "13Month", "1Sec", "1m", "1.5Min", "100Min"],
)
def test_timeframes_out_of_bounds_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timeframe(text)


def test_buckets_align_to_utc_boundaries() -> None:
    moment = datetime(2024, 2, 29, 13, 47, 31, 5, tzinfo=timezone.utc)  # a Thursday
    expected = {
        "1Min": datetime(2024, 2, 29, 13, 47, tzinfo=timezone.utc),
        "15Min": datetime(2024, 2, 29, 13, 45, tzinfo=timezone.utc),
        "1Hour": datetime(2024, 2, 29, 13, tzinfo=timezone.utc),
        "4Hour": datetime(2024, 2, 29, 12, tzinfo=timezone.utc),
        "1Day": datetime(2024, 2, 29, tzinfo=timezone.utc),
        "1Week": datetime(2024, 2, 26, tzinfo=timezone.utc),
        "1Month": datetime(2024, 2, 1, tzinfo=timezone.utc),
        "3Month": datetime(2024, 1, 1, tzinfo=timezone.utc),
    }
    for text, start in expected.items():
        timeframe = parse_timeframe(text)
        assert timeframe.bucket_start(moment) == start, text
        assert timeframe.bucket_start(timeframe.next_start(start)) == timeframe.next_start(start), text
    assert parse_timeframe("12Month").next_start(datetime(2024, 1, 1, tzinfo=timezone.utc)).year == 2025
    assert parse_timeframe("1Month").next_start(datetime(2024, 12, 1, tzinfo=timezone.utc)) == datetime(
        2025, 1, 1, tzinfo=timezone.utc
    )


def test_combine_needs_bars() -> None:
    with pytest.raises(ValueError):
        combine([], T0)
