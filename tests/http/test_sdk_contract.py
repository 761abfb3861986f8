"""The official alpaca-py TradingClient drives the trading endpoints unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, OrderStatus, QueryOrderStatus, TimeInForce
from alpaca.trading.models import ClosePositionResponse, Order, Position, TradeAccount
from alpaca.trading.requests import (
    ClosePositionRequest,
    GetOrdersRequest,
    LimitOrderRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    TrailingStopOrderRequest,
)

from tests.factories import set_price
from tradeloop.actors.engine import Credentials, Engine

Client = TestClient[web.Request, web.Application]
T = TypeVar("T")


@pytest.fixture
def sdk(client: Client, account: Credentials) -> TradingClient:
    return TradingClient(account.key_id, account.secret_key, url_override=str(client.make_url("")).rstrip("/"))


async def call(function: Callable[..., T], *args: Any) -> T:
    """Run a blocking SDK call off the loop, so the test server can answer it."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


async def test_sdk_round_trip(sdk: TradingClient, engine: Engine) -> None:
    await set_price(engine, "AAPL", "150")
    account = await call(sdk.get_account)
    assert isinstance(account, TradeAccount) and account.cash == "100000.00"

    market = MarketOrderRequest(symbol="AAPL", qty=3, side=OrderSide.BUY, time_in_force=TimeInForce.DAY)
    bought = await call(sdk.submit_order, market)
    assert isinstance(bought, Order) and bought.status is OrderStatus.FILLED and bought.filled_qty == "3"

    limit = LimitOrderRequest(
        symbol="AAPL", qty=2, side=OrderSide.BUY, time_in_force=TimeInForce.GTC, limit_price=140.5
    )
    resting = await call(sdk.submit_order, limit)
    assert isinstance(resting, Order) and resting.limit_price == "140.5"
    replaced = await call(sdk.replace_order_by_id, resting.id, ReplaceOrderRequest(qty=1, limit_price=141.0))
    assert isinstance(replaced, Order) and replaced.replaces == resting.id and replaced.qty == "1"
    found = await call(sdk.get_order_by_client_id, replaced.client_order_id)
    assert isinstance(found, Order) and found.id == replaced.id

    trailing = TrailingStopOrderRequest(
        symbol="AAPL", qty=1, side=OrderSide.SELL, time_in_force=TimeInForce.GTC, trail_percent=1.5
    )
    stop = await call(sdk.submit_order, trailing)
    assert isinstance(stop, Order) and stop.hwm == "150" and stop.trail_percent == "1.5"

    orders = await call(sdk.get_orders, GetOrdersRequest(status=QueryOrderStatus.ALL, symbols=["AAPL"]))
    assert isinstance(orders, list) and len(orders) == 4
    position = await call(sdk.get_open_position, "AAPL")
    assert isinstance(position, Position) and position.qty == "3" and position.qty_available == "2"

    canceled = await call(sdk.cancel_orders)
    assert isinstance(canceled, list) and {line.status for line in canceled} == {200} and len(canceled) == 2
    closed = await call(sdk.close_position, "AAPL", ClosePositionRequest(qty="1"))
    assert isinstance(closed, Order) and closed.status is OrderStatus.FILLED
    rest = await call(sdk.close_all_positions, True)
    assert isinstance(rest, list) and isinstance(rest[0], ClosePositionResponse) and rest[0].status == 200
    assert await call(sdk.get_all_positions) == []


async def test_sdk_sees_refusals_as_api_errors(sdk: TradingClient, engine: Engine) -> None:
    await set_price(engine, "AAPL", "150")
    too_big = MarketOrderRequest(symbol="AAPL", qty=10_000, side=OrderSide.BUY, time_in_force=TimeInForce.DAY)
    with pytest.raises(APIError) as refused:
        await call(sdk.submit_order, too_big)
    assert refused.value.status_code == 403 and refused.value.code == 40310000
    with pytest.raises(APIError) as missing:
        await call(sdk.get_open_position, "MSFT")
    assert missing.value.status_code == 404 and missing.value.code == 40410000
    assert Decimal((await call(sdk.get_account)).cash or "0") == Decimal(100_000)  # type: ignore[union-attr]
