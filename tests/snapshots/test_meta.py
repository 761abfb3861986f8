"""Meta values written at start-up (generated admin secrets) are on disk before write_meta returns."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tradeloop.snapshots.meta import read_meta, write_meta


def test_a_value_in_a_new_database_is_committed_then_its_directory_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database file may be new at a first start: its name is only on disk once its directory is synced."""
    database = tmp_path / "data" / "tradeloop.db"
    directory_syncs: list[bytes | None] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            db = sqlite3.connect(database)
            try:
                row = db.execute("SELECT value FROM meta WHERE key = 'admin'").fetchone()
            finally:
                db.close()
            directory_syncs.append(None if row is None else bytes(row[0]))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    write_meta(database, "admin", b"sealed")
    assert directory_syncs == [b"sealed"]
    assert read_meta(database, "admin") == b"sealed"
