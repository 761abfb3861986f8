"""The journal interface the actors write to, and an in-memory journal."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from tradeloop.core.events import AccountEvent


class Journal(Protocol):
    """Durable, ordered storage of events; a write's future resolves once committed."""

    def write(self, account_id: UUID, events: Sequence[AccountEvent]) -> asyncio.Future[None]: ...


class MemoryJournal:
    """Keeps events in a list; commits at once. For tests and the in-memory engine."""

    def __init__(self) -> None:
        self.records: list[tuple[UUID, AccountEvent]] = []

    def write(self, account_id: UUID, events: Sequence[AccountEvent]) -> asyncio.Future[None]:
        self.records.extend((account_id, event) for event in events)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done
