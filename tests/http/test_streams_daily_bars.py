"""Daily bars on the market data stream: the day's bar so far, sent as `d` whenever one of its minutes goes out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import msgpack
import pytest
from aiohttp import ClientWebSocketResponse, WSMsgType
from alpaca.data.live import StockDataStream
from alpaca.data.models import Bar as SdkBar

from tests.conftest import ClientFactory
from tests.factories import (
    ADMIN_KEY,
    TOTP_SECRET,
    HttpClient,
    auth_headers,
    flat_bar,
    make_app,
    make_engine,
    make_settings,
)
from tests.http.streams_client import TIMEOUT_S, authenticated, hub_of, one, send
from tradeloop.actors.engine import Credentials
from tradeloop.actors.live import LiveEngine
from tradeloop.bar_history import history_lifetime
from tradeloop.core.bars import MINUTE, Bar, TimeFrame
from tradeloop.core.instruments import ASSETS_BY_SYMBOL
from tradeloop.core.marketdata import Trade
from tradeloop.http.admin.gate import AdminGate
from tradeloop.http.app import create_app
from tradeloop.http.streams.daily_bars import DailyBars
from tradeloop.market.backfill import Backfill
from tradeloop.market.history import MarketHistory
from tradeloop.snapshots.bars import BarStore

Json = dict[str, Any]
NOON: Final = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
MIDNIGHT: Final = datetime(2024, 3, 1, tzinfo=timezone.utc)


def bar(minute: int, close: str, *, volume: str = "1", symbol: str = "AAPL", at: datetime = NOON) -> Bar:
    return flat_bar(symbol, at + timedelta(minutes=minute), close, volume)


def ohlcvn(day: Bar) -> tuple[datetime, Decimal, Decimal, Decimal, Decimal, Decimal, int]:
    return day.timestamp, day.open, day.high, day.low, day.close, day.volume, day.trade_count


# -- the day's running bar -------------------------------------------------------


def test_each_minute_sent_folds_into_the_days_bar() -> None:
    sent: list[Bar] = []
    days = DailyBars(None, sent.append)
    days.minute(bar(0, "10", volume="2"))
    days.minute(bar(1, "12", volume="1"))
    days.minute(bar(1, "8", volume="3"))  # the newest minute again, changed by a late trade
    days.minute(bar(0, "50"))  # an older minute cannot be folded exactly: nothing is sent
    assert [ohlcvn(day) for day in sent] == [
        (MIDNIGHT, Decimal(10), Decimal(10), Decimal(10), Decimal(10), Decimal(2), 1),
        (MIDNIGHT, Decimal(10), Decimal(12), Decimal(10), Decimal(12), Decimal(3), 2),
        (MIDNIGHT, Decimal(10), Decimal(10), Decimal(8), Decimal(8), Decimal(5), 2),
    ]
    assert sent[-1].vwap == Decimal("8.8")  # (10×2 + 8×3) / 5, the late trade's minute counted once


def test_a_new_day_starts_a_new_bar_and_symbols_keep_their_own() -> None:
    sent: list[Bar] = []
    days = DailyBars(None, sent.append)
    days.minute(bar(0, "10"))
    days.minute(bar(0, "20", symbol="MSFT"))
    days.minute(bar(12 * 60 + 5, "11"))  # 00:05 the next day
    days.minute(bar(1, "99"))  # a minute of the day that is over
    assert [(day.symbol, day.timestamp, day.close, day.trade_count) for day in sent] == [
        ("AAPL", MIDNIGHT, Decimal(10), 1),
        ("MSFT", MIDNIGHT, Decimal(20), 1),
        ("AAPL", MIDNIGHT + timedelta(days=1), Decimal(11), 1),
    ]


@dataclass
class Earlier:
    """A history stand-in holding the day's minutes before the stream's first; `release` lets a read finish."""

    minutes: list[Bar]
    release: asyncio.Event = field(default_factory=asyncio.Event)
    reads: list[tuple[datetime, datetime]] = field(default_factory=list)
    fails: bool = False

    async def bars(
        self, symbol: str, timeframe: TimeFrame, *, start: datetime, end: datetime, limit: int, check_more: bool = True
    ) -> tuple[list[Bar], bool]:
        assert timeframe == MINUTE and limit >= 1440
        self.reads.append((start, end))
        await self.release.wait()
        if self.fails:
            raise OSError("the archive is gone")
        return [minute for minute in self.minutes if start <= minute.timestamp <= end], False


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_day_joined_midway_is_held_back_until_its_earlier_minutes_are_read() -> None:
    sent: list[Bar] = []
    earlier = Earlier([bar(-60, "9", volume="4"), bar(-1, "15")])
    days = DailyBars(earlier, sent.append)
    days.minute(bar(0, "10"))
    days.minute(bar(1, "11"))
    await settle()
    assert sent == [] and earlier.reads == [(MIDNIGHT, NOON - timedelta(minutes=1))]
    earlier.release.set()
    await settle()
    (day,) = sent
    assert ohlcvn(day) == (MIDNIGHT, Decimal(9), Decimal(15), Decimal(9), Decimal(11), Decimal(7), 4)
    days.minute(bar(2, "12"))
    assert (sent[-1].close, sent[-1].trade_count, len(earlier.reads)) == (Decimal(12), 5, 1)


async def test_a_failed_read_starts_the_day_at_the_first_minute_seen(caplog: pytest.LogCaptureFixture) -> None:
    sent: list[Bar] = []
    earlier = Earlier([bar(-1, "15")], fails=True)
    earlier.release.set()
    days = DailyBars(earlier, sent.append)
    days.minute(bar(0, "10"))
    await settle()
    assert [(day.close, day.trade_count) for day in sent] == [(Decimal(10), 1)]
    assert "were not read" in caplog.text


async def test_closing_stops_a_read_in_progress() -> None:
    sent: list[Bar] = []
    days = DailyBars(Earlier([]), sent.append)
    days.minute(bar(0, "10"))
    await days.close()
    assert sent == []


# -- through the app -------------------------------------------------------------


async def exact(ws: ClientWebSocketResponse, count: int) -> list[Json]:
    """The next `count` messages of a JSON connection, numbers kept exact as Decimals."""
    found: list[Json] = []
    async with asyncio.timeout(TIMEOUT_S):
        while len(found) < count:
            frame = await ws.receive()
            assert frame.type is WSMsgType.TEXT, frame
            found.extend(json.loads(frame.data, parse_float=Decimal))
    assert len(found) == count, found
    return found


async def rest_day(client: HttpClient, account: Credentials, day: str) -> Json:
    response = await client.get(
        "/v2/stocks/AAPL/bars",
        headers=auth_headers(account),
        params={"timeframe": "1Day", "start": f"{day}T00:00:00Z"},
    )
    assert response.status == 200
    (found,) = json.loads(await response.text(), parse_float=Decimal)["bars"]
    assert isinstance(found, dict)
    return found


def fields(message: Json) -> Json:
    return {key: value for key, value in message.items() if key not in ("T", "S")}


async def nothing_more(ws: ClientWebSocketResponse) -> None:
    with pytest.raises(asyncio.TimeoutError):
        await ws.receive(timeout=0.3)


async def test_daily_bar_subscribers_get_the_rest_day_bar_as_minutes_end(aiohttp_client: ClientFactory) -> None:
    clock = [NOON + timedelta(seconds=30)]
    engine = make_engine(clock=lambda: clock[0])
    client = await aiohttp_client(make_app(engine))
    account = await engine.open_account(Decimal(1000))
    daily = await authenticated(client, account)
    await send(daily, {"action": "subscribe", "dailyBars": ["AAPL"]})
    assert (await one(daily))["dailyBars"] == ["AAPL"]
    minutes = await authenticated(client, account)
    await send(minutes, {"action": "subscribe", "bars": ["AAPL"]})
    await one(minutes)

    async def trade(seconds: int, price: str, size: str) -> None:
        at = NOON + timedelta(seconds=seconds)
        await engine.ingest(Trade(symbol="AAPL", price=Decimal(price), size=Decimal(size), timestamp=at))

    for seconds, price, size in ((10, "100", "5"), (20, "102", "3"), (40, "99", "2"), (65, "101", "1")):
        await trade(seconds, price, size)
    (first,) = await exact(daily, 1)  # the 12:00 minute ended with the first trade of 12:01
    assert first == {
        "T": "d",
        "S": "AAPL",
        "t": "2024-03-01T00:00:00.000000Z",
        "o": 100,
        "h": 102,
        "l": 99,
        "c": 99,
        "v": 10,
        "n": 3,
        "vw": Decimal("100.4"),
    }
    clock[0] = NOON + timedelta(minutes=2, seconds=3)  # 12:01 is over, with no later trade
    (second,) = await exact(daily, 1)
    assert (second["T"], second["c"], second["v"], second["n"]) == ("d", 101, 11, 4)
    assert second["vw"] == Decimal("100.454545")  # 1105 / 11
    assert fields(second) == await rest_day(client, account, "2024-03-01")
    await trade(110, "104", "1")  # late, into the 12:01 minute already sent
    (third,) = await exact(daily, 1)
    assert (third["h"], third["c"], third["v"], third["n"]) == (104, 104, 12, 5)
    assert fields(third) == await rest_day(client, account, "2024-03-01")
    sent_minutes = await exact(minutes, 2)
    assert [(message["T"], message["t"]) for message in sent_minutes] == [
        ("b", "2024-03-01T12:00:00.000000Z"),
        ("b", "2024-03-01T12:01:00.000000Z"),
    ]
    await nothing_more(minutes)  # a bars subscriber gets no `d`
    await nothing_more(daily)  # nor a dailyBars subscriber any `b`


END: Final = datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)
"""The backfill covers the day of minutes before this."""


async def test_a_day_the_server_joined_midway_includes_its_stored_minutes(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    clock = [END + timedelta(seconds=30)]
    engine = make_engine(clock=lambda: clock[0])
    store = BarStore(tmp_path / "marketdata.db")
    history = MarketHistory(archive=store)
    plan = Backfill(assets=[ASSETS_BY_SYMBOL["AAPL"]], seed=5, days=1, end=END)
    lifetime = history_lifetime(store, history, symbols=list(engine.assets), plan=plan)
    gate = AdminGate.create(ADMIN_KEY, TOTP_SECRET, lambda: clock[0])
    app = create_app(LiveEngine(engine), make_settings(), gate, market_history=history, history_lifetime=lifetime)
    client = await aiohttp_client(app)
    account = await engine.open_account(Decimal(1000))
    before = await rest_day(client, account, "2024-03-04")
    ws = await authenticated(client, account)
    await send(ws, {"action": "subscribe", "dailyBars": ["*"]})
    await one(ws)
    at = END + timedelta(seconds=10)
    await engine.ingest(Trade(symbol="AAPL", price=Decimal("250.5"), size=Decimal(7), timestamp=at))
    clock[0] = END + timedelta(minutes=1, seconds=3)
    (day,) = await exact(ws, 1)
    assert (day["T"], day["S"], day["t"]) == ("d", "AAPL", "2024-03-04T00:00:00.000000Z")
    assert (day["v"], day["n"]) == (before["v"] + 7, before["n"] + 1)
    assert fields(day) == await rest_day(client, account, "2024-03-04")


async def test_msgpack_daily_bars_reach_alpaca_py_as_bars(aiohttp_client: ClientFactory) -> None:
    engine = make_engine()
    client = await aiohttp_client(make_app(engine))
    account = await engine.open_account(Decimal(1000))
    ws = await authenticated(client, account, packed=True)
    await send(ws, {"action": "subscribe", "dailyBars": ["AAPL"]}, packed=True)
    await one(ws)
    day = Bar(
        symbol="AAPL",
        timestamp=MIDNIGHT,
        open=Decimal("10.5"),
        high=Decimal(11),
        low=Decimal(10),
        close=Decimal("10.75"),
        volume=Decimal(1200),
        trade_count=7,
        notional=Decimal(12720),
    )
    hub_of(client).publish_daily_bar(day)
    frame = await ws.receive(timeout=TIMEOUT_S)
    (message,) = msgpack.unpackb(frame.data)
    cast: Callable[[Json], Any] = StockDataStream("key", "secret")._cast  # the SDK's own parsing of a message
    parsed = cast(message)
    assert isinstance(parsed, SdkBar)
    assert (parsed.symbol, parsed.timestamp, parsed.open, parsed.close) == ("AAPL", MIDNIGHT, 10.5, 10.75)
    assert (parsed.volume, parsed.trade_count, parsed.vwap) == (1200, 7, 10.6)
