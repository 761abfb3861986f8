"""Latest trades and quotes: Alpaca's data shapes, exact numbers, parsed by alpaca-py's data client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.data.models import Quote, Trade
from alpaca.data.requests import StockLatestQuoteRequest, StockLatestTradeRequest

from tests.factories import HttpClient, admin_headers, set_price
from tradeloop.actors.engine import Credentials, Engine

T = TypeVar("T")
EXACT = "785413857210.0987"  # four decimals, as a price carries, yet a float reads it as ...0988


async def call(function: Callable[..., T], *args: Any) -> T:
    """Run a blocking SDK call off the loop, so the test server can answer it."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


async def get(client: HttpClient, headers: dict[str, str], path: str, **params: str) -> tuple[int, Any]:
    """GET and parse, keeping JSON numbers exact as Decimals."""
    response = await client.get(path, headers=headers, params=params)
    return response.status, json.loads(await response.text(), parse_float=Decimal)


async def post_price(client: HttpClient, **body: str) -> None:
    response = await client.post("/admin/v1/market/prices", json=body, headers=await admin_headers(client))
    assert response.status == 200, await response.text()


async def test_nothing_before_the_first_tick(client: HttpClient, headers: dict[str, str]) -> None:
    assert await get(client, headers, "/v2/stocks/trades/latest", symbols="AAPL") == (200, {"trades": {}})
    assert await get(client, headers, "/v2/stocks/quotes/latest", symbols="AAPL") == (200, {"quotes": {}})


async def test_admin_price_shows_in_latest_trade_and_quote(client: HttpClient, headers: dict[str, str]) -> None:
    await post_price(client, symbol="AAPL", price=EXACT, bid="123.45", ask="123.46", size="300")
    status, body = await get(client, headers, "/v2/stocks/trades/latest", symbols="AAPL,MSFT,ZZZZ")
    assert status == 200
    assert list(body["trades"]) == ["AAPL"]  # MSFT has no data yet and ZZZZ is not listed: both omitted
    trade = body["trades"]["AAPL"]
    assert set(trade) == {"t", "x", "p", "s", "c", "i", "z"}
    assert trade["p"] == Decimal(EXACT) and str(trade["p"]) == EXACT
    assert trade["s"] == 300 and trade["x"] == "Q" and trade["z"] == "C"

    status, body = await get(client, headers, "/v2/stocks/quotes/latest", symbols="aapl", feed="iex")
    assert status == 200
    quote = body["quotes"]["AAPL"]
    assert set(quote) == {"t", "ax", "ap", "as", "bx", "bp", "bs", "c", "z"}
    assert (quote["bp"], quote["ap"]) == (Decimal("123.45"), Decimal("123.46"))
    assert quote["bs"] == quote["as"] == 300
    assert quote["t"] == trade["t"] and quote["t"].endswith("Z")


async def test_unlimited_size_is_sent_as_zero(client: HttpClient, headers: dict[str, str], engine: Engine) -> None:
    await set_price(engine, "KO", "62.75")
    _, body = await get(client, headers, "/v2/stocks/trades/latest", symbols="KO")
    assert body["trades"]["KO"]["s"] == 0
    _, body = await get(client, headers, "/v2/stocks/quotes/latest", symbols="KO")
    assert body["quotes"]["KO"]["bs"] == body["quotes"]["KO"]["as"] == 0


async def test_single_symbol_routes(client: HttpClient, headers: dict[str, str], engine: Engine) -> None:
    assert (await get(client, headers, "/v2/stocks/MSFT/trades/latest"))[0] == 404
    assert (await get(client, headers, "/v2/stocks/MSFT/quotes/latest"))[0] == 404
    await set_price(engine, "MSFT", "415.20", bid="415.19", ask="415.21")
    status, body = await get(client, headers, "/v2/stocks/msft/trades/latest", feed="sip")
    assert status == 200 and body["symbol"] == "MSFT" and body["trade"]["p"] == Decimal("415.20")
    status, body = await get(client, headers, "/v2/stocks/MSFT/quotes/latest")
    assert status == 200 and body["symbol"] == "MSFT" and body["quote"]["ap"] == Decimal("415.21")


@pytest.mark.parametrize("kind", ["trades", "quotes"])
async def test_single_unknown_symbol_is_422(client: HttpClient, headers: dict[str, str], kind: str) -> None:
    status, body = await get(client, headers, f"/v2/stocks/ZZZZ/{kind}/latest")
    assert status == 422
    assert body["code"] == 42210000 and body["field"] == "symbol"


@pytest.mark.parametrize("kind", ["trades", "quotes"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "symbols"),
        ({"symbols": ""}, "symbols"),
        ({"symbols": " , "}, "symbols"),
        ({"symbols": "AAPL,$$$"}, "symbols"),
        ({"symbols": "AAPL", "feed": "nasdaq"}, "feed"),
        ({"symbols": "AAPL", "currency": "EUR"}, "currency"),
    ],
)
async def test_bad_parameters_are_400_naming_them(
    client: HttpClient, headers: dict[str, str], kind: str, params: dict[str, str], field: str
) -> None:
    status, body = await get(client, headers, f"/v2/stocks/{kind}/latest", **params)
    assert status == 400
    assert body["code"] == 40010001 and body["field"] == field


async def test_api_keys_are_required(client: HttpClient) -> None:
    response = await client.get("/v2/stocks/trades/latest", params={"symbols": "AAPL"})
    assert response.status == 401


async def test_alpaca_data_client_parses_latest(client: HttpClient, account: Credentials, engine: Engine) -> None:
    await post_price(client, symbol="NVDA", price="121.40", bid="121.39", ask="121.41", size="100")
    await set_price(engine, "TSLA", "182.70")
    sdk = StockHistoricalDataClient(
        account.key_id, account.secret_key, url_override=str(client.make_url("")).rstrip("/")
    )
    trades = await call(sdk.get_stock_latest_trade, StockLatestTradeRequest(symbol_or_symbols=["NVDA", "TSLA", "AMD"]))
    assert isinstance(trades, dict) and set(trades) == {"NVDA", "TSLA"}
    nvda = trades["NVDA"]
    assert isinstance(nvda, Trade) and nvda.price == 121.40 and nvda.size == 100 and nvda.symbol == "NVDA"
    quotes = await call(sdk.get_stock_latest_quote, StockLatestQuoteRequest(symbol_or_symbols="NVDA"))
    assert isinstance(quotes, dict)
    quote = quotes["NVDA"]
    assert isinstance(quote, Quote) and (quote.bid_price, quote.ask_price) == (121.39, 121.41)
    assert quote.timestamp == nvda.timestamp
