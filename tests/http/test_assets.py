"""Assets and clock, checked against Alpaca's shapes and parsed by alpaca-py's TradingClient."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import pytest
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import AssetClass, AssetExchange, AssetStatus
from alpaca.trading.models import Asset, Clock
from alpaca.trading.requests import GetAssetsRequest

from tests.conftest import ClientFactory
from tests.factories import HttpClient, auth_headers, make_app, make_engine
from tradeloop.actors.engine import Credentials
from tradeloop.core.instruments import UNIVERSE, asset_id

T = TypeVar("T")


async def call(function: Callable[..., T], *args: Any) -> T:
    """Run a blocking SDK call off the loop, so the test server can answer it."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


@pytest.fixture
def sdk(client: HttpClient, account: Credentials) -> TradingClient:
    return TradingClient(account.key_id, account.secret_key, url_override=str(client.make_url("")).rstrip("/"))


async def get(client: HttpClient, headers: dict[str, str], path: str, **params: str) -> tuple[int, Any]:
    response = await client.get(path, headers=headers, params=params)
    return response.status, await response.json()


async def test_lists_every_asset_in_alpaca_shape(client: HttpClient, headers: dict[str, str]) -> None:
    status, assets = await get(client, headers, "/v2/assets")
    assert status == 200
    assert [a["symbol"] for a in assets] == sorted(a.symbol for a in UNIVERSE)
    aapl = next(a for a in assets if a["symbol"] == "AAPL")
    assert aapl == {
        "id": str(asset_id("AAPL")),
        "class": "us_equity",
        "exchange": "NASDAQ",
        "symbol": "AAPL",
        "name": "Apple Inc. Common Stock",
        "status": "active",
        "tradable": True,
        "marginable": False,
        "shortable": False,
        "easy_to_borrow": False,
        "fractionable": True,
        "maintenance_margin_requirement": 100,
        "attributes": [],
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"exchange": "NYSE"}, sorted(a.symbol for a in UNIVERSE if a.exchange == "NYSE")),
        ({"exchange": "arca"}, ["SPY"]),
        ({"status": "active", "asset_class": "us_equity"}, sorted(a.symbol for a in UNIVERSE)),
        ({"status": "inactive"}, []),
        ({"asset_class": "crypto"}, []),
        ({"attributes": "ptp_no_exception"}, []),
        ({"unknown": "ignored"}, sorted(a.symbol for a in UNIVERSE)),
    ],
)
async def test_filters(
    client: HttpClient, headers: dict[str, str], params: dict[str, str], expected: list[str]
) -> None:
    status, assets = await get(client, headers, "/v2/assets", **params)
    assert status == 200
    assert [a["symbol"] for a in assets] == expected


@pytest.mark.parametrize("params", [{"status": "halted"}, {"asset_class": "bonds"}])
async def test_bad_filters_are_400_naming_the_parameter(
    client: HttpClient, headers: dict[str, str], params: dict[str, str]
) -> None:
    status, body = await get(client, headers, "/v2/assets", **params)
    assert status == 400
    assert body["field"] == next(iter(params))


@pytest.mark.parametrize("key", ["MSFT", "msft", str(asset_id("MSFT"))])
async def test_one_asset_by_symbol_or_id(client: HttpClient, headers: dict[str, str], key: str) -> None:
    status, asset = await get(client, headers, f"/v2/assets/{key}")
    assert status == 200
    assert asset["symbol"] == "MSFT" and asset["id"] == str(asset_id("MSFT"))


@pytest.mark.parametrize("key", ["ZZZZ", str(asset_id("ZZZZ")), "not-a-uuid-at-all"])
async def test_unknown_asset_is_404(client: HttpClient, headers: dict[str, str], key: str) -> None:
    status, body = await get(client, headers, f"/v2/assets/{key}")
    assert status == 404
    assert body["code"] == 40410000


@pytest.mark.parametrize("path", ["/v2/assets", "/v2/assets/AAPL", "/v2/clock"])
async def test_api_keys_are_required(client: HttpClient, path: str) -> None:
    response = await client.get(path)
    assert response.status == 401


async def test_clock_is_always_open_with_a_utc_midnight_boundary(aiohttp_client: ClientFactory) -> None:
    now = datetime(2024, 6, 3, 13, 30, 15, 250000, tzinfo=timezone.utc)
    engine = make_engine(clock=lambda: now)
    client = await aiohttp_client(make_app(engine))
    headers = {"APCA-API-KEY-ID": "x", "APCA-API-SECRET-KEY": "y"}
    assert (await client.get("/v2/clock", headers=headers)).status == 401
    account = await engine.open_account(Decimal(1))
    status, clock = await get(client, auth_headers(account), "/v2/clock")
    assert status == 200
    assert clock == {
        "timestamp": "2024-06-03T13:30:15.250000Z",
        "is_open": True,
        "next_open": "2024-06-04T00:00:00.000000Z",
        "next_close": "2024-06-04T00:00:00.000000Z",
    }


async def test_alpaca_sdk_parses_assets_and_clock(sdk: TradingClient) -> None:
    assets = await call(sdk.get_all_assets, GetAssetsRequest(status=AssetStatus.ACTIVE, exchange=AssetExchange.NYSE))
    assert isinstance(assets, list)
    assert {a.symbol for a in assets} == {a.symbol for a in UNIVERSE if a.exchange == "NYSE"}
    one = await call(sdk.get_asset, "AAPL")
    assert isinstance(one, Asset)
    assert one.asset_class is AssetClass.US_EQUITY and one.id == UUID(str(asset_id("AAPL")))
    assert one.maintenance_margin_requirement == 100 and one.fractionable
    by_id = await call(sdk.get_asset, asset_id("SPY"))
    assert isinstance(by_id, Asset) and by_id.exchange is AssetExchange.ARCA
    clock = await call(sdk.get_clock)
    assert isinstance(clock, Clock) and clock.is_open
    assert clock.next_close > clock.timestamp
