"""Orders carry the strategy that placed them (`strategy_id`, null for orders placed by hand), and alpaca-py still reads them."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any
from uuid import UUID

from alpaca.trading.client import TradingClient
from alpaca.trading.enums import QueryOrderStatus
from alpaca.trading.models import Order
from alpaca.trading.requests import GetOrdersRequest

from tests.factories import HttpClient, all_orders, order_body, place, set_price
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.core.orders import OrderClass, OrderRequest, OrderSide, OrderType, StopLoss, TakeProfit, TimeInForce

STRATEGY = UUID("0195f7a2-5b3c-7d4e-9f10-2a3b4c5d6e7f")


def strategy_bracket(qty: str = "2") -> OrderRequest:
    """A strategy's entry with both exits, as a run with a stop-loss and a take-profit places it."""
    return OrderRequest(
        symbol="AAPL", side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.GTC, qty=Decimal(qty),
        order_class=OrderClass.BRACKET, take_profit=TakeProfit(limit_price=Decimal("160")),
        stop_loss=StopLoss(stop_price=Decimal("140")), strategy_id=STRATEGY,
    )


async def test_a_strategys_order_and_its_legs_carry_its_id_and_a_hand_placed_order_carries_null(
    client: HttpClient, headers: dict[str, str], engine: Engine, account: Credentials
) -> None:
    await set_price(engine, "AAPL", "150")
    by_hand = await place(client, headers, order_body(qty="1"))
    assert by_hand["strategy_id"] is None
    entry = await engine.place_order(account.account_id, strategy_bracket())
    response = await client.get("/v2/orders", params={"status": "all", "nested": "true"}, headers=headers)
    listed: dict[str, Any] = {order["id"]: order for order in await response.json()}
    placed = listed[str(entry.terms.id)]
    assert placed["strategy_id"] == str(STRATEGY)
    assert [leg["strategy_id"] for leg in placed["legs"]] == [str(STRATEGY), str(STRATEGY)]
    assert listed[by_hand["id"]]["strategy_id"] is None
    assert {order["strategy_id"] for order in await all_orders(client, headers)} == {None, str(STRATEGY)}


async def test_alpaca_py_reads_orders_that_carry_a_strategy_id(client: HttpClient, engine: Engine, account: Credentials) -> None:
    await set_price(engine, "AAPL", "150")
    entry = await engine.place_order(account.account_id, strategy_bracket())
    sdk = TradingClient(account.key_id, account.secret_key, url_override=str(client.make_url("")).rstrip("/"))
    loop = asyncio.get_running_loop()
    request = GetOrdersRequest(status=QueryOrderStatus.ALL, nested=True)
    orders = await loop.run_in_executor(None, sdk.get_orders, request)
    assert isinstance(orders, list)
    assert [order.id for order in orders] == [entry.terms.id]
    assert all(isinstance(order, Order) for order in orders)
    assert len(orders[0].legs or []) == 2
    found = await loop.run_in_executor(None, sdk.get_order_by_id, entry.terms.id)
    assert isinstance(found, Order) and found.filled_qty == "2"


async def test_trade_updates_carry_the_strategy_id_of_its_orders(client: HttpClient, engine: Engine, account: Credentials) -> None:
    await set_price(engine, "AAPL", "150")
    ws = await client.ws_connect("/stream")
    await ws.send_json({"action": "authenticate", "data": {"key_id": account.key_id, "secret_key": account.secret_key}})
    assert (await ws.receive_json(timeout=5))["data"]["status"] == "authorized"
    await ws.send_json({"action": "listen", "data": {"streams": ["trade_updates"]}})
    assert (await ws.receive_json(timeout=5))["stream"] == "listening"
    entry = await engine.place_order(account.account_id, strategy_bracket())
    seen: list[tuple[str, str | None]] = []
    while ("fill", str(STRATEGY)) not in seen:
        update = (await ws.receive_json(timeout=5))["data"]
        if update["order"]["id"] == str(entry.terms.id):
            seen.append((update["event"], update["order"]["strategy_id"]))
    assert seen == [("new", str(STRATEGY)), ("fill", str(STRATEGY))]
    await ws.close()
