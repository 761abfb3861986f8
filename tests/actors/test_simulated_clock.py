"""A backtest drives the Engine alone: a simulated clock, ticks and session closes by hand, no task but the actors'."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from tests.actors.factories import SimulatedClock, limit_buy
from tradeloop.actors.engine import Engine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.orders import OrderStatus, TimeInForce
from tradeloop.core.sessions import session_end

START: Final = datetime(2021, 3, 1, 15, 0, tzinfo=UTC)
"""Years before the test runs: nothing here may read the wall clock."""
ACTOR_TASKS: Final = ("account-", "market-")


async def quote(engine: Engine, clock: SimulatedClock, bid: str, ask: str) -> None:
    """One step of the backtest: a quote at the clock's time, then wait until every actor has handled it."""
    await engine.ingest(
        Quote(symbol="AAPL", bid=Decimal(bid), ask=Decimal(ask), bid_size=None, ask_size=None, timestamp=clock.now)
    )
    await engine.quiesce()


def other_tasks() -> set[str]:
    """The names of the running tasks other than this test's own."""
    return {task.get_name() for task in asyncio.all_tasks() if task is not asyncio.current_task()}


async def test_a_backtest_fills_a_limit_and_expires_a_day_order_with_no_feed_session_or_snapshot_task() -> None:
    clock = SimulatedClock(START)
    engine = Engine(assets=UNIVERSE, journal=MemoryJournal(), clock=clock)
    await engine.start()
    try:
        account_id = (await engine.open_account(Decimal(10_000))).account_id
        await engine.ingest(Trade(symbol="AAPL", price=Decimal(100), size=Decimal(10), timestamp=clock.now))
        await quote(engine, clock, "99.90", "100.10")
        gtc = await engine.place_order(account_id, limit_buy("99", qty="5"))
        day = await engine.place_order(account_id, limit_buy("90", time_in_force=TimeInForce.DAY))
        assert (gtc.status, day.status) == (OrderStatus.NEW, OrderStatus.NEW)

        clock.advance(minutes=5)
        await quote(engine, clock, "98.40", "98.50")  # the ask crosses the GTC limit, not the day order's
        filled = await engine.order(account_id, gtc.terms.id)
        assert filled.status is OrderStatus.FILLED and filled.filled_avg_price == Decimal("98.50")
        assert filled.filled_at == START.replace(minute=5)  # stamped by the simulated clock
        assert (await engine.order(account_id, day.terms.id)).status is OrderStatus.NEW

        end = session_end(clock.now)
        clock.now = end
        await engine.close_session(end)
        await engine.quiesce()
        expired = await engine.order(account_id, day.terms.id)
        assert expired.status is OrderStatus.EXPIRED and expired.expired_at == end
        state = engine.account(account_id)
        assert state.positions["AAPL"].qty == 5 and state.cash == Decimal(10_000) - Decimal("492.50")

        running = other_tasks()
        assert running and all(name.startswith(ACTOR_TASKS) for name in running), running
    finally:
        await engine.stop()
    assert other_tasks() == set()
