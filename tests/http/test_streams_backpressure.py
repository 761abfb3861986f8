"""Slow and stalled stream clients: bounded outboxes, coalesced quotes, 407 for a client that stays behind."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Final

import orjson
from aiohttp import ClientWebSocketResponse, WSMsgType

from tests.conftest import ClientFactory
from tests.http.streams_client import (
    TIMEOUT_S,
    authenticated,
    closed_after,
    error,
    hub_of,
    one,
    send,
    streaming_client,
    subscription,
)
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.http.streams.frames import Message
from tradeloop.http.streams.hub import StreamHub
from tradeloop.http.streams.outbox import Accepted, Outbox
from tradeloop.http.streams.peer import Peer

Json = dict[str, Any]
NOW: Final = datetime(2024, 3, 1, 15, 30, tzinfo=timezone.utc)
SMALL_BUFFER_BYTES: Final = 4096


def trade(symbol: str = "AAPL", trade_id: int = 0, price: str = "100") -> Trade:
    return Trade(symbol=symbol, price=Decimal(price), size=Decimal(1), timestamp=NOW, trade_id=trade_id)


def quote(symbol: str = "AAPL", bid: str = "99") -> Quote:
    return Quote(symbol=symbol, bid=Decimal(bid), ask=Decimal(bid) + 1, bid_size=None, ask_size=None, timestamp=NOW)


def trade_message(symbol: str, n: int) -> Message:
    return Message({"T": "t", "S": symbol, "i": n}, symbol=symbol)


def quote_message(symbol: str, n: int) -> Message:
    return Message({"T": "q", "S": symbol, "i": n}, symbol=symbol, coalescible=True)


async def drain(outbox: Outbox) -> list[Json]:
    taken = await outbox.take(10_000)
    outbox.sent()
    return [message.body for message in taken]


# -- the outbox on its own -----------------------------------------------------


async def test_below_half_full_everything_is_queued() -> None:
    outbox = Outbox(8)
    results = [outbox.put(quote_message("AAPL", n), 0.0) for n in range(4)]
    assert results == [Accepted.QUEUED] * 4
    assert [body["i"] for body in await drain(outbox)] == [0, 1, 2, 3]


async def test_past_half_full_a_quote_replaces_its_symbols_waiting_quote() -> None:
    outbox = Outbox(8)
    for n in range(4):
        outbox.put(trade_message("MSFT", n), 0.0)
    assert outbox.put(quote_message("AAPL", 1), 0.0) is Accepted.QUEUED
    assert outbox.put(quote_message("AAPL", 2), 0.0) is Accepted.COALESCED
    assert outbox.put(quote_message("AAPL", 3), 0.0) is Accepted.COALESCED
    assert len(outbox) == 5 and outbox.coalesced == 2
    assert [(body["T"], body["i"]) for body in await drain(outbox)][-1] == ("q", 3)


async def test_a_newer_quote_never_overtakes_a_trade_of_its_symbol() -> None:
    outbox = Outbox(8)
    for n in range(4):
        outbox.put(trade_message("MSFT", n), 0.0)
    outbox.put(quote_message("AAPL", 1), 0.0)
    outbox.put(trade_message("AAPL", 2), 0.0)
    assert outbox.put(quote_message("AAPL", 3), 0.0) is Accepted.QUEUED
    assert outbox.put(quote_message("AAPL", 4), 0.0) is Accepted.COALESCED
    aapl = [(body["T"], body["i"]) for body in await drain(outbox) if body["S"] == "AAPL"]
    assert aapl == [("q", 1), ("t", 2), ("q", 4)]


async def test_a_full_outbox_drops_quotes_and_refuses_everything_else() -> None:
    outbox = Outbox(4)
    for n in range(4):
        assert outbox.put(trade_message("MSFT", n), 0.0) is Accepted.QUEUED
    assert outbox.put(quote_message("AAPL", 9), 0.0) is Accepted.DROPPED
    assert outbox.put(trade_message("AAPL", 9), 0.0) is Accepted.REFUSED
    assert len(outbox) == 4 and outbox.dropped == 1


async def test_the_lag_clock_runs_only_while_uncoalescible_messages_pile_up() -> None:
    outbox = Outbox(8)
    for n in range(4):
        outbox.put(quote_message(f"S{n}", n), 1.0)
    assert outbox.behind_since is None
    outbox.put(quote_message("S0", 9), 1.5)
    assert outbox.behind_since is None  # coalesced: the client still gets the news, just later
    outbox.put(trade_message("S0", 10), 2.0)
    assert outbox.behind_for(5.0) == 3.0
    await outbox.take(3)
    assert outbox.behind_since is None and outbox.behind_for(5.0) == 0.0


async def test_drained_waits_for_the_writer() -> None:
    outbox = Outbox(4)
    await asyncio.wait_for(outbox.drained(), 1.0)
    outbox.put(trade_message("AAPL", 1), 0.0)
    waiting = asyncio.ensure_future(outbox.drained())
    await asyncio.sleep(0)
    assert not waiting.done()
    await outbox.take(4)
    outbox.sent()
    await asyncio.wait_for(waiting, 1.0)


# -- slow clients on a live server ---------------------------------------------


async def test_a_client_that_falls_past_the_outbox_gets_407_and_is_closed(
    aiohttp_client: ClientFactory, engine: Engine
) -> None:
    client = await streaming_client(aiohttp_client, engine, stream_outbox_size=10)
    account = await engine.open_account(Decimal(1000))
    ws = await authenticated(client, account)
    await send(ws, {"action": "subscribe", "trades": ["AAPL"]})
    assert await one(ws) == subscription(trades=["AAPL"])
    hub = hub_of(client)
    for n in range(11):  # in one go: the writer gets no turn, so the eleventh finds the outbox full
        hub.publish_tick(trade(trade_id=n))
    seen: list[Json] = []
    async with asyncio.timeout(TIMEOUT_S):
        while error(407, "slow client") not in seen:
            frame = await ws.receive()
            assert frame.type is WSMsgType.TEXT, frame
            seen.extend(orjson.loads(frame.data))
    assert await closed_after(ws) is not None


async def raw_connect(host: str, port: int, path: str) -> socket.socket:
    """A WebSocket client on a bare socket with a tiny receive buffer, so it can stall for real."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_BUFFER_BYTES)
    sock.setblocking(False)
    await loop.sock_connect(sock, (host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(sock, request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = await loop.sock_recv(sock, 1024)
        assert chunk, head
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def masked_text_frame(document: Json) -> bytes:
    payload = orjson.dumps(document)
    mask = os.urandom(4)
    size = len(payload)
    head = bytes([0x81]) + (bytes([0x80 | size]) if size < 126 else bytes([0x80 | 126]) + struct.pack(">H", size))
    return head + mask + bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))


@asynccontextmanager
async def stalled_client(host: str, port: int, account: Credentials) -> AsyncIterator[socket.socket]:
    """Authenticate and subscribe to AAPL trades and quotes, then never read again."""
    loop = asyncio.get_running_loop()
    sock = await raw_connect(host, port, "/v2/iex")
    try:
        auth = {"action": "auth", "key": account.key_id, "secret": account.secret_key}
        await loop.sock_sendall(sock, masked_text_frame(auth))
        subscribe = {"action": "subscribe", "trades": ["AAPL"], "quotes": ["AAPL"]}
        await loop.sock_sendall(sock, masked_text_frame(subscribe))
        yield sock
    finally:
        sock.close()


async def subscribed_peers(hub: StreamHub, count: int) -> list[Peer]:
    async with asyncio.timeout(TIMEOUT_S):
        while True:
            peers = [peer for peer in hub.peers if hub.subscriptions(peer)]
            if len(peers) == count:
                return peers
            await asyncio.sleep(0.01)


async def read_all(ws: ClientWebSocketResponse, into: list[Json]) -> None:
    async for frame in ws:
        if frame.type is WSMsgType.TEXT:
            into.extend(orjson.loads(frame.data))


def stall(peers: list[Peer], sock: socket.socket) -> Peer:
    """The server's side of the raw client, its send buffer shrunk so it backs up after a few frames."""
    local_port = sock.getsockname()[1]
    (stalled,) = [peer for peer in peers if peer.request.get_extra_info("peername")[1] == local_port]
    server_side = stalled.request.get_extra_info("socket")
    server_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER_BYTES)
    return stalled


