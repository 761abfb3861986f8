"""The journal writer: one task, group commit, hash-chained records in SQLite.

`write` assigns the next position and chains the record's hash at once, in the
caller's order; the task then commits everything that queued up meanwhile in
one transaction and resolves each writer's future. A future that resolved means
the events are on disk (to the degree `fsync` promises).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Final
from uuid import UUID

import aiosqlite

from tradeloop.config import Fsync
from tradeloop.core.accounts import AccountState
from tradeloop.core.events import AccountEvent, OrderFilled
from tradeloop.snapshots.codec import encode
from tradeloop.snapshots.schema import SCHEMA

log = logging.getLogger(__name__)

GENESIS: Final = b"\x00" * 32
ANCHOR_KEY: Final = "chain_anchor"
"""meta row: the position and hash of the last record removed by compaction."""


def chain_hash(previous: bytes, seq: int, account_id: bytes, payload: bytes) -> bytes:
    """The hash that links a record to the one before it."""
    return hashlib.sha256(previous + seq.to_bytes(8, "big") + account_id + payload).digest()


@dataclass(slots=True)
class _Batch:
    journal: list[tuple[int, bytes, bytes, int, bytes]] = field(default_factory=list)
    fills: list[tuple[str, str, str, str, str, str, str, str, str, int]] = field(default_factory=list)
    snapshots: list[tuple[bytes, int, bytes, int, str]] = field(default_factory=list)
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    compact_for_accounts: int | None = None


class JournalWriter:
    """Appends events and snapshots; satisfies the actors' Journal protocol."""

    def __init__(self, path: Path, *, fsync: Fsync = Fsync.NORMAL, last_seq: int = 0, last_hash: bytes = GENESIS):
        self.path = path
        self._fsync = fsync
        self._db: aiosqlite.Connection | None = None
        self._seq = last_seq
        self._hash = last_hash
        self._batch = _Batch()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None
        self.last_seq_by_account: dict[UUID, int] = {}
        self._events_written = 0

    @property
    def events_written(self) -> int:
        """Events handed to the writer since it opened."""
        return self._events_written

    @property
    def position(self) -> int:
        """The position of the last record handed to the writer."""
        return self._seq

    async def open(self) -> None:
        self._db = await open_database(self.path, self._fsync)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="journal-writer")

    async def close(self) -> None:
        """Commit what is queued, then close the database."""
        if self._task is not None:
            await self.flush()
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def flush(self) -> None:
        """Wait until everything handed over so far is committed."""
        marker: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._batch.waiters.append(marker)
        self._wakeup.set()
        await marker

    def write(self, account_id: UUID, events: Sequence[AccountEvent]) -> asyncio.Future[None]:
        """Queue one actor step's events as one record; the future resolves once committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._failure is not None:
            done.set_exception(self._failure)
            return done
        payload = encode(list(events))
        self._seq += 1
        self._hash = chain_hash(self._hash, self._seq, account_id.bytes, payload)
        batch = self._batch
        batch.journal.append((self._seq, account_id.bytes, payload, zlib.crc32(payload), self._hash))
        for event in events:
            if isinstance(event, OrderFilled):
                batch.fills.append(_fill_row(event, self._seq))
        batch.waiters.append(done)
        self.last_seq_by_account[account_id] = self._seq
        self._events_written += len(events)
        self._wakeup.set()
        return done

    def snapshot(self, account_id: UUID, state: AccountState, taken_at: datetime) -> asyncio.Future[None]:
        """Queue a snapshot covering this account's records written so far."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        payload = encode(state)
        seq = self.last_seq_by_account.get(account_id, 0)
        self._batch.snapshots.append((account_id.bytes, seq, payload, zlib.crc32(payload), taken_at.isoformat()))
        self._batch.waiters.append(done)
        self._wakeup.set()
        return done

    def compact(self, account_count: int) -> asyncio.Future[None]:
        """Drop journal records every account's snapshot already covers (after queued snapshots commit)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._batch.compact_for_accounts = account_count
        self._batch.waiters.append(done)
        self._wakeup.set()
        return done

    async def _run(self) -> None:
        assert self._db is not None
        db = self._db
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, self._batch = self._batch, _Batch()
            try:
                await _commit(db, batch)
            except Exception as exc:  # the disk failed: nothing after this may be acknowledged
                log.exception("journal commit failed; refusing further writes")
                self._failure = exc
                for waiter in batch.waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
                continue
            for waiter in batch.waiters:
                if not waiter.done():
                    waiter.set_result(None)


async def open_database(path: Path, fsync: Fsync) -> aiosqlite.Connection:
    """Open (creating) the database in WAL mode with the chosen durability."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(path)
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute(f"PRAGMA synchronous={'FULL' if fsync is Fsync.FULL else 'NORMAL'}")
    await db.executescript(SCHEMA)
    await db.commit()
    return db


async def _commit(db: aiosqlite.Connection, batch: _Batch) -> None:
    if batch.journal:
        await db.executemany("INSERT INTO journal (seq, account_id, payload, crc, hash) VALUES (?, ?, ?, ?, ?)", batch.journal)
    if batch.fills:
        await db.executemany(
            "INSERT OR IGNORE INTO fills (fill_id, account_id, order_id, symbol, side, qty, price, cash, timestamp, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch.fills,
        )
    if batch.snapshots:
        await db.executemany(
            "INSERT OR REPLACE INTO snapshots (account_id, seq, payload, crc, taken_at) VALUES (?, ?, ?, ?, ?)",
            batch.snapshots,
        )
    if batch.compact_for_accounts is not None:
        await _compact(db, batch.compact_for_accounts)
    await db.commit()


async def _compact(db: aiosqlite.Connection, account_count: int) -> None:
    """Remove records below the oldest snapshot, keeping the chain's anchor in `meta`."""
    async with db.execute("SELECT COUNT(*), COALESCE(MIN(seq), 0) FROM snapshots") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    snapshots, oldest = row
    if snapshots < account_count or oldest <= 0:
        return
    async with db.execute("SELECT hash FROM journal WHERE seq = ?", (oldest,)) as cursor:
        found = await cursor.fetchone()
    if found is None:
        return  # already compacted up to here
    await db.execute("DELETE FROM journal WHERE seq <= ?", (oldest,))
    await db.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (ANCHOR_KEY, oldest.to_bytes(8, "big") + found[0])
    )


def _fill_row(fill: OrderFilled, seq: int) -> tuple[str, str, str, str, str, str, str, str, str, int]:
    return (
        str(fill.fill_id),
        str(fill.account_id),
        str(fill.order_id),
        fill.symbol,
        fill.side.value,
        str(fill.qty),
        str(fill.price),
        str(fill.cash),
        fill.timestamp.isoformat(),
        seq,
    )
