"""Bracket, OCO and OTO over HTTP: every rule refuses with 422, code 42210000 and the field named, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from alpaca.trading.models import Order as AlpacaOrder

from tests.factories import all_orders, buying_power, place, set_price
from tradeloop.actors.engine import Engine

Client = TestClient[web.Request, web.Application]
Headers = dict[str, str]


def bracket(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "symbol": "AAPL",
        "qty": "10",
        "side": "buy",
        "type": "limit",
        "limit_price": "149.00",
        "time_in_force": "gtc",
        "order_class": "bracket",
        "take_profit": {"limit_price": "160.00"},
        "stop_loss": {"stop_price": "140.00", "limit_price": "139.50"},
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


async def test_a_bracket_answers_with_its_legs_held_in_alpacas_shape(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    answer = await place(client, headers, bracket())
    order = AlpacaOrder(**answer)
    assert order.order_class.value == "bracket" and order.legs is not None
    assert [(leg.type.value if leg.type else None, leg.status.value) for leg in order.legs] == [
        ("limit", "held"),
        ("stop_limit", "held"),
    ]
    assert {leg.order_class.value for leg in order.legs} == {"bracket"}
    listed = await client.get("/v2/orders", params={"nested": "True"}, headers=headers)
    nested = await listed.json()
    assert [o["id"] for o in nested] == [answer["id"]] and len(nested[0]["legs"]) == 2
    flat = await all_orders(client, headers)
    assert len(flat) == 3 and all(o["legs"] is None for o in flat if o["id"] != answer["id"])


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"take_profit": None}, "take_profit", "take_profit is required for bracket orders"),
        ({"stop_loss": None}, "stop_loss", "stop_loss is required for bracket orders"),
        (
            {"take_profit": {"limit_price": "149.00"}},
            "take_profit.limit_price",
            "take_profit.limit_price must be >= base_price + 0.01",
        ),
        (
            {"stop_loss": {"stop_price": "149.00"}},
            "stop_loss.stop_price",
            "stop_loss.stop_price must be <= base_price - 0.01",
        ),
        (
            {"type": "market", "limit_price": None, "stop_loss": {"stop_price": "150.00"}},
            "stop_loss.stop_price",
            "stop_loss.stop_price must be <= base_price - 0.01",
        ),
        ({"time_in_force": "ioc"}, "time_in_force", None),
        ({"qty": "2.5"}, "qty", None),
        ({"qty": None, "notional": "1000", "type": "market", "limit_price": None}, "notional", None),
        ({"side": "sell"}, "side", None),
        ({"extended_hours": True, "time_in_force": "day"}, "extended_hours", None),
        ({"exit_time_in_force": "fok"}, "exit_time_in_force", None),
        ({"stop_loss": {"trail_percent": "2", "stop_price": "140"}}, "stop_loss.stop_price", None),
        ({"stop_loss": {"stop_price": "140.001"}}, "stop_loss.stop_price", None),
        ({"order_class": "oto"}, "take_profit", None),
        ({"order_class": "oco"}, "side", None),
        ({"order_class": "simple"}, "take_profit", None),
    ],
)
async def test_each_rule_refuses_with_42210000_naming_the_field_and_changes_nothing(
    client: Client, engine: Engine, headers: Headers, overrides: dict[str, Any], field: str, message: str | None
) -> None:
    await set_price(engine, "AAPL", "150")
    before = await buying_power(client, headers)
    error = await place(client, headers, bracket(**overrides), status=422)
    assert error["code"] == 42210000 and error["field"] == field, error
    if message is not None:
        assert error["message"] == message
    assert await all_orders(client, headers) == [] and await buying_power(client, headers) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"take_profit": {}}, "take_profit.limit_price"),
        ({"stop_loss": {"stop_price": "140", "colour": "red"}}, "stop_loss.colour"),
        ({"order_class": "mleg"}, "order_class"),
    ],
)
async def test_malformed_legs_are_422_naming_the_nested_field(
    client: Client, engine: Engine, headers: Headers, overrides: dict[str, Any], field: str
) -> None:
    await set_price(engine, "AAPL", "150")
    error = await place(client, headers, bracket(**overrides), status=422)
    assert error["field"] == field, error


async def test_an_oco_with_a_limit_price_unlike_its_take_profit_is_refused(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    await place(client, headers, {"symbol": "AAPL", "qty": "5", "side": "buy", "type": "market", "time_in_force": "day"})
    oco = bracket(order_class="oco", side="sell", qty="5", limit_price="161.00")
    error = await place(client, headers, oco, status=422)
    assert error["code"] == 42210000 and error["field"] == "limit_price"
    answer = await place(client, headers, bracket(order_class="oco", side="sell", qty="5", limit_price="160.00"))
    assert answer["order_class"] == "oco" and answer["status"] == "new"
    assert [leg["type"] for leg in answer["legs"]] == ["stop_limit"]
