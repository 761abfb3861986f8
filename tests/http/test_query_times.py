"""Times at the ends of the calendar in every query that takes one: read as the nearest stored bound, never a 500."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ClientFactory
from tests.factories import (
    ADMIN_KEY,
    TOTP_SECRET,
    HttpClient,
    auth_headers,
    make_app,
    make_engine,
    make_settings,
    order_body,
    place,
    set_price,
    utc_now,
)
from tradeloop.actors.engine import Engine
from tradeloop.actors.live import LiveEngine
from tradeloop.bar_history import history_lifetime
from tradeloop.core.instruments import ASSETS_BY_SYMBOL
from tradeloop.http.admin.gate import AdminGate
from tradeloop.http.app import create_app
from tradeloop.http.series import encode_token
from tradeloop.journal import Journal
from tradeloop.market.backfill import Backfill
from tradeloop.market.history import MarketHistory
from tradeloop.snapshots.bars import BarStore

Headers = dict[str, str]
BACKFILL_END = datetime(2024, 3, 4, 15, 0, tzinfo=timezone.utc)
FIRST_DAY = "0001-01-01"
LAST_DAY = "9999-12-31"
BEFORE_THE_CALENDAR = "0001-01-01T00:00:00+01:00"
"""Midnight of the first day an hour east of UTC: in UTC, a moment before the calendar starts."""
AFTER_THE_CALENDAR = "9999-12-31T23:59:59-01:00"
"""The last second of the last day an hour west of UTC: in UTC, a moment after the calendar ends."""
EARLIEST = "1970-01-01T00:00:00Z"
LATEST = "9998-01-01T00:00:00Z"


@pytest.fixture
def engine(journal: Journal) -> Engine:
    """The engine on the in-memory journal, or on a SQLite journal opened before it was built."""
    return make_engine(journal=journal)


@pytest.fixture
async def client(engine: Engine, aiohttp_client: ClientFactory) -> HttpClient:
    """The app on the engine; `engine` first, so the app stops before its journal closes."""
    return await aiohttp_client(make_app(engine))


@pytest.fixture
async def market(engine: Engine, aiohttp_client: ClientFactory, tmp_path: Path) -> HttpClient:
    """The app with a bar store holding a backfilled day of AAPL and KO."""
    store = BarStore(tmp_path / "marketdata.db")
    history = MarketHistory(archive=store)
    plan = Backfill(assets=[ASSETS_BY_SYMBOL[s] for s in ("AAPL", "KO")], seed=3, days=1, end=BACKFILL_END)
    lifetime = history_lifetime(store, history, symbols=list(engine.assets), plan=plan)
    gate = AdminGate.create(ADMIN_KEY, TOTP_SECRET, utc_now)
    return await aiohttp_client(create_app(LiveEngine(engine), make_settings(), gate, market_history=history, history_lifetime=lifetime))


@pytest.fixture
async def headers(client: HttpClient, engine: Engine) -> Headers:
    """An account with a deposit, a filled order and a resting one."""
    account = await engine.open_account(Decimal(10_000))
    await engine.adjust_cash(account.account_id, Decimal(500), "deposit")
    await set_price(engine, "AAPL", "100")
    keys = auth_headers(account)
    await place(client, keys, order_body(qty="1"))
    await place(client, keys, order_body(qty="1", type="limit", limit_price="50"))
    return keys


async def get(client: HttpClient, headers: Headers, path: str, **params: str) -> tuple[int, Any]:
    response = await client.get(path, headers=headers, params=params)
    return response.status, json.loads(await response.text(), parse_float=Decimal)


async def ok(client: HttpClient, headers: Headers, path: str, **params: str) -> Any:
    status, body = await get(client, headers, path, **params)
    assert status == 200, body
    return body


# -- activities -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v2/account/activities", "/v2/account/activities/FILL", "/v2/account/activities/CSD"])
@pytest.mark.parametrize("day", [FIRST_DAY, LAST_DAY])
async def test_activities_of_a_day_at_the_calendars_ends_are_none(
    client: HttpClient, headers: Headers, path: str, day: str
) -> None:
    assert await ok(client, headers, path) != []
    assert await ok(client, headers, path, date=day) == []
    assert await ok(client, headers, path, date=day, direction="asc") == []


@pytest.mark.parametrize(
    ("params", "bound"),
    [
        ({"after": BEFORE_THE_CALENDAR}, {"after": EARLIEST}),
        ({"until": AFTER_THE_CALENDAR}, {"until": LATEST}),
        ({"after": AFTER_THE_CALENDAR}, {"after": LATEST}),
        ({"until": BEFORE_THE_CALENDAR}, {"until": EARLIEST}),
        ({"after": "0001-01-01T00:00:00", "until": "9999-12-31T23:59:59.999999Z"}, {}),
    ],
)
async def test_activity_times_past_the_calendars_ends_read_as_the_stored_bounds(
    client: HttpClient, headers: Headers, params: dict[str, str], bound: dict[str, str]
) -> None:
    assert await ok(client, headers, "/v2/account/activities", **params) == await ok(
        client, headers, "/v2/account/activities", **bound
    )


@pytest.mark.parametrize(
    "params",
    [
        {"page_token": "99991231235959999::x"},
        {"page_token": "99991231235959999::x", "direction": "asc"},
        {"page_token": "00010101000000000::x", "direction": "asc"},
        {"page_token": "00010101000000000::x"},
        {"page_token": "00010101000000000::x", "after": BEFORE_THE_CALENDAR, "direction": "asc"},
        {"page_token": "99991231235959999::x", "until": AFTER_THE_CALENDAR},
    ],
)
async def test_page_tokens_at_the_calendars_ends_are_400_naming_page_token(
    client: HttpClient, headers: Headers, params: dict[str, str]
) -> None:
    status, body = await get(client, headers, "/v2/account/activities", **params)
    assert status == 400, body
    assert body["code"] == 40010001 and body["field"] == "page_token"


# -- orders ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "bound"),
    [
        ({"after": BEFORE_THE_CALENDAR}, {"after": EARLIEST}),
        ({"until": AFTER_THE_CALENDAR}, {"until": LATEST}),
        ({"after": AFTER_THE_CALENDAR}, {"after": LATEST}),
        ({"until": BEFORE_THE_CALENDAR}, {"until": EARLIEST}),
        ({"after": FIRST_DAY, "until": LAST_DAY}, {}),
    ],
)
async def test_order_times_past_the_calendars_ends_read_as_the_stored_bounds(
    client: HttpClient, headers: Headers, params: dict[str, str], bound: dict[str, str]
) -> None:
    for direction in ("asc", "desc"):
        listed = await ok(client, headers, "/v2/orders", status="all", direction=direction, **params)
        assert listed == await ok(client, headers, "/v2/orders", status="all", direction=direction, **bound)


# -- market data ----------------------------------------------------------------

SERIES = [
    ("/v2/stocks/AAPL/bars", {"timeframe": "1Min"}),
    ("/v2/stocks/bars", {"timeframe": "1Hour", "symbols": "AAPL,KO"}),
    ("/v2/stocks/bars", {"timeframe": "12Month", "symbols": "KO"}),
    ("/v2/stocks/AAPL/trades", {}),
    ("/v2/stocks/trades", {"symbols": "AAPL,KO"}),
    ("/v2/stocks/AAPL/quotes", {}),
    ("/v2/stocks/quotes", {"symbols": "AAPL,KO"}),
]


SERIES_EDGES = [
    ({"start": BEFORE_THE_CALENDAR}, {"start": EARLIEST}),
    ({"start": "2024-03-03", "end": AFTER_THE_CALENDAR}, {"start": "2024-03-03", "end": LATEST}),
    ({"start": BEFORE_THE_CALENDAR, "end": AFTER_THE_CALENDAR}, {"start": EARLIEST, "end": LATEST}),
    ({"start": FIRST_DAY, "end": LAST_DAY}, {"start": EARLIEST, "end": LATEST}),
    ({"start": AFTER_THE_CALENDAR, "end": AFTER_THE_CALENDAR}, {"start": LATEST, "end": LATEST}),
    ({"start": BEFORE_THE_CALENDAR, "end": BEFORE_THE_CALENDAR}, {"start": EARLIEST, "end": EARLIEST}),
]


@pytest.mark.parametrize(("path", "query"), SERIES)
async def test_series_times_past_the_calendars_ends_read_as_the_stored_bounds(
    market: HttpClient, engine: Engine, path: str, query: dict[str, str]
) -> None:
    keys = auth_headers(await engine.open_account(Decimal(1_000)))
    await set_price(engine, "AAPL", "100")
    for params, bound in SERIES_EDGES:
        for sort in ("asc", "desc"):
            answer = await ok(market, keys, path, sort=sort, **query, **params)
            assert answer == await ok(market, keys, path, sort=sort, **query, **bound), params


@pytest.mark.parametrize("key", [2**63, 10**40, 253402300800])
async def test_bar_page_tokens_past_the_calendars_end_are_answered(market: HttpClient, engine: Engine, key: int) -> None:
    keys = auth_headers(await engine.open_account(Decimal(1_000)))
    token = encode_token("bars/1Min", "AAPL", key)
    for sort in ("asc", "desc"):
        query = {"timeframe": "1Min", "start": EARLIEST, "sort": sort, "page_token": token}
        answer = await ok(market, keys, "/v2/stocks/AAPL/bars", **query)
        # Nothing lies after the last moment a query reaches; everything stored lies before it.
        assert (answer["bars"] == []) == (sort == "asc")
