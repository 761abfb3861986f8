"""A real aiohttp server on loopback whose event loop runs in a thread of its own, for synchronous (hypothesis) tests.

Hypothesis drives examples from a plain function; the server, the engine and
every call to them live on the server's loop, reached through `run` and `call`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Mapping
from types import TracebackType
from typing import Any, Final, TypeVar

import orjson
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.factories import HttpClient, admin_headers, make_engine
from tradeloop.actors.engine import Engine

T = TypeVar("T")
TIMEOUT_S: Final = 30.0


class ThreadedServer:
    """The app that `build` makes around a new engine (both on the server's loop), served until the `with` block ends."""

    def __init__(self, build: Callable[[Engine], web.Application]) -> None:
        self._build = build
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="threaded-server", daemon=True)
        self._client: HttpClient | None = None
        self._engine: Engine | None = None
        self.admin: dict[str, str] = {}
        """The bearer header of an admin session opened at start."""

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        self._client = self.run(self._start())
        self.admin = self.run(admin_headers(self._client))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._client is not None:
            self.run(self._client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(TIMEOUT_S)
        self._loop.close()

    async def _start(self) -> HttpClient:
        self._engine = make_engine()
        client: HttpClient = TestClient(TestServer(self._build(self._engine)))
        await client.start_server()
        return client

    @property
    def engine(self) -> Engine:
        """The engine the app was built around."""
        assert self._engine is not None
        return self._engine

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(TIMEOUT_S)

    def call(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        *,
        body: bytes | None = None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One request (a raw JSON body, so any number can be sent as written); the status and the parsed answer."""
        assert self._client is not None
        client = self._client

        async def send() -> tuple[int, Any]:
            extra = {"Content-Type": "application/json"} if body is not None else {}
            async with client.request(method, path, headers={**headers, **extra}, data=body, params=params) as answer:
                raw = await answer.read()
                return answer.status, orjson.loads(raw) if raw else None

        return self.run(send())
