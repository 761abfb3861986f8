"""Notifications over HTTP and the trading stream: the list with filters, pages and the unread count, reads, another
account's id, and order.filled on the stream (JSON and msgpack) with the same record the list shows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse

from tests.conftest import ClientFactory
from tests.factories import HttpClient, auth_headers, limit_body, make_app, make_engine, order_body, place, set_price
from tests.http.streams_client import connect, frame, send
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.journal import Journal

Json = dict[str, Any]
NOTIFICATION_KEYS = {"id", "type", "created_at", "account_id", "data", "read_at"}


@pytest.fixture
def engine(journal: Journal) -> Engine:
    """The app's engine, on the in-memory journal and on SQLite (the list reads the journal's table)."""
    return make_engine(journal=journal)


@pytest.fixture
async def client(engine: Engine, aiohttp_client: ClientFactory) -> HttpClient:
    """The app on the engine; `engine` first, so the app stops before its journal closes."""
    return await aiohttp_client(make_app(engine))


async def call(client: HttpClient, headers: dict[str, str], method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = await client.request(method, path, headers=headers, **kwargs)
    return response.status, await response.json()


async def page(client: HttpClient, headers: dict[str, str], **params: str) -> Json:
    status, found = await call(client, headers, "GET", "/v2/notifications", params=params)
    assert status == 200, found
    assert isinstance(found, dict)
    return found


async def _fill_and_cancel(client: HttpClient, engine: Engine, headers: dict[str, str]) -> tuple[Json, Json]:
    """A market buy that fills and a resting limit canceled: order.filled, then order.canceled."""
    await set_price(engine, "AAPL", "100")
    filled = await place(client, headers, order_body(qty="3", client_order_id="mine"))
    resting = await place(client, headers, limit_body("50", qty="1", time_in_force="gtc"))
    response = await client.delete(f"/v2/orders/{resting['id']}", headers=headers)
    assert response.status == 204
    return filled, resting


async def test_the_list_shows_each_notification_newest_first_with_the_unread_count(
    client: HttpClient, engine: Engine, account: Credentials, headers: dict[str, str]
) -> None:
    filled, resting = await _fill_and_cancel(client, engine, headers)
    found = await page(client, headers)
    assert set(found) == {"notifications", "unread", "next_page_token"}
    canceled, fill = found["notifications"]
    assert (found["unread"], found["next_page_token"]) == (2, None)
    assert set(fill) == NOTIFICATION_KEYS and fill["read_at"] is None
    assert (fill["type"], fill["account_id"]) == ("order.filled", str(account.account_id))
    assert fill["data"]["order_id"] == filled["id"] and fill["data"]["client_order_id"] == "mine"
    assert (fill["data"]["qty"], fill["data"]["price"], fill["data"]["order_status"]) == ("3", "100", "filled")
    assert (canceled["type"], canceled["data"]["order_id"], canceled["data"]["reason"]) == (
        "order.canceled", resting["id"], "canceled by client",
    )  # fmt: skip
    assert fill["created_at"].endswith("Z") and fill["created_at"] <= canceled["created_at"]


async def test_filters_by_type_and_time_and_pages_by_token(
    client: HttpClient, engine: Engine, account: Credentials, headers: dict[str, str]
) -> None:
    await _fill_and_cancel(client, engine, headers)
    await engine.adjust_cash(account.account_id, Decimal(10), "top up")
    everything = (await page(client, headers))["notifications"]
    assert [each["type"] for each in everything] == ["account.funds", "order.canceled", "order.filled"]
    by_type = await page(client, headers, types="order.filled,account.funds")
    assert [each["type"] for each in by_type["notifications"]] == ["account.funds", "order.filled"]
    assert by_type["unread"] == 3  # the count is the account's, whatever the filter
    first = await page(client, headers, limit="2")
    assert first["notifications"] == everything[:2] and first["next_page_token"] == everything[1]["id"]
    rest = await page(client, headers, limit="2", page_token=first["next_page_token"])
    assert rest["notifications"] == everything[2:] and rest["next_page_token"] is None
    oldest = await page(client, headers, direction="asc", limit="1")
    assert oldest["notifications"] == [everything[-1]]
    after_fill = await page(client, headers, after=everything[-1]["created_at"])
    assert everything[-1] not in after_fill["notifications"]
    until_fill = await page(client, headers, until=everything[-1]["created_at"])
    assert until_fill["notifications"] == [everything[-1]]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"types": "order.exploded"}, "types"), ({"limit": "0"}, "limit"), ({"direction": "up"}, "direction"),
     ({"page_token": "not-a-uuid"}, "page_token"), ({"after": "yesterday"}, "after")],
)  # fmt: skip
async def test_a_bad_query_parameter_is_400_naming_it(
    client: HttpClient, headers: dict[str, str], params: dict[str, str], field: str
) -> None:
    status, found = await call(client, headers, "GET", "/v2/notifications", params=params)
    assert (status, found["code"]) == (400, 40010001)
    assert field in found["message"]


async def test_a_page_token_of_another_account_is_400(
    client: HttpClient, engine: Engine, headers: dict[str, str]
) -> None:
    await _fill_and_cancel(client, engine, headers)
    token = (await page(client, headers))["notifications"][0]["id"]
    other = auth_headers(await engine.open_account(Decimal(1000)))
    status, found = await call(client, other, "GET", "/v2/notifications", params={"page_token": token})
    assert (status, found["code"]) == (400, 40010001) and "page_token" in found["message"]


async def test_reading_one_sets_its_read_at_once_and_lowers_the_count(
    client: HttpClient, engine: Engine, headers: dict[str, str]
) -> None:
    await _fill_and_cancel(client, engine, headers)
    canceled, fill = (await page(client, headers))["notifications"]
    status, read = await call(client, headers, "POST", f"/v2/notifications/{fill['id']}/read")
    assert status == 200
    assert {**read, "read_at": None} == fill and read["read_at"].endswith("Z")
    status, again = await call(client, headers, "POST", f"/v2/notifications/{fill['id']}/read")
    assert (status, again) == (200, read)
    found = await page(client, headers)
    assert (found["unread"], found["notifications"]) == (1, [canceled, read])
    assert (await page(client, headers, unread="true"))["notifications"] == [canceled]


async def test_another_accounts_notification_and_an_unknown_id_are_404_and_change_nothing(
    client: HttpClient, engine: Engine, headers: dict[str, str]
) -> None:
    await _fill_and_cancel(client, engine, headers)
    _, fill = (await page(client, headers))["notifications"]
    other = auth_headers(await engine.open_account(Decimal(1000)))
    for path in (f"/v2/notifications/{fill['id']}/read", "/v2/notifications/7e57c0de-0000-4000-8000-000000000000/read",
                 "/v2/notifications/nonsense/read"):  # fmt: skip
        status, found = await call(client, other, "POST", path)
        assert (status, found["code"]) == (404, 40410000)
    assert (await page(client, headers))["unread"] == 2


async def test_read_all_reads_everything_made_so_far_or_up_to_a_time(
    client: HttpClient, engine: Engine, headers: dict[str, str]
) -> None:
    await _fill_and_cancel(client, engine, headers)
    canceled, fill = (await page(client, headers))["notifications"]
    status, found = await call(client, headers, "POST", "/v2/notifications/read_all", json={"until": fill["created_at"]})
    assert (status, found) == (200, {"unread": 1})
    assert (await page(client, headers, unread="true"))["notifications"] == [canceled]
    status, found = await call(client, headers, "POST", "/v2/notifications/read_all")
    assert (status, found) == (200, {"unread": 0})
    status, found = await call(client, headers, "POST", "/v2/notifications/read_all", json={"until": "soon"})
    assert (status, found["code"]) == (422, 40010001) and "until" in found["message"]


async def _listening(client: HttpClient, account: Credentials, *, packed: bool) -> ClientWebSocketResponse:
    ws = await connect(client, "/stream", packed=packed)
    auth = {"action": "authenticate", "data": {"key_id": account.key_id, "secret_key": account.secret_key}}
    await send(ws, auth, packed=packed)
    assert await frame(ws) == {"stream": "authorization", "data": {"action": "authenticate", "status": "authorized"}}
    await send(ws, {"action": "listen", "data": {"streams": ["notifications"]}}, packed=packed)
    assert await frame(ws) == {"stream": "listening", "data": {"streams": ["notifications"]}}
    return ws


@pytest.mark.parametrize("packed", [False, True], ids=["json", "msgpack"])
async def test_the_stream_sends_each_notification_in_order_as_the_list_shows_it(
    client: HttpClient, engine: Engine, account: Credentials, headers: dict[str, str], packed: bool
) -> None:
    other = await engine.open_account(Decimal(100_000))
    ws = await _listening(client, account, packed=packed)
    quiet = await _listening(client, other, packed=packed)
    filled, _ = await _fill_and_cancel(client, engine, headers)
    first, second = await frame(ws), await frame(ws)  # no trade update before them: only notifications listened to
    assert [first["stream"], second["stream"]] == ["notifications", "notifications"]
    listed = (await page(client, headers))["notifications"]
    assert [first["data"], second["data"]] == [{k: v for k, v in each.items() if k != "read_at"} for each in reversed(listed)]
    assert first["data"]["type"] == "order.filled" and first["data"]["data"]["order_id"] == filled["id"]
    with pytest.raises(TimeoutError):  # another account's connection heard nothing
        await quiet.receive(timeout=0.2)
    await ws.close()
    await quiet.close()