async def gone(hub: StreamHub, peer: Peer, timeout_s: float = TIMEOUT_S) -> None:
    async with asyncio.timeout(timeout_s):
        while peer in hub.peers:
            await asyncio.sleep(0.01)


async def test_a_stalled_client_is_cut_off_while_a_reading_one_gets_everything(
    aiohttp_client: ClientFactory, engine: Engine
) -> None:
    outbox_size = 200
    client = await streaming_client(
        aiohttp_client, engine, stream_outbox_size=outbox_size, stream_slow_client_s=0.3
    )
    account = await engine.open_account(Decimal(1000))
    hub = hub_of(client)
    reader_ws = await authenticated(client, account)
    await send(reader_ws, {"action": "subscribe", "trades": ["AAPL"], "quotes": ["AAPL"]})
    await one(reader_ws)
    received: list[Json] = []
    reading = asyncio.create_task(read_all(reader_ws, received))
    assert client.server.port is not None
    async with stalled_client(client.server.host, client.server.port, account) as sock:
        stalled = stall(await subscribed_peers(hub, 2), sock)
        published = 0
        most_waiting = 0
        async with asyncio.timeout(20):
            while stalled in hub.peers or published < 2_000:
                for _ in range(10):
                    hub.publish_tick(quote(bid=str(100 + published % 7)))
                    hub.publish_tick(trade(trade_id=published))
                    published += 1
                most_waiting = max(most_waiting, len(stalled.outbox))
                await asyncio.sleep(0.002)
        assert stalled.ending
        assert outbox_size // 2 < most_waiting <= outbox_size
        async with asyncio.timeout(TIMEOUT_S):
            while sum(1 for m in received if m["T"] == "t") < published:
                await asyncio.sleep(0.01)
    trades = [m["i"] for m in received if m["T"] == "t"]
    assert trades == list(range(published))
    assert sum(1 for m in received if m["T"] == "q") == published
    reading.cancel()


async def test_a_client_behind_for_longer_than_the_grace_period_is_closed(
    aiohttp_client: ClientFactory, engine: Engine
) -> None:
    grace_s = 0.3
    client = await streaming_client(aiohttp_client, engine, stream_outbox_size=200, stream_slow_client_s=grace_s)
    account = await engine.open_account(Decimal(1000))
    hub = hub_of(client)
    assert client.server.port is not None
    async with stalled_client(client.server.host, client.server.port, account) as sock:
        stalled = stall(await subscribed_peers(hub, 1), sock)
        published = 0
        async with asyncio.timeout(10):
            while len(stalled.outbox) <= stalled.outbox.soft_limit:
                for _ in range(5):
                    hub.publish_tick(trade(trade_id=published))
                    published += 1
                await asyncio.sleep(0.002)
        loop = asyncio.get_running_loop()
        behind_at = loop.time()
        assert len(stalled.outbox) < stalled.outbox.size  # not full: only the grace period can end it
        await gone(hub, stalled)
        assert loop.time() - behind_at >= grace_s * 0.8
        assert stalled.outbox.dropped == 0
