"""Builders for tests: settings, engines, apps, funded accounts, prices."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Final

import pyotp
from aiohttp import web

from tradeloop.actors.engine import Credentials, Engine
from tradeloop.config import MarketMode, Settings
from tradeloop.core.instruments import UNIVERSE
from tradeloop.http.admin_sessions import AdminGate
from tradeloop.http.app import create_app
from tradeloop.market.manual import admin_ticks

ADMIN_KEY: Final = "test-admin-key-0123456789"
TOTP_SECRET: Final = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "market": MarketMode.MANUAL,
        "admin_key": ADMIN_KEY,
        "admin_totp_secret": TOTP_SECRET,
    }
    values.update(overrides)
    return Settings(**values)


def make_engine(**overrides: Any) -> Engine:
    return Engine(assets=UNIVERSE, **overrides)


def make_app(engine: Engine | None = None, settings: Settings | None = None) -> web.Application:
    engine = engine or make_engine()
    settings = settings or make_settings()
    gate = AdminGate.create(ADMIN_KEY, TOTP_SECRET, utc_now)
    return create_app(engine, settings, gate)


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
    return totp.at(utc_now(), offset_steps)
