"""Market history: bounded ticks, minute bars built from trades, merged with the bar store on query."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from tradeloop.core.bars import MINUTE, Bar, parse_timeframe
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.market.history import EARLIEST, LATEST, MarketHistory
from tradeloop.market.simulated import SimulatedFeed
from tradeloop.snapshots.bars import BarStore

T0 = datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)


def trade(seconds: float, price: str, size: int | None = 100, symbol: str = "AAPL") -> Trade:
    return Trade(
        symbol=symbol,
        price=Decimal(price),
        size=None if size is None else Decimal(size),
        timestamp=T0 + timedelta(seconds=seconds),
    )


def quote(seconds: float, bid: str, ask: str, symbol: str = "AAPL") -> Quote:
    return Quote(
        symbol=symbol,
        bid=Decimal(bid),
        ask=Decimal(ask),
        bid_size=Decimal(100),
        ask_size=Decimal(200),
        timestamp=T0 + timedelta(seconds=seconds),
    )


class ListArchive:
    """An archive that keeps what it is given and reads nothing back."""

    def __init__(self) -> None:
        self.bars: list[Bar] = []

    def add(self, bar: Bar) -> None:
        self.bars.append(bar)

    def read(self, symbol: str, start: datetime, end: datetime, *, descending: bool) -> Generator[Bar, None, None]:
        yield from ()

    async def flush(self) -> None:
        pass


def test_ticks_are_bounded_per_symbol() -> None:
    history = MarketHistory(max_ticks=3)
    for second in range(5):
        history.record(trade(second, f"10{second}.00"))
        history.record(quote(second, "99.00", "99.01"))
    history.record(trade(9, "50.00", symbol="KO"))
    found, more = history.trades("AAPL", start=EARLIEST, end=LATEST, after=None, limit=10, descending=False)
    assert [t.price for _, t in found] == [Decimal("102.00"), Decimal("103.00"), Decimal("104.00")] and not more
    quotes, _ = history.quotes("AAPL", start=EARLIEST, end=LATEST, after=None, limit=10, descending=False)
    assert len(quotes) == 3
    others, _ = history.trades("KO", start=EARLIEST, end=LATEST, after=None, limit=5, descending=False)
    assert [t.symbol for _, t in others] == ["KO"]


def test_tick_pages_follow_the_cursor_both_ways() -> None:
    history = MarketHistory()
    for second in range(10):
        history.record(trade(second, f"{100 + second}.00"))
    window = {"start": T0 + timedelta(seconds=2), "end": T0 + timedelta(seconds=8)}
    page, more = history.trades("AAPL", **window, after=None, limit=4, descending=False)
    assert [t.price for _, t in page] == [Decimal(p) for p in ("102.00", "103.00", "104.00", "105.00")] and more
    rest, more = history.trades("AAPL", **window, after=page[-1][0], limit=4, descending=False)
    assert [t.price for _, t in rest] == [Decimal(p) for p in ("106.00", "107.00", "108.00")] and not more
    newest, more = history.trades("AAPL", **window, after=None, limit=2, descending=True)
    assert [t.price for _, t in newest] == [Decimal("108.00"), Decimal("107.00")] and more
    older, _ = history.trades("AAPL", **window, after=newest[-1][0], limit=2, descending=True)
    assert [t.price for _, t in older] == [Decimal("106.00"), Decimal("105.00")]


async def test_trades_build_the_minute_in_progress_and_complete_it() -> None:
    archive = ListArchive()
    history = MarketHistory(archive=archive)
    history.record(trade(1, "10.00", 100))
    history.record(trade(20, "10.50", 300))
    history.record(quote(21, "10.49", "10.51"))  # quotes do not touch bars
    history.record(trade(30, "9.90", None))
    current = history.minute_in_progress("AAPL")
    assert current is not None and archive.bars == []
    assert (current.open, current.high, current.low, current.close) == (
        Decimal("10.00"),
        Decimal("10.50"),
        Decimal("9.90"),
        Decimal("9.90"),
    )
    assert (current.volume, current.trade_count, current.vwap) == (Decimal(400), 3, Decimal("10.375"))
    history.record(trade(61, "11.00", 5))  # the next minute completes the first
    assert archive.bars == [current]
    history.record(trade(59, "12.00", 5))  # late: counted in the minute in progress
    late = history.minute_in_progress("AAPL")
    assert late is not None and late.timestamp == T0 + timedelta(minutes=1) and late.volume == 10
    assert await history.latest_bar("AAPL") == late
    history.close()
    assert archive.bars == [current, late]


async def test_memory_bars_aggregate_without_an_archive() -> None:
    history = MarketHistory()
    for minute in range(12):
        history.record(trade(minute * 60 + 5, f"{100 + minute}.00", 10))
    bars, more = await history.bars("AAPL", parse_timeframe("5Min"), start=T0, end=LATEST, limit=10)
    assert [bar.timestamp.minute for bar in bars] == [0, 5, 10] and not more
    assert [bar.volume for bar in bars] == [50, 50, 20]
    assert bars[-1].close == Decimal("111.00")  # the minute in progress is included
    page, more = await history.bars("AAPL", MINUTE, start=T0, end=LATEST, limit=4, descending=True)
    assert [bar.timestamp.minute for bar in page] == [11, 10, 9, 8] and more
    page, more = await history.bars(
        "AAPL", MINUTE, start=T0, end=LATEST, limit=4, descending=True, after=page[-1].timestamp
    )
    assert [bar.timestamp.minute for bar in page] == [7, 6, 5, 4] and more
    assert await history.bars("AAPL", MINUTE, start=T0 + timedelta(hours=1), end=T0, limit=4) == ([], False)
    assert await history.latest_bar("KO") is None


async def test_stored_and_remembered_minutes_merge(tmp_path: Path) -> None:
    store = BarStore(tmp_path / "marketdata.db", batch_delay_s=0.0)
    await store.open()
    try:
        first = MarketHistory(archive=store)
        for minute in range(6):
            first.record(trade(minute * 60, f"{100 + minute}.00", 10))
        first.close()  # as at shutdown: the minute in progress goes to the store too
        await store.flush()
        second = MarketHistory(archive=store)
        second.resume((await store.last_bars(["AAPL", "KO"])).values())
        second.record(trade(5 * 60 + 30, "200.00", 1))  # the same minute as the last stored one
        second.record(trade(6 * 60, "201.00", 1))
        bars, more = await second.bars("AAPL", MINUTE, start=T0, end=LATEST, limit=100)
        assert [bar.timestamp.minute for bar in bars] == [0, 1, 2, 3, 4, 5, 6] and not more
        assert (bars[5].volume, bars[5].close, bars[6].close) == (Decimal(11), Decimal("200.00"), Decimal("201.00"))
        hourly, _ = await second.bars("AAPL", parse_timeframe("1Hour"), start=T0, end=LATEST, limit=5)
        assert len(hourly) == 1 and hourly[0].volume == 62 and hourly[0].high == Decimal("201.00")
        await store.flush()
        stored, _ = await MarketHistory(archive=store).bars("AAPL", MINUTE, start=T0, end=LATEST, limit=100)
        assert [bar.timestamp.minute for bar in stored] == [0, 1, 2, 3, 4, 5] and stored[5].volume == 11
    finally:
        await store.close()


def test_history_refuses_a_zero_bound() -> None:
    with pytest.raises(ValueError):
        MarketHistory(max_ticks=0)


async def test_simulated_feed_resumes_from_the_given_prices() -> None:
    feed = SimulatedFeed(UNIVERSE, 42, Decimal(4), lambda: T0)
    feed.resume({"AAPL": Decimal("250.00")})
    ticks: list[Trade] = []

    async def sink(tick: Trade | Quote) -> None:
        if isinstance(tick, Trade):
            ticks.append(tick)

    task = asyncio.create_task(feed.run(sink), name="feed")
    while len(ticks) < len(UNIVERSE):  # the first round is emitted at once
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    by_symbol = {t.symbol: t.price for t in ticks[: len(UNIVERSE)]}
    assert abs(by_symbol["AAPL"] - Decimal(250)) < 1
    assert abs(by_symbol["MSFT"] - Decimal("415.20")) < 1  # not named: still from the reference price
