"""Builders for the journal's tests: events, a disk that refuses writes, waiting for the journal to recover."""

from __future__ import annotations

import asyncio
import resource
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Final
from uuid import UUID, uuid4

from tradeloop.core.events import AccountOpened, CashAdjusted
from tradeloop.snapshots.journal import JournalWriter

NOW: Final = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)
RECOVERY_TIMEOUT_S: Final = 15.0
"""Long enough for a few retries of the journal's backoff."""


def opened(account_id: UUID, cash: str = "1000") -> AccountOpened:
    return AccountOpened(
        account_id=account_id,
        account_number="PA0000000001",
        key_id=f"PK{account_id.hex[:12].upper()}",
        secret_hash="sha256$x$y",
        cash=Decimal(cash),
        created_at=NOW,
    )


def deposit(account_id: UUID, amount: str) -> CashAdjusted:
    return CashAdjusted(
        account_id=account_id, activity_id=uuid4(), amount=Decimal(amount), description="test", timestamp=NOW
    )


@asynccontextmanager
async def open_journal(path: Path, **options: Any) -> AsyncIterator[JournalWriter]:
    """An open journal writer, closed on the way out even when the test fails (closing twice is harmless).

    A writer left open keeps its writing process and its reading connection's thread alive, and the test run cannot exit.
    """
    writer = JournalWriter(path, **options)
    await writer.open()
    try:
        yield writer
    finally:
        await writer.close()


def journal_positions(path: Path) -> list[int]:
    db = sqlite3.connect(path)
    try:
        return [seq for (seq,) in db.execute("SELECT seq FROM journal ORDER BY seq")]
    finally:
        db.close()


def refuse_writes(database: Path, pid: int) -> None:
    """Let process `pid` write no file past the database's WAL as it stands: its next commit fails as on a full disk.

    A real failure: the process's writes past the limit fail with EFBIG (Python ignores SIGXFSZ),
    SQLite reports a disk I/O error and rolls the transaction back. For the limit to hold, the
    journal's checkpoints must not start the WAL over meanwhile (open it with a long checkpoint interval).
    """
    size = Path(f"{database}-wal").stat().st_size
    resource.prlimit(
        pid, resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY)
    )  # the soft limit: raised again without privilege


def allow_writes(pid: int) -> None:
    """The disk takes writes again."""
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


async def until(condition: Callable[[], bool], timeout_s: float = RECOVERY_TIMEOUT_S) -> None:
    """Wait until `condition` holds; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not so after {timeout_s} s")
        await asyncio.sleep(0.02)
