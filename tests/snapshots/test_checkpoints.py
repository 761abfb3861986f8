"""WAL checkpoints: never inside a journal commit, run in the background, complete on close."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from uuid import uuid4

from tests.snapshots.test_journal import opened
from tradeloop.snapshots.checkpoints import Checkpointer
from tradeloop.snapshots.commits import open_database
from tradeloop.snapshots.journal import JournalWriter


def test_the_journal_connection_never_checkpoints_on_commit(tmp_path: Path) -> None:
    db = open_database(tmp_path / "db.sqlite", "NORMAL")
    try:
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        db.close()


async def _writer(path: Path, clock: list[float]) -> tuple[JournalWriter, Checkpointer]:
    """An open writer whose checkpoints follow `clock[0]` (seconds), at most one a second."""
    checkpointer = Checkpointer(path, every_s=1.0, clock=lambda: clock[0])
    writer = JournalWriter(path, checkpointer=checkpointer)
    await writer.open()
    return writer, checkpointer


async def test_checkpoints_run_after_commits_at_most_once_per_interval(tmp_path: Path) -> None:
    clock = [0.0]
    path = tmp_path / "db.sqlite"
    writer, checkpointer = await _writer(path, clock)
    try:
        for _ in range(3):
            account_id = uuid4()
            await writer.write(account_id, [opened(account_id)])
        assert checkpointer.checkpoints == 0  # the interval has not passed since opening

        clock[0] = 1.5
        account_id = uuid4()
        await writer.write(account_id, [opened(account_id)])
        await checkpointer.close()  # waits for the checkpoint that commit started
        assert checkpointer.checkpoints == 1
        await checkpointer.open()

        await writer.write(account_id, [opened(account_id)])
        assert checkpointer.checkpoints == 1  # within the interval again
    finally:
        await writer.close()


async def test_a_background_checkpoint_moves_committed_frames_into_the_database(tmp_path: Path) -> None:
    clock = [0.0]
    path = tmp_path / "db.sqlite"
    writer, checkpointer = await _writer(path, clock)
    try:
        before = path.stat().st_size
        for _ in range(20):
            account_id = uuid4()
            await writer.write(account_id, [opened(account_id)])
        assert path.stat().st_size == before  # every commit stayed in the WAL
        clock[0] = 2.0
        await writer.write(account_id, [opened(account_id)])
        await checkpointer.close()
        assert checkpointer.checkpoints == 1
        assert path.stat().st_size > before  # the tables' pages were copied into the database file
        await checkpointer.open()
        db = sqlite3.connect(path)
        try:
            assert db.execute("SELECT COUNT(*) FROM journal").fetchone() == (21,)
        finally:
            db.close()
    finally:
        await writer.close()
    assert not Path(f"{path}-wal").exists()  # the last connection to close checkpoints fully and removes the WAL
