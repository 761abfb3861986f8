"""Builders for tests of strategies: an engine on a data directory as the server runs it, signals, and a desk (an engine
on a simulated clock with a funded account and a strategy host on stored bars)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Self
from uuid import UUID, uuid4

from tests.actors.factories import SimulatedClock
from tests.factories import make_engine, make_settings
from tests.strategy_scripts import T0, StoredBars
from tradeloop.actors.engine import Engine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.actors.strategies import StrategyHost
from tradeloop.core.instruments import UNIVERSE
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


@dataclass
class HostedDesk:
    """A started engine on a simulated clock at T0, one funded account, the stored bars and a started strategy host.

    Each test module adds how it posts a bar (what the clock reads while its ticks trade).
    """

    engine: Engine
    clock: SimulatedClock
    source: StoredBars
    host: StrategyHost
    account_id: UUID
    minute: int = 0
    """The next scripted minute after T0."""

    @classmethod
    async def open(cls, cash: str = "100000") -> Self:
        clock = SimulatedClock(T0)
        engine = Engine(assets=UNIVERSE, journal=MemoryJournal(), clock=clock)
        await engine.start()
        account_id = (await engine.open_account(Decimal(cash))).account_id
        source = StoredBars()
        host = StrategyHost(engine, source)
        host.start()
        return cls(engine=engine, clock=clock, source=source, host=host, account_id=account_id)

    async def restart_host(self, *, hold_orders: bool = False) -> None:
        """Stop the host and start another on the same engine and bars, as a restarted server would."""
        await self.host.stop()
        self.host = StrategyHost(self.engine, self.source, hold_orders=hold_orders)
        self.host.start()

    async def close(self) -> None:
        await self.host.stop()
        await self.engine.stop(snapshot=False)
