"""POST /admin/v1/market/bars: whole minutes on the manual market, stored, and evaluated by strategies at once."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.factories import HttpClient, admin_headers, make_app, make_settings
from tests.strategy_scripts import CROSSING_UP, FALLING, SYMBOL, bar_body, crossover, minute_bar
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.config import MarketMode


async def post_bar(client: HttpClient, admin: dict[str, str], body: dict[str, Any], status: int = 201) -> Any:
    response = await client.post("/admin/v1/market/bars", json=body, headers=admin)
    payload = await response.json()
    assert response.status == status, payload
    return payload


async def test_a_posted_crossing_bar_places_the_strategys_order_seen_in_v2_orders(
    client: HttpClient, headers: dict[str, str], account: Credentials
) -> None:
    admin = await admin_headers(client)
    created = await client.post("/v2/strategies", json=crossover(), headers=headers)
    strategy_id = (await created.json())["id"]
    activated = await client.post(f"/v2/strategies/{strategy_id}/activate", json={}, headers=headers)
    assert activated.status == 200, await activated.text()

    for minute, close in enumerate(FALLING):
        await post_bar(client, admin, bar_body(minute_bar(minute, close)))
    crossing = minute_bar(len(FALLING), CROSSING_UP)
    answer = await post_bar(client, admin, bar_body(crossing))
    assert answer["bar"]["c"] == 100 and answer["bar"]["t"] == "2024-06-03T14:36:00.000000Z"

    signals = await (await client.get(f"/v2/strategies/{strategy_id}/signals", headers=headers)).json()
    [signal] = signals
    response = await client.get("/v2/orders", params={"status": "all"}, headers=headers)
    mine = [order for order in await response.json() if order["strategy_id"] == strategy_id]
    assert len(mine) == 3  # the entry and its two legs
    [order] = [order for order in mine if order["client_order_id"] == signal["client_order_id"]]
    assert order["id"] == signal["order_id"] and order["client_order_id"].startswith("st-")
    assert order["status"] == "filled" and order["order_class"] == "bracket" and order["side"] == "buy"
    assert signal["bar_time"] == "2024-06-03T14:36:00.000000Z"


async def test_a_posted_bar_is_the_stored_minute(client: HttpClient, headers: dict[str, str]) -> None:
    admin = await admin_headers(client)
    bar = minute_bar(0, "100")
    await post_bar(client, admin, {**bar_body(bar), "high": "100.50", "volume": "250"})
    response = await client.get(f"/v2/stocks/{SYMBOL}/bars", params={"timeframe": "1Min", "start": "2024-06-03T00:00:00Z"}, headers=headers)
    [stored] = (await response.json())["bars"]
    assert (stored["t"], stored["o"], stored["h"], stored["l"], stored["c"], stored["v"]) == (
        "2024-06-03T14:30:00.000000Z", 100, 100.5, 99.9, 100, 250,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timestamp": "2024-06-03T14:30:05Z"}, "timestamp"),
        ({"timestamp": "2024-06-03T14:30:00"}, "timestamp"),
        ({"high": "99.00"}, "high"),
        ({"low": "100.50"}, "low"),
        ({"open": "0"}, "open"),
        ({"volume": "-1"}, "volume"),
        ({"symbol": "NOPE"}, "symbol"),
        ({"extra": "1"}, "extra"),
    ],
)
async def test_a_bar_that_is_no_bar_is_refused_naming_the_field_and_changes_nothing(
    client: HttpClient, engine: Engine, change: dict[str, str], field: str
) -> None:
    admin = await admin_headers(client)
    problem = await post_bar(client, admin, {**bar_body(minute_bar(0, "100")), **change}, status=422)
    assert field in problem["message"]
    assert engine.board.last_price(SYMBOL) is None


async def test_a_minute_before_the_newest_is_refused(client: HttpClient) -> None:
    admin = await admin_headers(client)
    await post_bar(client, admin, bar_body(minute_bar(5, "100")))
    problem = await post_bar(client, admin, bar_body(minute_bar(4, "100")), status=422)
    assert "timestamp" in problem["message"]
    problem = await post_bar(client, admin, bar_body(minute_bar(5, "100")), status=422)
    assert "timestamp" in problem["message"]


async def test_bars_are_posted_only_on_the_manual_market(aiohttp_client: Any, engine: Engine) -> None:
    client: TestClient[Any, Any] = await aiohttp_client(make_app(engine, make_settings(market=MarketMode.SIMULATED)))
    admin = await admin_headers(client)
    problem = await post_bar(client, admin, bar_body(minute_bar(0, "100")), status=403)
    assert "manual" in problem["message"]
