"""A raw client of the market data stream for the stream tests: connect, authenticate, send, read frames."""

from __future__ import annotations

import asyncio
from typing import Any, Final

import msgpack
import orjson
from aiohttp import ClientWebSocketResponse, WSMsgType

from tests.conftest import ClientFactory
from tests.factories import HttpClient, make_app, make_settings
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.http.streams.hub import HUB, StreamHub

Json = dict[str, Any]
TIMEOUT_S: Final = 5.0
MSGPACK: Final = {"Content-Type": "application/msgpack"}


async def connect(
    client: HttpClient, path: str = "/v2/iex", *, packed: bool = False, headers: dict[str, str] | None = None
) -> ClientWebSocketResponse:
    return await client.ws_connect(path, headers={**(MSGPACK if packed else {}), **(headers or {})})


def unpack(ws: ClientWebSocketResponse, data: Any, kind: WSMsgType) -> Any:
    if kind is WSMsgType.TEXT:
        return orjson.loads(data)
    assert kind is WSMsgType.BINARY
    return msgpack.unpackb(data)  # msgpack Timestamps stay Timestamps, as alpaca-py reads them


async def frame(ws: ClientWebSocketResponse, timeout_s: float = TIMEOUT_S) -> Any:
    """The next data frame, decoded; fails on a close."""
    message = await ws.receive(timeout=timeout_s)
    assert message.type in (WSMsgType.TEXT, WSMsgType.BINARY), message
    return unpack(ws, message.data, message.type)


async def messages(ws: ClientWebSocketResponse, count: int, timeout_s: float = TIMEOUT_S) -> list[Json]:
    """The next `count` market data messages, however they are framed."""
    found: list[Json] = []
    async with asyncio.timeout(timeout_s):
        while len(found) < count:
            batch = await frame(ws)
            assert isinstance(batch, list), batch
            found.extend(batch)
    assert len(found) == count, found
    return found


async def one(ws: ClientWebSocketResponse) -> Json:
    (message,) = await messages(ws, 1)
    return message


async def send(ws: ClientWebSocketResponse, document: Any, *, packed: bool = False) -> None:
    if packed:
        await ws.send_bytes(msgpack.packb(document))
    else:
        await ws.send_str(orjson.dumps(document).decode())


async def closed_after(ws: ClientWebSocketResponse, timeout_s: float = TIMEOUT_S) -> int | None:
    """Wait for the server to close; returns the close code."""
    message = await ws.receive(timeout=timeout_s)
    assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED), message
    return int(message.data) if message.type is WSMsgType.CLOSE else ws.close_code


async def authenticated(
    client: HttpClient, account: Credentials, path: str = "/v2/iex", *, packed: bool = False
) -> ClientWebSocketResponse:
    ws = await connect(client, path, packed=packed)
    assert await one(ws) == {"T": "success", "msg": "connected"}
    await send(ws, {"action": "auth", "key": account.key_id, "secret": account.secret_key}, packed=packed)
    assert await one(ws) == {"T": "success", "msg": "authenticated"}
    return ws


def error(code: int, text: str) -> Json:
    return {"T": "error", "code": code, "msg": text}


def subscription(trades: list[str] = [], quotes: list[str] = [], bars: list[str] = []) -> Json:  # noqa: B006
    return {
        "T": "subscription",
        "trades": trades,
        "quotes": quotes,
        "bars": bars,
        "updatedBars": [],
        "dailyBars": [],
        "statuses": [],
        "lulds": [],
        "corrections": trades,
        "cancelErrors": trades,
    }


def hub_of(client: HttpClient) -> StreamHub:
    return client.app[HUB]


async def streaming_client(aiohttp_client: ClientFactory, engine: Engine, **settings: Any) -> HttpClient:
    return await aiohttp_client(make_app(engine, make_settings(**settings)))
