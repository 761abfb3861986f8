"""The journal's writing process: batches committed in order beside the event loop, the database lock."""

from __future__ import annotations

import asyncio
import os
import signal
import struct
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from tests.factories import make_settings
from tests.snapshots.factories import journal_positions, open_journal, opened
from tradeloop.snapshots import lock as lock_module
from tradeloop.snapshots.commits import WAL_KEPT_BYTES, Checkpoints, Frames, commit, frame, journal_end, open_database
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.snapshots.lock import DatabaseBusy, DatabaseLock
from tradeloop.snapshots.recovery import recover
from tradeloop.storage import Storage


async def assert_held_until_closed(writer: JournalWriter) -> None:
    """Nobody else can take the database's lock while `writer` is open; anybody can once it is closed."""
    try:
        with pytest.raises(DatabaseBusy, match="in use by another tradeloop process"):
            await DatabaseLock(writer.path).acquire(wait_s=0.1)
    finally:
        await writer.close()
    lock = DatabaseLock(writer.path)
    await lock.acquire(wait_s=1)
    lock.release()


def _record_index(resolved: list[int], index: int, _: object) -> None:
    resolved.append(index)

def test_frames_split_a_stream_cut_anywhere() -> None:
    bodies = [None, ["IntegrityError", "UNIQUE constraint failed"], [[["journal", [[1, b"\x00" * 300]]]], None]]
    stream = b"".join(frame(body) for body in bodies)
    for cut in range(1, len(stream)):
        frames = Frames()
        assert frames.feed(stream[:cut]) + frames.feed(stream[cut:]) == bodies


