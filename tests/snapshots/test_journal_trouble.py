"""The journal while it cannot write: what it keeps, how it answers, how it recovers by itself, what it reports on closing."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path
from uuid import uuid4

import pytest

from tests.snapshots.factories import (
    NOW,
    allow_writes,
    deposit,
    journal_positions,
    open_journal,
    opened,
    refuse_writes,
    until,
)
from tradeloop.core.accounts import open_account
from tradeloop.errors import JournalUnavailable
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.snapshots.recovery import recover

NO_CHECKPOINTS_S = 3600.0
"""A checkpoint would start the WAL over, under the size limit that makes commits fail."""


async def test_records_that_fail_to_commit_are_kept_and_committed_once_when_the_disk_takes_writes_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite"
    writer = JournalWriter(path, checkpoint_every_s=NO_CHECKPOINTS_S)
    await writer.open()
    account_id = uuid4()
    try:
        await writer.write(account_id, [opened(account_id)])
        assert writer.trouble is None
        pid = writer.pid
        assert pid is not None
        refuse_writes(path, pid)
        with pytest.raises(JournalUnavailable, match=r"storage is failing \(I/O error .*settled when it recovers"):
            await writer.write(account_id, [deposit(account_id, "1")])
        assert writer.trouble is not None and "disk I/O error" in writer.trouble
        kept = writer.write(account_id, [deposit(account_id, "2")])
        assert kept.done() and isinstance(kept.exception(), JournalUnavailable)  # answered at once, not queued
        with pytest.raises(JournalUnavailable):
            await writer.flush()
        await asyncio.sleep(0.5)  # a few retries meanwhile, which fail as well
        assert writer.trouble is not None and writer.pid == pid
        assert journal_positions(path) == [1]

        allow_writes(pid)
        await until(lambda: writer.trouble is None)
        await writer.write(account_id, [deposit(account_id, "4")])
        report = await writer.verify()
        assert report.ok and (report.records, report.last_seq) == (4, 4)  # no gap, no record twice
    finally:
        await writer.close()
    assert journal_positions(path) == [1, 2, 3, 4]
    assert recover(path).accounts[account_id].cash == 1007


async def test_a_writing_process_that_dies_is_started_again_and_what_it_had_in_hand_is_committed_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite"
    writer = JournalWriter(path)
    await writer.open()
    account_id = uuid4()
    try:
        await writer.write(account_id, [opened(account_id)])
        pid = writer.pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        in_hand = writer.write(account_id, [deposit(account_id, "1")])  # sent; the process never reads it
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(JournalUnavailable, match="settled when it recovers"):
            await asyncio.wait_for(in_hand, 10)
        assert writer.trouble == "writing process exited (status -9)"
        await until(lambda: writer.trouble is None)
        assert writer.pid not in (None, pid)
        await writer.write(account_id, [deposit(account_id, "2")])
        report = await writer.verify()
        assert report.ok and report.records == 3
    finally:
        await writer.close()
    assert journal_positions(path) == [1, 2, 3]
    assert recover(path).accounts[account_id].cash == 1003


async def test_a_batch_the_journal_holds_after_a_failure_is_settled_not_sent_again(tmp_path: Path) -> None:
    """As when a process dies between its commit and its answer: the record is there, same position, same hash."""
    path = tmp_path / "db.sqlite"
    account_id = uuid4()
    record = opened(account_id)
    async with open_journal(path) as first:
        await first.write(account_id, [record])

    again = JournalWriter(path)  # believes the journal is empty: it writes the same record at position 1
    await again.open()
    try:
        with pytest.raises(JournalUnavailable, match="UNIQUE constraint failed"):
            await again.write(account_id, [record])
        await until(lambda: again.trouble is None)
        await again.write(account_id, [deposit(account_id, "1")])
        report = await again.verify()
        assert report.ok and report.records == 2
    finally:
        await again.close()
    assert journal_positions(path) == [1, 2]


async def test_a_journal_that_ends_where_this_writer_put_nothing_stops_the_retries_for_good(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "db.sqlite"
    account_id = uuid4()
    async with open_journal(path) as first:
        await first.write(account_id, [opened(account_id)])

    stale = JournalWriter(path)  # believes the journal is empty: its first record clashes with another one
    await stale.open()
    try:
        clashing = stale.write(account_id, [opened(account_id, cash="5")])
        behind = stale.write(account_id, [deposit(account_id, "1")])  # queued behind the failing commit
        for future in (clashing, behind):
            with pytest.raises(JournalUnavailable, match="UNIQUE constraint failed"):
                await future
        await until(lambda: stale.trouble is not None and "did not write" in stale.trouble)
        assert "position 1" in (stale.trouble or "")
        await asyncio.sleep(0.5)
        assert "did not write" in (stale.trouble or "")  # no retry since
        with pytest.raises(JournalUnavailable):
            await stale.write(account_id, [deposit(account_id, "2")])
    finally:
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            unwritten = await stale.close()
    assert unwritten == 3
    assert journal_positions(path) == [1]  # nothing of the stale writer's was committed
    assert recover(path).accounts[account_id].cash == 1000


async def test_closing_while_the_journal_cannot_write_says_in_one_line_what_was_not_committed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "db.sqlite"
    account_id = uuid4()
    async with open_journal(path, checkpoint_every_s=NO_CHECKPOINTS_S) as writer:
        await writer.write(account_id, [opened(account_id)])
        assert writer.pid is not None
        refuse_writes(path, writer.pid)
        failed = [
            writer.write(account_id, [deposit(account_id, "1")]),
            writer.write(account_id, [deposit(account_id, "2")]),
        ]
        await asyncio.gather(*failed, return_exceptions=True)
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            assert await writer.close() == 2
        errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "cannot write (I/O error" in errors[0]
    assert "2 records were not committed; none of them was acknowledged" in errors[0]
    assert journal_positions(path) == [1]


async def test_a_clean_close_reports_nothing_lost(tmp_path: Path) -> None:
    async with open_journal(tmp_path / "db.sqlite") as writer:
        account_id = uuid4()
        writer.write(account_id, [opened(account_id)])
        assert await writer.close() is None


async def test_snapshots_and_compaction_are_refused_while_the_journal_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    writer = JournalWriter(path, checkpoint_every_s=NO_CHECKPOINTS_S)
    await writer.open()
    account_id = uuid4()
    event = opened(account_id)
    try:
        await writer.write(account_id, [event])
        pid = writer.pid
        assert pid is not None
        refuse_writes(path, pid)
        with pytest.raises(JournalUnavailable):
            await writer.write(account_id, [deposit(account_id, "1")])
        with pytest.raises(JournalUnavailable, match="snapshots wait until it recovers"):
            await writer.snapshot(account_id, open_account(event), NOW)
        with pytest.raises(JournalUnavailable, match="compaction waits until it recovers"):
            await writer.compact(1)
        allow_writes(pid)
        await until(lambda: writer.trouble is None)
    finally:
        await writer.close()
    recovered = recover(path)
    assert recovered.replayed_records == 2 and recovered.accounts[account_id].cash == 1001  # no snapshot was kept
