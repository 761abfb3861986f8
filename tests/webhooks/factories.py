"""Builders for the webhook tests: a real receiver on loopback, a clock moved by hand, an app on a data directory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from standardwebhooks import Webhook

from tests.factories import HttpClient, make_app, make_engine, make_settings, utc_now
from tradeloop.actors.engine import Engine
from tradeloop.http.webhooks import WEBHOOKS
from tradeloop.storage import Storage
from tradeloop.webhooks.dispatcher import Dispatcher

Answer = Callable[[], web.StreamResponse]


@dataclass(frozen=True, slots=True)
class Received:
    """One request the receiver got: its headers (lower-cased names) and its body."""

    headers: dict[str, str]
    body: bytes

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]

    def verified(self, secret: str) -> Any:
        """The payload, verified as a receiver would verify it (the signature, and a timestamp within 5 minutes of now)."""
        return Webhook(secret).verify(self.body, self.headers)

    def signed_by(self, secret: str) -> bool:
        """Whether one of the request's signatures is the secret's, by the reference library's signing (any timestamp)."""
        timestamp = datetime.fromtimestamp(int(self.headers["webhook-timestamp"]), tz=utc_now().tzinfo)
        expected = Webhook(secret).sign(self.message_id, timestamp, self.body.decode())
        return expected in self.headers["webhook-signature"].split(" ")


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every request and answers as told (200 unless told otherwise)."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.received: list[Received] = []
        self.answers: list[Answer] = []
        """Answers for the next requests, in order; once they are used up, 200."""
        self.holding = False
        """While true, requests are recorded but never answered (until the receiver stops)."""
        self._runner: web.AppRunner | None = None
        self._arrived = asyncio.Event()
        self._released = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def answer(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        for status in statuses:
            self.answers.append(lambda status=status: web.Response(status=status, headers=headers))  # type: ignore[misc]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._released.set()  # requests held get an answer now, so the server can stop
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def release(self) -> None:
        """Answer the requests held, and hold no more."""
        self.holding = False
        self._released.set()

    async def wait_for(self, count: int, timeout_s: float = 10.0) -> list[Received]:
        """The requests once `count` have arrived."""
        async with asyncio.timeout(timeout_s):
            while len(self.received) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.received

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.received.append(Received({k.lower(): v for k, v in request.headers.items()}, await request.read()))
        self._arrived.set()
        if self.holding:
            await self._released.wait()
        return self.answers.pop(0)() if self.answers else web.Response(text="ok")


@asynccontextmanager
async def receiving(port: int = 0) -> AsyncIterator[Receiver]:
    receiver = Receiver(port)
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()


class ManualTime:
    """The engine's clock in a test: it starts now and moves only when told to."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True, slots=True)
class Served:
    client: HttpClient
    engine: Engine

    @property
    def dispatcher(self) -> Dispatcher:
        return self.client.app[WEBHOOKS].dispatcher


@asynccontextmanager
async def served(data_dir: Path, clock: Callable[[], datetime] | None = None) -> AsyncIterator[Served]:
    """The app on a data directory, recovered as the server recovers it (journal, master key), webhooks to loopback allowed.

    Leaving it stops the app (the engine, the dispatcher), then closes the journal.
    """
    settings = make_settings(data_dir=data_dir, webhook_allow_private=True)
    storage = Storage(settings)
    async with storage.open() as stored:
        extra: dict[str, Any] = {} if clock is None else {"clock": clock}
        engine = make_engine(journal=stored.journal, accounts=stored.accounts, halted=stored.halted, **extra)
        client: HttpClient = TestClient(TestServer(make_app(engine, settings, vault=storage.vault)))
        await client.start_server()
        try:
            yield Served(client, engine)
        finally:
            await client.close()
