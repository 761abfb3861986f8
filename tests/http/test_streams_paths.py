"""Each stream answers at its path with and without a trailing slash: a client that connects at /stream/ is served."""

from __future__ import annotations

import orjson
import pytest
from aiohttp import WSMsgType

from tests.factories import HttpClient
from tests.http.streams_client import TIMEOUT_S, connect, frame, send
from tradeloop.actors.engine import Credentials


@pytest.mark.parametrize("path", ["/stream", "/stream/"])
async def test_the_trading_stream_authenticates_at_either_spelling(
    client: HttpClient, account: Credentials, path: str
) -> None:
    ws = await connect(client, path)
    await send(ws, {"action": "authenticate", "data": {"key_id": account.key_id, "secret_key": account.secret_key}})
    message = await ws.receive(timeout=TIMEOUT_S)
    assert message.type is WSMsgType.TEXT
    assert orjson.loads(message.data) == {
        "stream": "authorization",
        "data": {"action": "authenticate", "status": "authorized"},
    }
    await ws.close()


@pytest.mark.parametrize("path", ["/v2/iex/", "/v2/sip/"])
async def test_the_market_data_streams_authenticate_with_a_trailing_slash(
    client: HttpClient, account: Credentials, path: str
) -> None:
    ws = await connect(client, path)
    assert await frame(ws) == [{"T": "success", "msg": "connected"}]
    await send(ws, {"action": "auth", "key": account.key_id, "secret": account.secret_key})
    assert await frame(ws) == [{"T": "success", "msg": "authenticated"}]
    await ws.close()


async def test_a_deeper_path_under_a_stream_is_still_not_found(client: HttpClient) -> None:
    response = await client.get("/stream/more")
    assert response.status == 404
