"""The bar store: one-minute bars in a database of their own, written in batches by one task.

Bars live in `marketdata.db` beside the journal's database, so the journal
stays small and its commits never wait behind market data. Live bars are
queued without blocking and committed by one writer task a moment later, many
per transaction; reads run in worker threads on connections of their own
(WAL lets them proceed while the writer commits). Numbers are stored as
decimal text, so what comes back is exactly what went in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Generator, Iterable
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Final, cast

import aiosqlite

from tradeloop.core.bars import Bar, BarRow, epoch_seconds
from tradeloop.core.money import fmt

log = logging.getLogger(__name__)

DATABASE_FILE: Final = "marketdata.db"
BATCH_DELAY_S: Final = 0.25
"""How long the writer lets bars gather before committing them together."""
SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS bars (
    symbol      TEXT    NOT NULL,
    start_s     INTEGER NOT NULL,
    open        TEXT    NOT NULL,
    high        TEXT    NOT NULL,
    low         TEXT    NOT NULL,
    close       TEXT    NOT NULL,
    volume      TEXT    NOT NULL,
    trade_count INTEGER NOT NULL,
    notional    TEXT    NOT NULL,
    PRIMARY KEY (symbol, start_s)
) WITHOUT ROWID;
"""
BULK_CACHE_KIB: Final = 65_536
"""Page cache of a bulk insert: enough that index pages are not written out and read back."""
_COLUMNS: Final = "symbol, start_s, open, high, low, close, volume, trade_count, notional"
_INSERT: Final = f"INSERT INTO bars ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_UPSERT: Final = f"INSERT OR REPLACE INTO bars ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

def database_path(data_dir: Path) -> Path:
    return data_dir / DATABASE_FILE


def bar_row(bar: Bar) -> BarRow:
    return (
        bar.symbol,
        epoch_seconds(bar.timestamp),
        fmt(bar.open),
        fmt(bar.high),
        fmt(bar.low),
        fmt(bar.close),
        fmt(bar.volume),
        bar.trade_count,
        fmt(bar.notional),
    )


def row_bar(row: BarRow) -> Bar:
    symbol, start_s, open_, high, low, close, volume, trade_count, notional = row
    return Bar(
        symbol=symbol,
        timestamp=datetime.fromtimestamp(start_s, timezone.utc),
        open=Decimal(open_),
        high=Decimal(high),
        low=Decimal(low),
        close=Decimal(close),
        volume=Decimal(volume),
        trade_count=trade_count,
        notional=Decimal(notional),
    )


def connect(path: Path) -> sqlite3.Connection:
    """A blocking connection with the schema in place, for one worker thread's use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    return db


def is_empty(path: Path) -> bool:
    """True when the store holds no bar at all (blocking)."""
    db = connect(path)
    try:
        return db.execute("SELECT 1 FROM bars LIMIT 1").fetchone() is None
    finally:
        db.close()


def insert_rows(path: Path, batches: Iterable[Iterable[BarRow]]) -> int:
    """Insert every batch of new rows in one transaction (blocking); returns the number written."""
    db = connect(path)
    db.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    written = 0
    try:
        with db:
            for rows in batches:
                cursor = db.executemany(_INSERT, rows)
                written += cursor.rowcount
    finally:
        db.close()
    return written


class BarStore:
    """Stored one-minute bars: queued writes committed by one task, reads from worker threads."""

    def __init__(self, path: Path, *, batch_delay_s: float = BATCH_DELAY_S) -> None:
        self.path = path
        self._batch_delay_s = batch_delay_s
        self._db: aiosqlite.Connection | None = None
        self._pending: list[Bar] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Open the database (creating it) in WAL mode and start the writer task."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(self.path)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.executescript(SCHEMA)
            await db.commit()
        except BaseException:
            await db.close()
            raise
        self._db = db
        self._task = asyncio.get_running_loop().create_task(self._run(), name="bar-writer")

    async def close(self) -> None:
        """Commit what is queued, stop the writer, close the database."""
        if self._task is not None:
            await self.flush()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._db is not None:
            await self._db.close()
            self._db = None

    def add(self, bar: Bar) -> None:
        """Queue a completed bar (replacing any stored bar of the same minute); never blocks."""
        self._pending.append(bar)
        self._wakeup.set()

    async def flush(self) -> None:
        """Wait until every bar queued so far is committed."""
        if self._task is None:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(done)
        self._wakeup.set()
        await done

    async def last_bars(self, symbols: Iterable[str]) -> dict[str, Bar]:
        """The newest stored bar of each symbol that has one."""
        assert self._db is not None, "bar store is not open"
        found: dict[str, Bar] = {}
        for symbol in symbols:
            sql = f"SELECT {_COLUMNS} FROM bars WHERE symbol = ? ORDER BY start_s DESC LIMIT 1"
            async with self._db.execute(sql, (symbol,)) as cursor:
                row = await cursor.fetchone()
            if row is not None:
                found[symbol] = row_bar(cast(BarRow, tuple(row)))
        return found

    def read(self, symbol: str, start: datetime, end: datetime, *, descending: bool) -> Generator[Bar, None, None]:
        """Stored bars with start <= timestamp < end, in time order, lazily.

        Blocking: iterate it in a worker thread, and close it when done early.
        """
        db = sqlite3.connect(self.path)
        try:
            sql = (
                f"SELECT {_COLUMNS} FROM bars WHERE symbol = ? AND start_s >= ? AND start_s < ?"
                f" ORDER BY start_s {'DESC' if descending else 'ASC'}"
            )
            cursor = db.execute(sql, (symbol, epoch_seconds(start), epoch_seconds(end)))
            for row in cursor:
                yield row_bar(row)
        finally:
            db.close()

    async def _run(self) -> None:
        assert self._db is not None
        db = self._db
        while True:
            await self._wakeup.wait()
            if not self._waiters:
                await asyncio.sleep(self._batch_delay_s)  # let a minute's bars of every symbol gather
            self._wakeup.clear()
            bars, self._pending = self._pending, []
            waiters, self._waiters = self._waiters, []
            if bars:
                try:
                    await db.executemany(_UPSERT, [bar_row(bar) for bar in bars])
                    await db.commit()
                except Exception:  # bars are derived data: losing some must not stop trading
                    with contextlib.suppress(Exception):
                        await db.rollback()
                    log.exception("writing %d bars to %s failed; they are lost", len(bars), self.path)
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
