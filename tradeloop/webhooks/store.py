"""The delivery store: the dispatcher's cursor in the journal's notifications, its outbox of deliveries, and their attempts.

A SQLite file of its own beside the journal's database (`webhooks.db`), written
through aiosqlite on the event loop's side: the journal's writer runs in a
process of its own and owns its tables, and a delivery's bookkeeping (an attempt
logged, a retry scheduled) never waits behind the journal's commits nor makes
them wait. Without a data directory (an app on an in-memory journal) the store
lives in memory.

The cursor moves in the same transaction as the deliveries made from the
notifications it passes, so after a crash the dispatcher resumes exactly after
the last notification it recorded deliveries for: none is skipped, none doubled
(a delivery is unique by endpoint and message id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import aiosqlite

from tradeloop.codec import parse_rfc3339, rfc3339

FILE_NAME: Final = "webhooks.db"
Cursor = tuple[int, int]
"""A notification's place in the journal: the position of its record, then its place among the record's notifications."""
START: Final[Cursor] = (0, 0)
"""Before every notification."""

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS cursor (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    place INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      TEXT    NOT NULL,
    webhook_id      TEXT    NOT NULL,
    message_id      TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    body            BLOB    NOT NULL,
    made_at         TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL    NOT NULL,
    status          TEXT    NOT NULL,
    forced          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (webhook_id, message_id)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    webhook_id  TEXT    NOT NULL,
    message_id  TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    at          TEXT    NOT NULL,
    status_code INTEGER,
    latency_ms  INTEGER NOT NULL,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS attempts_by_webhook ON attempts (webhook_id, id);
CREATE TABLE IF NOT EXISTS failing (
    webhook_id TEXT PRIMARY KEY,
    since      TEXT NOT NULL
);
"""


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    """Given up: every retry failed, or the endpoint answered 410 Gone."""
    CANCELED = "canceled"
    """Not sent: the endpoint was deleted or disabled before its turn."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewDelivery:
    """A message to send to one endpoint: its id (the `webhook-id`, the same on every attempt) and its body."""

    account_id: UUID
    webhook_id: UUID
    message_id: str
    type: str
    body: bytes
    made_at: datetime
    forced: bool = False
    """Sent even to a disabled endpoint (a test the owner asked for)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """A pending delivery as the dispatcher sends it."""

    id: int
    account_id: UUID
    webhook_id: UUID
    message_id: str
    type: str
    body: bytes
    attempts: int
    forced: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One try at a delivery: when, what the endpoint answered (None: no answer), how long it took, what went wrong."""

    message_id: str
    type: str
    attempt: int
    at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None


class DeliveryStore:
    """The dispatcher's durable state, through one aiosqlite connection."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        self._db = await aiosqlite.connect(":memory:" if self.path is None else self.path)
        if self.path is not None:
            await self._db.execute("PRAGMA journal_mode = WAL")
            await self._db.execute("PRAGMA synchronous = FULL")  # a delivery acknowledged is never sent again
        await self._db.executescript(SCHEMA)
        await self._db.commit()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def cursor(self) -> Cursor | None:
        """Where the dispatcher left off (None: a new store, which has never read a notification)."""
        rows = await self._read("SELECT seq, place FROM cursor WHERE id = 1")
        return (rows[0][0], rows[0][1]) if rows else None

    async def record(self, deliveries: Sequence[NewDelivery], *, due_s: float, cursor: Cursor | None = None) -> None:
        """Add deliveries due at `due_s` (seconds since the epoch) and, in the same transaction, move the cursor."""
        db = self._connection()
        await db.executemany(
            "INSERT OR IGNORE INTO deliveries (account_id, webhook_id, message_id, type, body, made_at, next_attempt_at,"
            " status, forced) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
            [
                (str(d.account_id), str(d.webhook_id), d.message_id, d.type, d.body, rfc3339(d.made_at), due_s, int(d.forced))
                for d in deliveries
            ],
        )
        if cursor is not None:
            await db.execute(
                "INSERT INTO cursor (id, seq, place) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = ?, place = ?",
                [*cursor, *cursor],
            )
        await db.commit()

    async def due(self, now_s: float, limit: int, *, besides: Sequence[int] = ()) -> list[Delivery]:
        """Pending deliveries due by `now_s`, oldest first, leaving out those named (being sent)."""
        sql = "SELECT id, account_id, webhook_id, message_id, type, body, attempts, forced FROM deliveries"
        sql += " WHERE status = 'pending' AND next_attempt_at <= ?"
        args: list[Any] = [now_s]
        if besides:
            sql += f" AND id NOT IN ({','.join('?' * len(besides))})"
            args += besides
        rows = await self._read(sql + " ORDER BY next_attempt_at, id LIMIT ?", [*args, limit])
        return [
            Delivery(
                id=row[0], account_id=UUID(row[1]), webhook_id=UUID(row[2]), message_id=row[3], type=row[4], body=row[5],
                attempts=row[6], forced=bool(row[7]),
            )
            for row in rows
        ]

    async def next_due_s(self, *, besides: Sequence[int] = ()) -> float | None:
        """When the next pending delivery (but those named) is due, in seconds since the epoch; None when none is."""
        sql, args = "SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'", list(besides)
        if besides:
            sql += f" AND id NOT IN ({','.join('?' * len(besides))})"
        rows = await self._read(sql, args)
        found: float | None = rows[0][0]
        return found

    async def attempted(
        self, delivery: Delivery, attempt: Attempt, *, status: DeliveryStatus, next_attempt_s: float | None = None
    ) -> None:
        """Log an attempt and settle the delivery in one transaction: delivered, given up, or due again at `next_attempt_s`."""
        db = self._connection()
        await db.execute(
            "INSERT INTO attempts (delivery_id, webhook_id, message_id, type, attempt, at, status_code, latency_ms, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                delivery.id, str(delivery.webhook_id), attempt.message_id, attempt.type, attempt.attempt,
                rfc3339(attempt.at), attempt.status_code, attempt.latency_ms, attempt.error,
            ],
        )
        await db.execute(
            "UPDATE deliveries SET attempts = ?, status = ?, next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?",
            [attempt.attempt, status.value, next_attempt_s, delivery.id],
        )
        await db.commit()

    async def settle(self, delivery: Delivery, status: DeliveryStatus) -> None:
        """Settle a delivery without an attempt (canceled: its endpoint is gone or disabled)."""
        db = self._connection()
        await db.execute("UPDATE deliveries SET status = ? WHERE id = ?", [status.value, delivery.id])
        await db.commit()

    async def attempts(self, webhook_id: UUID, limit: int) -> list[Attempt]:
        """An endpoint's attempts, newest first."""
        rows = await self._read(
            "SELECT message_id, type, attempt, at, status_code, latency_ms, error FROM attempts WHERE webhook_id = ?"
            " ORDER BY id DESC LIMIT ?",
            [str(webhook_id), limit],
        )
        return [
            Attempt(
                message_id=row[0], type=row[1], attempt=row[2], at=parse_rfc3339(row[3]), status_code=row[4],
                latency_ms=row[5], error=row[6],
            )
            for row in rows
        ]

    async def failing_since(self, webhook_id: UUID, now: datetime) -> datetime:
        """Since when the endpoint has failed without a success in between (`now` if this is its first failure)."""
        db = self._connection()
        await db.execute("INSERT OR IGNORE INTO failing (webhook_id, since) VALUES (?, ?)", [str(webhook_id), rfc3339(now)])
        await db.commit()
        rows = await self._read("SELECT since FROM failing WHERE webhook_id = ?", [str(webhook_id)])
        return parse_rfc3339(rows[0][0])

    async def succeeded(self, webhook_id: UUID) -> None:
        db = self._connection()
        await db.execute("DELETE FROM failing WHERE webhook_id = ?", [str(webhook_id)])
        await db.commit()

    def _connection(self) -> aiosqlite.Connection:
        assert self._db is not None, "the delivery store is not open"
        return self._db

    async def _read(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await self._connection().execute_fetchall(sql, args)]
