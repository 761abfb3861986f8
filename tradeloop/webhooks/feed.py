"""The notifications the dispatcher reads, in the order they were journaled, after a cursor.

With the journal in SQLite they are read from its notifications table (written
in the same transaction as the events they tell of), on a read-only connection
of their own: what the dispatcher sees is committed, and a restart finds them
where they were. With the in-memory journal they are collected from the
engine's committed writes, which is all such a journal keeps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Protocol

import aiosqlite

from tradeloop.actors.account import Committed
from tradeloop.core.notifications import Notification, NotificationsCreated
from tradeloop.snapshots.codec import DecodeError, decode
from tradeloop.webhooks.store import START, Cursor

Read = list[tuple[Cursor, Notification]]
PAGE: Final = 500
"""Notifications read at a time."""


class NotificationFeed(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def after(self, cursor: Cursor, limit: int = PAGE) -> Read:
        """The notifications journaled after `cursor`, oldest first, each with its own cursor."""
        ...

    async def end(self) -> Cursor:
        """The cursor of the last notification journaled (START: none yet)."""
        ...


class StoredNotifications:
    """The journal database's notifications table, read on a read-only connection."""

    def __init__(self, database: Path) -> None:
        self._database = database
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        self._db = await aiosqlite.connect(f"{self._database.resolve().as_uri()}?mode=ro", uri=True)

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def after(self, cursor: Cursor, limit: int = PAGE) -> Read:
        assert self._db is not None, "the feed is not open"
        rows = await self._db.execute_fetchall(
            "SELECT seq, place, payload FROM notifications WHERE (seq, place) > (?, ?) ORDER BY seq, place LIMIT ?",
            [*cursor, limit],
        )
        found: Read = []
        for seq, place, payload in rows:
            made = decode(payload)
            if not isinstance(made, Notification):
                raise DecodeError(f"a notification record holds a {type(made).__name__}")
            found.append(((seq, place), made))
        return found

    async def end(self) -> Cursor:
        assert self._db is not None, "the feed is not open"
        rows = list(await self._db.execute_fetchall("SELECT seq, place FROM notifications ORDER BY seq DESC, place DESC LIMIT 1"))
        return (rows[0][0], rows[0][1]) if rows else START


class HeardNotifications:
    """The notifications of the engine's committed writes, kept in memory as they are heard (for the in-memory journal)."""

    def __init__(self) -> None:
        self._made: list[Notification] = []

    def hear(self, committed: Committed) -> None:
        """An engine event listener: keep the write's notifications."""
        for event in committed.events:
            if isinstance(event, NotificationsCreated):
                self._made.extend(event.notifications)

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def end(self) -> Cursor:
        return (len(self._made), 0)

    async def after(self, cursor: Cursor, limit: int = PAGE) -> Read:
        start = cursor[0]
        return [((start + i + 1, 0), made) for i, made in enumerate(self._made[start : start + limit])]
