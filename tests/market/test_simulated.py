"""The simulated feed: immediate prices, pacing, determinism and clean cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Quote, Tick, Trade
from tradeloop.market.feed import Feed
from tradeloop.market.simulated import SimulatedFeed

T0 = datetime(2024, 6, 3, 13, 30, tzinfo=UTC)


def fixed_clock() -> datetime:
    return T0


async def collect(feed: Feed, seconds: float) -> list[Tick]:
    ticks: list[Tick] = []

    async def sink(tick: Tick) -> None:
        ticks.append(tick)

    task = asyncio.create_task(feed.run(sink), name="feed")
    await asyncio.sleep(seconds)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()
    return ticks


def make_feed(seed: int = 42, clock: Callable[[], datetime] = fixed_clock) -> SimulatedFeed:
    return SimulatedFeed(UNIVERSE, seed, Decimal(50), clock)


async def test_first_round_prices_every_symbol_at_once() -> None:
    ticks = await collect(make_feed(clock=lambda: datetime.now(UTC)), 0.01)
    first_round = ticks[: 2 * len(UNIVERSE)]
    assert len(first_round) == 2 * len(UNIVERSE)
    assert [t.symbol for t in first_round[0::2]] == [a.symbol for a in UNIVERSE]
    assert all(isinstance(t, Quote) for t in first_round[0::2])
    assert all(isinstance(t, Trade) for t in first_round[1::2])
    assert [t.symbol for t in first_round[1::2]] == [a.symbol for a in UNIVERSE]


async def test_ticks_are_decimal_and_utc() -> None:
    for tick in await collect(make_feed(clock=lambda: datetime.now(UTC)), 0.2):
        assert tick.timestamp.tzinfo is UTC
        if isinstance(tick, Trade):
            assert type(tick.price) is Decimal and type(tick.size) is Decimal
        else:
            assert type(tick.bid) is Decimal and type(tick.ask) is Decimal
            assert tick.bid < tick.ask


async def test_paced_by_ticks_per_sec() -> None:
    ticks = await collect(make_feed(), 0.2)
    rounds = len(ticks) / (2 * len(UNIVERSE))
    assert rounds == int(rounds)
    # 0.2 s at 50 a second is the first round plus about ten more.
    assert 3 <= rounds <= 14


async def test_same_seed_same_ticks() -> None:
    first, second = await asyncio.gather(collect(make_feed(), 0.1), collect(make_feed(), 0.1))
    size = min(len(first), len(second))
    assert size >= 2 * len(UNIVERSE)
    assert first[:size] == second[:size]


async def test_different_seed_different_ticks() -> None:
    first, second = await asyncio.gather(collect(make_feed(1), 0.01), collect(make_feed(2), 0.01))
    assert first[: 2 * len(UNIVERSE)] != second[: 2 * len(UNIVERSE)]


async def test_cancel_during_slow_sink_stops_the_feed() -> None:
    calls = 0

    async def slow_sink(tick: Tick) -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(10)

    task = asyncio.create_task(make_feed().run(slow_sink))
    await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls == 1


def test_rejects_non_positive_rate() -> None:
    with pytest.raises(ValueError, match="ticks_per_sec"):
        SimulatedFeed(UNIVERSE, 1, Decimal(0), fixed_clock)


def test_is_a_feed() -> None:
    feed: Feed = make_feed()
    assert feed.name == "simulated"
