"""The live engine: the feed, the session clock and the snapshot clock run around an Engine, and only there."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.factories import make_engine
from tradeloop.actors.live import LiveEngine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.events import SessionClosed
from tradeloop.market.manual import ManualFeed


async def test_the_live_engine_runs_the_feed_and_both_clocks_until_it_stops() -> None:
    engine = make_engine()
    live = LiveEngine(engine, feed=ManualFeed())
    await live.start()
    try:
        assert engine.started
        assert sorted(live.task_names) == ["feed-manual", "session-clock", "snapshot-clock"]
    finally:
        await live.stop()
    assert live.task_names == [] and not engine.started


async def test_session_clock_closes_each_session_once() -> None:
    midnight = datetime(2024, 6, 4, tzinfo=UTC)
    journal = MemoryJournal()
    engine = make_engine(journal=journal, clock=lambda: midnight - timedelta(milliseconds=1))
    account_id = (await engine.open_account(Decimal(100_000))).account_id
    live = LiveEngine(engine)
    await live.start()
    try:
        await asyncio.sleep(0.1)
        await engine.quiesce()
    finally:
        await live.stop()
    closes = [e for owner, e in journal.records if owner == account_id and isinstance(e, SessionClosed)]
    assert [e.timestamp for e in closes] == [midnight]


async def test_the_snapshot_clock_snapshots_once_enough_events_were_journaled() -> None:
    journal = MemoryJournal()
    engine = make_engine(journal=journal)
    live = LiveEngine(engine, snapshot_every_events=2, snapshot_every_s=3600.0)
    await live.start()
    try:
        account_id = (await engine.open_account(Decimal(100_000))).account_id
        assert engine.events_since_snapshot == 1 and journal.snapshots == {}
        await engine.adjust_cash(account_id, Decimal(5), "deposit")
        for _ in range(40):  # the clock looks once a second
            if account_id in journal.snapshots:
                break
            await asyncio.sleep(0.1)
        assert account_id in journal.snapshots and engine.events_since_snapshot == 0
    finally:
        await live.stop()
