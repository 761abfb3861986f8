"""WAL checkpoints off the commit path: a connection and a thread of their own, at most one at a time.

SQLite's automatic checkpoint runs inside the commit that fills the WAL past
its limit: that commit copies the WAL into the database file and syncs it,
several milliseconds for every order waiting on it, about one commit in a
hundred under a steady trickle of orders. The journal's connection turns the
automatic checkpoint off and this one runs a passive checkpoint (it never waits
for, or blocks, the writer) at most once per `every_s` after commits.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_S: Final = 1.0


class Checkpointer:
    """Copies committed WAL frames into the database file in the background."""

    def __init__(self, path: Path, *, every_s: float = CHECKPOINT_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self.path = path
        self._every_s = every_s
        self._clock = clock
        self._thread: ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None
        self._running: asyncio.Future[None] | None = None
        self._last = clock()
        self.checkpoints = 0

    async def open(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-checkpoint")
        self._db = await asyncio.get_running_loop().run_in_executor(self._thread, sqlite3.connect, self.path)

    def after_commit(self) -> None:
        """Start a checkpoint unless one is running or the last began less than `every_s` ago."""
        if self._thread is None or self._running is not None and not self._running.done():
            return
        now = self._clock()
        if now - self._last < self._every_s:
            return
        self._last = now
        self._running = asyncio.get_running_loop().run_in_executor(self._thread, self._checkpoint)
        self._running.add_done_callback(_report_failure)

    async def close(self) -> None:
        """Wait for a running checkpoint, then close the connection (the last one to close checkpoints fully)."""
        if self._running is not None:
            await asyncio.gather(self._running, return_exceptions=True)
            self._running = None
        if self._thread is None:
            return
        if self._db is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread, self._db.close)
            self._db = None
        self._thread.shutdown(wait=True)
        self._thread = None

    def _checkpoint(self) -> None:
        assert self._db is not None
        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        self.checkpoints += 1


def _report_failure(done: asyncio.Future[None]) -> None:
    if not done.cancelled() and (exc := done.exception()) is not None:
        log.warning("WAL checkpoint failed (the WAL grows until one succeeds): %s", exc)
