"""The market data stream at /v2/iex and /v2/sip, spoken raw in JSON and msgpack."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import msgpack
import orjson
import pytest
from aiohttp import WSMsgType

from tests.conftest import ClientFactory
from tests.factories import HttpClient, set_price
from tests.http.streams_client import (
    TIMEOUT_S,
    Json,
    authenticated,
    closed_after,
    connect,
    error,
    frame,
    hub_of,
    messages,
    one,
    send,
    streaming_client,
    subscription,
)
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.config import load_settings
from tradeloop.core.events import KeysRotated
from tradeloop.http.streams.hub import StreamKind, StreamLimits
from tradeloop.security import hash_secret

# -- configuration ---------------------------------------------------------------


def test_stream_limits_come_from_the_environment_and_flags() -> None:
    environ = {
        "TRADELOOP_STREAM_MAX_CONNECTIONS_PER_KEY": "1",
        "TRADELOOP_STREAM_MAX_SYMBOLS": "30",
        "TRADELOOP_STREAM_OUTBOX_SIZE": "500",
        "TRADELOOP_STREAM_AUTH_TIMEOUT_S": "2.5",
    }
    settings = load_settings(["--stream-slow-client-s", "0.5", "--stream-heartbeat-s", "15"], environ)
    limits = StreamLimits.from_settings(settings)
    assert (limits.connections_per_key, limits.symbols_per_connection, limits.outbox_size) == (1, 30, 500)
    assert (limits.auth_timeout_s, limits.slow_client_s, limits.heartbeat_s) == (2.5, 0.5, 15.0)
    defaults = StreamLimits.from_settings(load_settings([], {}))
    assert defaults == StreamLimits()


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_stream_timeouts_must_be_positive_numbers(value: str) -> None:
    with pytest.raises(SystemExit):
        load_settings([], {"TRADELOOP_STREAM_AUTH_TIMEOUT_S": value})


# -- connecting and authenticating ---------------------------------------------


@pytest.mark.parametrize("path", ["/v2/iex", "/v2/sip"])
async def test_connect_then_authenticate_in_json_text_frames(
    client: HttpClient, account: Credentials, path: str
) -> None:
    ws = await connect(client, path)
    message = await ws.receive(timeout=TIMEOUT_S)
    assert message.type is WSMsgType.TEXT
    assert orjson.loads(message.data) == [{"T": "success", "msg": "connected"}]
    await send(ws, {"action": "auth", "key": account.key_id, "secret": account.secret_key})
    assert await frame(ws) == [{"T": "success", "msg": "authenticated"}]


async def test_msgpack_clients_get_binary_msgpack_frames(client: HttpClient, account: Credentials) -> None:
    ws = await connect(client, packed=True)
    message = await ws.receive(timeout=TIMEOUT_S)
    assert message.type is WSMsgType.BINARY
    assert msgpack.unpackb(message.data) == [{"T": "success", "msg": "connected"}]
    await send(ws, {"action": "auth", "key": account.key_id, "secret": account.secret_key}, packed=True)
    assert await frame(ws) == [{"T": "success", "msg": "authenticated"}]


async def test_credentials_in_the_upgrade_headers_authenticate_at_once(
    client: HttpClient, account: Credentials
) -> None:
    headers = {"APCA-API-KEY-ID": account.key_id, "APCA-API-SECRET-KEY": account.secret_key}
    ws = await connect(client, headers=headers)
    assert await messages(ws, 2) == [{"T": "success", "msg": "connected"}, {"T": "success", "msg": "authenticated"}]
    await send(ws, {"action": "auth", "key": account.key_id, "secret": account.secret_key})
    assert await one(ws) == error(403, "already authenticated")


async def test_a_plain_get_of_a_stream_path_is_a_bad_request_not_an_auth_failure(client: HttpClient) -> None:
    response = await client.get("/v2/iex")
    assert response.status == 400


@pytest.mark.parametrize("packed", [False, True])
async def test_a_wrong_secret_is_402_auth_failed_and_closes(
    client: HttpClient, account: Credentials, packed: bool
) -> None:
    ws = await connect(client, packed=packed)
    await one(ws)
    await send(ws, {"action": "auth", "key": account.key_id, "secret": "wrong"}, packed=packed)
    assert await one(ws) == error(402, "auth failed")
    assert await closed_after(ws) is not None


async def test_authenticating_twice_is_403_and_keeps_the_connection(client: HttpClient, account: Credentials) -> None:
    ws = await authenticated(client, account)
    await send(ws, {"action": "auth", "key": account.key_id, "secret": account.secret_key})
    assert await one(ws) == error(403, "already authenticated")
    await send(ws, {"action": "subscribe", "trades": ["AAPL"]})
    assert await one(ws) == subscription(trades=["AAPL"])


async def test_no_auth_within_the_timeout_is_404_and_closes(aiohttp_client: ClientFactory, engine: Engine) -> None:
    client = await streaming_client(aiohttp_client, engine, stream_auth_timeout_s=0.2)
    ws = await connect(client)
    await one(ws)
    assert await one(ws) == error(404, "auth timeout")
    assert await closed_after(ws) is not None


async def test_connections_past_the_per_key_limit_are_406(aiohttp_client: ClientFactory, engine: Engine) -> None:
    client = await streaming_client(aiohttp_client, engine, stream_max_connections_per_key=1)
    account = await engine.open_account(Decimal(1000))
    first = await authenticated(client, account, "/v2/iex")
    second = await connect(client, "/v2/sip")
    await one(second)
    await send(second, {"action": "auth", "key": account.key_id, "secret": account.secret_key})
    assert await one(second) == error(406, "connection limit exceeded")
    assert await closed_after(second) is not None
    await first.close()
    third = await authenticated(client, account, "/v2/sip")  # the first one's place is free again
    await third.close()


async def test_failed_authentications_are_throttled_but_never_refuse_right_keys(
    aiohttp_client: ClientFactory, engine: Engine
) -> None:
    client = await streaming_client(aiohttp_client, engine, rate_limit_per_min=2)
    account = await engine.open_account(Decimal(1000))
    stranger = {"action": "auth", "key": "PKSTRANGER0000000001", "secret": "wrong"}
    for expected in (
        error(402, "auth failed"),
        error(402, "auth failed"),
        error(429, "too many failed authentications, retry later"),
    ):
        ws = await connect(client)
        await one(ws)
        await send(ws, stranger)
        assert await one(ws) == expected
        assert await closed_after(ws) is not None
    # the address spent its failures, but right credentials from it are taken in
    ws = await authenticated(client, account)
    await ws.close()


async def test_replacing_the_key_ends_its_streams(client: HttpClient, engine: Engine, account: Credentials) -> None:
    ws = await authenticated(client, account)
    rotated = KeysRotated(
        account_id=account.account_id,
        key_id="PKNEWKEY000000000001",
        secret_hash=hash_secret("new-secret"),
        timestamp=datetime.now(timezone.utc),
    )
    await engine.record(account.account_id, [rotated])
    assert await one(ws) == error(402, "auth failed")
    assert await closed_after(ws) is not None


# -- garbage in, an error out ---------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2]",
        '{"action": "dance"}',
        '{"action": "auth", "key": 1, "secret": 2}',
        '{"no": "action"}',
    ],
)
async def test_garbage_is_400_invalid_syntax_and_the_connection_stays(client: HttpClient, raw: str) -> None:
    ws = await connect(client)
    await one(ws)
    await ws.send_str(raw)
    assert await one(ws) == error(400, "invalid syntax")
    await ws.send_bytes(b"\xc1\xff")  # neither JSON nor msgpack
    assert await one(ws) == error(400, "invalid syntax")


async def test_garbage_on_a_msgpack_connection_is_an_error_too(client: HttpClient) -> None:
    ws = await connect(client, packed=True)
    await one(ws)
    await ws.send_bytes(b"\xc1")
    assert await one(ws) == error(400, "invalid syntax")


async def test_subscribing_before_authenticating_is_401(client: HttpClient, account: Credentials) -> None:
    ws = await connect(client)
    await one(ws)
    await send(ws, {"action": "subscribe", "trades": ["AAPL"]})
    assert await one(ws) == error(401, "not authenticated")
    await send(ws, {"action": "auth", "key": account.key_id, "secret": account.secret_key})
    assert await one(ws) == {"T": "success", "msg": "authenticated"}


@pytest.mark.parametrize(
    "body",
    [
        {"action": "subscribe", "trades": "AAPL"},
        {"action": "subscribe", "trades": [1]},
        {"action": "subscribe", "quotes": ["not a symbol"]},
        {"action": "unsubscribe", "bars": {"AAPL": True}},
    ],
)
async def test_malformed_channels_are_400(client: HttpClient, account: Credentials, body: Json) -> None:
    ws = await authenticated(client, account)
    await send(ws, body)
    assert await one(ws) == error(400, "invalid syntax")


async def test_past_the_symbol_limit_the_whole_subscribe_is_405(
    aiohttp_client: ClientFactory, engine: Engine
) -> None:
    client = await streaming_client(aiohttp_client, engine, stream_max_symbols=2)
    account = await engine.open_account(Decimal(1000))
    ws = await authenticated(client, account)
    await send(ws, {"action": "subscribe", "trades": ["AAPL"], "quotes": ["AAPL", "MSFT"]})
    assert await one(ws) == subscription(trades=["AAPL"], quotes=["AAPL", "MSFT"])
    await send(ws, {"action": "subscribe", "bars": ["AAPL", "TSLA"]})
    assert await one(ws) == error(405, "symbol limit exceeded")
    await send(ws, {"action": "unsubscribe", "quotes": ["MSFT"]})
    assert await one(ws) == subscription(trades=["AAPL"], quotes=["AAPL"])
    await send(ws, {"action": "subscribe", "bars": ["TSLA"]})
    assert await one(ws) == subscription(trades=["AAPL"], quotes=["AAPL"], bars=["TSLA"])


# -- data -----------------------------------------------------------------------


async def test_trades_and_quotes_of_subscribed_symbols_arrive_in_alpaca_shape(
    client: HttpClient, engine: Engine, account: Credentials
) -> None:
    ws = await authenticated(client, account)
    await send(ws, {"action": "subscribe", "trades": ["aapl"], "quotes": ["AAPL"]})
    assert await one(ws) == subscription(trades=["AAPL"], quotes=["AAPL"])
    await set_price(engine, "MSFT", "300")  # not subscribed
    await set_price(engine, "AAPL", "150.25", bid="150.20", ask="150.30", size="300")
    quote, trade = await messages(ws, 2)
    assert quote == {
        "T": "q",
        "S": "AAPL",
        "t": quote["t"],
        "ax": quote["ax"],
        "ap": 150.30,
        "as": 300,
        "bx": quote["bx"],
        "bp": 150.20,
        "bs": 300,
        "c": ["R"],
        "z": quote["z"],
    }
    assert trade["T"] == "t" and trade["S"] == "AAPL" and trade["p"] == 150.25 and trade["s"] == 300
    assert set(trade) == {"T", "S", "t", "x", "p", "s", "c", "i", "z"}
    assert datetime.fromisoformat(trade["t"].replace("Z", "+00:00")).tzinfo is not None


async def test_prices_are_exact_json_numbers(client: HttpClient, engine: Engine, account: Credentials) -> None:
    ws = await authenticated(client, account)
    await send(ws, {"action": "subscribe", "trades": ["AAPL"]})
    await one(ws)
    await set_price(engine, "AAPL", "123.4567")
    message = await ws.receive(timeout=TIMEOUT_S)
    assert b'"p":123.4567' in message.data.encode()


async def test_msgpack_data_carries_timestamps_and_numbers_as_alpaca_py_reads_them(
    client: HttpClient, engine: Engine, account: Credentials
) -> None:
    ws = await authenticated(client, account, packed=True)
    await send(ws, {"action": "subscribe", "trades": ["AAPL"], "quotes": ["AAPL"]}, packed=True)
    await one(ws)
    await set_price(engine, "AAPL", "99.5")
    quote, trade = await messages(ws, 2)
    assert isinstance(trade["t"], msgpack.Timestamp)
    assert trade["t"].to_datetime().tzinfo is not None
    assert trade["p"] == 99.5 and trade["s"] == 0  # no size: unlimited liquidity
    assert quote["T"] == "q" and quote["bp"] == 99.5


async def test_a_wildcard_gets_every_symbol_once(client: HttpClient, engine: Engine, account: Credentials) -> None:
    ws = await authenticated(client, account)
    await send(ws, {"action": "subscribe", "trades": ["*", "AAPL"]})
    assert await one(ws) == subscription(trades=["*", "AAPL"])
    await set_price(engine, "AAPL", "10")
    await set_price(engine, "MSFT", "20")
    first, second = await messages(ws, 2)
    assert (first["S"], second["S"]) == ("AAPL", "MSFT")


async def test_unsubscribed_symbols_stop(client: HttpClient, engine: Engine, account: Credentials) -> None:
    ws = await authenticated(client, account)
    await send(ws, {"action": "subscribe", "trades": ["AAPL", "MSFT"]})
    await one(ws)
    await send(ws, {"action": "unsubscribe", "trades": ["AAPL", "NVDA"]})
    assert await one(ws) == subscription(trades=["MSFT"])
    await set_price(engine, "AAPL", "10")
    await set_price(engine, "MSFT", "20")
    assert (await one(ws))["S"] == "MSFT"


async def test_clients_see_only_their_own_subscriptions(
    client: HttpClient, engine: Engine, account: Credentials
) -> None:
    apple = await authenticated(client, account, "/v2/iex")
    microsoft = await authenticated(client, account, "/v2/sip")
    await send(apple, {"action": "subscribe", "trades": ["AAPL"]})
    await send(microsoft, {"action": "subscribe", "trades": ["MSFT"]})
    await one(apple)
    await one(microsoft)
    await set_price(engine, "AAPL", "10")
    await set_price(engine, "MSFT", "20")
    assert (await one(apple))["S"] == "AAPL"
    assert (await one(microsoft))["S"] == "MSFT"


@dataclass(frozen=True)
class MinuteBar:
    symbol: str
    timestamp: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    trade_count: int
    vwap: Decimal


async def test_published_bars_reach_bar_subscribers(client: HttpClient, account: Credentials) -> None:
    ws = await authenticated(client, account, packed=True)
    await send(ws, {"action": "subscribe", "bars": ["AAPL"]}, packed=True)
    await one(ws)
    minute = datetime(2024, 3, 1, 15, 30, tzinfo=timezone.utc)
    prices = (Decimal("10.5"), Decimal("11"), Decimal("10"), Decimal("10.75"))
    hub_of(client).publish_bar(MinuteBar("AAPL", minute, *prices, Decimal(1200), 7, Decimal("10.6")))
    hub_of(client).publish_bar(MinuteBar("MSFT", minute, *prices, Decimal(1), 1, Decimal(1)))
    bar = await one(ws)
    assert bar["t"].to_datetime() == minute
    assert {key: value for key, value in bar.items() if key != "t"} == {
        "T": "b",
        "S": "AAPL",
        "o": 10.5,
        "h": 11,
        "l": 10,
        "c": 10.75,
        "v": 1200,
        "n": 7,
        "vw": 10.6,
    }


async def test_subscriptions_end_with_the_connection(client: HttpClient, account: Credentials) -> None:
    ws = await authenticated(client, account)
    await send(ws, {"action": "subscribe", "trades": ["AAPL"]})
    await one(ws)
    hub = hub_of(client)
    await ws.close()
    async with asyncio.timeout(TIMEOUT_S):
        while hub.peers:
            await asyncio.sleep(0.01)
    assert hub.connections(account.account_id, StreamKind.MARKET) == 0


async def test_the_server_closes_streams_going_away_on_shutdown(
    aiohttp_client: ClientFactory, engine: Engine
) -> None:
    client = await streaming_client(aiohttp_client, engine)
    account = await engine.open_account(Decimal(1000))
    ws = await authenticated(client, account)
    closing = asyncio.create_task(client.server.close())
    assert await closed_after(ws) == 1001
    await closing
