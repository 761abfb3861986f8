"""A local stand-in for Finnhub: the REST endpoints tradeloop uses and the trade WebSocket, scriptable.

REST lives under /api/v1 (double slashes tolerated, as finnhub-python sends
them), the stream at /ws. Both check the token. Tests script it: prices,
trade batches, pings, error messages, server-side disconnects, silence,
429 and 5xx answers, and it records every call it gets.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from aiohttp import WSMsgType, web

T = TypeVar("T")
API_KEY: Final = "fake-finnhub-key"


@dataclass
class Connection:
    """One WebSocket client and what it subscribed to."""

    ws: web.WebSocketResponse
    symbols: set[str] = field(default_factory=set)


@dataclass
class Call:
    """One REST call: when (monotonic seconds), the path and the query."""

    at_s: float
    path: str
    query: dict[str, str]


class FakeFinnhub:
    """The fake server; start() it on a running loop, or use `fake_finnhub_thread` from sync code."""

    def __init__(self, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.prices: dict[str, float] = {}
        """Each symbol's /quote price (c); symbols not here answer zeros, as Finnhub does for unknown ones."""
        self.quote_times: dict[str, int] = {}
        """Each symbol's /quote time (t, Unix seconds); now when absent."""
        self.profiles: dict[str, dict[str, Any]] = {}
        self.search_results: dict[str, list[str]] = {}
        """What /search answers for a query; otherwise the known symbols starting with it."""
        self.calls: list[Call] = []
        self.rate_limited: int = 0
        """The next this many REST calls answer 429."""
        self.retry_after: str | None = None
        """The Retry-After header of those 429s."""
        self.server_errors: int = 0
        """The next this many REST calls answer 502."""
        self.rest_refuses_key = False
        """When set, REST answers 401 to every token while the stream still takes the key."""
        self.forbidden: set[str] = {"/stock/candle"}
        """Paths that answer 403, as Finnhub answers for endpoints of paid plans."""
        self.connections: list[Connection] = []
        self.connects = 0
        self.rejected_connects = 0
        self.subscribe_log: list[str] = []
        self.auto_trades_s: float | None = None
        """When set, every subscribed symbol with a price trades at it this often (with a ping)."""
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/ws", self._ws)
        app.router.add_get("/api/v1/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self._ticker = asyncio.get_running_loop().create_task(self._tick(), name="fake-finnhub-ticker")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        await self.drop_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    # -- scripting the stream ----------------------------------------------------

    async def send_trades(self, *prints: dict[str, Any]) -> None:
        """Send each connection one batch of the prints ({s, p, t, v}) for symbols it subscribed to."""
        for connection in list(self.connections):
            data = [p for p in prints if p["s"] in connection.symbols]
            if data and not connection.ws.closed:
                await connection.ws.send_str(json.dumps({"type": "trade", "data": data}))

    async def send_raw(self, body: dict[str, Any]) -> None:
        """Send every connection the same message (a ping, an error, anything)."""
        for connection in list(self.connections):
            if not connection.ws.closed:
                await connection.ws.send_str(json.dumps(body))

    async def drop_all(self) -> None:
        """Close every connection from the server side."""
        for connection in list(self.connections):
            await connection.ws.close(code=1001, message=b"going away")

    def subscribed(self) -> set[str]:
        """Symbols some open connection subscribed to."""
        return {symbol for connection in self.connections for symbol in connection.symbols}

    def calls_to(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path]

    # -- handlers ----------------------------------------------------------------

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("token") != self.api_key:
            self.rejected_connects += 1
            return web.json_response({"error": "Invalid API key"}, status=401)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connects += 1
        connection = Connection(ws)
        self.connections.append(connection)
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                body = json.loads(message.data)
                if body.get("type") == "subscribe":
                    connection.symbols.add(body["symbol"])
                    self.subscribe_log.append(body["symbol"])
                elif body.get("type") == "unsubscribe":
                    connection.symbols.discard(body["symbol"])
        finally:
            self.connections.remove(connection)
        return ws

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"].strip("/")
        self.calls.append(Call(time.monotonic(), path, dict(request.query)))
        if request.query.get("token") != self.api_key or self.rest_refuses_key:
            return web.json_response({"error": "Invalid API key"}, status=401)
        if self.rate_limited > 0:
            self.rate_limited -= 1
            headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
            return web.json_response({"error": "API limit reached. Please try again later."}, status=429, headers=headers)
        if self.server_errors > 0:
            self.server_errors -= 1
            return web.Response(text="bad gateway", status=502)
        if path in self.forbidden:
            return web.json_response({"error": "You don't have access to this resource."}, status=403)
        if path == "/quote":
            return web.json_response(self._quote(request.query.get("symbol", "")))
        if path == "/search":
            return web.json_response(self._search(request.query.get("q", "")))
        if path == "/stock/profile2":
            return web.json_response(self.profiles.get(request.query.get("symbol", ""), {}))
        return web.json_response({"error": "not found"}, status=404)

    def _quote(self, symbol: str) -> dict[str, Any]:
        price = self.prices.get(symbol)
        if price is None:
            return {"c": 0, "d": None, "dp": None, "h": 0, "l": 0, "o": 0, "pc": 0, "t": 0}
        at = self.quote_times.get(symbol, int(time.time()))
        return {"c": price, "d": 0.0, "dp": 0.0, "h": price, "l": price, "o": price, "pc": price - 1, "t": at}

    def _search(self, query: str) -> dict[str, Any]:
        found = self.search_results.get(query) or sorted(
            s for s in {*self.prices, *self.profiles} if s.startswith(query.upper())
        )
        result = [{"description": s, "displaySymbol": s, "symbol": s, "type": "Common Stock"} for s in found]
        return {"count": len(result), "result": result}

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.auto_trades_s or 0.05)
            if self.auto_trades_s is None:
                continue
            now_ms = int(time.time() * 1000)
            prints = [{"s": s, "p": p, "t": now_ms, "v": 100} for s, p in self.prices.items()]
            await self.send_trades(*prints)
            await self.send_raw({"type": "ping"})


class FakeFinnhubThread:
    """A FakeFinnhub on its own loop in a thread, for tests that run a server process."""

    def __init__(self, fake: FakeFinnhub, loop: asyncio.AbstractEventLoop) -> None:
        self.fake = fake
        self._loop = loop

    def run(self, action: Callable[[FakeFinnhub], Awaitable[T]], timeout_s: float = 10.0) -> T:
        """Run a coroutine against the fake on its loop and wait for the result."""

        async def call() -> T:
            return await action(self.fake)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout_s)


@contextmanager
def fake_finnhub_thread(api_key: str = API_KEY) -> Iterator[FakeFinnhubThread]:
    """Start a FakeFinnhub in a background thread; stop it on the way out."""
    loop = asyncio.new_event_loop()
    fake = FakeFinnhub(api_key)
    thread = threading.Thread(target=loop.run_forever, name="fake-finnhub", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
        yield FakeFinnhubThread(fake, loop)
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
