"""Builders for actor tests: orders, a wall clock and a loop's timers that move only when the test moves them."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.events import AccountEvent
from tradeloop.core.orders import Order, OrderRequest, OrderSide, OrderType, TimeInForce


@dataclass(slots=True)
class SimulatedClock:
    """An engine's clock that stands still until the test moves it (as a backtest's does)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass(slots=True)
class ManualTimer:
    """One timer of `ManualTimers`: its moment, its callback, and whether it was cancelled."""

    when: float
    callback: Callable[[], object]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass(slots=True)
class ManualTimers:
    """An event loop's `time` and `call_at`, with time moving only by `advance`, which runs due timers in order."""

    now: float = 1_000.0
    _due: list[tuple[float, int, ManualTimer]] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[[], object], /) -> ManualTimer:
        timer = ManualTimer(when, callback)
        heapq.heappush(self._due, (when, next(self._order), timer))
        return timer

    @property
    def pending(self) -> int:
        """Timers set and neither run nor cancelled."""
        return sum(1 for _, _, timer in self._due if not timer.cancelled)

    def advance(self, seconds: float) -> None:
        """Move time on by `seconds`, running each timer due by then at its own moment, as a loop would."""
        until = self.now + seconds
        while self._due and self._due[0][0] <= until:
            when, _, timer = heapq.heappop(self._due)
            self.now = when
            if not timer.cancelled:
                timer.callback()
        self.now = until


def limit_buy(price: str, qty: str = "1", time_in_force: TimeInForce = TimeInForce.GTC) -> OrderRequest:
    """A limit buy of AAPL, good till canceled unless told otherwise."""
    return OrderRequest(
        symbol="AAPL",
        side=OrderSide.BUY,
        type=OrderType.LIMIT,
        time_in_force=time_in_force,
        qty=Decimal(qty),
        limit_price=Decimal(price),
    )


class BatchJournal(MemoryJournal):
    """An in-memory journal that also keeps each write's events together, to see what one write holds."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[AccountEvent]] = []

    def write(
        self, account_id: UUID, events: Sequence[AccountEvent], orders: Sequence[Order] = ()
    ) -> asyncio.Future[None]:
        self.batches.append(list(events))
        return super().write(account_id, events, orders)
