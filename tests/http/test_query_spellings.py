"""Queries take booleans and times as alpaca-py spells them: `True`/`False` and offsets such as `+00:00`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import QueryOrderStatus
from alpaca.trading.requests import GetOrdersRequest

from tests.factories import HttpClient
from tradeloop.actors.engine import Credentials


@pytest.mark.parametrize("spelling", ["true", "True", "false", "False", "1", "0"])
async def test_orders_take_nested_in_either_case(client: HttpClient, headers: dict[str, str], spelling: str) -> None:
    response = await client.get("/v2/orders", headers=headers, params={"status": "all", "nested": spelling})
    assert response.status == 200, await response.text()


@pytest.mark.parametrize("spelling", ["True", "False"])
async def test_close_all_takes_cancel_orders_in_either_case(
    client: HttpClient, headers: dict[str, str], spelling: str
) -> None:
    response = await client.delete("/v2/positions", headers=headers, params={"cancel_orders": spelling})
    assert response.status in (200, 207), await response.text()


@pytest.mark.parametrize("moment", ["2024-01-02T00:00:00+00:00", "2024-01-02T00:00:00Z", "2024-01-02T01:00:00+01:00"])
@pytest.mark.parametrize("path", ["/v2/orders", "/v2/account/activities"])
async def test_times_with_an_offset_are_read(
    client: HttpClient, headers: dict[str, str], path: str, moment: str
) -> None:
    response = await client.get(path, headers=headers, params={"after": moment})
    assert response.status == 200, await response.text()


async def test_a_boolean_that_is_not_one_is_refused_naming_it(client: HttpClient, headers: dict[str, str]) -> None:
    response = await client.get("/v2/orders", headers=headers, params={"nested": "maybe"})
    assert response.status == 400
    assert "nested" in (await response.json())["message"]


async def test_alpaca_py_lists_orders_with_a_boolean_and_an_aware_time(client: HttpClient, account: Credentials) -> None:
    sdk = TradingClient(account.key_id, account.secret_key, url_override=str(client.make_url("")).rstrip("/"))
    request = GetOrdersRequest(
        status=QueryOrderStatus.ALL, nested=True, after=datetime(2024, 1, 2, tzinfo=UTC), until=datetime.now(UTC)
    )
    orders = await asyncio.get_running_loop().run_in_executor(None, sdk.get_orders, request)
    assert orders == []
