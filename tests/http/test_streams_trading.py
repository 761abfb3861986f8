"""The trading stream at /stream: trade updates of the authenticated account only."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, Final

import msgpack
import orjson
import pytest
from aiohttp import ClientWebSocketResponse, WSMsgType

from tests.conftest import ClientFactory
from tests.factories import HttpClient, auth_headers, limit_body, order_body, place, set_price
from tests.http.streams_client import TIMEOUT_S, closed_after, connect, send, streaming_client
from tradeloop.actors.engine import Credentials, Engine

Json = dict[str, Any]
UPDATE_KEYS: Final = {"event", "timestamp", "order"}
FILL_KEYS: Final = UPDATE_KEYS | {"execution_id", "price", "qty", "position_qty"}


async def message(ws: ClientWebSocketResponse, timeout_s: float = TIMEOUT_S) -> Json:
    """The next message: one per frame on this stream."""
    frame = await ws.receive(timeout=timeout_s)
    if frame.type is WSMsgType.TEXT:
        found = orjson.loads(frame.data)
    else:
        assert frame.type is WSMsgType.BINARY, frame
        found = msgpack.unpackb(frame.data)
    assert isinstance(found, dict), found
    return found


def authorization(status: str, action: str = "authenticate") -> Json:
    return {"stream": "authorization", "data": {"action": action, "status": status}}


def stream_error(code: int, text: str) -> Json:
    return {"stream": "error", "data": {"code": code, "message": text}}


async def listening(
    client: HttpClient, account: Credentials, *, packed: bool = False, streams: list[str] | None = None
) -> ClientWebSocketResponse:
    ws = await connect(client, "/stream", packed=packed)
    auth = {"action": "authenticate", "data": {"key_id": account.key_id, "secret_key": account.secret_key}}
    await send(ws, auth, packed=packed)
    assert await message(ws) == authorization("authorized")
    await send(ws, {"action": "listen", "data": {"streams": streams or ["trade_updates"]}}, packed=packed)
    assert await message(ws) == {"stream": "listening", "data": {"streams": ["trade_updates"]}}
    return ws


async def update(ws: ClientWebSocketResponse) -> Json:
    found = await message(ws)
    assert found["stream"] == "trade_updates", found
    data: Json = found["data"]
    return data


async def test_a_market_order_streams_new_then_fill(
    client: HttpClient, engine: Engine, account: Credentials, headers: dict[str, str]
) -> None:
    await set_price(engine, "AAPL", "100")
    ws = await listening(client, account)
    order = await place(client, headers, order_body(qty="3"))
    new = await update(ws)
    assert set(new) == UPDATE_KEYS
    assert new["event"] == "new" and new["order"]["id"] == order["id"]
    assert new["order"]["status"] == "new" and new["order"]["filled_qty"] == "0"
    fill = await update(ws)
    assert set(fill) == FILL_KEYS
    assert fill["event"] == "fill" and fill["order"]["id"] == order["id"]
    assert fill["order"]["status"] == "filled" and fill["order"]["filled_qty"] == "3"
    assert (fill["price"], fill["qty"], fill["position_qty"]) == ("100", "3", "3")
    assert fill["timestamp"].endswith("Z") and fill["execution_id"]


async def test_msgpack_clients_get_binary_frames(
    client: HttpClient, engine: Engine, account: Credentials, headers: dict[str, str]
) -> None:
    await set_price(engine, "AAPL", "100")
    ws = await listening(client, account, packed=True)
    await place(client, headers, order_body(qty="1"))
    frame = await ws.receive(timeout=TIMEOUT_S)
    assert frame.type is WSMsgType.BINARY
    assert msgpack.unpackb(frame.data)["data"]["event"] == "new"


async def test_each_account_hears_only_its_own_orders(
    client: HttpClient, engine: Engine, account: Credentials, headers: dict[str, str]
) -> None:
    other = await engine.open_account(Decimal(100_000))
    await set_price(engine, "AAPL", "100")
    mine = await listening(client, account)
    theirs = await listening(client, other)
    placed = await place(client, headers, order_body(qty="2"))
    assert [(await update(mine))["event"] for _ in range(2)] == ["new", "fill"]
    their_order = await place(client, auth_headers(other), order_body(qty="5"))
    first = await update(theirs)
    assert first["order"]["id"] == their_order["id"] != placed["id"]
    assert (await update(theirs))["position_qty"] == "5"


async def test_cancel_and_replace_are_streamed_with_alpaca_event_names(
    client: HttpClient, engine: Engine, account: Credentials, headers: dict[str, str]
) -> None:
    await set_price(engine, "AAPL", "100")
    ws = await listening(client, account)
    order = await place(client, headers, limit_body("90", qty="1", time_in_force="gtc"))
    assert (await update(ws))["event"] == "new"
    response = await client.patch(f"/v2/orders/{order['id']}", json={"limit_price": "91"}, headers=headers)
    replacement = await response.json()
    assert response.status == 200, replacement
    replaced = await update(ws)
    assert replaced["event"] == "replaced" and replaced["order"]["id"] == order["id"]
    assert replaced["order"]["status"] == "replaced" and replaced["order"]["replaced_by"] == replacement["id"]
    new = await update(ws)
    assert new["event"] == "new" and new["order"]["id"] == replacement["id"]
    assert new["order"]["limit_price"] == "91"
    response = await client.delete(f"/v2/orders/{replacement['id']}", headers=headers)
    assert response.status == 204
    canceled = await update(ws)
    assert canceled["event"] == "canceled" and canceled["order"]["status"] == "canceled"


async def test_partial_fills_show_the_order_as_of_each_fill(
    client: HttpClient, engine: Engine, account: Credentials, headers: dict[str, str]
) -> None:
    await set_price(engine, "AAPL", "100", size="4")
    ws = await listening(client, account)
    await place(client, headers, limit_body("100", qty="10", time_in_force="gtc"))
    assert (await update(ws))["event"] == "new"
    first = await update(ws)
    assert first["event"] == "partial_fill" and first["qty"] == "4"
    assert first["order"]["status"] == "partially_filled" and first["order"]["filled_qty"] == "4"
    await set_price(engine, "AAPL", "100", size="100")
    last = await update(ws)
    assert last["event"] == "fill" and last["qty"] == "6" and last["position_qty"] == "10"
    assert last["order"]["status"] == "filled" and last["order"]["filled_qty"] == "10"


async def test_an_empty_listen_stops_the_updates(
    client: HttpClient, engine: Engine, account: Credentials, headers: dict[str, str]
) -> None:
    await set_price(engine, "AAPL", "100")
    ws = await listening(client, account)
    await send(ws, {"action": "listen", "data": {"streams": []}})
    assert await message(ws) == {"stream": "listening", "data": {"streams": []}}
    await place(client, headers, order_body(qty="1"))
    with pytest.raises(asyncio.TimeoutError):
        await message(ws, timeout_s=0.2)


async def test_unknown_streams_are_left_out_of_the_acknowledgement(client: HttpClient, account: Credentials) -> None:
    ws = await listening(client, account, streams=["trade_updates", "account_updates"])
    await ws.close()


async def test_a_wrong_secret_is_unauthorized_and_closes(client: HttpClient, account: Credentials) -> None:
    ws = await connect(client, "/stream")
    await send(ws, {"action": "authenticate", "data": {"key_id": account.key_id, "secret_key": "nope"}})
    assert await message(ws) == authorization("unauthorized")
    assert await closed_after(ws) is not None


async def test_listening_before_authenticating_is_unauthorized(client: HttpClient, account: Credentials) -> None:
    ws = await connect(client, "/stream")
    await send(ws, {"action": "listen", "data": {"streams": ["trade_updates"]}})
    assert await message(ws) == authorization("unauthorized", "listen")
    auth = {"action": "authenticate", "data": {"key_id": account.key_id, "secret_key": account.secret_key}}
    await send(ws, auth)
    assert await message(ws) == authorization("authorized")
    await send(ws, auth)
    assert await message(ws) == stream_error(403, "already authenticated")


@pytest.mark.parametrize(
    "raw",
    [
        "{",
        '"text"',
        '{"action": "listen"}',
        '{"action": "listen", "data": {"streams": "trade_updates"}}',
        '{"action": "authenticate", "data": {"key_id": 7}}',
        '{"action": "subscribe", "data": {}}',
    ],
)
async def test_garbage_is_400_and_the_connection_stays(client: HttpClient, raw: str) -> None:
    ws = await connect(client, "/stream")
    await ws.send_str(raw)
    assert await message(ws) == stream_error(400, "invalid syntax")
    await ws.send_str(raw)
    assert await message(ws) == stream_error(400, "invalid syntax")


async def test_no_authentication_in_time_is_404(aiohttp_client: ClientFactory, engine: Engine) -> None:
    client = await streaming_client(aiohttp_client, engine, stream_auth_timeout_s=0.2)
    ws = await connect(client, "/stream")
    assert await message(ws) == stream_error(404, "auth timeout")
    assert await closed_after(ws) is not None


async def test_connections_past_the_per_key_limit_are_406(aiohttp_client: ClientFactory, engine: Engine) -> None:
    client = await streaming_client(aiohttp_client, engine, stream_max_connections_per_key=1)
    account = await engine.open_account(Decimal(1000))
    await listening(client, account)
    ws = await connect(client, "/stream")
    await send(ws, {"action": "authenticate", "data": {"key_id": account.key_id, "secret_key": account.secret_key}})
    assert await message(ws) == stream_error(406, "connection limit exceeded")
    assert await closed_after(ws) is not None
