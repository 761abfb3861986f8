"""The journal writer: group commit of hash-chained records in SQLite, by a process of its own.

`write` assigns the next position and chains the record's hash at once, in the
caller's order, and hands the record to the next commit. A future that resolved
means the events are on disk (to the degree `fsync` promises). History rows
(fills, activities, order records), snapshots, meta values and audit entries
ride in the same transactions, so they are never ahead of, or behind, the journal.

The database's writing connection lives in the journal's writing process
(`tradeloop.snapshots.commits`): one transaction per batch, one batch at a
time, in order. When nothing is being committed, a write goes out at once; while
a batch is being committed, writes gather for the next. So that the event loop
and the writing process work at the same time rather than by turns, a batch
that reaches half the writes of the last round is closed and queued, and the
writes after it start another: a burst of calls from many clients becomes two
or more batches that commit while the rest are still being handled. Reads
(activity listings, order history, the audit log) go through an aiosqlite
connection; activities and orders are read after a flush, so what was
acknowledged is visible.

If a commit fails or the process dies, that batch and every later one are
refused with `JournalUnavailable`, and so is every write after: positions are
chained, so nothing after a lost record may be committed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
import zlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import aiosqlite
import msgpack

import tradeloop
from tradeloop.actors.journal import Activity, ActivityQuery, AuditEntry, ChainReport, OrderQuery, activity_kind
from tradeloop.codec import parse_rfc3339, rfc3339
from tradeloop.config import Fsync
from tradeloop.core.accounts import AccountState
from tradeloop.core.events import AccountEvent, CashAdjusted, OrderFilled
from tradeloop.core.orders import TERMINAL, Order
from tradeloop.errors import JournalUnavailable
from tradeloop.snapshots.chain import GENESIS, chain_hash, verify_chain
from tradeloop.snapshots.codec import DecodeError, decode, encode
from tradeloop.snapshots.commits import CHECKPOINT_EVERY_S, Frames, frame
from tradeloop.snapshots.lock import DatabaseLock

log = logging.getLogger(__name__)

_CLOSED: Final = sorted(status.value for status in TERMINAL)
_ORDER_PAGE: Final = 200
"""Rows decoded at a time when a listing filters by side, which is not a column."""
_SEAL_AT_LEAST: Final = 4
"""A batch waiting behind a commit is closed at half the last round's writes, but never below this many."""
_ROUND_PARTS: Final = 2
"""A round of writes (what was committed and what waited meanwhile) is sealed into about this many batches."""
_FIRST_SEAL_AT: Final = 256
"""Where a batch waiting behind the first commit closes, before there is a last round to go by."""
_EXIT_WAIT_S: Final = 30.0
"""How long `close` waits for the writing process to finish its last transaction before killing it."""


@dataclass(slots=True)
class _Batch:
    """Rows for one commit, by statement name, in the order statements first appeared."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    compact_for_accounts: int | None = None
    orders: dict[UUID, tuple[Order, UUID, int]] = field(default_factory=dict)
    """Order records changed by this batch's writes: the record, its account and the last write's position.

    Encoded once when the batch closes to further writes, however many of its
    writes touched the record: its row would be replaced by the last of them anyway.
    """

    def add(self, statement: str, row: tuple[Any, ...]) -> None:
        self.rows.setdefault(statement, []).append(row)

    @property
    def empty(self) -> bool:
        return not self.rows and not self.orders and self.compact_for_accounts is None

    def seal(self) -> None:
        """Turn the changed order records into rows as they stand now: after this batch's writes, before any later one's."""
        if not self.orders:
            return
        rows = self.rows.setdefault("order", [])
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


class _Pipes(asyncio.SubprocessProtocol):
    """The writing process's answers, frame by frame, and its exit, handed to the writer."""

    def __init__(self, writer: JournalWriter) -> None:
        self._writer = writer
        self._frames = Frames()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        for answer in self._frames.feed(data):
            self._writer._answered(answer)

    def process_exited(self) -> None:
        self._writer._exited()


