"""The Finnhub feed against the local fake: trades, reconnects, silence, polling, a key rejected later."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.market.fake_finnhub import API_KEY, FakeFinnhub
from tradeloop.core.marketdata import Quote, Tick, Trade
from tradeloop.market.feed import Feed
from tradeloop.market.finnhub import FinnhubFeed, Timing
from tradeloop.market.finnhub_rest import FinnhubRest
from tradeloop.market.throttle import SlidingWindowLimiter, Window

T0_MS = 1_700_000_000_000
T0 = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


@pytest.fixture
async def fake() -> AsyncIterator[FakeFinnhub]:
    server = FakeFinnhub()
    await server.start()
    yield server
    await server.stop()


async def eventually(check: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


class Running:
    """A feed running on the test's loop, with every tick it emitted."""

    def __init__(self, feed: FinnhubFeed) -> None:
        self.feed = feed
        self.ticks: list[Tick] = []
        self.failures: list[Exception] = []
        """Raised, one a tick, before any tick is taken."""
        self.task: asyncio.Task[None] | None = None

    async def sink(self, tick: Tick) -> None:
        if self.failures:
            raise self.failures.pop()
        self.ticks.append(tick)

    def trades(self, symbol: str | None = None) -> list[Trade]:
        return [t for t in self.ticks if isinstance(t, Trade) and symbol in (None, t.symbol)]

    def quotes(self, symbol: str | None = None) -> list[Quote]:
        return [t for t in self.ticks if isinstance(t, Quote) and symbol in (None, t.symbol)]


@pytest.fixture
async def start(fake: FakeFinnhub) -> AsyncIterator[Callable[..., Running]]:
    started: list[Running] = []

    def start_feed(*symbols: str, silence_s: float = 5.0, poll_s: float = 60.0, key: str = API_KEY) -> Running:
        rest = FinnhubRest(key, rest_url=fake.rest_url, limiter=SlidingWindowLimiter([Window(1000, 1.0)]))
        timing = Timing(
            silence_s=silence_s, poll_s=poll_s, reconnect_base_s=0.05, reconnect_cap_s=0.2, key_retry_s=0.3
        )
        feed = FinnhubFeed(symbols or ("AAPL", "MSFT"), rest, api_key=key, ws_url=fake.ws_url, timing=timing)
        running = Running(feed)
        running.task = asyncio.get_running_loop().create_task(feed.run(running.sink))
        started.append(running)
        return running

    yield start_feed
    for running in started:
        assert running.task is not None
        running.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running.task


def test_the_feed_satisfies_the_protocol(fake: FakeFinnhub) -> None:
    rest = FinnhubRest(API_KEY, rest_url=fake.rest_url)
    feed: Feed = FinnhubFeed(["AAPL"], rest, api_key=API_KEY, ws_url=fake.ws_url, timing=Timing(silence_s=1, poll_s=1))
    assert feed.name == "finnhub"
    rest.close()


async def test_streamed_trades_arrive_as_decimal_trades_with_utc_times(
    fake: FakeFinnhub, start: Callable[..., Running]
) -> None:
    running = start("AAPL", "MSFT")
    await eventually(lambda: fake.subscribed() == {"AAPL", "MSFT"})
    await fake.send_trades(
        {"s": "AAPL", "p": 189.5, "t": T0_MS, "v": 100, "c": ["1"]},
        {"s": "MSFT", "p": 415.27, "t": T0_MS + 5, "v": 7},
        {"s": "TSLA", "p": 180.0, "t": T0_MS, "v": 1},  # not subscribed by us: never sent
    )
    await eventually(lambda: len(running.trades()) == 2)
    aapl, msft = running.trades()
    assert aapl.price == Decimal("189.50") and aapl.size == Decimal(100) and aapl.timestamp == T0
    assert msft.price == Decimal("415.27") and msft.timestamp == T0.replace(microsecond=5000)
    assert aapl.timestamp.tzinfo is UTC and isinstance(aapl.price, Decimal)
    # each new price is preceded by its synthetic one-tick quote
    first_quote = running.ticks.index(running.quotes("AAPL")[0])
    assert first_quote < running.ticks.index(aapl)
    assert (running.quotes("AAPL")[0].bid, running.quotes("AAPL")[0].ask) == (Decimal("189.49"), Decimal("189.50"))


async def test_resubscribes_after_the_server_drops_the_connection(
    fake: FakeFinnhub, start: Callable[..., Running]
) -> None:
    running = start("AAPL", "MSFT")
    await eventually(lambda: fake.subscribed() == {"AAPL", "MSFT"})
    await fake.drop_all()
    await eventually(lambda: fake.connects == 2 and fake.subscribed() == {"AAPL", "MSFT"})
    assert fake.subscribe_log.count("AAPL") == 2 and running.feed.connections == 2
    await fake.send_trades({"s": "AAPL", "p": 190.0, "t": T0_MS, "v": 1})
    await eventually(lambda: len(running.trades("AAPL")) == 1)


