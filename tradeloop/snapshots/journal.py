"""The journal writer: one task, group commit, hash-chained records in SQLite.

`write` assigns the next position and chains the record's hash at once, in the
caller's order; the task then commits everything that queued up meanwhile in
one transaction and resolves each writer's future. A future that resolved means
the events are on disk (to the degree `fsync` promises). History rows (fills,
activities), snapshots, meta values and audit entries ride in the same
transactions, so they are never ahead of, or behind, the journal.

The writing connection lives on a thread of its own and each transaction is one
call to it: the inserts of every table and the commit together. Through
aiosqlite each statement and the commit would be a round trip of their own
between the event loop and its thread, four or five per batch, and a batch's
commit latency is what every order placed meanwhile waits for. Reads (activity
listings, order history, the audit log) go through an aiosqlite connection;
activities and orders are read after a flush, so what was acknowledged is visible.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeVar
from uuid import UUID

import aiosqlite
import msgpack

from tradeloop.actors.journal import Activity, ActivityQuery, AuditEntry, ChainReport, OrderQuery, activity_kind
from tradeloop.codec import parse_rfc3339, rfc3339
from tradeloop.config import Fsync
from tradeloop.core.accounts import AccountState
from tradeloop.core.events import AccountEvent, CashAdjusted, OrderFilled
from tradeloop.core.orders import TERMINAL, Order
from tradeloop.snapshots.chain import ANCHOR_KEY, GENESIS, chain_hash, verify_chain
from tradeloop.snapshots.checkpoints import Checkpointer
from tradeloop.snapshots.codec import DecodeError, decode, encode
from tradeloop.snapshots.schema import SCHEMA

log = logging.getLogger(__name__)
R = TypeVar("R")

_INSERT_RECORD: Final = "INSERT INTO journal (seq, account_id, payload, crc, hash) VALUES (?, ?, ?, ?, ?)"
_INSERT_FILL: Final = (
    "INSERT INTO fills (fill_id, account_id, order_id, symbol, side, qty, price, cash, timestamp, seq)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_ACTIVITY: Final = "INSERT INTO activities (account_id, timestamp, kind, payload, seq) VALUES (?, ?, ?, ?, ?)"
_UPSERT_SNAPSHOT: Final = (
    "INSERT OR REPLACE INTO snapshots (account_id, seq, payload, crc, taken_at) VALUES (?, ?, ?, ?, ?)"
)
_UPSERT_META: Final = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"
_UPSERT_ORDER: Final = (
    "INSERT OR REPLACE INTO orders (id, account_id, symbol, status, created_at, updated_at, payload, seq)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_AUDIT: Final = "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)"
_CLOSED: Final = sorted(status.value for status in TERMINAL)
_ORDER_PAGE: Final = 200
"""Rows decoded at a time when a listing filters by side, which is not a column."""


@dataclass(slots=True)
class _Batch:
    """Rows waiting for the next commit, by statement, in the order statements first appeared."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    compact_for_accounts: int | None = None
    orders: dict[UUID, tuple[Order, UUID, int]] = field(default_factory=dict)
    """Order records changed by this batch's writes: the record, its account and the last write's position.

    Encoded once when the batch is taken for commit, however many writes touched
    the record: its row would be replaced by the last of them anyway.
    """

    def add(self, statement: str, row: tuple[Any, ...]) -> None:
        self.rows.setdefault(statement, []).append(row)

    def seal(self) -> None:
        """Turn the changed order records into rows, as they stand now (after every write of the batch)."""
        if not self.orders:
            return
        rows = self.rows.setdefault(_UPSERT_ORDER, [])
        for order, account_id, seq in self.orders.values():
            rows.append(
                (
                    str(order.id),
                    str(account_id),
                    order.symbol,
                    order.status.value,
                    rfc3339(order.created_at),
                    rfc3339(order.updated_at),
                    encode(order),
                    seq,
                )
            )
        self.orders.clear()