class JournalWriter:
    """Appends events, history, snapshots and audit entries; the durable Journal."""

    def __init__(
        self,
        path: Path,
        *,
        fsync: Fsync = Fsync.NORMAL,
        last_seq: int = 0,
        last_hash: bytes = GENESIS,
        checkpoint_every_s: float = CHECKPOINT_EVERY_S,
        lock: DatabaseLock | None = None,
    ):
        """`lock`, when given, is already held (the caller took it before reading the journal); else `open` takes one."""
        self.path = path
        self._fsync = fsync
        self._lock = lock or DatabaseLock(path)
        self._owns_lock = lock is None
        self._checkpoint_every_s = checkpoint_every_s
        self._reader: aiosqlite.Connection | None = None
        self._process: asyncio.SubprocessTransport | None = None
        self._stdin: asyncio.WriteTransport | None = None
        self._ready: asyncio.Future[None] | None = None
        self._gone: asyncio.Future[None] | None = None
        self._closing = False
        self._seq = last_seq
        self._hash = last_hash
        self._open = _Batch()
        self._queued: deque[_Batch] = deque()
        self._committing: _Batch | None = None
        self._seal_at = _FIRST_SEAL_AT
        self._failure: JournalUnavailable | None = None
        self._events_written = 0
        self.commits = 0

    @property
    def events_written(self) -> int:
        return self._events_written

    @property
    def position(self) -> int:
        return self._seq

    @property
    def pid(self) -> int | None:
        """The writing process's id while it runs."""
        return None if self._process is None else self._process.get_pid()

    async def open(self) -> None:
        """Take the database's lock (unless given one), start the writing process, open the reading connection.

        Raises:
            DatabaseBusy: another process holds the lock.
            JournalUnavailable: the writing process could not open the database.
        """
        loop = asyncio.get_running_loop()
        await self._lock.acquire()
        self._ready, self._gone = loop.create_future(), loop.create_future()
        synchronous = "FULL" if self._fsync is Fsync.FULL else "NORMAL"
        self._process, _ = await loop.subprocess_exec(
            lambda: _Pipes(self),
            sys.executable,
            "-m",
            "tradeloop.snapshots.commits",
            str(self.path),
            synchronous,
            str(self._checkpoint_every_s),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=None,
            pass_fds=(self._lock.fileno(),),
            env=_child_environment(),
        )
        self._stdin = self._process.get_pipe_transport(0)  # type: ignore[assignment]
        try:
            await self._ready
        except BaseException:
            await self._stop_process()
            self._release_lock()
            raise
        self._reader = await aiosqlite.connect(self.path)

    async def close(self) -> None:
        """Commit what is queued, stop the writing process, then close the database."""
        if self._process is not None:
            if self._failure is None:
                await asyncio.gather(self.flush(), return_exceptions=True)
            await self._stop_process()
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        self._release_lock()

    def flush(self) -> asyncio.Future[None]:
        """Resolves once everything handed over before this call is committed."""
        return self._enqueue()

    def write(
        self, account_id: UUID, events: Sequence[AccountEvent], orders: Sequence[Order] = ()
    ) -> asyncio.Future[None]:
        """Queue one actor step's events as one record, and the order records they changed; resolves once committed."""
        if self._failure is not None:
            return self._refused()
        # Each event is encoded once: the record is the array of them, and fills and cash movements reuse theirs.
        parts = [encode(event) for event in events]
        payload = _array_header(len(parts)) + b"".join(parts)
        self._seq += 1
        seq = self._seq
        self._hash = chain_hash(self._hash, seq, account_id.bytes, payload)
        batch = self._open
        batch.add("journal", (seq, account_id.bytes, payload, zlib.crc32(payload), self._hash))
        for event, part in zip(events, parts):
            if isinstance(event, OrderFilled):
                batch.add("fill", _fill_row(event, seq))
            if isinstance(event, (OrderFilled, CashAdjusted)):
                row = (str(account_id), rfc3339(event.timestamp), activity_kind(event), part, seq)
                batch.add("activity", row)
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
        return self._enqueue("snapshot", row)

    def compact(self, account_count: int) -> asyncio.Future[None]:
        """Drop journal records every account's snapshot already covers (after queued snapshots commit)."""
        self._open.compact_for_accounts = account_count
        return self._enqueue()

    def put_meta(self, key: str, value: bytes) -> asyncio.Future[None]:
        return self._enqueue("meta", (key, value))

    def audit(self, entry: AuditEntry) -> asyncio.Future[None]:
        row = (rfc3339(entry.at), entry.actor, entry.action, entry.target, encode(entry.detail))
        return self._enqueue("audit", row)

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

        The side is not a column: with a side, rows are read a page at a time (each
        page after the last row of the one before) and decoded until `limit` of
        them are on that side or none are left.
        """
        await self.flush()
        if query.side is None:
            sql, args = _orders_sql(query)
            return [_decode_order(payload) for payload, *_ in await self._read(sql, args, query.limit)]
        found: list[Order] = []
        page = max(query.limit, _ORDER_PAGE)
        after: tuple[str, str] | None = None
        while len(found) < query.limit:
            sql, args = _orders_sql(query, after)
            rows = await self._read(sql, args, page)
            for payload, _, _ in rows:
                order = _decode_order(payload)
                if order.side is query.side:
                    found.append(order)
            if len(rows) < page:
                break
            after = rows[-1][1], rows[-1][2]
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

    async def _read(self, sql: str, args: Sequence[Any], limit: int | None = None) -> list[tuple[Any, ...]]:
        """Run a query and fetch every row in one step on the reading connection.

        One step, so that no cursor is left open between two: on SQLite an open
        statement holds its read snapshot, and a read that ran while it was open
        would see the database as it stood before writes it had waited for.
        """
        assert self._reader is not None, "journal is not open"
        if limit is not None:
            sql, args = sql + " LIMIT ?", [*args, limit]
        return [tuple(row) for row in await self._reader.execute_fetchall(sql, args)]

    def _enqueue(self, statement: str | None = None, row: tuple[Any, ...] = ()) -> asyncio.Future[None]:
        """Add a waiter (and a row) to the open batch; send it at once if nothing is being committed."""
        if self._failure is not None:
            return self._refused()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        batch = self._open
        if statement is not None:
            batch.add(statement, row)
        batch.waiters.append(done)
        if self._committing is None:
            self._send_next()
        elif len(batch.waiters) >= self._seal_at:
            self._queued.append(self._take_open())
        return done

    def _take_open(self) -> _Batch:
        batch, self._open = self._open, _Batch()
        batch.seal()
        return batch

    def _send_next(self) -> None:
        """Hand the next batch with something to write to the writing process (nothing is being committed).

        A batch with nothing to write (flushes only) is settled on the spot: every batch before it is committed.
        """
        while self._queued or self._open.waiters:
            batch = self._queued.popleft() if self._queued else self._take_open()
            if batch.empty:
                _settle(batch)
                continue
            assert self._stdin is not None, "journal is not open"
            self._committing = batch
            self._stdin.write(frame([list(batch.rows.items()), batch.compact_for_accounts]))
            return

    def _answered(self, answer: Any) -> None:
        """The writing process's answer: to opening the database, then to the batch being committed."""
        assert self._ready is not None
        if not self._ready.done():
            if answer is None:
                self._ready.set_result(None)
            else:
                self._ready.set_exception(JournalUnavailable(f"cannot open {self.path}: {answer[0]}: {answer[1]}"))
            return
        batch, self._committing = self._committing, None
        if batch is None:
            return
        if answer is not None:
            log.error("journal commit failed (%s: %s); refusing further writes", answer[0], answer[1])
            self._fail(JournalUnavailable(f"the journal failed to commit: {answer[0]}: {answer[1]}"), batch)
            return
        self.commits += 1
        _settle(batch)
        waiting = len(self._open.waiters) + sum(len(queued.waiters) for queued in self._queued)
        self._seal_at = max(_SEAL_AT_LEAST, (len(batch.waiters) + waiting) // _ROUND_PARTS)
        self._send_next()

    def _exited(self) -> None:
        assert self._gone is not None and self._ready is not None and self._process is not None
        code = self._process.get_returncode()
        if not self._gone.done():
            self._gone.set_result(None)
        failure = JournalUnavailable(f"the journal's writing process exited (status {code})")
        if not self._ready.done():
            self._ready.set_exception(failure)
        elif not self._closing and self._failure is None:
            log.error("the journal's writing process exited (status %s); refusing further writes", code)
            self._fail(failure, self._committing)

    def _fail(self, failure: JournalUnavailable, committing: _Batch | None) -> None:
        """Refuse the batch that failed, every batch after it and every later write."""
        self._failure = failure
        self._committing = None
        batches = [committing, *self._queued, self._open]
        self._queued.clear()
        self._open = _Batch()
        for batch in batches:
            for waiter in [] if batch is None else batch.waiters:
                if not waiter.done():
                    waiter.set_exception(failure)

    def _refused(self) -> asyncio.Future[None]:
        assert self._failure is not None
        refused: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        refused.set_exception(self._failure)
        return refused

    async def _stop_process(self) -> None:
        """End the writing process's input and wait for it to exit (it finishes the transaction in hand)."""
        process, gone = self._process, self._gone
        if process is None or gone is None:
            return
        self._closing = True
        if self._stdin is not None:
            self._stdin.close()
        try:
            await asyncio.wait_for(asyncio.shield(gone), _EXIT_WAIT_S)
        except TimeoutError:
            log.error("the journal's writing process did not exit in %g s; killing it", _EXIT_WAIT_S)
            process.kill()
            await gone
        process.close()
        self._process = self._stdin = None

    def _release_lock(self) -> None:
        if self._owns_lock:
            self._lock.release()


def _settle(batch: _Batch) -> None:
    """Tell everyone waiting on `batch` that it is committed."""
    for waiter in batch.waiters:
        if not waiter.done():
            waiter.set_result(None)


def _child_environment() -> dict[str, str]:
    """The server's environment, with the folder tradeloop is imported from first on the path."""
    root = str(Path(tradeloop.__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root if not path else os.pathsep.join((root, path))}


def _array_header(length: int) -> bytes:
    """msgpack's header of an array of `length` items: with the items' encodings, the encoding of the list."""
    if length < len(_ARRAY_HEADERS):
        return _ARRAY_HEADERS[length]
    header: bytes = msgpack.Packer().pack_array_header(length)
    return header


_ARRAY_HEADERS: Final[tuple[bytes, ...]] = tuple(msgpack.Packer().pack_array_header(length) for length in range(16))


def _orders_sql(query: OrderQuery, after: tuple[str, str] | None = None) -> tuple[str, list[Any]]:
    """The SELECT of the payloads a query selects, with their sort keys, newest or oldest first, without the side and the limit.

    `after`, the sort keys of the last row read, continues a listing after it.

    `created_at` is RFC 3339 text of one width, so comparing and sorting the
    text is comparing and sorting the times; `id` sorts as the UUIDs do.
    """
    sql = "SELECT payload, created_at, id FROM orders WHERE account_id = ?"
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
    if after is not None:
        sql += f" AND (created_at, id) {'<' if query.newest_first else '>'} (?, ?)"
        args += after
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