async def test_a_silent_connection_is_taken_for_dead(fake: FakeFinnhub, start: Callable[..., Running]) -> None:
    start("AAPL", silence_s=0.3)
    await eventually(lambda: fake.subscribed() == {"AAPL"})
    await eventually(lambda: fake.connects >= 2, timeout_s=3.0)  # nothing said for 0.3 s: reconnected
    await eventually(lambda: fake.subscribed() == {"AAPL"})


async def test_pings_keep_a_quiet_connection_alive(fake: FakeFinnhub, start: Callable[..., Running]) -> None:
    start("AAPL", silence_s=0.4)
    await eventually(lambda: fake.subscribed() == {"AAPL"})
    for _ in range(10):
        await fake.send_raw({"type": "ping"})
        await asyncio.sleep(0.1)
    assert fake.connects == 1


async def test_error_messages_are_logged_and_the_stream_goes_on(
    fake: FakeFinnhub, start: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    running = start("AAPL")
    await eventually(lambda: fake.subscribed() == {"AAPL"})
    await fake.send_raw({"type": "error", "msg": "Subscribing to too many symbols"})
    await fake.send_trades({"s": "AAPL", "p": 10.0, "t": T0_MS, "v": 1})
    await eventually(lambda: len(running.trades()) == 1)
    assert "Subscribing to too many symbols" in caplog.text and fake.connects == 1


async def test_a_quiet_symbol_is_quoted_from_rest(fake: FakeFinnhub, start: Callable[..., Running]) -> None:
    now_s = int(time.time())
    fake.prices["AAPL"] = 189.5
    fake.quote_times["AAPL"] = now_s
    running = start("AAPL")
    await eventually(lambda: len(running.quotes("AAPL")) == 1)
    (quote,) = running.quotes("AAPL")
    assert (quote.bid, quote.ask) == (Decimal("189.49"), Decimal("189.50"))  # above the previous close
    assert quote.bid_size is None and quote.timestamp == datetime.fromtimestamp(now_s, UTC)
    assert running.trades() == []


async def test_an_unchanged_rest_quote_is_not_sent_again(fake: FakeFinnhub, start: Callable[..., Running]) -> None:
    fake.prices["AAPL"] = 189.5
    fake.quote_times["AAPL"] = int(time.time())
    running = start("AAPL", poll_s=0.1)
    await eventually(lambda: len(fake.calls_to("/quote")) >= 3)
    assert len(running.quotes("AAPL")) == 1


async def test_a_zero_quote_skips_the_symbol_and_never_prices_it(
    fake: FakeFinnhub, start: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    fake.prices["AAPL"] = 100.0
    running = start("AAPL", "NOPE", poll_s=0.1)
    await eventually(lambda: "NOPE" in running.feed.skipped)
    await asyncio.sleep(0.4)
    assert [c.query["symbol"] for c in fake.calls_to("/quote")].count("NOPE") == 1
    assert all(t.symbol != "NOPE" for t in running.ticks)
    assert "finnhub has no price for NOPE" in caplog.text


async def test_a_key_rejected_later_shows_in_health_and_recovers(
    fake: FakeFinnhub, start: Callable[..., Running]
) -> None:
    fake.prices["AAPL"] = 100.0
    running = start("AAPL")
    await eventually(lambda: fake.subscribed() == {"AAPL"})
    await fake.send_raw({"type": "ping"})
    fake.api_key = "revoked"
    await fake.drop_all()
    await eventually(lambda: running.feed.health.problem == "finnhub rejected the API key")
    attempts = fake.rejected_connects
    await asyncio.sleep(0.5)
    assert fake.rejected_connects - attempts <= 3  # retried slowly, not in a loop
    fake.api_key = API_KEY
    await eventually(lambda: fake.connects == 2)
    await fake.send_raw({"type": "ping"})
    await eventually(lambda: running.feed.health.problem is None)


async def test_a_failing_sink_does_not_end_the_feed(fake: FakeFinnhub, start: Callable[..., Running]) -> None:
    running = start("AAPL")
    running.failures.append(RuntimeError("market overloaded"))
    await eventually(lambda: fake.subscribed() == {"AAPL"})
    await fake.send_trades({"s": "AAPL", "p": 10.0, "t": T0_MS, "v": 1})
    await eventually(lambda: fake.connects == 2 and fake.subscribed() == {"AAPL"})
    await fake.send_trades({"s": "AAPL", "p": 10.5, "t": T0_MS + 1, "v": 1})
    await eventually(lambda: [t.price for t in running.trades()] == [Decimal("10.50")])
