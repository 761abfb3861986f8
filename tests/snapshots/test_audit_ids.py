"""Audit entries in a database written before they carried their ids: new ones follow them, none is lost."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from tests.snapshots.factories import open_journal
from tradeloop.journal import AuditEntry
from tradeloop.snapshots.codec import encode
from tradeloop.snapshots.schema import SCHEMA

AFTER = datetime(2026, 1, 6, 15, 0, tzinfo=UTC)


def write_as_before(path: Path, actions: list[str]) -> None:
    """Audit rows as the writer stored them before: the id left to SQLite."""
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        with db:
            db.executemany(
                "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                [("2026-01-05T15:00:00.000000Z", "admin", action, "AAPL", encode({})) for action in actions],
            )
    finally:
        db.close()


async def test_entries_written_after_a_restart_follow_the_stored_ones(tmp_path: Path) -> None:
    path = tmp_path / "tradeloop.db"
    write_as_before(path, ["halt", "resume"])
    async with open_journal(path) as writer:
        await writer.audit(AuditEntry(at=AFTER, actor="admin", action="deposit", target="PA1"))
        await writer.audit(AuditEntry(at=AFTER, actor="admin", action="disable", target="PA1"))
        newest_first = [entry.action for _, entry in await writer.audit_log(10)]
    assert newest_first == ["disable", "deposit", "resume", "halt"]