async def test_a_burst_of_writes_commits_in_several_batches_in_order(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    writer = JournalWriter(path)
    await writer.open()
    try:
        resolved: list[int] = []
        for round_ in range(2):
            futures = []
            for index in range(64):
                account_id = uuid4()
                future = writer.write(account_id, [opened(account_id)])
                future.add_done_callback(partial(_record_index, resolved, index))
                futures.append(future)
            commits_before = writer.commits
            await asyncio.gather(*futures)
            # The first write goes out alone; the rest gather behind it. From the second round on, a
            # batch closes at half the last round's writes, so the burst is committed in several parts.
            assert writer.commits - commits_before >= (2 if round_ == 0 else 3)
            assert resolved == list(range(64))
            resolved.clear()
    finally:
        await writer.close()
    assert journal_positions(path) == list(range(1, 129))
    assert recover(path).last_seq == 128  # the hash chain holds across the batches


async def test_a_batch_of_flushes_alone_does_not_hold_up_the_writes_behind_it(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    writer = JournalWriter(path)
    await writer.open()
    try:
        warm_up = [writer.write(account_id, [opened(account_id)]) for account_id in (uuid4() for _ in range(8))]
        await asyncio.gather(*warm_up)  # from here a batch behind a commit closes at 4 waiters
        account_id = uuid4()
        first = writer.write(account_id, [opened(account_id)])  # goes out at once
        flushes = [writer.flush() for _ in range(4)]  # a closed batch with nothing to write
        behind = writer.write(account_id, [opened(account_id)])
        await asyncio.wait_for(asyncio.gather(first, *flushes, behind), 5)
    finally:
        await writer.close()
    assert journal_positions(path) == list(range(1, 11))


def test_a_batch_sent_again_stores_its_audit_entries_snapshots_and_meta_values_once(tmp_path: Path) -> None:
    """What a retry relies on when it cannot tell whether a batch without journal records was committed."""
    db = open_database(tmp_path / "db.sqlite", "NORMAL")
    try:
        rows: list[Any] = [
            ["audit", [[1, "2026-01-05T15:00:00Z", "admin", "halt", "AAPL", b"\x80"]]],
            ["meta", [["halted_symbols", b"\x91\xa4AAPL"]]],
            ["snapshot", [[uuid4().bytes, 0, b"\x90", 0, "2026-01-05T15:00:00+00:00"]]],
        ]
        commit(db, rows, None)
        commit(db, rows, None)
        counts = [db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("audit", "meta", "snapshots")]
        assert counts == [1, 1, 1]
        assert journal_end(db) == {"seq": 0, "hash": b"\x00" * 32, "audit": 1}
    finally:
        db.close()


async def test_the_writing_process_ignores_ctrl_c_and_finishes_what_it_is_sent(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    writer = JournalWriter(path)
    await writer.open()
    try:
        assert writer.pid is not None
        os.kill(writer.pid, signal.SIGINT)
        os.kill(writer.pid, signal.SIGTERM)
        await asyncio.sleep(0.1)
        account_id = uuid4()
        await writer.write(account_id, [opened(account_id)])
    finally:
        await writer.close()
    assert journal_positions(path) == [1]


async def test_a_second_writer_on_the_same_database_waits_then_gives_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock_module, "WAIT_S", 0.1)
    path = tmp_path / "db.sqlite"
    async with open_journal(path) as writer:
        with pytest.raises(DatabaseBusy, match="in use by another tradeloop process"):
            async with open_journal(path):
                pass
        await assert_held_until_closed(writer)


async def test_the_lock_lasts_until_the_writing_process_exits(tmp_path: Path) -> None:
    """What keeps a restarted server from reading the journal while a killed server's writer still commits."""
    path = tmp_path / "db.sqlite"
    held = DatabaseLock(path)
    await held.acquire()
    writer = JournalWriter(path, lock=held)
    await writer.open()
    held.release()  # the server's hold is gone (as if it were killed); its writing process still holds the lock
    await assert_held_until_closed(writer)


async def test_a_waiting_lock_is_taken_as_soon_as_the_holder_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    holder = DatabaseLock(path)
    await holder.acquire()
    waiter = DatabaseLock(path)
    waiting = asyncio.ensure_future(waiter.acquire(wait_s=5))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    holder.release()
    await asyncio.wait_for(waiting, 2)
    assert waiter.held
    waiter.release()


async def test_storage_refuses_to_start_on_a_database_another_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock_module, "WAIT_S", 0.1)
    settings = make_settings(data_dir=tmp_path / "data")
    settings.data_dir.mkdir()
    storage = Storage(settings)
    other = DatabaseLock(storage.path)
    await other.acquire()
    try:
        with pytest.raises(DatabaseBusy, match=str(storage.path)):
            async with storage.open():
                pass
    finally:
        other.release()


def test_the_writing_process_commits_and_exits_quietly_when_the_server_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-m", "tradeloop.snapshots.commits", str(path), "NORMAL"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    (length,) = struct.unpack(">I", child.stdout.read(4))
    # Open: one frame, where the journal ends (an empty one: before its first record, no audit entry yet).
    assert Frames().feed(struct.pack(">I", length) + child.stdout.read(length)) == [
        {"seq": 0, "hash": b"\x00" * 32, "audit": 0}
    ]
    child.stdout.close()  # the server died: nobody reads the answers any more
    row = [1, uuid4().bytes, b"\x90", 0, b"\x00" * 32]
    child.stdin.write(frame([[["journal", [row]]], None]))
    child.stdin.close()
    assert child.wait(10) == 0
    assert child.stderr is not None
    with child.stderr:
        assert child.stderr.read() == b""
    assert journal_positions(path) == [1]  # committed before the answer could not be sent


def test_commits_never_checkpoint_on_their_own(tmp_path: Path) -> None:
    db = open_database(tmp_path / "db.sqlite", "NORMAL")
    try:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        assert db.execute("PRAGMA journal_size_limit").fetchone() == (WAL_KEPT_BYTES,)
    finally:
        db.close()


async def _write_one_at_a_time(writer: JournalWriter, count: int) -> None:
    for _ in range(count):
        account_id = uuid4()
        await writer.write(account_id, [opened(account_id)])


async def test_without_a_checkpoint_every_commit_stays_in_the_wal(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    writer = JournalWriter(path, checkpoint_every_s=3600)
    await writer.open()
    try:
        before = path.stat().st_size
        await _write_one_at_a_time(writer, 100)
        assert path.stat().st_size == before  # nothing copied into the database file yet
        assert wal_size(path) > 100 * 4096  # each commit appended its pages
    finally:
        await writer.close()
    assert journal_positions(path) == list(range(1, 101))


async def test_checkpoints_between_commits_start_the_wal_over_so_it_stays_small(tmp_path: Path) -> None:
    """A steady stream of commits must not grow the WAL without bound."""
    path = tmp_path / "db.sqlite"
    writer = JournalWriter(path, checkpoint_every_s=0)  # after every commit
    await writer.open()
    try:
        await _write_one_at_a_time(writer, 20)
        settled, restarts = wal_size(path), wal_restarts(path)
        # Each step of a checkpoint waits for the checkpoint thread, so how many commits a restart takes is the
        # machine's to say (a loaded one runs more commits between them): write on until it started over ten
        # times, for a minute at most.
        written, deadline = 20, asyncio.get_running_loop().time() + 60
        while written < 320 or wal_restarts(path) - restarts < 10:
            assert asyncio.get_running_loop().time() < deadline, "the WAL did not start over between commits"
            await _write_one_at_a_time(writer, 20)
            written += 20
        # The WAL started over again and again, so it stayed about as small as after the first commits.
        assert wal_size(path) <= 4 * settled
        assert path.stat().st_size > 4096 * 4  # the tables' pages were copied into the database file
    finally:
        await writer.close()
    assert journal_positions(path) == list(range(1, written + 1))
    assert not Path(f"{path}-wal").exists()  # the last connection to close checkpointed and removed it


async def test_a_steady_stream_of_commits_keeps_the_wal_bounded(tmp_path: Path) -> None:
    """Commits always in flight: a checkpoint that waited for a pause would never catch up, and the WAL never start over.

    The WAL's header counts its restarts; writing goes on (for at most a minute) until it has started over twice.
    """
    path = tmp_path / "db.sqlite"
    writer = JournalWriter(path, checkpoint_every_s=0.01)
    await writer.open()
    loop = asyncio.get_running_loop()
    try:
        in_flight: list[asyncio.Future[None]] = []
        written, index, deadline = 0, 0, loop.time() + 60
        first = wal_restarts(path)
        while written < 8 << 20 or wal_restarts(path) - first < 2:
            assert loop.time() < deadline, "the WAL did not start over under a steady stream of commits"
            in_flight.append(writer.put_meta(f"blob-{index}", os.urandom(4_000)))
            written, index = written + 4_000, index + 1
            if len(in_flight) > 64:
                await in_flight.pop(0)
        await asyncio.gather(*in_flight)
        assert wal_size(path) < written  # it started over instead of holding everything written
        assert path.stat().st_size > 4 << 20  # the first restarts' frames are in the database file
    finally:
        await writer.close()


def wal_size(path: Path) -> int:
    return Path(f"{path}-wal").stat().st_size


def wal_restarts(path: Path) -> int:
    """The WAL header's checkpoint sequence number, which SQLite increments each time the WAL starts over."""
    with Path(f"{path}-wal").open("rb") as wal:
        header = wal.read(16)
    return int.from_bytes(header[12:16], "big") if len(header) == 16 else 0


def test_a_checkpoint_copies_the_bulk_beside_the_commits_then_the_rest_between_two(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    db = open_database(path, "NORMAL")
    clock = [0.0]
    checkpoints = Checkpoints(path, every_s=1.0, clock=lambda: clock[0])

    def one_commit(seq: int) -> None:
        commit(db, [("journal", [[seq, uuid4().bytes, os.urandom(3_000), 0, b"\x00" * 32]])], None)
        checkpoints.after_commit(db)

    try:
        for seq in range(1, 51):
            one_commit(seq)
        assert checkpoints.completed == 0 and path.stat().st_size <= 4096 * 16  # not due yet: all in the WAL
        clock[0] = 1.0
        one_commit(51)  # due: the bulk is copied on the checkpoint thread
        checkpoints._running.result()  # type: ignore[union-attr]
        one_commit(52)  # committed meanwhile; then the rest is copied between two commits
        assert checkpoints.completed == 1
        copied = path.stat().st_size
        assert copied > 50 * 3_000
        wal_before = wal_size(path)
        one_commit(53)  # the WAL starts over: it does not grow
        assert wal_size(path) == wal_before
        one_commit(54)
        assert checkpoints.completed == 1  # the next one waits another second
    finally:
        checkpoints.close()
        db.close()
    assert journal_positions(path) == list(range(1, 55))
