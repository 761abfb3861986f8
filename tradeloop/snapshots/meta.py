"""Small named values kept in the database's meta table, read and written at start-up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tradeloop.snapshots.recovery import CorruptData
from tradeloop.snapshots.schema import SCHEMA


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
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
    db = _connect(path)
    try:
        with db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
    finally:
        db.close()
