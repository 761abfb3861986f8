"""POST /v2/orders/preview with a fee schedule: the fee and slippage the order would meet, as its fills then meet them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.factories import HttpClient, limit_body, order_body, place, set_price
from tests.http.reference_checks import shape_failures
from tradeloop.actors.engine import Engine
from tradeloop.http.shapes.risk import PreviewJson

D = Decimal
Headers = dict[str, str]


async def call(client: HttpClient, method: str, path: str, headers: Headers, **kwargs: Any) -> Any:
    response = await client.request(method, path, headers=headers, **kwargs)
    assert response.status == 200, await response.text()
    return await response.json()


async def preview(client: HttpClient, headers: Headers, body: dict[str, Any]) -> Any:
    found = await call(client, "POST", "/v2/orders/preview", headers, json=body)
    assert shape_failures(PreviewJson, found) == []
    return found


async def cash(client: HttpClient, headers: Headers) -> Decimal:
    return D((await call(client, "GET", "/v2/account", headers))["cash"])


async def test_without_a_schedule_the_estimated_fee_is_zero(
    client: HttpClient, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100", bid="99.99", ask="100.00")
    found = await preview(client, headers, order_body(qty="10"))
    assert (found["estimated_price"], found["estimated_cost"], found["estimated_fee"]) == ("100.00", "1000.00", "0.00")
    assert found["buying_power_after"] == "99000.00"


async def test_a_market_preview_slips_and_charges_as_its_fills_then_do(
    client: HttpClient, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100", bid="99.99", ask="100.00")
    await call(
        client, "PUT", "/v2/account/fees", headers, json={"per_share": "0.01", "minimum": "1.00", "slippage_bps": "10"}
    )
    buy = await preview(client, headers, order_body(qty="10"))
    # 100.00 slipped 10 bps is 100.10; 10 shares at a cent is under the $1 minimum.
    assert (buy["estimated_price"], buy["estimated_fee"], buy["estimated_cost"]) == ("100.10", "1.00", "1002.00")
    assert D(buy["buying_power"]) - D(buy["buying_power_after"]) == D("1002.00")
    before = await cash(client, headers)
    await place(client, headers, order_body(qty="10"))
    await engine.quiesce()
    assert before - await cash(client, headers) == D(buy["estimated_cost"])

    sell = await preview(client, headers, order_body(qty="10", side="sell"))
    # 99.99 slipped 10 bps is 99.89001, rounded down to 99.89: 998.90, less the $1 minimum.
    assert (sell["estimated_price"], sell["estimated_fee"], sell["estimated_cost"]) == ("99.89", "1.00", "997.90")
    assert D(sell["buying_power_after"]) - D(sell["buying_power"]) == D("997.90")
    before = await cash(client, headers)
    await place(client, headers, order_body(qty="10", side="sell"))
    await engine.quiesce()
    assert await cash(client, headers) - before == D(sell["estimated_cost"])


async def test_a_resting_or_notional_preview_estimates_the_fee_at_its_estimated_price(
    client: HttpClient, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100", bid="99.99", ask="100.00")
    await call(client, "PUT", "/v2/account/fees", headers, json={"percent_of_notional": "0.1", "slippage_bps": "10"})
    resting = await preview(client, headers, limit_body("90", qty="5"))
    # A resting limit does not slip: 450.00 at its limit, 0.1% of it is 0.45; placing it would hold both.
    assert (resting["fills_now"], resting["estimated_price"], resting["estimated_fee"]) == (False, "90", "0.45")
    assert resting["estimated_cost"] == "450.45"
    assert D(resting["buying_power"]) - D(resting["buying_power_after"]) == D("450.45")
    await call(client, "PUT", "/v2/account/fees", headers, json={"percent_of_notional": "0.1"})
    notional = await preview(client, headers, order_body(qty=None, notional="500"))
    assert (notional["estimated_qty"], notional["estimated_fee"], notional["estimated_cost"]) == ("5", "0.50", "500.50")
