"""Historical bars, trades, quotes, latest bars and snapshots: Alpaca's shapes, pages and refusals."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ClientFactory
from tests.factories import ADMIN_KEY, TOTP_SECRET, HttpClient, auth_headers, make_engine, make_settings, set_price
from tests.factories import utc_now as clock
from tradeloop.actors.engine import Engine
from tradeloop.actors.live import LiveEngine
from tradeloop.bar_history import history_lifetime
from tradeloop.core.instruments import ASSETS_BY_SYMBOL
from tradeloop.http.admin.gate import AdminGate
from tradeloop.http.app import create_app
from tradeloop.http.series import encode_token
from tradeloop.market.backfill import Backfill
from tradeloop.market.history import MarketHistory
from tradeloop.snapshots.bars import BarStore

END = datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)
"""The backfill covers the day of minutes before this."""
DAY = {"start": "2024-03-03T15:00:00Z", "end": "2024-03-04T14:59:59Z"}
SYMBOLS = ("AAPL", "KO", "MSFT")
MINUTES = 1_440


@pytest.fixture
def engine() -> Engine:
    return make_engine()


@pytest.fixture
async def stored(aiohttp_client: ClientFactory, tmp_path: Path, engine: Engine) -> HttpClient:
    """An app whose bar store holds one backfilled day of AAPL, KO and MSFT."""
    store = BarStore(tmp_path / "marketdata.db")
    history = MarketHistory(archive=store)
    plan = Backfill(assets=[ASSETS_BY_SYMBOL[s] for s in SYMBOLS], seed=5, days=1, end=END)
    lifetime = history_lifetime(store, history, symbols=list(engine.assets), plan=plan)
    gate = AdminGate.create(ADMIN_KEY, TOTP_SECRET, clock)
    app = create_app(LiveEngine(engine), make_settings(), gate, market_history=history, history_lifetime=lifetime)
    return await aiohttp_client(app)


@pytest.fixture
async def keys(stored: HttpClient, engine: Engine) -> dict[str, str]:
    return auth_headers(await engine.open_account(Decimal(1_000)))


async def get(client: HttpClient, headers: dict[str, str], path: str, **params: Any) -> tuple[int, Any]:
    """GET and parse, keeping JSON numbers exact as Decimals."""
    response = await client.get(path, headers=headers, params={k: str(v) for k, v in params.items()})
    return response.status, json.loads(await response.text(), parse_float=Decimal)


async def all_pages(
    client: HttpClient, headers: dict[str, str], path: str, **params: Any
) -> tuple[dict[str, list[Any]], int]:
    """Follow next_page_token to the end; returns everything by symbol and the number of pages."""
    key = path.rstrip("/").split("/")[-1]
    found: dict[str, list[Any]] = {}
    pages, token = 0, None
    while True:
        status, body = await get(client, headers, path, **params, **({"page_token": token} if token else {}))
        assert status == 200, body
        pages += 1
        for symbol, items in body[key].items():
            found.setdefault(symbol, []).extend(items)
        token = body["next_page_token"]
        if token is None:
            return found, pages


async def test_bars_come_in_alpacas_shape_with_exact_numbers(stored: HttpClient, keys: dict[str, str]) -> None:
    status, body = await get(stored, keys, "/v2/stocks/bars", symbols="MSFT,aapl,ZZZZ,KO,JPM", timeframe="1Hour", **DAY)
    assert status == 200 and body["next_page_token"] is None
    assert list(body["bars"]) == ["AAPL", "KO", "MSFT"]  # alphabetical; unlisted and data-less symbols omitted
    bars = body["bars"]["AAPL"]
    assert len(bars) == 24 and set(bars[0]) == {"t", "o", "h", "l", "c", "v", "n", "vw"}
    assert bars[0]["t"] == "2024-03-03T15:00:00.000000Z" and bars[-1]["t"] == "2024-03-04T14:00:00.000000Z"
    for bar in bars:
        assert all(isinstance(bar[k], Decimal) for k in "ohlcv" if not isinstance(bar[k], int))
        assert bar["l"] <= min(bar["o"], bar["c"]) <= max(bar["o"], bar["c"]) <= bar["h"]
        assert bar["l"] <= bar["vw"] <= bar["h"] and bar["n"] > 0
    status, one = await get(stored, keys, "/v2/stocks/aapl/bars", timeframe="1Hour", **DAY, adjustment="split")
    assert status == 200 and one == {"bars": bars, "symbol": "AAPL", "next_page_token": None}


@pytest.mark.parametrize(
    "timeframe", ["5Min", "7Min", "15Min", "1Hour", "2Hour", "5Hour", "1Day", "1Week", "1Month", "1T"]
)
async def test_every_timeframe_sums_the_same_minutes(stored: HttpClient, keys: dict[str, str], timeframe: str) -> None:
    day = {"start": "2024-02-26T00:00:00Z", "end": "2024-03-05T00:00:00Z", "symbols": "KO", "limit": 10_000}
    _, minutes = await get(stored, keys, "/v2/stocks/bars", timeframe="1Min", **day)
    _, coarse = await get(stored, keys, "/v2/stocks/bars", timeframe=timeframe, **day)
    minute_bars, bars = minutes["bars"]["KO"], coarse["bars"]["KO"]
    assert len(minute_bars) == MINUTES
    assert sum(b["v"] for b in bars) == sum(b["v"] for b in minute_bars)
    assert sum(b["n"] for b in bars) == sum(b["n"] for b in minute_bars)
    assert bars[0]["o"] == minute_bars[0]["o"] and bars[-1]["c"] == minute_bars[-1]["c"]
    assert max(b["h"] for b in bars) == max(b["h"] for b in minute_bars)


async def test_pages_cover_everything_once_in_both_orders(stored: HttpClient, keys: dict[str, str]) -> None:
    everything = {"symbols": "MSFT,AAPL,KO", "timeframe": "1Min", **DAY}
    _, whole = await get(stored, keys, "/v2/stocks/bars", **everything, limit=10_000)
    assert {s: len(b) for s, b in whole["bars"].items()} == dict.fromkeys(SYMBOLS, MINUTES)
    paged, pages = await all_pages(stored, keys, "/v2/stocks/bars", **everything, limit=250)
    assert paged == whole["bars"] and pages == -(-3 * MINUTES // 250)
    newest_first, _ = await all_pages(stored, keys, "/v2/stocks/bars", **everything, limit=333, sort="desc")
    assert newest_first == {s: list(reversed(b)) for s, b in whole["bars"].items()}
    hourly, pages = await all_pages(stored, keys, "/v2/stocks/bars", **{**everything, "timeframe": "1Hour"}, limit=5)
    assert [len(b) for b in hourly.values()] == [24, 24, 24] and pages == -(-72 // 5)


async def test_page_tokens_are_opaque_and_stable(stored: HttpClient, keys: dict[str, str]) -> None:
    query = {"symbols": "AAPL,KO", "timeframe": "15Min", **DAY, "limit": 100}
    _, first = await get(stored, keys, "/v2/stocks/bars", **query)
    _, again = await get(stored, keys, "/v2/stocks/bars", **query)
    token = first["next_page_token"]
    assert token == again["next_page_token"] and "AAPL" not in token and "15Min" not in token
    _, second = await get(stored, keys, "/v2/stocks/bars", **query, page_token=token)
    assert list(second["bars"]) == ["KO"] and second["next_page_token"] is None
    assert len(first["bars"]["AAPL"]) == 96 and len(first["bars"]["KO"]) == 4 and len(second["bars"]["KO"]) == 92


async def test_exactly_full_last_page_has_no_token(stored: HttpClient, keys: dict[str, str]) -> None:
    status, body = await get(stored, keys, "/v2/stocks/MSFT/bars", timeframe="1Hour", **DAY, limit=24)
    assert status == 200 and len(body["bars"]) == 24 and body["next_page_token"] is None


async def test_latest_bars_and_snapshots_join_stored_and_live_data(
    stored: HttpClient, keys: dict[str, str], engine: Engine
) -> None:
    status, body = await get(stored, keys, "/v2/stocks/bars/latest", symbols="KO,AAPL,JPM")
    assert status == 200 and list(body["bars"]) == ["AAPL", "KO"]
    assert body["bars"]["KO"]["t"] == "2024-03-04T14:59:00.000000Z"
    assert (await get(stored, keys, "/v2/stocks/JPM/bars/latest"))[0] == 404
    await set_price(engine, "KO", "61.25", bid="61.24", ask="61.26", size="300")
    await set_price(engine, "KO", "61.27", size="100")
    status, latest = await get(stored, keys, "/v2/stocks/KO/bars/latest", feed="iex")
    assert status == 200 and latest["symbol"] == "KO"
    assert (latest["bar"]["o"], latest["bar"]["c"], latest["bar"]["v"], latest["bar"]["n"]) == (
        Decimal("61.25"),
        Decimal("61.27"),
        400,
        2,
    )
    assert latest["bar"]["vw"] == Decimal("61.255")
    status, snapshot = await get(stored, keys, "/v2/stocks/KO/snapshot")
    assert status == 200 and snapshot["symbol"] == "KO"
    assert snapshot["latestTrade"]["p"] == Decimal("61.27") and snapshot["latestQuote"]["bp"] == Decimal("61.27")
    assert snapshot["minuteBar"] == latest["bar"]
    assert snapshot["dailyBar"]["v"] == 400 and snapshot["prevDailyBar"]["t"] == "2024-03-04T00:00:00.000000Z"
    status, many = await get(stored, keys, "/v2/stocks/snapshots", symbols="KO,JPM,ZZZZ")
    assert status == 200 and set(many) == {"KO", "JPM"}
    assert many["KO"] == {k: v for k, v in snapshot.items() if k != "symbol"}
    assert many["JPM"] == dict.fromkeys(("latestTrade", "latestQuote", "minuteBar", "dailyBar", "prevDailyBar"))


async def test_trades_and_quotes_page_through_recent_ticks(
    stored: HttpClient, keys: dict[str, str], engine: Engine
) -> None:
    started = clock()
    for cents in range(10):
        await set_price(engine, "AAPL", f"190.{cents:02d}", size="10")
    await set_price(engine, "KO", "61.00", size="5")
    second = timedelta(seconds=1)
    window = {"start": (started - second).isoformat(), "end": (clock() + second).isoformat()}
    trades, pages = await all_pages(stored, keys, "/v2/stocks/trades", symbols="KO,AAPL", limit=3, **window)
    assert [t["p"] for t in trades["AAPL"]] == [Decimal(f"190.{c:02d}") for c in range(10)] and pages == 4
    assert [t["s"] for t in trades["KO"]] == [5] and set(trades["KO"][0]) == {"t", "x", "p", "s", "c", "i", "z"}
    quotes, _ = await all_pages(stored, keys, "/v2/stocks/quotes", symbols="AAPL", limit=4, sort="desc", **window)
    assert [q["bp"] for q in quotes["AAPL"]] == [Decimal(f"190.{c:02d}") for c in reversed(range(10))]
    status, one = await get(stored, keys, "/v2/stocks/AAPL/trades", limit=2, **window)
    assert status == 200 and one["symbol"] == "AAPL" and len(one["trades"]) == 2 and one["next_page_token"]
    status, rest = await get(stored, keys, "/v2/stocks/AAPL/trades", page_token=one["next_page_token"], **window)
    assert [t["p"] for t in one["trades"] + rest["trades"]] == [t["p"] for t in trades["AAPL"]]
    status, body = await get(stored, keys, "/v2/stocks/AAPL/quotes", start="2024-01-01", end="2024-01-02")
    assert (status, body) == (200, {"quotes": [], "symbol": "AAPL", "next_page_token": None})


async def test_the_minute_in_progress_is_served_without_a_store(
    client: HttpClient, headers: dict[str, str], engine: Engine
) -> None:
    assert (await get(client, headers, "/v2/stocks/MSFT/bars/latest"))[0] == 404
    await set_price(engine, "MSFT", "415.20", size="10")
    await set_price(engine, "MSFT", "415.40", size="30")
    status, body = await get(client, headers, "/v2/stocks/MSFT/bars", timeframe="1Min")
    assert status == 200 and len(body["bars"]) == 1
    assert (body["bars"][0]["h"], body["bars"][0]["vw"], body["bars"][0]["v"]) == (
        Decimal("415.40"),
        Decimal("415.35"),
        40,
    )
    status, body = await get(client, headers, "/v2/stocks/bars", symbols="MSFT", timeframe="1Day")
    assert status == 200 and body["bars"]["MSFT"][0]["n"] == 2


BARS = {"symbols": "AAPL", "timeframe": "1Min"}
OTHER_TIMEFRAME_TOKEN = encode_token("bars/1Hour", "AAPL", 1_709_478_000)
TRADES_TOKEN = encode_token("trades", "AAPL", 3)
OTHER_SYMBOL_TOKEN = encode_token("bars/1Min", "MSFT", 1_709_478_000)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v2/stocks/bars", {"timeframe": "1Min"}, "symbols"),
        ("/v2/stocks/bars", {"symbols": "", "timeframe": "1Min"}, "symbols"),
        ("/v2/stocks/bars", {"symbols": "AAPL,$$$", "timeframe": "1Min"}, "symbols"),
        ("/v2/stocks/bars", {"symbols": "AAPL"}, "timeframe"),
        ("/v2/stocks/bars", {"symbols": "AAPL", "timeframe": "0Min"}, "timeframe"),
        ("/v2/stocks/bars", {"symbols": "AAPL", "timeframe": "60Min"}, "timeframe"),
        ("/v2/stocks/bars", {"symbols": "AAPL", "timeframe": "24Hour"}, "timeframe"),
        ("/v2/stocks/bars", {"symbols": "AAPL", "timeframe": "2Day"}, "timeframe"),
        ("/v2/stocks/bars", {"symbols": "AAPL", "timeframe": "5Month"}, "timeframe"),
        ("/v2/stocks/bars", {"symbols": "AAPL", "timeframe": "hourly"}, "timeframe"),
        ("/v2/stocks/bars", {**BARS, "limit": "0"}, "limit"),
        ("/v2/stocks/bars", {**BARS, "limit": "10001"}, "limit"),
        ("/v2/stocks/bars", {**BARS, "limit": "ten"}, "limit"),
        ("/v2/stocks/bars", {**BARS, "sort": "up"}, "sort"),
        ("/v2/stocks/bars", {**BARS, "start": "yesterday"}, "start"),
        ("/v2/stocks/bars", {**BARS, "end": "2024-13-01"}, "end"),
        ("/v2/stocks/bars", {**BARS, "start": "2024-03-05", "end": "2024-03-01"}, "start"),
        ("/v2/stocks/bars", {**BARS, "page_token": "not-a-token"}, "page_token"),
        ("/v2/stocks/bars", {**BARS, "page_token": "%%%"}, "page_token"),
        ("/v2/stocks/bars", {**BARS, "page_token": OTHER_TIMEFRAME_TOKEN}, "page_token"),
        ("/v2/stocks/bars", {**BARS, "page_token": TRADES_TOKEN}, "page_token"),
        ("/v2/stocks/bars", {**BARS, "page_token": OTHER_SYMBOL_TOKEN}, "page_token"),
        ("/v2/stocks/bars", {**BARS, "feed": "nasdaq"}, "feed"),
        ("/v2/stocks/bars", {**BARS, "adjustment": "magic"}, "adjustment"),
        ("/v2/stocks/bars", {**BARS, "currency": "EUR"}, "currency"),
        ("/v2/stocks/AAPL/bars", {"timeframe": "1Min", "limit": "-1"}, "limit"),
        ("/v2/stocks/AAPL/bars", {"timeframe": "90T"}, "timeframe"),
        ("/v2/stocks/trades", {}, "symbols"),
        ("/v2/stocks/trades", {"symbols": "AAPL", "limit": "10001"}, "limit"),
        ("/v2/stocks/trades", {"symbols": "AAPL", "page_token": OTHER_TIMEFRAME_TOKEN}, "page_token"),
        ("/v2/stocks/AAPL/trades", {"start": "2024-03-05T00:00:00Z", "end": "2024-03-04T00:00:00Z"}, "start"),
        ("/v2/stocks/quotes", {"symbols": "AAPL", "sort": "random"}, "sort"),
        ("/v2/stocks/AAPL/quotes", {"page_token": TRADES_TOKEN}, "page_token"),
        ("/v2/stocks/bars/latest", {}, "symbols"),
        ("/v2/stocks/bars/latest", {"symbols": "AAPL", "feed": "nasdaq"}, "feed"),
        ("/v2/stocks/snapshots", {"symbols": " , "}, "symbols"),
        ("/v2/stocks/AAPL/snapshot", {"currency": "JPY"}, "currency"),
    ],
)
async def test_bad_parameters_are_400_naming_them(
    stored: HttpClient, keys: dict[str, str], path: str, params: dict[str, str], field: str
) -> None:
    status, body = await get(stored, keys, path, **params)
    assert status == 400, body
    assert body["code"] == 40010001 and body["field"] == field


@pytest.mark.parametrize(
    "path",
    [
        "/v2/stocks/ZZZZ/bars",
        "/v2/stocks/ZZZZ/trades",
        "/v2/stocks/ZZZZ/quotes",
        "/v2/stocks/ZZZZ/bars/latest",
        "/v2/stocks/ZZZZ/snapshot",
    ],
)
async def test_single_unknown_symbol_is_422(stored: HttpClient, keys: dict[str, str], path: str) -> None:
    status, body = await get(stored, keys, path, timeframe="1Min")
    assert status == 422 and body["code"] == 42210000 and body["field"] == "symbol"


async def test_times_read_as_alpaca_sends_them(stored: HttpClient, keys: dict[str, str]) -> None:
    query = {"symbols": "KO", "timeframe": "1Hour", "limit": 2}
    variants = ["2024-03-04T10:00:00Z", "2024-03-04T05:00:00-05:00", "2024-03-04T10:00:00+00:00", "2024-03-04T10:00:00"]
    answers = [(await get(stored, keys, "/v2/stocks/bars", start=start, **query))[1] for start in variants]
    assert all(answer == answers[0] for answer in answers)
    assert answers[0]["bars"]["KO"][0]["t"] == "2024-03-04T10:00:00.000000Z"
    # A '+' left unescaped in a query string arrives as a space.
    raw = "/v2/stocks/bars?symbols=KO&timeframe=1Hour&limit=2&start=2024-03-04T10:00:00+00:00"
    response = await stored.get(raw, headers=keys)
    assert json.loads(await response.text(), parse_float=Decimal) == answers[0]
    _, by_date = await get(stored, keys, "/v2/stocks/bars", start="2024-03-04", **query)
    assert by_date["bars"]["KO"][0]["t"] == "2024-03-04T00:00:00.000000Z"


async def test_keys_are_required(stored: HttpClient) -> None:
    response = await stored.get("/v2/stocks/bars", params={"symbols": "AAPL", "timeframe": "1Min"})
    assert response.status == 401
