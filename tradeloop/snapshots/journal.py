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
connection (`tradeloop.snapshots.history`); activities and orders are read
after a flush, so what was acknowledged is visible.

While the journal cannot write (a commit fails: a full disk, a read-only
filesystem; or the writing process dies), it is in trouble (`trouble` says
why). The actors applied their events before handing them over, so dropping
them would leave memory ahead of disk: instead the batch that failed and every
batch after it are kept, in order, chained as they are, and so are the writes
that still arrive (events no client asked for: expiries, session closes).
Whoever waits on them is answered at once with `WriteKept` (a
`JournalUnavailable`: storage is failing, and the outcome is settled once it
recovers), whose `committed` resolves if the write is committed after all. The engine refuses
new commands while `trouble` is set, before applying anything, and the
markets stop matching, so little arrives meanwhile; snapshots and compaction
are refused, not kept.

A retry loop (`_recover`, backing off from `RETRY_FIRST_S` to `RETRY_MAX_S`)
starts a new writing process if the last one died, and asks it where the
journal on disk ends. The first kept batch may have been committed despite the
failure (a process killed between its commit and its answer): if the journal
ends at that batch's last record, same position and same hash, it is settled
rather than sent again; if it ends where the last answered commit left it,
nothing kept was committed; anywhere else, the database is not the one this
server wrote, and the writer stays in trouble for good. Then the kept batches
are sent again in order (every statement but the journal's may be sent twice
safely: see `tradeloop.snapshots.commits`). When the last is committed,
`trouble` clears and intake resumes: nothing acknowledged was lost, nothing
kept was committed twice. Closing while in trouble logs what was not committed
(none of it was acknowledged) and reports it to the caller.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import zlib
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import msgpack

from tradeloop.codec import rfc3339
from tradeloop.config import Fsync
from tradeloop.core.accounts import AccountState
from tradeloop.core.charges import fee_activity
from tradeloop.core.events import AccountEvent, OrderFilled
from tradeloop.core.notifications import NotificationEntry, NotificationsCreated, NotificationsRead
from tradeloop.core.orders import Order
from tradeloop.core.strategies import Signal, StrategySignalled
from tradeloop.core.trades import Fill
from tradeloop.errors import JournalUnavailable, WriteKept
from tradeloop.journal import (
    ACTIVITY_EVENTS,
    Activity,
    ActivityKey,
    ActivityQuery,
    AuditEntry,
    ChainReport,
    FillQuery,
    NotificationQuery,
    OrderQuery,
    SignalQuery,
    activity_kind,
)
from tradeloop.snapshots.batches import Batch, fill_row, notification_row, read_rows, settle, signal_row
from tradeloop.snapshots.chain import GENESIS, chain_hash, verify_chain
from tradeloop.snapshots.codec import encode
from tradeloop.snapshots.commits import CHECKPOINT_EVERY_S
from tradeloop.snapshots.history import HistoryReader
from tradeloop.snapshots.lock import DatabaseLock
from tradeloop.snapshots.writing import JournalEnd, WritingProcess, describe_failure, journal_end

log = logging.getLogger(__name__)

