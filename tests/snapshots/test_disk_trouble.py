"""The journal on a real filesystem that fills up, then has room again: nothing kept is lost or doubled.

A small tmpfs is mounted for the test (this needs root, as the test machines
run; elsewhere the test is skipped with the reason) and grown under the
running journal. A filesystem in use cannot be remounted read-only, so the
I/O-error path is driven by a file-size limit instead (test_journal_trouble.py).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from uuid import uuid4

import pytest

from tests.snapshots.factories import deposit, journal_positions, open_journal, opened, until
from tradeloop.errors import JournalUnavailable
from tradeloop.snapshots.recovery import recover

NO_CHECKPOINTS_S = 3600.0
PADDING = "x" * 60_000
"""A long description makes each record big, so the small filesystem fills in a few dozen writes."""


def _mount(*options: str, target: Path) -> None:
    subprocess.run(["mount", *options, target], check=True, capture_output=True, timeout=30)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a filesystem needs root")
    target = tmp_path / "disk"
    target.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", target=target)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", target], check=False, capture_output=True, timeout=30)


async def test_a_full_disk_keeps_what_failed_and_commits_it_once_when_space_comes_back(small_disk: Path) -> None:
    path = small_disk / "tradeloop.db"
    account_id = uuid4()
    async with open_journal(path, checkpoint_every_s=NO_CHECKPOINTS_S) as writer:
        await writer.write(account_id, [opened(account_id)])
        acknowledged = 1
        refused = 0
        for _ in range(200):
            try:
                await writer.write(account_id, [replace(deposit(account_id, "1"), description=PADDING)])
                acknowledged += 1
            except JournalUnavailable as exc:
                assert "storage is failing" in str(exc)
                refused += 1
                break
        assert refused == 1, "the disk never filled up"
        assert writer.trouble is not None and "full" in writer.trouble
        with pytest.raises(JournalUnavailable):
            await writer.write(account_id, [deposit(account_id, "2")])  # kept, answered at once

        _mount("-o", "remount,size=64m", target=small_disk)
        await until(lambda: writer.trouble is None)
        await writer.write(account_id, [deposit(account_id, "3")])
        report = await writer.verify()
        assert report.ok and report.records == acknowledged + 3  # the two kept and the new one, none twice
    assert journal_positions(path) == list(range(1, acknowledged + 4))
    assert recover(path).accounts[account_id].cash == 1000 + (acknowledged - 1) + 1 + 2 + 3

