"""A bare aiohttp broadcast loop: the baseline of the fan-out benchmark.

Run as `python -m bench.broadcast --port 0`; it prints 'broadcast serving on URL'.
Every client of GET /v2/iex gets, as fast as the loop can send them, one text
frame per trade, shaped like an Alpaca trade message; no protocol, no batching.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timezone

import orjson
from aiohttp import web

from tradeloop.server import SHUTDOWN_TIMEOUT_S, configure_logging

CLIENTS = web.AppKey("clients", set[web.WebSocketResponse])


async def stream(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=30.0)
    await ws.prepare(request)
    clients = request.app[CLIENTS]
    clients.add(ws)
    try:
        async for _ in ws:
            pass
    finally:
        clients.discard(ws)
    return ws


def trade_frame(sequence: int) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    message = {"T": "t", "S": "AAPL", "i": sequence, "x": "V", "p": 100.01, "s": 100, "c": ["@"], "t": stamp, "z": "C"}
    return orjson.dumps([message]).decode()


async def broadcast(app: web.Application) -> AsyncIterator[None]:
    clients = app[CLIENTS]

    async def loop() -> None:
        sequence = 0
        while True:
            if not clients:
                await asyncio.sleep(0.001)
                continue
            sequence += 1
            frame = trade_frame(sequence)
            for ws in list(clients):
                if not ws.closed:
                    await ws.send_str(frame)
            await asyncio.sleep(0)

    task = asyncio.get_running_loop().create_task(loop(), name="broadcast")
    yield
    task.cancel()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    app = web.Application()
    app[CLIENTS] = set()
    app.router.add_get("/v2/iex", stream)
    app.cleanup_ctx.append(broadcast)
    sock = socket.create_server((args.host, args.port), backlog=1024)
    host, port = sock.getsockname()[:2]
    line = f"broadcast serving on http://{host}:{port}"
    web.run_app(app, sock=sock, print=lambda *_: print(line, flush=True), shutdown_timeout=SHUTDOWN_TIMEOUT_S)


if __name__ == "__main__":
    main()