_SEAL_AT_LEAST: Final = 4
"""A batch waiting behind a commit is closed at half the last round's writes, but never below this many."""
_ROUND_PARTS: Final = 2
"""A round of writes (what was committed and what waited meanwhile) is sealed into about this many batches."""
_FIRST_SEAL_AT: Final = 256
"""Where a batch waiting behind the first commit closes, before there is a last round to go by."""
RETRY_FIRST_S: Final = 0.1
RETRY_MAX_S: Final = 5.0
"""The retry loop waits `RETRY_FIRST_S` after a failure, twice as long after each failed try, at most `RETRY_MAX_S`."""


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
        self._history = HistoryReader(path)
        self._process: WritingProcess | None = None
        self._closing = False
        self._seq = last_seq
        self._hash = last_hash
        self._committed = (last_seq, last_hash)
        """The position and hash of the last record the writing process said it committed."""
        self._audit_id = 0
        """The id of the last audit entry handed over (learnt from the database when it opens)."""
        self._open = Batch()
        self._queued: deque[Batch] = deque()
        self._committing: Batch | None = None
        self._seal_at = _FIRST_SEAL_AT
        self._trouble: str | None = None
        self._trouble_since = 0.0
        self._asking: asyncio.Future[JournalEnd] | None = None
        self._resumed: asyncio.Future[bool] | None = None
        self._retrying: asyncio.Task[None] | None = None
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
        return None if self._process is None else self._process.pid

    @property
    def trouble(self) -> str | None:
        """Why the journal cannot write now ("disk full (SQLITE_FULL: ...)"), or None while it writes."""
        return self._trouble

    async def open(self) -> None:
        """Take the database's lock (unless given one), start the writing process, open the reading connection.

        Raises:
            DatabaseBusy: another process holds the lock.
            JournalUnavailable: the writing process could not open the database.
        """
        await self._lock.acquire()
        try:
            end = await self._start_process()
        except BaseException:
            await self._stop_process()
            self._release_lock()
            raise
        self._audit_id = end.audit_id
        await self._history.open()

    async def close(self) -> int | None:
        """Commit what is queued, stop the writing process, then close the database.

        Returns None when everything handed over is committed; while in trouble, the number of records
        that are not (none of them was acknowledged), after logging it.
        """
        if self._process is not None and self._trouble is None:
            await asyncio.gather(self.flush(), return_exceptions=True)
        self._closing = True
        if self._retrying is not None:
            self._retrying.cancel()
            await asyncio.gather(self._retrying, return_exceptions=True)
        await self._stop_process()
        unwritten = None
        if self._trouble is not None:
            batches = [self._committing, *self._queued, self._open]
            unwritten = sum(batch.records for batch in batches if batch is not None)
            log.error(
                "closing the journal while it cannot write (%s): %d %s not committed; none of them was acknowledged",
                self._trouble,
                unwritten,
                "record was" if unwritten == 1 else "records were",
            )
        await self._history.close()
        self._release_lock()
        return unwritten

    def flush(self) -> asyncio.Future[None]:
        """Resolves once everything handed over before this call is committed; fails at once while in trouble."""
        if self._trouble is not None:
            return self._refused("try again once it recovers")
        return self._enqueue()

    def write(
        self, account_id: UUID, events: Sequence[AccountEvent], orders: Sequence[Order] = ()
    ) -> asyncio.Future[None]:
        """Queue one actor step's events as one record, and the order records they changed; resolves once committed.

        While in trouble the record is kept, to be committed once the journal writes again, and the future fails at once.
        """
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
                batch.add("fill", fill_row(event, seq))
            if isinstance(event, ACTIVITY_EVENTS):
                row = (str(account_id), rfc3339(event.timestamp), activity_kind(event), part, seq)
                batch.add("activity", row)
                if isinstance(event, OrderFilled) and event.fee:
                    row = (str(account_id), rfc3339(event.timestamp), "FEE", encode(fee_activity(event)), seq)
                    batch.add("activity", row)
            elif isinstance(event, StrategySignalled):
                batch.add("signal", signal_row(account_id, event.signal, part, seq))
            elif isinstance(event, NotificationsCreated):
                for place, made in enumerate(event.notifications):
                    batch.add("notification", notification_row(account_id, made, seq, place))
            elif isinstance(event, NotificationsRead):
                statement, rows = read_rows(event, seq)
                for row in rows:
                    batch.add(statement, row)
        for order in orders:
            batch.orders[order.terms.id] = (order, account_id, seq)
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
        if self._trouble is not None:
            return self._refused("snapshots wait until it recovers")
        payload = encode(state)
        row = (account_id.bytes, self._seq, payload, zlib.crc32(payload), taken_at.isoformat())
        return self._enqueue("snapshot", row)

    def compact(self, account_count: int) -> asyncio.Future[None]:
        """Drop journal records every account's snapshot already covers (after queued snapshots commit)."""
        if self._trouble is not None:
            return self._refused("compaction waits until it recovers")
        self._open.compact_for_accounts = account_count
        return self._enqueue()

    def put_meta(self, key: str, value: bytes) -> asyncio.Future[None]:
        return self._enqueue("meta", (key, value))

    def audit(self, entry: AuditEntry) -> asyncio.Future[None]:
        """Queue an audit entry; it carries its id, so sending it again after a failure never repeats it."""
        self._audit_id += 1
        row = (self._audit_id, rfc3339(entry.at), entry.actor, entry.action, entry.target, encode(entry.detail))
        return self._enqueue("audit", row)

    async def activities(self, query: ActivityQuery) -> list[Activity]:
        """Fills, cash movements and risk notices of one account, from the history table.

        Waits for what is queued to commit first: a fill already visible on its order is listed too.
        """
        await self.flush()
        return await self._history.activities(query)

    async def activity_page(
        self, query: ActivityQuery, after: ActivityKey | None
    ) -> tuple[list[Activity], ActivityKey | None]:
        """One page of activities oldest first, after what is queued commits (see History.activity_page)."""
        await self.flush()
        return await self._history.activity_page(query, after)

    async def order(self, account_id: UUID, order_id: UUID) -> Order | None:
        """One order's latest record, from the history table (after what is queued commits)."""
        await self.flush()
        return await self._history.order(account_id, order_id)

    async def orders(self, query: OrderQuery) -> list[Order]:
        """The latest records of the orders a query selects, from the history table (after what is queued commits)."""
        await self.flush()
        return await self._history.orders(query)

    async def audit_log(
        self, limit: int, *, until: datetime | None = None, before: int | None = None
    ) -> list[tuple[int, AuditEntry]]:
        return await self._history.audit_log(limit, until=until, before=before)

    async def fills(self, query: FillQuery) -> list[Fill]:
        """The fills a query selects, from the activities table (after what is queued commits)."""
        await self.flush()
        return await self._history.fills(query)

    async def fills_after(self, query: FillQuery, place: int) -> tuple[list[Fill], int]:
        """The fills a query selects after a place (an activities row id), after what is queued commits."""
        await self.flush()
        return await self._history.fills_after(query, place)

    async def signals(self, query: SignalQuery) -> list[Signal]:
        """The signals a query selects, from the signals table (after what is queued commits)."""
        await self.flush()
        return await self._history.signals(query)

    async def notifications(self, query: NotificationQuery) -> list[NotificationEntry]:
        """The notifications a query selects, from the notifications table (after what is queued commits)."""
        await self.flush()
        return await self._history.notifications(query)

    async def notification(self, account_id: UUID, notification_id: UUID) -> NotificationEntry | None:
        await self.flush()
        return await self._history.notification(account_id, notification_id)

    async def unread_notifications(self, account_id: UUID) -> int:
        await self.flush()
        return await self._history.unread_notifications(account_id)

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

    def _enqueue(self, statement: str | None = None, row: tuple[Any, ...] = ()) -> asyncio.Future[None]:
        """Add a waiter (and a row) to the open batch; send it at once if nothing is being committed.

        While in trouble the row is kept and the caller is answered at once.
        """
        batch = self._open
        if statement is not None:
            batch.add(statement, row)
        if self._trouble is not None:
            refused: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            refused.set_exception(self._kept(batch))
            return refused
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        batch.waiters.append(done)
        if self._committing is None:
            self._send_next()
        elif len(batch.waiters) >= self._seal_at:
            self._queued.append(self._take_open())
        return done

    def _take_open(self) -> Batch:
        batch, self._open = self._open, Batch()
        batch.seal()
        return batch

    def _send_next(self) -> None:
        """Hand the next batch with something to write to the writing process (nothing is being committed).

        A batch with nothing to write (flushes only) is settled on the spot: every batch before it is committed.
        Sending again after trouble, the journal writes again once nothing is left.
        """
        if self._closing:
            return
        while self._queued or self._open.waiters or not self._open.empty:
            batch = self._queued.popleft() if self._queued else self._take_open()
            if batch.empty:
                settle(batch)
                continue
            assert self._process is not None, "journal is not open"
            self._committing = batch
            self._process.send([list(batch.rows.items()), batch.compact_for_accounts])
            return
        if self._trouble is not None:
            self._recovered()

    def _answered(self, answer: Any) -> None:
        """The writing process's answer: to a question about the journal's end, or to the batch being committed."""
        if self._asking is not None:
            asking, self._asking = self._asking, None
            try:
                asking.set_result(journal_end(answer))
            except JournalUnavailable as exc:
                asking.set_exception(exc)
            return
        batch, self._committing = self._committing, None
        if batch is None:
            return
        if answer is not None:
            self._in_trouble(describe_failure(answer), batch)
            return
        self.commits += 1
        last = batch.last_record
        if last is not None:
            self._committed = last
        settle(batch)
        waiting = len(self._open.waiters) + sum(len(queued.waiters) for queued in self._queued)
        self._seal_at = max(_SEAL_AT_LEAST, (len(batch.waiters) + waiting) // _ROUND_PARTS)
        self._send_next()

    def _exited(self, code: int | None) -> None:
        """The writing process died: what it had in hand may or may not be committed."""
        reason = f"writing process exited (status {code})"
        if self._asking is not None:
            asking, self._asking = self._asking, None
            asking.set_exception(JournalUnavailable(reason))
        self._in_trouble(reason, self._committing)

    def _in_trouble(self, reason: str, failed: Batch | None) -> None:
        """Keep the batch that failed and every one after it; answer their callers now; make sure a retry is coming."""
        self._committing = None
        if failed is not None:
            self._queued.appendleft(failed)
        if self._trouble is None:
            self._trouble_since = time.monotonic()
            log.error("the journal cannot write (%s); new commands are refused until it recovers", reason)
        elif reason != self._trouble:
            log.warning("the journal still cannot write (%s)", reason)
        self._trouble = reason
        for batch in (*self._queued, self._open):
            if batch.waiters:
                kept = self._kept(batch)
                for waiter in batch.waiters:
                    if not waiter.done():
                        waiter.set_exception(kept)
                batch.waiters.clear()
        if self._resumed is not None and not self._resumed.done():
            self._resumed.set_result(False)
        if self._retrying is None and not self._closing:
            self._retrying = asyncio.get_running_loop().create_task(self._recover(), name="journal-retry")

    def _recovered(self) -> None:
        log.warning(
            "the journal writes again after %.1f s (%s); every kept record is committed",
            time.monotonic() - self._trouble_since,
            self._trouble,
        )
        self._trouble = None
        if self._resumed is not None and not self._resumed.done():
            self._resumed.set_result(True)

    async def _recover(self) -> None:
        """Until the journal writes again: wait (backing off), find where the journal ends, send the kept batches again."""
        delay = RETRY_FIRST_S
        while self._trouble is not None:
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)
            try:
                end = await self._journal_end()
            except JournalUnavailable as exc:
                self._in_trouble(str(exc), None)
                continue
            if not self._settle_committed(end):
                return  # no more tries: `_retrying` stays set, so none starts again
            self._resumed = asyncio.get_running_loop().create_future()
            self._send_next()
            await self._resumed
        self._retrying = None

    async def _journal_end(self) -> JournalEnd:
        """Where the journal on disk ends: asked of the writing process, started anew if it died.

        Raises:
            JournalUnavailable: the process could not start or could not read the database.
        """
        process = self._process
        if process is None or not process.running:
            await self._stop_process()
            return await self._start_process()
        asking: asyncio.Future[JournalEnd] = asyncio.get_running_loop().create_future()
        self._asking = asking
        process.send(None)
        try:
            return await asking
        except JournalUnavailable:
            await self._stop_process()  # its connection may be broken: the next try starts a new one
            raise

    def _settle_committed(self, end: JournalEnd) -> bool:
        """Settle the first kept batch if the journal ends with it; False if the journal ends where this writer put nothing."""
        if (end.seq, end.hash) == self._committed:
            return True
        first = self._queued[0] if self._queued else None
        if first is not None and first.last_record == (end.seq, end.hash):
            self._queued.popleft()
            self._committed = end.seq, end.hash
            self.commits += 1
            settle(first)
            return True
        self._trouble = (
            f"the journal on disk ends at position {end.seq}, which this server did not write there"
            f" (it committed up to {self._committed[0]}); restart the server"
        )
        log.error("%s; no further retries", self._trouble)
        return False

    async def _start_process(self) -> JournalEnd:
        self._process = WritingProcess(
            self.path,
            synchronous="FULL" if self._fsync is Fsync.FULL else "NORMAL",
            checkpoint_every_s=self._checkpoint_every_s,
            lock_fd=self._lock.fileno(),
            on_answer=self._answered,
            on_exit=self._exited,
        )
        return await self._process.start()

    def _kept(self, batch: Batch) -> WriteKept:
        """The answer to a write kept in `batch`: its `committed` resolves once the batch is."""
        if batch.committed is None:
            batch.committed = asyncio.get_running_loop().create_future()
        message = f"storage is failing ({self._trouble}): the outcome will be settled when it recovers"
        return WriteKept(message, batch.committed)

    def _refused(self, then: str) -> asyncio.Future[None]:
        refused: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        refused.set_exception(JournalUnavailable(f"storage is failing ({self._trouble}): {then}"))
        return refused

    async def _stop_process(self) -> None:
        """End the writing process's input and wait for it to exit (it finishes the transaction in hand)."""
        if self._process is not None:
            await self._process.stop()
            self._process = None

    def _release_lock(self) -> None:
        if self._owns_lock:
            self._lock.release()


def _array_header(length: int) -> bytes:
    """msgpack's header of an array of `length` items: with the items' encodings, the encoding of the list."""
    if length < len(_ARRAY_HEADERS):
        return _ARRAY_HEADERS[length]
    header: bytes = msgpack.Packer().pack_array_header(length)
    return header


_ARRAY_HEADERS: Final[tuple[bytes, ...]] = tuple(msgpack.Packer().pack_array_header(length) for length in range(16))
