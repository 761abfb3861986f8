"""POST /v2/orders through the HTTP app: every order type's placement and fills, and every refusal."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from alpaca.trading.models import Order as AlpacaOrder

from tests.conftest import ClientFactory
from tests.factories import (
    all_orders,
    auth_headers,
    buying_power,
    fetch_order,
    limit_body,
    make_app,
    make_engine,
    make_settings,
    order_body,
    place,
    set_price,
)
from tradeloop.actors.engine import Engine
from tradeloop.core.sessions import session_end

Client = TestClient[web.Request, web.Application]
Headers = dict[str, str]

# -- placement and fills --------------------------------------------------------


async def test_market_buy_fills_at_the_ask_and_parses_as_alpaca_order(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150", bid="149.99", ask="150.01")
    order = await place(client, headers, order_body(qty="10"))
    assert order["status"] == "filled"
    assert order["filled_qty"] == "10" and order["qty"] == "10"
    assert order["filled_avg_price"] == "150.01"
    assert order["filled_at"] is not None and order["filled_at"].endswith("Z")
    assert order["position_intent"] == "buy_to_open" and order["order_class"] == "simple"
    parsed = AlpacaOrder(**order)
    assert str(parsed.id) == order["id"] and parsed.filled_qty == "10"


async def test_market_order_before_any_price_waits_then_fills_on_the_first_tick(
    client: Client, engine: Engine, headers: Headers
) -> None:
    order = await place(client, headers, order_body(qty="2"))
    assert order["status"] == "new" and order["filled_qty"] == "0" and order["filled_avg_price"] is None
    await set_price(engine, "AAPL", "151")
    filled = await fetch_order(client, headers, order["id"])
    assert filled["status"] == "filled" and filled["filled_avg_price"] == "151.00"


async def test_float_quantities_from_alpaca_py_are_read_from_their_repr(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    order = await place(client, headers, limit_body(limit_price=149.1, qty=1.0))  # type: ignore[arg-type]
    assert order["qty"] == "1" and order["limit_price"] == "149.1"


async def test_notional_and_fractional_market_buys(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    by_value = await place(client, headers, order_body(qty=None, notional="100"))
    assert by_value["notional"] == "100" and by_value["qty"] is None
    assert by_value["status"] == "filled" and by_value["filled_qty"] == "0.666666666"
    fractional = await place(client, headers, order_body(qty="0.5"))
    assert fractional["qty"] == "0.5" and fractional["filled_qty"] == "0.5"
    assert await buying_power(client, headers) == Decimal("100000") - Decimal("100.00") - Decimal("75.00")


async def test_quote_size_partially_fills_and_the_next_tick_fills_the_rest(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150", size="3")
    order = await place(client, headers, order_body(qty="5"))
    assert order["status"] == "partially_filled" and order["filled_qty"] == "3"
    await set_price(engine, "AAPL", "150.02", size="3")
    done = await fetch_order(client, headers, order["id"])
    assert done["status"] == "filled" and done["filled_qty"] == "5"
    assert done["filled_avg_price"] == "150.008"  # (3 × 150 + 2 × 150.02) / 5


async def test_limit_buy_waits_for_the_ask_and_fills_at_the_ask_never_worse(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    order = await place(client, headers, limit_body("149.00", qty="4"))
    assert order["status"] == "new"
    await set_price(engine, "AAPL", "149.20", bid="149.10", ask="149.20")
    assert (await fetch_order(client, headers, order["id"]))["status"] == "new"
    await set_price(engine, "AAPL", "148.60", bid="148.40", ask="148.50")
    filled = await fetch_order(client, headers, order["id"])
    assert filled["status"] == "filled" and filled["filled_avg_price"] == "148.50"


async def test_buy_stop_triggers_when_the_ask_reaches_it(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    order = await place(client, headers, order_body(type="stop", stop_price="155", qty="2", time_in_force="gtc"))
    await set_price(engine, "AAPL", "154.99")
    assert (await fetch_order(client, headers, order["id"]))["status"] == "new"
    await set_price(engine, "AAPL", "156")
    filled = await fetch_order(client, headers, order["id"])
    assert filled["status"] == "filled" and filled["filled_avg_price"] == "156.00"


async def test_sell_stop_limit_triggers_then_waits_for_its_limit(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    await place(client, headers, order_body(qty="5"))
    body = order_body(side="sell", type="stop_limit", stop_price="145", limit_price="144.50", qty="5")
    order = await place(client, headers, body)
    await set_price(engine, "AAPL", "144")  # triggered, but the bid is below the limit
    assert (await fetch_order(client, headers, order["id"]))["status"] == "new"
    await set_price(engine, "AAPL", "144.75")
    filled = await fetch_order(client, headers, order["id"])
    assert filled["status"] == "filled" and filled["filled_avg_price"] == "144.75"


async def test_trailing_stop_moves_its_high_water_mark_and_triggers(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    await place(client, headers, order_body(qty="10"))
    order = await place(
        client, headers, order_body(side="sell", type="trailing_stop", trail_price="2", qty="10", time_in_force="gtc")
    )
    assert order["hwm"] == "150" and order["trail_price"] == "2"
    await set_price(engine, "AAPL", "155")
    moved = await fetch_order(client, headers, order["id"])
    assert moved["hwm"] == "155" and moved["stop_price"] == "153.00" and moved["status"] == "new"
    await set_price(engine, "AAPL", "154")  # a dip above the stop changes nothing
    assert (await fetch_order(client, headers, order["id"]))["hwm"] == "155"
    await set_price(engine, "AAPL", "152.90")
    filled = await fetch_order(client, headers, order["id"])
    assert filled["status"] == "filled" and filled["filled_avg_price"] == "152.90"


async def test_ioc_fills_what_it_can_and_cancels_the_remainder(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150", size="3")
    order = await place(client, headers, order_body(qty="5", time_in_force="ioc"))
    assert order["status"] == "canceled" and order["filled_qty"] == "3" and order["canceled_at"] is not None


async def test_fok_is_all_or_nothing(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150", size="3")
    refused = await place(client, headers, order_body(qty="5", time_in_force="fok"))
    assert refused["status"] == "canceled" and refused["filled_qty"] == "0"
    assert (await client.get("/v2/positions", headers=headers)).status == 200
    assert await (await client.get("/v2/positions", headers=headers)).json() == []
    whole = await place(client, headers, order_body(qty="3", time_in_force="fok"))
    assert whole["status"] == "filled" and whole["filled_qty"] == "3"


async def test_day_orders_expire_at_the_session_end_and_gtc_orders_stay(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    day = await place(client, headers, limit_body("140", time_in_force="day"))
    gtc = await place(client, headers, limit_body("140", time_in_force="gtc"))
    end = session_end(datetime.now(timezone.utc))
    assert day["expires_at"] == end.strftime("%Y-%m-%dT%H:%M:%S.%fZ") and gtc["expires_at"] is None
    before = await buying_power(client, headers)
    await engine.close_session(end)
    await engine.quiesce()
    expired = await fetch_order(client, headers, day["id"])
    assert expired["status"] == "expired" and expired["expired_at"] is not None
    assert (await fetch_order(client, headers, gtc["id"]))["status"] == "new"
    assert await buying_power(client, headers) == before + Decimal("1400")


# -- refusals -------------------------------------------------------------------


async def test_duplicate_client_order_id_is_422_and_not_stored(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    await place(client, headers, limit_body("140", client_order_id="mine-1"))
    error = await place(client, headers, limit_body("139", client_order_id="mine-1"), status=422)
    assert "mine-1" in error["message"]
    orders = await all_orders(client, headers)
    assert [o["limit_price"] for o in orders] == ["140"]


async def test_insufficient_buying_power_is_403_and_changes_nothing(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    error = await place(client, headers, order_body(qty="1000"), status=403)
    assert error["code"] == 40310000 and "buying power" in error["message"]
    assert await all_orders(client, headers) == []
    assert await buying_power(client, headers) == Decimal("100000")


async def test_selling_more_than_held_is_403(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    await place(client, headers, order_body(qty="2"))
    error = await place(client, headers, order_body(side="sell", qty="3"), status=403)
    assert error["code"] == 40310000 and error["available"] == "2"
    assert len(await all_orders(client, headers)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (order_body(type="limit"), "limit_price"),
        (order_body(qty="-1"), "qty"),
        (limit_body("0"), "limit_price"),
        (order_body(qty="NaN"), "qty"),
        (order_body(qty="Infinity"), "qty"),
        (order_body(qty="ten"), "qty"),
        ({**order_body(), "qty": True}, "qty"),
        (order_body(symbol="NOPE"), "symbol"),
        (order_body(colour="blue"), "colour"),
        (order_body(side="short"), "side"),
        (order_body(type="teleport"), "type"),
        (order_body(time_in_force="opg"), "time_in_force"),
        (limit_body("140", qty=None, notional="100"), "notional"),
        (order_body(qty="1", notional="100"), "qty"),
        (order_body(qty=None), "qty"),
        (order_body(order_class="mleg"), "order_class"),
        (order_body(order_class="bracket"), "take_profit"),
        (order_body(side="buy", position_intent="sell_to_close"), "position_intent"),
        (limit_body("150.001"), "limit_price"),
        (order_body(extended_hours=True), "extended_hours"),
        (limit_body("140", client_order_id="x" * 129), "client_order_id"),
        (order_body(qty="0.5", time_in_force="gtc"), "qty"),
        (order_body(type="trailing_stop", trail_price="1", trail_percent="1"), "trail_price"),
        ({"symbol": "AAPL", "qty": "1", "type": "market", "time_in_force": "day"}, "side"),
        ({"qty": "1", "side": "buy", "type": "market", "time_in_force": "day"}, "symbol"),
    ],
)
async def test_invalid_field_is_422_naming_the_field(
    client: Client, engine: Engine, headers: Headers, body: dict[str, Any], field: str
) -> None:
    await set_price(engine, "AAPL", "150")
    error = await place(client, headers, body, status=422)
    assert error["field"] == field, error
    assert error["status"] == 422 and field in error["message"]
    assert await all_orders(client, headers) == []


async def test_side_may_come_from_position_intent(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    body = {"symbol": "aapl", "qty": "1", "type": "market", "time_in_force": "day", "position_intent": "buy_to_open"}
    order = await place(client, headers, body)
    assert order["side"] == "buy" and order["symbol"] == "AAPL"


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]"])
async def test_malformed_body_is_400(client: Client, headers: Headers, raw: bytes) -> None:
    response = await client.post("/v2/orders", data=raw, headers={**headers, "Content-Type": "application/json"})
    assert response.status == 400
    assert (await response.json())["code"] == 40010000


async def test_oversize_body_is_413(aiohttp_client: ClientFactory) -> None:
    engine = make_engine()
    small = await aiohttp_client(make_app(engine, make_settings(max_body_bytes=256)))
    headers = auth_headers(await engine.open_account(Decimal(1000)))
    body = order_body(client_order_id="x" * 400)
    response = await small.post("/v2/orders", json=body, headers=headers)
    assert response.status == 413
    assert (await response.json())["code"] == 41310000


async def test_orders_need_keys(client: Client) -> None:
    response = await client.post("/v2/orders", json=order_body())
    assert response.status == 401
