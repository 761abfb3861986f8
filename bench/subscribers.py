"""Market data stream subscribers: N WebSocket connections in one process, counting trade messages.

Run as `python -m bench.subscribers` with a JSON spec on stdin; prints one JSON result:

    {"url": "ws://127.0.0.1:8000/v2/iex", "count": 100, "key": "...", "secret": "...",
     "symbol": "AAPL", "alpaca": true, "warmup_s": 1.0, "seconds": 5.0}

With "alpaca" true each connection speaks Alpaca's protocol (wait for `connected`,
`auth`, `subscribe` to trades of the symbol, wait for the `subscription` answer);
otherwise it only connects. Trade messages are counted in the text frames without
decoding them, so the subscribers cost as little as they can.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any, Final

import aiohttp

TRADE_MARK: Final = '"T":"t"'
CONNECT_CONCURRENCY: Final = 50
HANDSHAKE_TIMEOUT_S: Final = 30.0


class Skipped(Exception):
    """The endpoint is not there (yet)."""


async def _expect(ws: aiohttp.ClientWebSocketResponse, kind: str) -> None:
    """Read frames until a message of type `kind`; an error message fails the handshake."""
    while True:
        frame = await ws.receive(timeout=HANDSHAKE_TIMEOUT_S)
        if frame.type is not aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"stream closed while waiting for {kind}: {frame.type.name} {frame.data!r}")
        for message in json.loads(frame.data):
            if message.get("T") == "error":
                raise RuntimeError(f"stream refused: {message}")
            if message.get("T") == "success" and message.get("msg") == kind or message.get("T") == kind:
                return


async def _handshake(ws: aiohttp.ClientWebSocketResponse, spec: dict[str, Any]) -> None:
    await _expect(ws, "connected")
    await ws.send_str(json.dumps({"action": "auth", "key": spec["key"], "secret": spec["secret"]}))
    await _expect(ws, "authenticated")
    await ws.send_str(json.dumps({"action": "subscribe", "trades": [spec["symbol"]]}))
    await _expect(ws, "subscription")


async def subscribe(spec: dict[str, Any]) -> dict[str, Any]:
    count = int(spec["count"])
    delivered = 0
    closed: list[str] = []
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def connect() -> aiohttp.ClientWebSocketResponse:
            async with gate:
                try:
                    ws = await session.ws_connect(spec["url"], max_msg_size=0, autoping=True)
                except aiohttp.WSServerHandshakeError as exc:
                    if exc.status == 404:
                        raise Skipped(f"{spec['url']} answered 404: no market data stream there") from None
                    raise
                if spec.get("alpaca", True):
                    await _handshake(ws, spec)
                # Read from the start: a connection nobody reads would hold up a server that waits on it.
                readers.append(asyncio.get_running_loop().create_task(read(ws)))
                return ws

        async def read(ws: aiohttp.ClientWebSocketResponse) -> None:
            nonlocal delivered
            async for frame in ws:
                if frame.type is aiohttp.WSMsgType.TEXT:
                    delivered += frame.data.count(TRADE_MARK)
            closed.append(f"closed with {ws.close_code}")

        readers: list[asyncio.Task[None]] = []
        try:
            await asyncio.gather(*(connect() for _ in range(count)))
        except BaseException:
            for reader in readers:
                reader.cancel()
            raise
        await asyncio.sleep(float(spec["warmup_s"]))
        start_count, started = delivered, time.perf_counter()
        await asyncio.sleep(float(spec["seconds"]))
        window = time.perf_counter() - started
        got = delivered - start_count
        still_open = count - len(closed)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        # Leaving the session drops the connections at once: a polite close would queue behind the flood.
    return {
        "connected": count,
        "closed_early": count - still_open,
        "first_close": closed[0] if closed and still_open < count else None,
        "delivered": got,
        "window_s": window,
        "rate": got / window,
    }


def main() -> None:
    spec = json.load(sys.stdin)
    try:
        result = asyncio.run(subscribe(spec))
    except Skipped as exc:
        result = {"skipped": str(exc)}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
