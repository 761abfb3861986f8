"""The live engine: an Engine plus what runs it in real time (the feed, the session clock, the snapshot clock),
and, when asked, the strategy host on the market history's completed minutes (with the minute clock)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from typing import Any, Final

from tradeloop.actors.engine import Engine
from tradeloop.actors.strategies import StrategyHost
from tradeloop.core.sessions import session_end
from tradeloop.market.feed import Feed
from tradeloop.market.history import MarketHistory

log = logging.getLogger(__name__)

SNAPSHOT_CHECK_S: Final = 1.0
"""How often the snapshot clock looks at the journal (or every `snapshot_every_s`, if sooner)."""
MINUTE_CLOCK_S: Final = 1.0
"""How often the minute clock completes the minutes of symbols gone quiet (each waits 2 s for late trades)."""


class LiveEngine:
    """Runs an Engine in real time: feeds it ticks, closes its sessions, snapshots it; what the server runs.

    The Engine alone runs none of these tasks, so a backtest drives it with a simulated clock instead.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        feed: Feed | None = None,
        snapshot_every_events: int = 10_000,
        snapshot_every_s: float = 300.0,
    ) -> None:
        self.engine: Final = engine
        self._feed = feed
        self._snapshot_every_events = snapshot_every_events
        self._snapshot_every_s = snapshot_every_s
        self._tasks: list[asyncio.Task[None]] = []
        self._strategies: tuple[StrategyHost, MarketHistory] | None = None
        self._stop_listening: Callable[[], None] | None = None
        self._minute_clock_s = MINUTE_CLOCK_S

    @property
    def task_names(self) -> list[str]:
        """The names of the tasks running now (none before `start` and after `stop`)."""
        return [task.get_name() for task in self._tasks]

    def run_strategies(self, bars: MarketHistory, *, every_s: float = MINUTE_CLOCK_S) -> StrategyHost:
        """Evaluate the accounts' strategies on the history's completed minutes (warm-ups read it too), from `start`.

        A minute completes when the next one's trade arrives, when a bar is posted whole, or (the
        minute clock) a moment after it ends, so a quiet symbol's bar is not late by more than a few seconds.
        """
        host = StrategyHost(self.engine, bars)
        self._strategies = (host, bars)
        self._minute_clock_s = every_s
        return host

    async def start(self) -> None:
        """Start the engine, the strategy host (if asked for), then the feed (if any) and the clocks."""
        await self.engine.start()
        if self._strategies is not None:
            host, bars = self._strategies
            host.start()
            self._stop_listening = bars.listen(host.bar_completed)
            self._spawn(self._run_minutes(bars), "minute-clock")
        if self._feed is not None:
            self._spawn(self._feed.run(self.engine.ingest), f"feed-{self._feed.name}")
        self._spawn(self._run_sessions(), "session-clock")
        self._spawn(self._run_snapshots(), "snapshot-clock")

    async def stop(self) -> None:
        """Stop the feed and the clocks, then the engine (which drains its queues and writes a final snapshot)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        if self._strategies is not None:
            await self._strategies[0].stop()  # what it was told is evaluated while the engine still runs
        await self.engine.stop()

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.get_running_loop().create_task(work, name=name))

    async def _run_sessions(self) -> None:
        """Close each session at its end, by the engine's clock."""
        clock = self.engine.clock
        closed: datetime | None = None
        while True:
            now = clock()
            # The loop's timer may wake before the wall clock reaches `end`: never close a session twice.
            end = session_end(now if closed is None or now >= closed else closed)
            await asyncio.sleep(max((end - now).total_seconds(), 0.0))
            await self.engine.close_session(end)
            closed = end

    async def _run_minutes(self, bars: MarketHistory) -> None:
        """Complete the minutes that ended a moment ago and had no later trade, by the engine's clock."""
        clock = self.engine.clock
        while True:
            await asyncio.sleep(self._minute_clock_s)
            bars.complete_due(clock())

    async def _run_snapshots(self) -> None:
        """Snapshot every `snapshot_every_s` seconds, or sooner after `snapshot_every_events` events; not while the journal cannot write."""
        engine = self.engine
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(min(SNAPSHOT_CHECK_S, self._snapshot_every_s))
            if engine.journal_trouble is not None:
                continue
            due_by_events = engine.events_since_snapshot >= self._snapshot_every_events
            if due_by_events or loop.time() - last >= self._snapshot_every_s:
                try:
                    await engine.snapshot_all()
                except Exception:
                    log.exception("snapshot failed; the journal still holds everything")
                last = loop.time()


__all__: Sequence[str] = ("LiveEngine",)
