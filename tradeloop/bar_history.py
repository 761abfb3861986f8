"""The market history over the bar store: backfill the store when empty, open it, resume the live bars from it.

This wires a market-data piece (the history and the backfill plan) to a storage
piece (the bar store), so it sits above both, beside the server that uses it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from tradeloop.market.backfill import Backfill
from tradeloop.market.history import MarketHistory
from tradeloop.snapshots.bars import BarStore, insert_rows, is_empty
from tradeloop.snapshots.recovery import CorruptData

log = logging.getLogger(__name__)


def backfill(store_path: Path, plan: Backfill) -> int:
    """Fill an empty store from the plan (blocking); a store holding any bar is left alone.

    Returns the number of bars written.
    """
    if plan.days <= 0 or not plan.assets or not is_empty(store_path):
        return 0
    return insert_rows(store_path, plan.batches())


def history_lifetime(
    store: BarStore,
    history: MarketHistory,
    *,
    symbols: Sequence[str],
    plan: Backfill | None = None,
    resume: Callable[[Mapping[str, Decimal]], None] | None = None,
) -> Callable[[object], AsyncIterator[None]]:
    """A cleanup context: backfill (in a worker thread) and open the store, continue from its last bars.

    On the way out, the minutes in progress are stored before the store closes;
    so it must run before the engine starts and close after the engine stops.
    """

    async def market_history(_: object) -> AsyncIterator[None]:
        try:
            if plan is not None:
                started = time.perf_counter()
                written = await asyncio.get_running_loop().run_in_executor(None, backfill, store.path, plan)
                if written:
                    elapsed_s = time.perf_counter() - started
                    log.info("backfilled %d one-minute bars (%d days) in %.1f s", written, plan.days, elapsed_s)
            await store.open()
        except sqlite3.DatabaseError as exc:
            reason = f"{exc} (it holds only market data bars: moving it aside starts a new one)"
            raise CorruptData(store.path, "bar database", "open", reason) from None
        try:
            last = await store.last_bars(symbols)
            history.resume(last.values())
            if resume is not None:
                resume({symbol: bar.close for symbol, bar in last.items()})
            yield
        finally:
            history.close()
            await store.close()

    return market_history
