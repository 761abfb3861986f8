"""Small named values kept in the database's meta table, read and written at start-up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tradeloop.snapshots.files import sync_directory
from tradeloop.snapshots.recovery import CorruptData
from tradeloop.snapshots.schema import SCHEMA


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=FULL")  # one-off writes at start-up: on disk before anything depends on them
    db.executescript(SCHEMA)
    return db


def read_meta(path: Path, key: str) -> bytes | None:
    """Raises: CorruptData when the database file is damaged."""
    try:
        db = _connect(path)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        finally:
            db.close()
    except sqlite3.OperationalError:
        raise  # locked, unreadable: not damage
    except sqlite3.DatabaseError as exc:
        raise CorruptData(path, "database", None, str(exc)) from None
    return None if row is None else bytes(row[0])


def write_meta(path: Path, key: str, value: bytes) -> None:
    """Store one value and have it on disk before returning, whatever the journal's fsync setting.

    Used at start-up for what is shown once and needed at every start (generated admin secrets), so the
    commit waits for the disk (`synchronous=FULL`), and the directory is synced: the database file may be new.
    """
    db = _connect(path)
    try:
        with db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
    finally:
        db.close()
    sync_directory(path.parent)
