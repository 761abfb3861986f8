"""GET /v2/account and /v2/positions, and closing positions, through the HTTP app."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from alpaca.trading.models import ClosePositionResponse, TradeAccount
from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.models import Position as AlpacaPosition

from tests.factories import auth_headers, limit_body, order_body, set_price
from tradeloop.actors.engine import Engine
from tradeloop.core.instruments import asset_id
from tradeloop.core.sessions import session_end

Client = TestClient[web.Request, web.Application]
Headers = dict[str, str]


async def get_json(client: Client, path: str, headers: Headers, status: int = 200, **params: str) -> Any:
    response = await client.get(path, params=params, headers=headers)
    payload = await response.json()
    assert response.status == status, payload
    return payload


async def buy(client: Client, headers: Headers, qty: str, symbol: str = "AAPL") -> dict[str, Any]:
    response = await client.post("/v2/orders", json=order_body(symbol=symbol, qty=qty), headers=headers)
    payload: dict[str, Any] = await response.json()
    assert response.status == 200 and payload["status"] == "filled", payload
    return payload


# -- account --------------------------------------------------------------------


async def test_fresh_account_has_every_alpaca_field(client: Client, headers: Headers) -> None:
    body = await get_json(client, "/v2/account", headers)
    account = TradeAccount(**body)
    assert account.status == "ACTIVE" and account.currency == "USD"
    assert body["cash"] == body["equity"] == body["buying_power"] == body["portfolio_value"] == "100000.00"
    assert body["long_market_value"] == "0.00" and body["short_market_value"] == "0"
    assert body["multiplier"] == "1" and body["shorting_enabled"] is False and body["pattern_day_trader"] is False
    assert body["realized_pl"] == "0.00" and body["unrealized_pl"] == "0.00"
    assert body["created_at"].endswith("Z") and body["account_number"].startswith("PA")


async def test_account_numbers_reconcile_after_a_fill_and_a_move(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    await buy(client, headers, "10")
    await set_price(engine, "AAPL", "160.555")
    body = await get_json(client, "/v2/account", headers)
    assert body["cash"] == "98500.00"
    assert body["long_market_value"] == "1605.55"
    assert Decimal(body["cash"]) + Decimal(body["long_market_value"]) == Decimal(body["equity"])
    assert body["equity"] == body["portfolio_value"] == "100105.55"
    assert body["unrealized_pl"] == "105.55" and body["last_equity"] == "100000.00"


async def test_buying_power_drops_by_the_limit_orders_hold(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    response = await client.post("/v2/orders", json=limit_body("140.25", qty="3"), headers=headers)
    assert response.status == 200
    body = await get_json(client, "/v2/account", headers)
    assert body["buying_power"] == "99579.25" and body["cash"] == "100000.00"
    assert body["non_marginable_buying_power"] == body["regt_buying_power"] == "99579.25"


async def test_realized_pl_after_a_sale(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    await buy(client, headers, "10")
    await set_price(engine, "AAPL", "155")
    response = await client.post("/v2/orders", json=order_body(side="sell", qty="4"), headers=headers)
    assert (await response.json())["status"] == "filled"
    body = await get_json(client, "/v2/account", headers)
    assert body["realized_pl"] == "20.00" and body["unrealized_pl"] == "30.00"
    assert body["cash"] == "99120.00"


# -- positions ------------------------------------------------------------------


async def test_position_fields(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    await buy(client, headers, "10")
    await set_price(engine, "AAPL", "160")
    [body] = await get_json(client, "/v2/positions", headers)
    position = AlpacaPosition(**body)
    assert position.symbol == "AAPL" and str(position.asset_id) == str(asset_id("AAPL"))
    assert body["exchange"] == "NASDAQ" and body["asset_class"] == "us_equity" and body["side"] == "long"
    assert body["qty"] == body["qty_available"] == "10"
    assert body["avg_entry_price"] == "150.00" and body["cost_basis"] == "1500.00"
    assert body["current_price"] == "160" and body["market_value"] == "1600.00"
    assert body["unrealized_pl"] == "100.00" and body["unrealized_plpc"] == "0.0667"
    assert body["unrealized_intraday_pl"] == "100.00" and body["lastday_price"] is None
    assert body["change_today"] == "0"


async def test_position_after_a_session_close_reports_the_day_change(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    await buy(client, headers, "10")
    await set_price(engine, "AAPL", "160")
    await engine.close_session(session_end(datetime.now(timezone.utc)))
    await engine.quiesce()
    await set_price(engine, "AAPL", "164")
    body = await get_json(client, "/v2/positions/AAPL", headers)
    assert body["lastday_price"] == "160" and body["change_today"] == "0.0250"
    assert body["unrealized_intraday_pl"] == "40.00" and body["unrealized_intraday_plpc"] == "0.0250"
    assert body["unrealized_pl"] == "140.00"
    account = await get_json(client, "/v2/account", headers)
    assert account["last_equity"] == "100100.00" and account["equity"] == "100140.00"


async def test_open_sell_order_reduces_qty_available(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    await buy(client, headers, "10")
    response = await client.post("/v2/orders", json=limit_body("170", side="sell", qty="4"), headers=headers)
    assert response.status == 200
    body = await get_json(client, "/v2/positions/AAPL", headers)
    assert body["qty"] == "10" and body["qty_available"] == "6"


async def test_position_by_symbol_lower_case_or_asset_id(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    await buy(client, headers, "2")
    by_symbol = await get_json(client, "/v2/positions/aapl", headers)
    by_id = await get_json(client, f"/v2/positions/{asset_id('AAPL')}", headers)
    assert by_symbol == by_id and by_symbol["qty"] == "2"


@pytest.mark.parametrize("name", ["MSFT", "NOPE", str(asset_id("NOPE"))])
async def test_missing_position_is_404(client: Client, engine: Engine, headers: Headers, name: str) -> None:
    await set_price(engine, "AAPL", "150")
    await buy(client, headers, "1")
    body = await get_json(client, f"/v2/positions/{name}", headers, status=404)
    assert body["code"] == 40410000 and body["message"] == "position does not exist"
    response = await client.delete(f"/v2/positions/{name}", headers=headers)
    assert response.status == 404


async def test_positions_are_per_account(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    await buy(client, headers, "1")
    other = auth_headers(await engine.open_account(Decimal(1000)))
    assert await get_json(client, "/v2/positions", other) == []
    await get_json(client, "/v2/positions/AAPL", other, status=404)


# -- closing --------------------------------------------------------------------


async def test_close_position_with_qty_then_percentage_then_all(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    await buy(client, headers, "10")
    response = await client.delete("/v2/positions/AAPL", params={"qty": "4"}, headers=headers)
    order = await response.json()
    assert response.status == 200 and order["side"] == "sell" and order["qty"] == "4"
    assert order["status"] == "filled" and AlpacaOrder(**order).position_intent == "sell_to_close"
    assert (await get_json(client, "/v2/positions/AAPL", headers))["qty"] == "6"
    response = await client.delete("/v2/positions/AAPL", params={"percentage": "50"}, headers=headers)
    assert (await response.json())["qty"] == "3"
    response = await client.delete("/v2/positions/AAPL", headers=headers)
    assert (await response.json())["qty"] == "3"
    assert await get_json(client, "/v2/positions", headers) == []


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"qty": "abc"}, 400, "qty"),
        ({"percentage": "NaN"}, 400, "percentage"),
        ({"qty": "11"}, 422, "qty"),
        ({"qty": "0"}, 422, "qty"),
        ({"percentage": "101"}, 422, "percentage"),
        ({"qty": "1", "percentage": "10"}, 422, "qty"),
    ],
)
async def test_close_position_refusals(
    client: Client, engine: Engine, headers: Headers, params: dict[str, str], status: int, field: str
) -> None:
    await set_price(engine, "AAPL", "150")
    await buy(client, headers, "10")
    response = await client.delete("/v2/positions/AAPL", params=params, headers=headers)
    assert response.status == status
    assert (await response.json())["field"] == field
    assert (await get_json(client, "/v2/positions/AAPL", headers))["qty"] == "10"


async def test_close_all_positions_answers_207_per_symbol(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    await set_price(engine, "MSFT", "400")
    await buy(client, headers, "2")
    await buy(client, headers, "1", symbol="MSFT")
    response = await client.delete("/v2/positions", headers=headers)
    assert response.status == 207
    lines = sorted(await response.json(), key=lambda line: line["symbol"])
    assert [line["symbol"] for line in lines] == ["AAPL", "MSFT"]
    for line in lines:
        parsed = ClosePositionResponse(**line)
        assert parsed.status == 200 and isinstance(parsed.body, AlpacaOrder)
        assert line["body"]["status"] == "filled" and line["order_id"] == line["body"]["id"]
    assert await get_json(client, "/v2/positions", headers) == []
    assert (await get_json(client, "/v2/account", headers))["cash"] == "100000.00"


async def test_close_all_keeps_orders_unless_asked_to_cancel_them(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    await buy(client, headers, "5")
    response = await client.post("/v2/orders", json=limit_body("170", side="sell", qty="5"), headers=headers)
    held = await response.json()
    response = await client.delete("/v2/positions", params={"cancel_orders": "false"}, headers=headers)
    [line] = await response.json()
    assert line["status"] == 403 and line["body"]["code"] == 40310000
    assert isinstance(ClosePositionResponse(**line).body.code, int)  # type: ignore[union-attr]
    response = await client.delete("/v2/positions", params={"cancel_orders": "True"}, headers=headers)
    [line] = await response.json()
    assert line["status"] == 200 and line["body"]["status"] == "filled"
    canceled = await get_json(client, f"/v2/orders/{held['id']}", headers)
    assert canceled["status"] == "canceled"
    assert await get_json(client, "/v2/positions", headers) == []


async def test_close_all_with_a_bad_flag_is_400(client: Client, headers: Headers) -> None:
    response = await client.delete("/v2/positions", params={"cancel_orders": "maybe"}, headers=headers)
    assert response.status == 400 and (await response.json())["field"] == "cancel_orders"
