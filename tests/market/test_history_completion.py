"""Market history: each completed minute told once to bar listeners, by the next trade, the clock or a posted bar."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from tradeloop.core.bars import MINUTE, Bar, bar_ticks, parse_timeframe
from tradeloop.core.marketdata import Trade
from tradeloop.market.history import MarketHistory
from tradeloop.snapshots.bars import BarStore

T0 = datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)


def trade(seconds: float, price: str, symbol: str = "AAPL") -> Trade:
    return Trade(symbol=symbol, price=Decimal(price), size=Decimal(100), timestamp=T0 + timedelta(seconds=seconds))


def posted(minute: int, close: str, symbol: str = "AAPL") -> Bar:
    price = Decimal(close)
    return Bar(
        symbol=symbol,
        timestamp=T0 + timedelta(minutes=minute),
        open=price,
        high=price + 1,
        low=price - 1,
        close=price,
        volume=Decimal(500),
        trade_count=4,
        notional=price * 500,
    )


def listening(history: MarketHistory) -> list[Bar]:
    told: list[Bar] = []
    history.listen(told.append)
    return told


def test_a_minute_is_told_when_a_trade_of_a_later_minute_arrives() -> None:
    history = MarketHistory()
    told = listening(history)
    history.record(trade(1, "100"))
    history.record(trade(30, "101"))
    assert told == []
    history.record(trade(61, "102"))
    assert [(bar.timestamp, bar.close) for bar in told] == [(T0, Decimal("101"))]


def test_a_quiet_minute_is_told_once_the_clock_is_past_its_end_and_not_again() -> None:
    history = MarketHistory()
    told = listening(history)
    history.record(trade(1, "100"))
    history.complete_due(T0 + timedelta(seconds=61), delay_s=2)
    assert told == []
    history.complete_due(T0 + timedelta(seconds=62), delay_s=2)
    assert [bar.timestamp for bar in told] == [T0]
    history.complete_due(T0 + timedelta(seconds=90), delay_s=2)
    history.record(trade(59, "99"))  # a late trade: counted in its minute, not told again
    history.record(trade(125, "103"))
    assert [bar.timestamp for bar in told] == [T0]


async def test_a_late_trade_after_the_clock_completed_its_minute_is_still_stored() -> None:
    history = MarketHistory()
    history.record(trade(1, "100"))
    history.complete_due(T0 + timedelta(seconds=70))
    history.record(trade(59, "99"))
    history.record(trade(61, "102"))
    bars, _ = await history.bars("AAPL", MINUTE, start=T0, end=T0, limit=5)
    assert bars[0].trade_count == 2 and bars[0].low == Decimal("99")


def test_a_posted_bar_completes_at_once_replacing_what_its_ticks_built() -> None:
    history = MarketHistory()
    told = listening(history)
    bar = posted(0, "100")
    for tick in bar_ticks(bar):
        history.record(tick)
    history.complete_minute(bar)
    assert told == [bar]
    assert history.minute_in_progress("AAPL") is None


async def test_a_posted_bar_completes_the_minute_in_progress_before_it() -> None:
    history = MarketHistory()
    told = listening(history)
    history.record(trade(5, "99"))
    history.complete_minute(posted(3, "100"))
    assert [bar.timestamp for bar in told] == [T0, T0 + timedelta(minutes=3)]
    bars, _ = await history.bars("AAPL", MINUTE, start=T0, end=T0 + timedelta(minutes=5), limit=5)
    assert [bar.close for bar in bars] == [Decimal("99"), Decimal("100")]


async def test_the_clock_does_not_complete_a_minute_while_its_whole_bar_is_being_posted() -> None:
    history = MarketHistory()
    told = listening(history)
    bar = posted(0, "100")
    async with history.posting("AAPL"):
        for tick in bar_ticks(bar):
            history.record(tick)
        history.complete_due(T0 + timedelta(minutes=5))  # long past the minute: it would complete it otherwise
        assert told == []
        history.complete_minute(bar)
    assert told == [bar]


def test_a_bar_before_the_newest_minute_or_a_completed_one_is_refused() -> None:
    history = MarketHistory()
    history.complete_minute(posted(3, "100"))
    assert history.posting_refusal("AAPL", T0 + timedelta(minutes=3)) is not None
    assert history.posting_refusal("AAPL", T0 + timedelta(minutes=2)) is not None
    assert history.posting_refusal("AAPL", T0 + timedelta(minutes=4)) is None
    assert history.posting_refusal("MSFT", T0) is None
    with pytest.raises(ValueError):
        history.complete_minute(posted(2, "100"))


async def test_a_trade_after_a_posted_bar_in_its_minute_continues_it() -> None:
    history = MarketHistory()
    told = listening(history)
    history.complete_minute(posted(0, "100"))
    history.record(trade(50, "104"))
    history.record(trade(70, "100"))
    bars, _ = await history.bars("AAPL", MINUTE, start=T0, end=T0, limit=5)
    assert bars[0].high == Decimal("104") and bars[0].volume == Decimal(600)
    assert [bar.timestamp for bar in told] == [T0]


async def test_recent_bars_are_the_completed_ones_of_the_timeframe_oldest_first(tmp_path: Path) -> None:
    store = BarStore(tmp_path / "bars.db", batch_delay_s=0)
    await store.open()
    try:
        history = MarketHistory(archive=store)
        for minute in range(12):
            history.complete_minute(posted(minute, str(100 + minute)))
        await store.flush()
        history = MarketHistory(archive=store)  # a restart: only what is stored
        five = parse_timeframe("5Min")
        bars = await history.recent_bars("AAPL", five, T0 + timedelta(minutes=12), 5)
        assert [(bar.timestamp, bar.close) for bar in bars] == [
            (T0, Decimal("104")),
            (T0 + timedelta(minutes=5), Decimal("109")),
        ]
        minutes = await history.recent_bars("AAPL", MINUTE, T0 + timedelta(minutes=12), 3)
        assert [bar.close for bar in minutes] == [Decimal("109"), Decimal("110"), Decimal("111")]
        assert await history.recent_bars("AAPL", MINUTE, T0 + timedelta(minutes=1), 3) == [posted(0, "100")]
    finally:
        await store.close()
