"""/readyz over a Finnhub feed against the local fake: a key refused by REST alone still makes the server unready."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import ClientFactory
from tests.factories import make_app
from tests.market.fake_finnhub import API_KEY, FakeFinnhub
from tradeloop.actors.engine import Engine
from tradeloop.http.system import FEED_HEALTH
from tradeloop.market.finnhub import FinnhubFeed, Timing
from tradeloop.market.finnhub_rest import FinnhubRest
from tradeloop.market.throttle import SlidingWindowLimiter, Window

NOW_MS = int(time.time() * 1000)
HOLD_S = 0.5
"""How long an answer must stay the same while the stream keeps talking (longer than the key's retry)."""


@pytest.fixture
async def fake() -> AsyncIterator[FakeFinnhub]:
    server = FakeFinnhub()
    server.prices["AAPL"] = 100.0
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def feed(fake: FakeFinnhub) -> AsyncIterator[FinnhubFeed]:
    rest = FinnhubRest(API_KEY, rest_url=fake.rest_url, limiter=SlidingWindowLimiter([Window(1000, 1.0)]))
    timing = Timing(silence_s=5.0, poll_s=0.1, reconnect_base_s=0.05, reconnect_cap_s=0.2, key_retry_s=0.3)
    running = FinnhubFeed(["AAPL"], rest, api_key=API_KEY, ws_url=fake.ws_url, timing=timing)

    async def sink(tick: object) -> None:
        return None

    task = asyncio.get_running_loop().create_task(running.run(sink))
    yield running
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.fixture
async def client(
    aiohttp_client: ClientFactory, engine: Engine, feed: FinnhubFeed
) -> TestClient[web.Request, web.Application]:
    app = make_app(engine)
    app[FEED_HEALTH] = feed.health
    return await aiohttp_client(app)


async def readyz(client: TestClient[web.Request, web.Application]) -> tuple[int, Any, str]:
    response = await client.get("/readyz")
    text = await response.text()
    return response.status, await response.json(), text


async def eventually(check: Callable[[], Any], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def keep_talking(fake: FakeFinnhub, *, trades: bool) -> None:
    """The stream accepts the key and says so (pings, and trades if asked) every 20 ms."""
    price = 100.0
    while True:
        await fake.send_raw({"type": "ping"})
        if trades:
            price += 0.01
            await fake.send_trades({"s": "AAPL", "p": round(price, 2), "t": NOW_MS, "v": 1})
        await asyncio.sleep(0.02)


async def test_a_key_refused_by_rest_alone_makes_readyz_503_until_rest_takes_it_again(
    fake: FakeFinnhub, feed: FinnhubFeed, client: TestClient[web.Request, web.Application]
) -> None:
    await eventually(lambda: _true(fake.subscribed() == {"AAPL"} and bool(fake.calls_to("/quote"))))
    assert (await readyz(client))[:2] == (200, {"status": "ready"})

    fake.rest_refuses_key = True
    pings = asyncio.get_running_loop().create_task(keep_talking(fake, trades=False))
    try:
        await eventually(lambda: _status_is(client, 503))
        await asyncio.sleep(HOLD_S)  # the stream's pings do not clear what REST refused
        status, body, text = await readyz(client)
        assert status == 503
        assert body == {"status": "unavailable", "reason": "finnhub rejected the API key"}
        assert API_KEY not in text
    finally:
        pings.cancel()

    # REST takes the key again; the feed asks REST again after the key's retry delay, even for a symbol
    # that keeps trading on the stream (and so would not be polled otherwise).
    trades = asyncio.get_running_loop().create_task(keep_talking(fake, trades=True))
    try:
        await asyncio.sleep(HOLD_S)
        assert (await readyz(client))[0] == 503  # still refused: nothing has recovered yet
        fake.rest_refuses_key = False
        await eventually(lambda: _status_is(client, 200))
        await asyncio.sleep(HOLD_S)
        assert (await readyz(client))[:2] == (200, {"status": "ready"})
    finally:
        trades.cancel()


async def _true(value: bool) -> bool:
    return value


async def _status_is(client: TestClient[web.Request, web.Application], status: int) -> bool:
    return (await readyz(client))[0] == status
