"""bar_ticks: a completed bar as the quotes and trades that make it, for posted bars and backtests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradeloop.core.bars import Bar, add_trade, bar_from_trade, bar_ticks, minute_start
from tradeloop.core.marketdata import Quote, Trade

T0 = datetime(2024, 6, 3, 14, 30, tzinfo=timezone.utc)
cents = st.integers(1, 100_000).map(lambda n: Decimal(n) / 100)


def make_bar(open_: str, high: str, low: str, close: str) -> Bar:
    return Bar(
        symbol="AAPL",
        timestamp=T0,
        open=Decimal(open_),
        high=Decimal(high),
        low=Decimal(low),
        close=Decimal(close),
        volume=Decimal(1000),
        trade_count=10,
        notional=Decimal(100_000),
    )


@st.composite
def bars(draw: st.DrawFn) -> Bar:
    low, high = sorted((draw(cents), draw(cents)))
    span = st.integers(int(low * 100), int(high * 100)).map(lambda n: Decimal(n) / 100)
    return make_bar(str(draw(span)), str(high), str(low), str(draw(span)))


def prices(bar: Bar) -> list[Decimal]:
    return [tick.price for tick in bar_ticks(bar) if isinstance(tick, Trade)]


def test_open_then_the_nearer_extreme_then_the_other_then_close() -> None:
    assert prices(make_bar("100", "101", "95", "99")) == [Decimal(p) for p in ("100", "101", "95", "99")]
    assert prices(make_bar("100", "105", "99", "104")) == [Decimal(p) for p in ("100", "99", "105", "104")]


def test_a_tie_between_the_extremes_goes_to_the_high_first() -> None:
    assert prices(make_bar("100", "102", "98", "100")) == [Decimal(p) for p in ("100", "102", "98", "100")]


def test_each_trade_follows_a_quote_at_its_price_all_of_unlimited_size_within_the_minute() -> None:
    ticks = bar_ticks(make_bar("100", "101", "95", "99"))
    assert len(ticks) == 8
    for quote, trade in zip(ticks[::2], ticks[1::2]):
        assert isinstance(quote, Quote) and isinstance(trade, Trade)
        assert quote.bid == quote.ask == trade.price
        assert quote.timestamp == trade.timestamp
        assert quote.bid_size is None and quote.ask_size is None and trade.size is None
        assert minute_start(trade.timestamp) == T0
    moments = [tick.timestamp for tick in ticks]
    assert moments == sorted(moments) and moments[0] == T0 and moments[-1] < T0 + timedelta(minutes=1)


@given(bars())
def test_the_trades_rebuild_the_bars_prices(bar: Bar) -> None:
    trades = [tick for tick in bar_ticks(bar) if isinstance(tick, Trade)]
    built = bar_from_trade(trades[0])
    for trade in trades[1:]:
        built = add_trade(built, trade)
    assert (built.timestamp, built.open, built.high, built.low, built.close) == (
        bar.timestamp,
        bar.open,
        bar.high,
        bar.low,
        bar.close,
    )
    path = [trade.price for trade in trades]
    assert abs(path[1] - bar.open) <= abs(path[2] - bar.open)  # the nearer extreme first
