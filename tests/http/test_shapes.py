"""The response shapes against real answers of a running server, and against alpaca-py's own models of them.

Each answer must pass the JSON Schema the API reference renders for its shape
(names, nullability, decimal text, RFC 3339 times) and parse with the SDK's
model, so the reference and the SDK agree on what the server sends.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from alpaca.data.models import Bar as AlpacaBar
from alpaca.data.models import Quote as AlpacaQuote
from alpaca.data.models import Snapshot as AlpacaSnapshot
from alpaca.data.models import Trade as AlpacaTrade
from alpaca.trading.models import Asset as AlpacaAsset
from alpaca.trading.models import Clock as AlpacaClock
from alpaca.trading.models import NonTradeActivity, TradeAccount, TradeActivity
from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.models import Position as AlpacaPosition

from tests.factories import admin_headers, limit_body, order_body, place, set_price
from tests.http.reference_checks import shape_failures
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.http.openapi.problem import Problem
from tradeloop.http.shapes import admin as admin_shapes
from tradeloop.http.shapes import market, trading

Client = TestClient[web.Request, web.Application]


async def answer(client: Client, method: str, path: str, headers: dict[str, str], status: int = 200, **kwargs: Any) -> Any:
    response = await client.request(method, path, headers=headers, **kwargs)
    body = await response.json(content_type=None)
    assert response.status == status, body
    return body


def conforms(shape: Any, value: Any) -> None:
    assert shape_failures(shape, value) == [], value


async def test_trading_answers_match_their_shapes_and_alpaca_py(
    client: Client, engine: Engine, account: Credentials, headers: dict[str, str]
) -> None:
    await set_price(engine, "AAPL", "150.25")
    bought = await place(client, headers, order_body(qty="3"))
    resting = await place(client, headers, limit_body("100.5", qty="0.5"))
    for order in (bought, resting):
        conforms(trading.OrderJson, order)
        AlpacaOrder.model_validate(order)
    conforms(list[trading.OrderJson], await answer(client, "GET", "/v2/orders", headers, params={"status": "all"}))

    account_body = await answer(client, "GET", "/v2/account", headers)
    conforms(trading.AccountJson, account_body)
    TradeAccount.model_validate(account_body)

    positions = await answer(client, "GET", "/v2/positions", headers)
    assert len(positions) == 1
    conforms(list[trading.PositionJson], positions)
    AlpacaPosition.model_validate(positions[0])

    asset = await answer(client, "GET", "/v2/assets/AAPL", headers)
    conforms(trading.AssetJson, asset)
    AlpacaAsset.model_validate(asset)
    conforms(list[trading.AssetJson], await answer(client, "GET", "/v2/assets", headers))

    clock = await answer(client, "GET", "/v2/clock", headers)
    conforms(trading.ClockJson, clock)
    AlpacaClock.model_validate(clock)

    admin = await admin_headers(client)
    deposit = await answer(
        client, "POST", f"/admin/v1/accounts/{account.account_id}/deposits", admin, 201, json={"amount": "10.50"}
    )
    conforms(admin_shapes.CashMovementJson, deposit)
    activities = await answer(client, "GET", "/v2/account/activities", headers)
    conforms(list[trading.ActivityJson], activities)
    kinds = {activity["activity_type"] for activity in activities}
    assert {"FILL", "CSD"} <= kinds
    for activity in activities:
        model = TradeActivity if activity["activity_type"] == "FILL" else NonTradeActivity
        model.model_validate(activity)

    canceled = await answer(client, "DELETE", "/v2/orders", headers, 207)
    assert [line["id"] for line in canceled] == [resting["id"]]
    conforms(list[trading.OrderLineJson], canceled)
    closed = await answer(client, "DELETE", "/v2/positions", headers, 207)
    assert [line["symbol"] for line in closed] == ["AAPL"]
    conforms(list[trading.CloseLineJson], closed)
    refused = await answer(client, "GET", "/v2/orders/not-an-order", headers, 404)
    conforms(Problem, refused)


async def test_market_data_answers_match_their_shapes_and_alpaca_py(
    client: Client, engine: Engine, headers: dict[str, str]
) -> None:
    await set_price(engine, "AAPL", "150.25", bid="150.2", ask="150.3", size="100")
    trade = await answer(client, "GET", "/v2/stocks/AAPL/trades/latest", headers)
    conforms(market.LatestTradeJson, trade)
    AlpacaTrade("AAPL", trade["trade"])
    quote = await answer(client, "GET", "/v2/stocks/AAPL/quotes/latest", headers)
    conforms(market.LatestQuoteJson, quote)
    AlpacaQuote("AAPL", quote["quote"])
    bar = await answer(client, "GET", "/v2/stocks/AAPL/bars/latest", headers)
    conforms(market.LatestBarJson, bar)
    AlpacaBar("AAPL", bar["bar"])
    snapshot = await answer(client, "GET", "/v2/stocks/AAPL/snapshot", headers)
    conforms(market.SymbolSnapshotJson, snapshot)
    AlpacaSnapshot("AAPL", {key: value for key, value in snapshot.items() if key != "symbol"})
    many = {"symbols": "AAPL,MSFT"}
    conforms(market.SnapshotsJson, await answer(client, "GET", "/v2/stocks/snapshots", headers, params=many))
    conforms(market.LatestTradesJson, await answer(client, "GET", "/v2/stocks/trades/latest", headers, params=many))
    conforms(market.LatestQuotesJson, await answer(client, "GET", "/v2/stocks/quotes/latest", headers, params=many))
    conforms(market.LatestBarsJson, await answer(client, "GET", "/v2/stocks/bars/latest", headers, params=many))
    conforms(market.BarsJson, await answer(client, "GET", "/v2/stocks/bars", headers, params={**many, "timeframe": "1Min"}))
    conforms(market.SymbolBarsJson, await answer(client, "GET", "/v2/stocks/AAPL/bars", headers, params={"timeframe": "1Min"}))
    conforms(market.TradesJson, await answer(client, "GET", "/v2/stocks/trades", headers, params=many))
    conforms(market.SymbolTradesJson, await answer(client, "GET", "/v2/stocks/AAPL/trades", headers))
    conforms(market.QuotesJson, await answer(client, "GET", "/v2/stocks/quotes", headers, params=many))
    conforms(market.SymbolQuotesJson, await answer(client, "GET", "/v2/stocks/AAPL/quotes", headers))


async def test_admin_and_health_answers_match_their_shapes(client: Client, engine: Engine, account: Credentials) -> None:
    admin = await admin_headers(client)
    created = await answer(client, "POST", "/admin/v1/accounts", admin, 201, json={"cash": "5000"})
    conforms(admin_shapes.NewAccountJson, created)
    conforms(list[admin_shapes.AdminAccountJson], await answer(client, "GET", "/admin/v1/accounts", admin))
    path = f"/admin/v1/accounts/{account.account_id}"
    conforms(admin_shapes.KeysJson, await answer(client, "POST", f"{path}/keys", admin, 201))
    conforms(admin_shapes.AdminAccountJson, await answer(client, "POST", f"{path}/disable", admin))
    conforms(admin_shapes.HaltsJson, await answer(client, "POST", "/admin/v1/market/halts", admin, 201, json={"symbol": "AAPL"}))
    conforms(admin_shapes.SnapshotTakenJson, await answer(client, "POST", "/admin/v1/snapshots", admin, 201))
    conforms(admin_shapes.ChainReportJson, await answer(client, "GET", "/admin/v1/journal/verify", admin))
    conforms(list[admin_shapes.AuditEntryJson], await answer(client, "GET", "/admin/v1/audit", admin))
    set_price_answer = await answer(client, "POST", "/admin/v1/market/prices", admin, json={"symbol": "MSFT", "price": "410"})
    conforms(market.LatestJson, set_price_answer)
    conforms(admin_shapes.HealthJson, await answer(client, "GET", "/healthz", {}))
    conforms(admin_shapes.HealthJson, await answer(client, "GET", "/readyz", {}))


def test_a_shape_refuses_a_number_sent_as_a_float_and_a_missing_field() -> None:
    order = {"qty": 1.5}
    failures = shape_failures(trading.OrderJson, order)
    assert any(failure.startswith("qty:") for failure in failures)
    assert any("'id' is a required property" in failure for failure in failures)
