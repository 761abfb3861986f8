"""One-minute bars on the market data stream: sent once their minute is over, updated by late trades."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Final

from tests.conftest import ClientFactory
from tests.factories import flat_bar, make_app, make_engine
from tests.http.streams_client import authenticated, one, send
from tradeloop.core.bars import Bar
from tradeloop.core.marketdata import Trade
from tradeloop.http.streams.market_messages import StreamBar
from tradeloop.http.streams.minute_bars import MinuteBars

NOON: Final = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def bar(symbol: str, minute: int, close: str = "10") -> Bar:
    return flat_bar(symbol, NOON + timedelta(minutes=minute), close)


@dataclass
class Minutes:
    """A market history stand-in: the minute in progress of each symbol, set by the test."""

    current: dict[str, Bar] = field(default_factory=dict)

    def minute_in_progress(self, symbol: str) -> Bar | None:
        return self.current.get(symbol)


@dataclass
class Sent:
    bars: list[tuple[str, datetime, Decimal, bool]] = field(default_factory=list)

    def __call__(self, bar: StreamBar, updated: bool) -> None:
        self.bars.append((bar.symbol, bar.timestamp, bar.close, updated))


def watch(minutes: Minutes, sent: Sent) -> MinuteBars:
    return MinuteBars(minutes, sent, delay_s=2.0)


def test_a_trade_of_a_later_minute_sends_the_finished_one() -> None:
    minutes, sent = Minutes(), Sent()
    bars = watch(minutes, sent)
    minutes.current["AAPL"] = bar("AAPL", 0, "10")
    bars.traded("AAPL")
    minutes.current["AAPL"] = bar("AAPL", 0, "11")
    bars.traded("AAPL")
    assert sent.bars == []
    minutes.current["AAPL"] = bar("AAPL", 1, "12")
    bars.traded("AAPL")
    assert sent.bars == [("AAPL", NOON, Decimal("11"), False)]


def test_the_clock_sends_a_quiet_symbols_bar_once() -> None:
    minutes, sent = Minutes(), Sent()
    bars = watch(minutes, sent)
    minutes.current["AAPL"] = bar("AAPL", 0)
    bars.traded("AAPL")
    bars.tick(NOON + timedelta(minutes=1, seconds=1))
    assert sent.bars == []
    bars.tick(NOON + timedelta(minutes=1, seconds=2))
    bars.tick(NOON + timedelta(minutes=1, seconds=3))
    assert sent.bars == [("AAPL", NOON, Decimal("10"), False)]
    minutes.current["AAPL"] = bar("AAPL", 2)
    bars.traded("AAPL")  # the next minute's first trade: the old one is already out
    assert len(sent.bars) == 1


def test_a_late_trade_in_a_sent_minute_sends_an_updated_bar() -> None:
    minutes, sent = Minutes(), Sent()
    bars = watch(minutes, sent)
    minutes.current["AAPL"] = bar("AAPL", 0, "10")
    bars.traded("AAPL")
    bars.tick(NOON + timedelta(minutes=5))
    minutes.current["AAPL"] = bar("AAPL", 0, "9")
    bars.traded("AAPL")
    assert sent.bars == [("AAPL", NOON, Decimal("10"), False), ("AAPL", NOON, Decimal("9"), True)]


async def test_the_market_historys_bars_reach_subscribers(aiohttp_client: ClientFactory) -> None:
    clock = [NOON + timedelta(seconds=30)]
    engine = make_engine(clock=lambda: clock[0])
    client = await aiohttp_client(make_app(engine))
    account = await engine.open_account(Decimal(1000))
    ws = await authenticated(client, account)
    await send(ws, {"action": "subscribe", "bars": ["AAPL"], "updatedBars": ["AAPL"]})
    reply = await one(ws)
    assert reply["bars"] == reply["updatedBars"] == ["AAPL"]
    for seconds, price, size in ((10, "100", "5"), (20, "102", "3"), (40, "99", "2"), (65, "101", "1")):
        at = NOON + timedelta(seconds=seconds)
        await engine.ingest(Trade(symbol="AAPL", price=Decimal(price), size=Decimal(size), timestamp=at))
    finished = await one(ws)
    assert {key: finished[key] for key in ("T", "S", "o", "h", "l", "c", "v", "n")} == {
        "T": "b",
        "S": "AAPL",
        "o": 100,
        "h": 102,
        "l": 99,
        "c": 99,
        "v": 10,
        "n": 3,
    }
    assert finished["t"] == "2024-03-01T12:00:00.000000Z" and 99 <= finished["vw"] <= 102
    clock[0] = NOON + timedelta(minutes=2, seconds=3)  # the 12:01 minute is over, with no later trade
    async with asyncio.timeout(3):
        quiet = await one(ws)
    assert (quiet["T"], quiet["t"], quiet["c"]) == ("b", "2024-03-01T12:01:00.000000Z", 101)
    late = NOON + timedelta(minutes=1, seconds=50)
    await engine.ingest(Trade(symbol="AAPL", price=Decimal("104"), size=Decimal(1), timestamp=late))
    updated = await one(ws)
    assert (updated["T"], updated["t"], updated["c"], updated["h"], updated["n"]) == (
        "u",
        "2024-03-01T12:01:00.000000Z",
        104,
        104,
        2,
    )
