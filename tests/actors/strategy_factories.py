"""Builders for tests of strategies as account records: an engine on a data directory as the server runs it, signals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final
from uuid import UUID, uuid4

from tests.factories import make_engine, make_settings
from tradeloop.actors.engine import Engine
from tradeloop.core.orders import OrderSide
from tradeloop.core.strategies import Signal
from tradeloop.storage import Storage

DEFINITION: Final = '{"name":"sma 10/30","symbols":["AAPL","MSFT"],"timeframe":"5Min"}'
REVISED: Final = '{"name":"sma 5/30","symbols":["AAPL","MSFT"],"timeframe":"5Min"}'
BAR0: Final = datetime(2024, 6, 3, 13, 30, tzinfo=timezone.utc)


@asynccontextmanager
async def stored_engine(data_dir: Path, **settings: Any) -> AsyncIterator[Engine]:
    """An engine on the data directory's database, built from what recovery found there, as the server builds it.

    The test stops the engine itself (with or without a final snapshot); if it did not, it is stopped
    without one, as `kill -9` would leave it (less the torn tail).
    """
    async with Storage(make_settings(data_dir=data_dir, **settings)).open() as stored:
        engine = make_engine(journal=stored.journal, accounts=stored.accounts, halted=stored.halted)
        await engine.start()
        try:
            yield engine
        finally:
            if engine.started:
                await engine.stop(snapshot=False)


def make_signal(strategy_id: UUID, *, symbol: str = "AAPL", bar: int = 0, **overrides: Any) -> Signal:
    """An entry signal of version 1 on the `bar`-th five-minute bar after BAR0, with an order placed."""
    bar_time = BAR0 + timedelta(minutes=5 * bar)
    values: dict[str, Any] = {
        "id": uuid4(),
        "strategy_id": strategy_id,
        "version": 1,
        "symbol": symbol,
        "bar_time": bar_time,
        "created_at": bar_time + timedelta(minutes=5),
        "rule": "entry",
        "side": OrderSide.BUY,
        "values": (("fast", repr(100.0 + bar)), ("slow", "99.5")),
        "client_order_id": f"st-{strategy_id.hex[:16]}-{symbol}-{bar}",
        "order_id": uuid4(),
    }
    values.update(overrides)
    return Signal(**values)
