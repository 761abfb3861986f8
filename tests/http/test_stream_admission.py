"""Stream connections waiting to authenticate are capped per address and in all, before the upgrade."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, Final

import orjson
import pytest
from aiohttp import ClientResponse, ClientWebSocketResponse, WSServerHandshakeError

from tests.conftest import ClientFactory
from tests.factories import HttpClient, auth_headers, make_app, make_engine, make_settings
from tradeloop.actors.engine import Engine
from tradeloop.http.headers import SECURITY_HEADERS
from tradeloop.http.streams.admission import WAITING, Waiting

TIMEOUT_S: Final = 5.0
UPGRADE: Final = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}
"""A WebSocket handshake as a plain GET, to read the body of a refusal."""
PATHS: Final = ("/v2/iex", "/stream")


@pytest.fixture
def engine() -> Engine:
    return make_engine()


async def capped(aiohttp_client: ClientFactory, engine: Engine, *, per_address: int, total: int) -> HttpClient:
    settings = make_settings(stream_max_unauthenticated_per_address=per_address, stream_max_unauthenticated=total)
    return await aiohttp_client(make_app(engine, settings))


async def first_frame(ws: ClientWebSocketResponse) -> Any:
    message = await ws.receive(timeout=TIMEOUT_S)
    return orjson.loads(message.data)


def waiting_room(client: HttpClient) -> Waiting:
    assert client.app is not None
    return client.app[WAITING]


async def until(condition: Any) -> None:
    async with asyncio.timeout(TIMEOUT_S):
        while not condition():
            await asyncio.sleep(0.01)


async def assert_refused(response: ClientResponse, status: int, code: int, retry_after_s: str) -> None:
    assert response.status == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Retry-After"] == retry_after_s
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    body = await response.json()
    assert (body["status"], body["code"], body["retry_after"]) == (status, code, int(retry_after_s))
    assert "waiting to authenticate" in body["message"]


@pytest.mark.parametrize("path", PATHS)
async def test_an_address_may_hold_only_its_share_of_unauthenticated_connections(
    aiohttp_client: ClientFactory, engine: Engine, path: str
) -> None:
    client = await capped(aiohttp_client, engine, per_address=2, total=100)
    held = [await client.ws_connect(path) for _ in range(2)]
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect(path)
    assert refused.value.status == 429
    await assert_refused(await client.get(path, headers=UPGRADE), 429, 42910000, "10")
    assert len(waiting_room(client)) == 2
    for ws in held:
        await ws.close()


async def test_the_server_holds_only_so_many_unauthenticated_connections_in_all(
    aiohttp_client: ClientFactory, engine: Engine
) -> None:
    client = await capped(aiohttp_client, engine, per_address=10, total=3)
    held = [await client.ws_connect(PATHS[i % 2]) for i in range(3)]
    for path in PATHS:
        await assert_refused(await client.get(path, headers=UPGRADE), 503, 50310003, "10")
    for ws in held:
        await ws.close()


async def test_authenticating_or_leaving_frees_the_slot(aiohttp_client: ClientFactory, engine: Engine) -> None:
    client = await capped(aiohttp_client, engine, per_address=2, total=100)
    credentials = await engine.open_account(Decimal(1000))
    authenticating = await client.ws_connect("/v2/iex")
    leaving = await client.ws_connect("/v2/iex")
    assert await first_frame(authenticating) == [{"T": "success", "msg": "connected"}]
    await authenticating.send_str(
        orjson.dumps({"action": "auth", "key": credentials.key_id, "secret": credentials.secret_key}).decode()
    )
    assert await first_frame(authenticating) == [{"T": "success", "msg": "authenticated"}]
    room = waiting_room(client)
    assert len(room) == 1
    third = await client.ws_connect("/v2/iex")  # the authenticated one no longer counts
    await leaving.close()
    await until(lambda: len(room) == 1)
    fourth = await client.ws_connect("/stream")  # nor the one that left
    for ws in (authenticating, third, fourth):
        await ws.close()
    await until(lambda: len(room) == 0)


async def test_a_connection_authenticated_by_its_headers_never_stays_counted(
    aiohttp_client: ClientFactory, engine: Engine
) -> None:
    client = await capped(aiohttp_client, engine, per_address=1, total=100)
    credentials = await engine.open_account(Decimal(1000))
    ws = [await client.ws_connect("/v2/iex", headers=auth_headers(credentials)) for _ in range(3)]
    assert len(waiting_room(client)) == 0
    for each in ws:
        await each.close()


async def test_a_request_that_is_no_upgrade_gives_its_slot_back(aiohttp_client: ClientFactory, engine: Engine) -> None:
    client = await capped(aiohttp_client, engine, per_address=1, total=100)
    for _ in range(3):
        response = await client.get("/stream")
        assert response.status == 400
    assert len(waiting_room(client)) == 0


def test_the_defaults_are_32_per_address_and_512_in_all() -> None:
    room = Waiting.from_settings(make_settings())
    assert (room.per_address, room.total, room.retry_after_s) == (32, 512, 10)
