"""Closed orders leave the account's memory and are served from the journal's order history, over HTTP.

Every test runs twice: on the in-memory journal and on the real SQLite journal writer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import ClientFactory
from tests.factories import auth_headers, fetch_order, limit_body, make_app, make_engine, order_body, place, set_price
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.journal import Journal

Client = TestClient[web.Request, web.Application]
Headers = dict[str, str]


@pytest.fixture
def engine(journal: Journal) -> Engine:
    """The engine on the in-memory journal, or on a SQLite journal opened before it was built."""
    return make_engine(journal=journal)


@pytest.fixture
async def client(engine: Engine, aiohttp_client: ClientFactory) -> Client:
    """The app on the engine; `engine` first, so the app stops before its journal closes."""
    return await aiohttp_client(make_app(engine))


async def listing(client: Client, headers: Headers, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/v2/orders", params=params, headers=headers)
    assert response.status == 200, await response.text()
    payload: list[dict[str, Any]] = await response.json()
    return payload


async def ids(client: Client, headers: Headers, **params: str) -> list[str]:
    return [order["id"] for order in await listing(client, headers, **params)]


async def test_a_filled_order_leaves_memory_and_is_served_by_id_and_client_order_id(
    client: Client, engine: Engine, account: Credentials, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    filled = await place(client, headers, order_body(qty="2", client_order_id="mine-1"))
    assert filled["status"] == "filled"
    state = engine.account(account.account_id)
    assert UUID(filled["id"]) not in state.orders
    assert state.client_order_ids["mine-1"] == UUID(filled["id"])
    assert await fetch_order(client, headers, filled["id"]) == filled
    response = await client.get("/v2/orders:by_client_order_id", params={"client_order_id": "mine-1"}, headers=headers)
    assert response.status == 200 and await response.json() == filled
    assert await ids(client, headers, status="closed") == [filled["id"]]
    assert await ids(client, headers) == []  # status=open: nothing rests
    again = await client.post("/v2/orders", json=order_body(qty="1", client_order_id="mine-1"), headers=headers)
    assert again.status == 422  # a closed order's client order id stays taken


async def test_another_accounts_closed_order_is_404_and_never_listed(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    filled = await place(client, headers, order_body(qty="1", client_order_id="theirs"))
    other = auth_headers(await engine.open_account(Decimal(1000)))
    assert (await client.get(f"/v2/orders/{filled['id']}", headers=other)).status == 404
    response = await client.get("/v2/orders:by_client_order_id", params={"client_order_id": "theirs"}, headers=other)
    assert response.status == 404
    assert await ids(client, other, status="all") == []
    assert (await client.delete(f"/v2/orders/{filled['id']}", headers=other)).status == 404
    assert (await client.patch(f"/v2/orders/{filled['id']}", json={"qty": "1"}, headers=other)).status == 404


async def test_cancel_and_replace_of_a_closed_order_are_422_naming_its_status(
    client: Client, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    filled = await place(client, headers, order_body(qty="1"))
    resting = await place(client, headers, limit_body("140"))
    assert (await client.delete(f"/v2/orders/{resting['id']}", headers=headers)).status == 204
    for order, status in ((filled, "filled"), (resting, "canceled")):
        response = await client.delete(f"/v2/orders/{order['id']}", headers=headers)
        body = await response.json()
        assert response.status == 422 and body["code"] == 42210000
        assert body["message"] == f"order is {status} and can no longer be canceled"
        response = await client.patch(f"/v2/orders/{order['id']}", json={"qty": "2"}, headers=headers)
        body = await response.json()
        assert response.status == 422 and body["message"] == f"order is {status} and can no longer be replaced"


async def test_a_replaced_order_is_served_closed_and_its_replacement_open(
    client: Client, engine: Engine, account: Credentials, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    old = await place(client, headers, limit_body("140", client_order_id="first"))
    response = await client.patch(f"/v2/orders/{old['id']}", json={"limit_price": "141"}, headers=headers)
    new = await response.json()
    assert response.status == 200
    assert list(engine.account(account.account_id).orders) == [UUID(new["id"])]
    replaced = await fetch_order(client, headers, old["id"])
    assert replaced["status"] == "replaced" and replaced["replaced_by"] == new["id"]
    response = await client.get("/v2/orders:by_client_order_id", params={"client_order_id": "first"}, headers=headers)
    assert (await response.json())["status"] == "replaced"
    assert await ids(client, headers) == [new["id"]]
    assert await ids(client, headers, status="closed") == [old["id"]]
    assert await ids(client, headers, status="all", direction="asc") == [old["id"], new["id"]]


async def test_closed_and_all_listings_merge_memory_and_journal_with_filters_and_limits(
    client: Client, engine: Engine, account: Credentials, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "150")
    await set_price(engine, "MSFT", "400")
    placed: list[dict[str, Any]] = []
    for body in (
        order_body(qty="3"),  # filled
        limit_body("140"),  # open
        order_body(symbol="MSFT", qty="1"),  # filled
        limit_body("390", symbol="MSFT"),  # canceled below
        order_body(qty="1", side="sell"),  # filled
        limit_body("160", side="sell", qty="1"),  # open
        order_body(qty="1"),  # filled
    ):
        placed.append(await place(client, headers, body))
    assert (await client.delete(f"/v2/orders/{placed[3]['id']}", headers=headers)).status == 204
    order_ids = [order["id"] for order in placed]
    closed = [order_ids[i] for i in (0, 2, 3, 4, 6)]
    opened = [order_ids[1], order_ids[5]]
    assert {str(order_id) for order_id in engine.account(account.account_id).orders} == set(opened)

    newest_first = list(reversed(order_ids))
    assert await ids(client, headers) == [i for i in newest_first if i in opened]
    assert await ids(client, headers, status="closed") == [i for i in newest_first if i in closed]
    assert await ids(client, headers, status="all") == newest_first
    assert await ids(client, headers, status="all", direction="asc") == order_ids
    assert await ids(client, headers, status="all", limit="3") == newest_first[:3]
    assert await ids(client, headers, status="all", direction="asc", limit="2") == order_ids[:2]
    assert await ids(client, headers, status="closed", limit="2") == [order_ids[6], order_ids[4]]
    assert await ids(client, headers, status="all", symbols="msft") == [order_ids[3], order_ids[2]]
    assert await ids(client, headers, status="closed", side="sell") == [order_ids[4]]
    assert await ids(client, headers, status="all", side="sell", limit="1") == [order_ids[5]]
    assert await ids(client, headers, status="all", side="buy", symbols="AAPL", limit="2") == [
        order_ids[6],
        order_ids[1],
    ]
    after, until = placed[1]["submitted_at"], placed[4]["submitted_at"]
    assert await ids(client, headers, status="all", after=after, until=until, direction="asc") == order_ids[2:5]
    closed_between = [order_ids[4], order_ids[3], order_ids[2]]
    assert await ids(client, headers, status="closed", after=after, until=until) == closed_between
    everything = {order["id"]: order for order in await listing(client, headers, status="all")}
    for order_id in order_ids:
        assert everything[order_id] == await fetch_order(client, headers, order_id)
    assert everything[order_ids[3]]["status"] == "canceled" and everything[order_ids[0]]["status"] == "filled"
