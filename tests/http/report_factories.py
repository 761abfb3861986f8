"""Builders for the reports' tests: a clock the test sets, and ticks of the manual market at its times."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from tradeloop.actors.engine import Engine
from tradeloop.market.manual import admin_ticks

START = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)


class Clock:
    """A clock the test sets, in seconds after START."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, seconds: float) -> datetime:
        self.now = START + timedelta(seconds=seconds)
        return self.now


async def tick(engine: Engine, clock: Clock, seconds: float, price: str, symbol: str = "AAPL") -> None:
    """A quote and a trade at `seconds` after START; waits until every actor has handled them."""
    trade, quote = admin_ticks(symbol, Decimal(price), None, None, None, clock.at(seconds))
    await engine.ingest(quote)
    await engine.ingest(trade)
    await engine.quiesce()
