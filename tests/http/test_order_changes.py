"""GET, PATCH and DELETE on /v2/orders through the HTTP app: lookup, listing, replace, cancel."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from alpaca.trading.requests import CancelOrderResponse

from tests.factories import (
    all_orders,
    auth_headers,
    buying_power,
    fetch_order,
    limit_body,
    order_body,
    place,
    set_price,
)
from tradeloop.actors.engine import Engine

Client = TestClient[web.Request, web.Application]
Headers = dict[str, str]

# -- lookup ---------------------------------------------------------------------


async def test_get_order_by_id_and_by_client_order_id(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    order = await place(client, headers, limit_body("140", client_order_id="abc"))
    assert await fetch_order(client, headers, order["id"]) == order
    response = await client.get("/v2/orders:by_client_order_id", params={"client_order_id": "abc"}, headers=headers)
    assert response.status == 200 and (await response.json())["id"] == order["id"]


async def test_unknown_client_order_id_is_404_and_a_missing_one_400(client: Client, headers: Headers) -> None:
    response = await client.get("/v2/orders:by_client_order_id", params={"client_order_id": "zzz"}, headers=headers)
    assert response.status == 404
    response = await client.get("/v2/orders:by_client_order_id", headers=headers)
    assert response.status == 400 and (await response.json())["field"] == "client_order_id"


# Named ids: a random UUID in an id would differ between pytest-xdist's workers.
@pytest.mark.parametrize("order_id", ["not-a-uuid", str(uuid4())], ids=["malformed", "unknown"])
async def test_unknown_or_malformed_order_id_is_404(client: Client, headers: Headers, order_id: str) -> None:
    for method in ("GET", "DELETE"):
        response = await client.request(method, f"/v2/orders/{order_id}", headers=headers)
        assert response.status == 404
        assert (await response.json())["code"] == 40410000
    response = await client.patch(f"/v2/orders/{order_id}", json={"qty": "1"}, headers=headers)
    assert response.status == 404


async def test_another_accounts_order_is_404(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    order = await place(client, headers, limit_body("140"))
    other = auth_headers(await engine.open_account(Decimal(1000)))
    assert (await client.get(f"/v2/orders/{order['id']}", headers=other)).status == 404
    assert (await client.delete(f"/v2/orders/{order['id']}", headers=other)).status == 404
    assert (await client.patch(f"/v2/orders/{order['id']}", json={"qty": "1"}, headers=other)).status == 404
    assert await all_orders(client, other) == []
    assert (await fetch_order(client, headers, order["id"]))["status"] == "new"


async def test_list_orders_filters_sorts_and_limits(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    await set_price(engine, "MSFT", "400")
    first = await place(client, headers, limit_body("140"))
    second = await place(client, headers, limit_body("390", symbol="MSFT"))
    filled = await place(client, headers, order_body(qty="1"))

    async def ids(**params: str) -> list[str]:
        response = await client.get("/v2/orders", params=params, headers=headers)
        assert response.status == 200
        return [o["id"] for o in await response.json()]

    assert await ids() == [second["id"], first["id"]]
    assert await ids(status="closed") == [filled["id"]]
    assert await ids(status="all", direction="asc") == [first["id"], second["id"], filled["id"]]
    assert await ids(status="all", limit="1") == [filled["id"]]
    assert await ids(status="all", symbols="msft,NVDA") == [second["id"]]
    assert await ids(status="all", side="sell") == []
    assert await ids(status="all", after=first["submitted_at"]) == [filled["id"], second["id"]]
    assert await ids(status="all", until=first["submitted_at"]) == [first["id"]]
    later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    assert await ids(status="all", after=later, nested="True") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "pending"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"direction": "up"}, "direction"),
        ({"after": "yesterday"}, "after"),
    ],
)
async def test_bad_list_parameter_is_400_naming_it(
    client: Client, headers: Headers, params: dict[str, str], field: str
) -> None:
    response = await client.get("/v2/orders", params=params, headers=headers)
    assert response.status == 400
    assert (await response.json())["field"] == field


# -- replace and cancel ---------------------------------------------------------


async def test_replace_makes_a_new_order_and_marks_the_old_replaced(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    old = await place(client, headers, limit_body("140", qty="5"))
    response = await client.patch(
        f"/v2/orders/{old['id']}", json={"qty": 3, "limit_price": 141.5, "client_order_id": "new-1"}, headers=headers
    )
    assert response.status == 200
    new = await response.json()
    assert new["replaces"] == old["id"] and new["qty"] == "3" and new["limit_price"] == "141.5"
    assert new["client_order_id"] == "new-1" and new["status"] == "new"
    before = await fetch_order(client, headers, old["id"])
    assert before["status"] == "replaced" and before["replaced_by"] == new["id"] and before["replaced_at"]
    assert await buying_power(client, headers) == Decimal("100000") - Decimal("424.50")


async def test_replace_refusals(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    filled = await place(client, headers, order_body(qty="1"))
    response = await client.patch(f"/v2/orders/{filled['id']}", json={"qty": "2"}, headers=headers)
    assert response.status == 422 and (await response.json())["code"] == 42210000
    open_ = await place(client, headers, limit_body("140"))
    response = await client.patch(f"/v2/orders/{open_['id']}", json={"qty": "-2"}, headers=headers)
    assert response.status == 422 and (await response.json())["field"] == "qty"
    response = await client.patch(f"/v2/orders/{open_['id']}", json={"side": "sell"}, headers=headers)
    assert response.status == 422 and (await response.json())["field"] == "side"
    response = await client.patch(f"/v2/orders/{open_['id']}", json={"trail": "1"}, headers=headers)
    assert response.status == 422 and (await response.json())["field"] == "trail"
    response = await client.patch(f"/v2/orders/{open_['id']}", json={"qty": "1000"}, headers=headers)
    assert response.status == 403
    assert (await fetch_order(client, headers, open_["id"]))["status"] == "new"


async def test_cancel_is_204_and_releases_the_hold(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    order = await place(client, headers, limit_body("140"))
    assert await buying_power(client, headers) == Decimal("98600")
    response = await client.delete(f"/v2/orders/{order['id']}", headers=headers)
    assert response.status == 204 and await response.read() == b""
    canceled = await fetch_order(client, headers, order["id"])
    assert canceled["status"] == "canceled" and canceled["canceled_at"] is not None
    assert await buying_power(client, headers) == Decimal("100000")


async def test_cancel_of_a_finished_order_is_422(client: Client, engine: Engine, headers: Headers) -> None:
    await set_price(engine, "AAPL", "150")
    order = await place(client, headers, order_body(qty="1"))
    response = await client.delete(f"/v2/orders/{order['id']}", headers=headers)
    assert response.status == 422
    assert (await response.json())["code"] == 42210000
    assert (await fetch_order(client, headers, order["id"]))["status"] == "filled"


async def test_cancel_all_answers_207_with_a_line_per_order(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    first = await place(client, headers, limit_body("140"))
    second = await place(client, headers, limit_body("141"))
    await place(client, headers, order_body(qty="1"))
    response = await client.delete("/v2/orders", headers=headers)
    assert response.status == 207
    lines = await response.json()
    assert sorted(line["id"] for line in lines) == sorted([first["id"], second["id"]])
    for line in lines:
        assert line["status"] == 200 and line["body"]["status"] == "canceled"
        CancelOrderResponse(**line)
    response = await client.get("/v2/orders", headers=headers)
    assert await response.json() == []
    again = await client.delete("/v2/orders", headers=headers)
    assert again.status == 207 and await again.json() == []
