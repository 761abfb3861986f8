"""Builders for tests: settings, engines, apps, funded accounts, prices."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import pyotp
from aiohttp import web
from aiohttp.test_utils import TestClient

from tradeloop.actors.engine import Credentials, Engine
from tradeloop.actors.live import LiveEngine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.config import MarketMode, Settings
from tradeloop.core.bars import Bar
from tradeloop.core.instruments import UNIVERSE
from tradeloop.http.admin.gate import AdminGate
from tradeloop.http.app import create_app
from tradeloop.journal import Journal
from tradeloop.market.manual import admin_ticks
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.vault import Vault

HttpClient = TestClient[web.Request, web.Application]
ADMIN_KEY: Final = "test-admin-key-0123456789"
TOTP_SECRET: Final = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TEST_RATE_LIMIT_PER_MIN: Final = 1_000_000
"""High enough that only tests of the rate limit meet it."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class FakeClock:
    """A monotonic clock (for the rate limits) that moves only when told to."""

    def __init__(self) -> None:
        self.now_s = 1_000.0

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "market": MarketMode.MANUAL,
        "admin_key": ADMIN_KEY,
        "admin_totp_secret": TOTP_SECRET,
        "rate_limit_per_min": TEST_RATE_LIMIT_PER_MIN,
        "contract_check": True,  # every answer a test meets is held to the API reference
    }
    values.update(overrides)
    return Settings(**values)


def make_engine(**overrides: Any) -> Engine:
    """An engine on the built-in universe, built as the server builds it; on an in-memory journal unless `journal` is given."""
    values: dict[str, Any] = {"assets": UNIVERSE, "journal": MemoryJournal()}
    values.update(overrides)
    return Engine(**values)


def make_app(
    engine: Engine | None = None,
    settings: Settings | None = None,
    *,
    monotonic: Callable[[], float] = time.monotonic,
    vault: Vault | None = None,
) -> web.Application:
    """The app around the engine, run as the server runs it: by a LiveEngine (no feed; the session and snapshot clocks)."""
    engine = engine or make_engine()
    settings = settings or make_settings()
    gate = AdminGate.create(ADMIN_KEY, TOTP_SECRET, utc_now, monotonic)
    return create_app(LiveEngine(engine), settings, gate, monotonic=monotonic, vault=vault)


def auth_headers(credentials: Credentials) -> dict[str, str]:
    return {"APCA-API-KEY-ID": credentials.key_id, "APCA-API-SECRET-KEY": credentials.secret_key}


async def set_price(
    engine: Engine,
    symbol: str,
    price: str,
    *,
    bid: str | None = None,
    ask: str | None = None,
    size: str | None = None,
) -> None:
    """Feed a quote then a trade through the market, and wait until every actor has handled them."""
    trade, quote = admin_ticks(
        symbol,
        Decimal(price),
        Decimal(bid) if bid is not None else None,
        Decimal(ask) if ask is not None else None,
        Decimal(size) if size is not None else None,
        utc_now(),
    )
    await engine.ingest(quote)
    await engine.ingest(trade)
    await engine.quiesce()


def totp_code(offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(TOTP_SECRET)
    return totp.at(utc_now(), counter_offset=offset_steps)


def order_body(
    symbol: str = "AAPL",
    qty: str | None = "10",
    side: str = "buy",
    type: str = "market",
    time_in_force: str = "day",
    **extra: Any,
) -> dict[str, Any]:
    """A POST /v2/orders body; None values are left out, as alpaca-py leaves them out."""
    body: dict[str, Any] = {"symbol": symbol, "qty": qty, "side": side, "type": type, "time_in_force": time_in_force}
    body.update(extra)
    return {key: value for key, value in body.items() if value is not None}


def limit_body(limit_price: str, **overrides: Any) -> dict[str, Any]:
    """A limit order body."""
    return order_body(**{"type": "limit", "limit_price": limit_price, **overrides})


async def place(client: HttpClient, headers: dict[str, str], body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """POST an order and check the status; returns the JSON answer."""
    response = await client.post("/v2/orders", json=body, headers=headers)
    payload: dict[str, Any] = await response.json()
    assert response.status == status, payload
    return payload


async def fetch_order(client: HttpClient, headers: dict[str, str], order_id: str) -> dict[str, Any]:
    """GET one order, which must exist."""
    response = await client.get(f"/v2/orders/{order_id}", headers=headers)
    assert response.status == 200
    payload: dict[str, Any] = await response.json()
    return payload


async def all_orders(client: HttpClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    """GET every order of the account, open or closed."""
    response = await client.get("/v2/orders", params={"status": "all"}, headers=headers)
    assert response.status == 200
    payload: list[dict[str, Any]] = await response.json()
    return payload


async def buying_power(client: HttpClient, headers: dict[str, str]) -> Decimal:
    """The account's buying power as GET /v2/account reports it."""
    response = await client.get("/v2/account", headers=headers)
    return Decimal((await response.json())["buying_power"])


async def admin_headers(client: HttpClient) -> dict[str, str]:
    """Open an admin session with a fresh TOTP code; returns the bearer header of its token.

    Each time step opens one session only, across restarts too: when this step's code
    was spent already (by the server before a restart), the next step's code is used.
    """
    for offset_steps in (0, 1):
        response = await client.post(
            "/admin/v1/sessions",
            headers={"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": totp_code(offset_steps)},
        )
        if response.status == 201:
            return {"Authorization": f"Bearer {(await response.json())['token']}"}
    raise AssertionError(await response.text())


@asynccontextmanager
async def journal_on(kind: str, path: Path) -> AsyncIterator[Journal]:
    """An in-memory journal (`memory`) or a SQLite journal writer at `path` (`sqlite`), open for an engine to be built on.

    As at the server's start-up, the writer opens before the engine is built; it closes on the way out,
    which must come after the engine stopped.
    """
    if kind == "memory":
        yield MemoryJournal()
        return
    writer = JournalWriter(path)
    await writer.open()
    try:
        yield writer
    finally:
        await writer.close()


def flat_bar(symbol: str, timestamp: datetime, close: str, volume: str = "1") -> Bar:
    """A one-trade minute bar at one price: open, high, low and close all `close`."""
    price, size = Decimal(close), Decimal(volume)
    return Bar(
        symbol=symbol,
        timestamp=timestamp,
        open=price,
        high=price,
        low=price,
        close=price,
        volume=size,
        trade_count=1,
        notional=price * size,
    )
