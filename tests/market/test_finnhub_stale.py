"""Stale prices: market and notional orders in a symbol whose last tick is too old are refused over HTTP."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.conftest import ClientFactory
from tests.factories import HttpClient, auth_headers, limit_body, make_app, make_engine, order_body, place, utc_now
from tradeloop.actors.engine import Engine
from tradeloop.actors.prices import PriceBoard
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.errors import StaleMarketData
from tradeloop.http.system import FEED_HEALTH
from tradeloop.market.health import FeedHealth

Headers = dict[str, str]


async def tick(engine: Engine, symbol: str, price: str, age_s: float) -> None:
    """A quote and a trade stamped age_s seconds ago, as a feed would deliver them."""
    at = utc_now() - timedelta(seconds=age_s)
    p = Decimal(price)
    await engine.ingest(Quote(symbol=symbol, bid=p - Decimal("0.01"), ask=p, bid_size=None, ask_size=None, timestamp=at))
    await engine.ingest(Trade(symbol=symbol, price=p, size=Decimal(100), timestamp=at))
    await engine.quiesce()


@pytest.fixture
async def stale_engine() -> Engine:
    return make_engine(stale_after_s=60.0)  # as the server builds it for the finnhub market


@pytest.fixture
async def setup(aiohttp_client: ClientFactory, stale_engine: Engine) -> tuple[HttpClient, Headers]:
    client = await aiohttp_client(make_app(stale_engine))
    credentials = await stale_engine.open_account(Decimal(100_000))
    return client, auth_headers(credentials)


async def test_a_market_order_in_a_stale_symbol_is_refused(
    setup: tuple[HttpClient, Headers], stale_engine: Engine
) -> None:
    client, headers = setup
    await tick(stale_engine, "AAPL", "150.00", age_s=125)
    refused = await place(client, headers, order_body(qty="1"), status=503)
    assert refused["code"] == StaleMarketData.code == 50310001
    assert "AAPL" in refused["message"] and "125 s old" in refused["message"]
    assert refused["symbol"] == "AAPL" and refused["age_seconds"] >= 125
    assert refused["type"].endswith("/stale-market-data")
    notional = await place(client, headers, order_body(qty=None, notional="500"), status=503)
    assert notional["code"] == 50310001
    orders = await client.get("/v2/orders", params={"status": "all"}, headers=headers)
    assert await orders.json() == []  # nothing was accepted


async def test_a_limit_order_is_still_accepted_when_stale(
    setup: tuple[HttpClient, Headers], stale_engine: Engine
) -> None:
    client, headers = setup
    await tick(stale_engine, "AAPL", "150.00", age_s=125)
    order = await place(client, headers, limit_body("140.00", qty="1"))
    assert order["status"] == "new"


async def test_a_fresh_price_fills_a_market_order(setup: tuple[HttpClient, Headers], stale_engine: Engine) -> None:
    client, headers = setup
    await tick(stale_engine, "AAPL", "150.00", age_s=125)
    await place(client, headers, order_body(qty="1"), status=503)
    await tick(stale_engine, "AAPL", "151.00", age_s=1)
    order = await place(client, headers, order_body(qty="1"))
    assert order["status"] == "filled" and order["filled_avg_price"] == "151.00"


async def test_no_price_yet_counts_as_stale(setup: tuple[HttpClient, Headers]) -> None:
    client, headers = setup
    refused = await place(client, headers, order_body(symbol="MSFT", qty="1"), status=503)
    assert "no market data for MSFT yet" in refused["message"] and refused["age_seconds"] is None


async def test_an_unknown_symbol_is_still_a_422(setup: tuple[HttpClient, Headers]) -> None:
    client, headers = setup
    await place(client, headers, order_body(symbol="NOPE", qty="1"), status=422)


async def test_simulated_and_manual_markets_never_go_stale(client: HttpClient, engine: Engine, headers: Headers) -> None:
    assert engine.board.stale_after_s is None
    waiting = await place(client, headers, order_body(qty="1"))  # no price yet: waits for the first tick
    assert waiting["status"] in ("new", "accepted")
    await tick(engine, "MSFT", "400.00", age_s=86_400)
    order = await place(client, headers, order_body(symbol="MSFT", qty="1"))
    assert order["status"] == "filled"


def test_the_board_measures_age_from_the_newest_tick() -> None:
    board = PriceBoard(stale_after_s=10.0)
    now = utc_now()
    assert board.is_stale("AAPL", now) and board.age_s("AAPL", now) is None
    top = board.top("AAPL")
    top.trade = Trade(symbol="AAPL", price=Decimal(1), size=None, timestamp=now - timedelta(seconds=30))
    assert board.is_stale("AAPL", now) and board.age_s("AAPL", now) == pytest.approx(30)
    top.quote = Quote(symbol="AAPL", bid=Decimal(1), ask=Decimal(1), bid_size=None, ask_size=None, timestamp=now)
    assert not board.is_stale("AAPL", now)
    assert not PriceBoard().is_stale("AAPL", now)


async def test_readyz_shows_the_feeds_problem(aiohttp_client: ClientFactory, engine: Engine) -> None:
    app = make_app(engine)
    health = app[FEED_HEALTH] = FeedHealth()
    client = await aiohttp_client(app)
    assert (await client.get("/readyz")).status == 200
    health.problem = "finnhub rejected the API key"
    response = await client.get("/readyz")
    assert response.status == 503
    assert await response.json() == {"status": "unavailable", "reason": "finnhub rejected the API key"}
