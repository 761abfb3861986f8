"""The journal interface the actors write to, and an in-memory journal."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tradeloop.core.accounts import AccountState
from tradeloop.core.events import AccountEvent


class Journal(Protocol):
    """Durable, ordered storage of events; a write's future resolves once committed."""

    def write(self, account_id: UUID, events: Sequence[AccountEvent]) -> asyncio.Future[None]: ...

    def snapshot(self, account_id: UUID, state: AccountState, taken_at: datetime) -> asyncio.Future[None]:
        """Store the account's state as of its last written record (encoded before returning)."""
        ...

    def compact(self, account_count: int) -> asyncio.Future[None]:
        """Drop records that every account's snapshot covers."""
        ...

    @property
    def events_written(self) -> int:
        """Events handed to the journal since it opened."""
        ...


class MemoryJournal:
    """Keeps events in a list; commits at once. For tests and the in-memory engine."""

    def __init__(self) -> None:
        self.records: list[tuple[UUID, AccountEvent]] = []
        self.snapshots: dict[UUID, int] = {}
        """Per account, how many records the last snapshot covered."""

    def write(self, account_id: UUID, events: Sequence[AccountEvent]) -> asyncio.Future[None]:
        self.records.extend((account_id, event) for event in events)
        return _done()

    def snapshot(self, account_id: UUID, state: AccountState, taken_at: datetime) -> asyncio.Future[None]:
        self.snapshots[account_id] = len(self.records)
        return _done()

    def compact(self, account_count: int) -> asyncio.Future[None]:
        return _done()

    @property
    def events_written(self) -> int:
        return len(self.records)


def _done() -> asyncio.Future[None]:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    done.set_result(None)
    return done