class JournalWriter:
    """Appends events, history, snapshots and audit entries; the durable Journal."""

    def __init__(
        self,
        path: Path,
        *,
        fsync: Fsync = Fsync.NORMAL,
        last_seq: int = 0,
        last_hash: bytes = GENESIS,
        checkpointer: Checkpointer | None = None,
    ):
        self.path = path
        self._fsync = fsync
        self._db: sqlite3.Connection | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._checkpointer = checkpointer or Checkpointer(path)
        self._reader: aiosqlite.Connection | None = None
        self._seq = last_seq
        self._hash = last_hash
        self._batch = _Batch()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None
        self._events_written = 0

    @property
    def events_written(self) -> int:
        return self._events_written

    @property
    def position(self) -> int:
        return self._seq

    async def open(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-writer")
        self._db = await self._on_thread(open_database, self.path, self._fsync)
        await self._checkpointer.open()
        self._reader = await aiosqlite.connect(self.path)
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
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        await self._checkpointer.close()
        if self._db is not None:
            await self._on_thread(self._db.close)
            self._db = None
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None

    async def flush(self) -> None:
        """Wait until everything handed over so far is committed."""
        await self._enqueue()

    def write(
        self, account_id: UUID, events: Sequence[AccountEvent], orders: Sequence[Order] = ()
    ) -> asyncio.Future[None]:
        """Queue one actor step's events as one record, and the order records they changed; resolves once committed."""
        if self._failure is not None:
            failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            failed.set_exception(self._failure)
            return failed
        # Each event is encoded once: the record is the array of them, and fills and cash movements reuse theirs.
        parts = [encode(event) for event in events]
        payload = _array_header(len(parts)) + b"".join(parts)
        self._seq += 1
        seq = self._seq
        self._hash = chain_hash(self._hash, seq, account_id.bytes, payload)
        batch = self._batch
        batch.add(_INSERT_RECORD, (seq, account_id.bytes, payload, zlib.crc32(payload), self._hash))
        for event, part in zip(events, parts):
            if isinstance(event, OrderFilled):
                batch.add(_INSERT_FILL, _fill_row(event, seq))
            if isinstance(event, (OrderFilled, CashAdjusted)):
                row = (str(account_id), rfc3339(event.timestamp), activity_kind(event), part, seq)
                batch.add(_INSERT_ACTIVITY, row)
        for order in orders:
            batch.orders[order.id] = (order, account_id, seq)
        self._events_written += len(events)
        return self._enqueue()

    def snapshot(self, account_id: UUID, state: AccountState, taken_at: datetime) -> asyncio.Future[None]:
        """Queue a snapshot of a state that holds every record handed over so far.

        It is stamped with the writer's position, not the account's last record:
        after a restart an account may not have written yet, and a stamp of 0
        would replay records the snapshot already holds. The state holds open
        orders only (the orders table keeps the closed ones), so a snapshot
        costs what the open part of an account costs.
        """
        payload = encode(state)
        row = (account_id.bytes, self._seq, payload, zlib.crc32(payload), taken_at.isoformat())
        return self._enqueue(_UPSERT_SNAPSHOT, row)

    def compact(self, account_count: int) -> asyncio.Future[None]:
        """Drop journal records every account's snapshot already covers (after queued snapshots commit)."""
        self._batch.compact_for_accounts = account_count
        return self._enqueue()

    def put_meta(self, key: str, value: bytes) -> asyncio.Future[None]:
        return self._enqueue(_UPSERT_META, (key, value))

    def audit(self, entry: AuditEntry) -> asyncio.Future[None]:
        row = (rfc3339(entry.at), entry.actor, entry.action, entry.target, encode(entry.detail))
        return self._enqueue(_INSERT_AUDIT, row)

    async def activities(self, query: ActivityQuery) -> list[Activity]:
        """Fills and cash movements of one account, from the history table.

        Waits for what is queued to commit first: a fill already visible on its order is listed too.
        """
        await self.flush()
        sql = "SELECT payload FROM activities WHERE account_id = ?"
        args: list[Any] = [str(query.account_id)]
        if query.kinds:
            sql += f" AND kind IN ({','.join('?' * len(query.kinds))})"
            args += sorted(query.kinds)
        if query.after is not None:
            sql += " AND timestamp > ?"
            args.append(rfc3339(query.after))
        if query.until is not None:
            sql += " AND timestamp < ?"
            args.append(rfc3339(query.until))
        order = "DESC" if query.newest_first else "ASC"
        sql += f" ORDER BY timestamp {order}, id {order} LIMIT ?"
        args.append(query.limit)
        return [decode(payload) for (payload,) in await self._read(sql, args)]

    async def order(self, account_id: UUID, order_id: UUID) -> Order | None:
        """One order's latest record, from the history table (after what is queued commits)."""
        await self.flush()
        rows = await self._read(
            "SELECT payload FROM orders WHERE id = ? AND account_id = ?", [str(order_id), str(account_id)]
        )
        return _decode_order(rows[0][0]) if rows else None

    async def orders(self, query: OrderQuery) -> list[Order]:
        """The latest records of the orders a query selects, from the history table (after what is queued commits).

        The side is not a column: with a side, rows are read a page at a time and
        decoded until `limit` of them are on that side or none are left.
        """
        await self.flush()
        sql, args = _orders_sql(query)
        if query.side is None:
            return [_decode_order(payload) for (payload,) in await self._read(sql + " LIMIT ?", [*args, query.limit])]
        assert self._reader is not None, "journal is not open"
        found: list[Order] = []
        async with self._reader.execute(sql, args) as cursor:
            while len(found) < query.limit and (rows := await cursor.fetchmany(max(query.limit, _ORDER_PAGE))):
                for (payload,) in rows:
                    order = _decode_order(payload)
                    if order.side is query.side:
                        found.append(order)
        return found[: query.limit]

    async def audit_log(self, limit: int) -> list[AuditEntry]:
        rows = await self._read("SELECT at, actor, action, target, detail FROM audit ORDER BY id DESC LIMIT ?", [limit])
        return [
            AuditEntry(at=parse_rfc3339(at), actor=actor, action=action, target=target, detail=decode(detail))
            for at, actor, action, target, detail in rows
        ]

    async def verify(self) -> ChainReport:
        """Walk the whole chain on a connection of its own, off the event loop."""

        def walk() -> ChainReport:
            db = sqlite3.connect(self.path)
            try:
                return verify_chain(db)
            finally:
                db.close()

        await self.flush()
        return await asyncio.get_running_loop().run_in_executor(None, walk)

    async def _read(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        assert self._reader is not None, "journal is not open"
        async with self._reader.execute(sql, args) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    def _enqueue(self, statement: str | None = None, row: tuple[Any, ...] = ()) -> asyncio.Future[None]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if statement is not None:
            self._batch.add(statement, row)
        self._batch.waiters.append(done)
        self._wakeup.set()
        return done

    async def _on_thread(self, function: Callable[..., R], *args: Any) -> R:
        """Run `function` on the writing connection's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    async def _run(self) -> None:
        assert self._db is not None
        db = self._db
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, self._batch = self._batch, _Batch()
            try:
                batch.seal()
                await self._on_thread(_commit, db, batch.rows, batch.compact_for_accounts)
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
            self._checkpointer.after_commit()


def open_database(path: Path, fsync: Fsync) -> sqlite3.Connection:
    """Open (creating) the database in WAL mode with the chosen durability; for the thread that calls this only.

    Its commits never checkpoint: a `Checkpointer` does that on a connection of its own.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level="DEFERRED")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={'FULL' if fsync is Fsync.FULL else 'NORMAL'}")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.executescript(SCHEMA)
    db.commit()
    return db


def _commit(db: sqlite3.Connection, rows: dict[str, list[tuple[Any, ...]]], compact_for_accounts: int | None) -> None:
    """One transaction: every statement's rows, then compaction if asked; rolled back whole on failure."""
    try:
        for statement, batch_rows in rows.items():
            db.executemany(statement, batch_rows)
        if compact_for_accounts is not None:
            _compact(db, compact_for_accounts)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def _compact(db: sqlite3.Connection, account_count: int) -> None:
    """Remove records below the oldest snapshot, keeping the chain's anchor in `meta`."""
    snapshots, oldest = db.execute("SELECT COUNT(*), COALESCE(MIN(seq), 0) FROM snapshots").fetchone()
    if snapshots < account_count or oldest <= 0:
        return
    found = db.execute("SELECT hash FROM journal WHERE seq = ?", (oldest,)).fetchone()
    if found is None:
        return  # already compacted up to here
    db.execute("DELETE FROM journal WHERE seq <= ?", (oldest,))
    db.execute(_UPSERT_META, (ANCHOR_KEY, oldest.to_bytes(8, "big") + found[0]))


def _array_header(length: int) -> bytes:
    """msgpack's header of an array of `length` items: with the items' encodings, the encoding of the list."""
    if length < len(_ARRAY_HEADERS):
        return _ARRAY_HEADERS[length]
    header: bytes = msgpack.Packer().pack_array_header(length)
    return header


_ARRAY_HEADERS: Final[tuple[bytes, ...]] = tuple(msgpack.Packer().pack_array_header(length) for length in range(16))


def _orders_sql(query: OrderQuery) -> tuple[str, list[Any]]:
    """The SELECT of the payloads a query selects, newest or oldest first, without the side and the limit.

    `created_at` is RFC 3339 text of one width, so comparing and sorting the
    text is comparing and sorting the times; `id` sorts as the UUIDs do.
    """
    sql = "SELECT payload FROM orders WHERE account_id = ?"
    args: list[Any] = [str(query.account_id)]
    if query.status != "all":
        sql += f" AND status {'NOT ' if query.status == 'open' else ''}IN ({','.join('?' * len(_CLOSED))})"
        args += _CLOSED
    if query.after is not None:
        sql += " AND created_at > ?"
        args.append(rfc3339(query.after.astimezone(UTC)))
    if query.until is not None:
        sql += " AND created_at <= ?"
        args.append(rfc3339(query.until.astimezone(UTC)))
    if query.symbols is not None:
        sql += f" AND symbol IN ({','.join('?' * len(query.symbols))})"
        args += sorted(query.symbols)
    direction = "DESC" if query.newest_first else "ASC"
    return sql + f" ORDER BY created_at {direction}, id {direction}", args


def _decode_order(payload: bytes) -> Order:
    order = decode(payload)
    if not isinstance(order, Order):
        raise DecodeError(f"an order record holds a {type(order).__name__}")
    return order


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
        rfc3339(fill.timestamp) or "",
        seq,
    )
