"""The journal's writing process: owns the database's writing connection and commits what the server sends.

SQLite does its work in C, but Python's sqlite3 module takes the GIL back for
every row it binds and every step it finishes. On a thread of the server that
work (about a third of an order's cost) queued behind the event loop for the
GIL, and the loop behind it: the two ran one after the other. In a process of
its own the commit runs beside the event loop.

Run as `python -m tradeloop.snapshots.commits DATABASE SYNCHRONOUS [CHECKPOINT_EVERY_S]`
by `JournalWriter`; it imports only the standard library, msgpack and the schema.
Frames on both pipes are a 4-byte big-endian length and a msgpack body:

- in (stdin): `[[[statement name, [row, ...]], ...], compact_for_accounts or None]`,
  one transaction each: every statement's rows, then compaction if asked;
  rolled back whole on failure; or `None`, a question: where does the journal end?
- out (stdout): the journal's end once the database is open and in answer to
  `None` (`{"seq": last position, "hash": its hash, "audit": last audit id}`),
  `None` after each commit, or `[error type, message, SQLite error name or None]`
  when opening, a commit or the question failed.

The journal's end is how the server finds out, after a failure, whether the
batch in hand was committed after all (a process killed between its commit and
its answer): it settles that batch rather than send it again. Every other
statement may be sent twice safely: snapshots, meta values and order records
replace, audit entries carry their id and are skipped when present, signals and
notifications carry theirs, a notification's read flag is only set where it is
still empty, and fills and activities only ride with journal records.

WAL checkpoints run here too (`Checkpoints`), at most one per
`CHECKPOINT_EVERY_S`: the commits never checkpoint on their own (SQLite's
automatic checkpoint runs inside the commit that crosses its limit, while that
commit's whole batch waits). A checkpoint copies the bulk of the WAL on a
connection and thread of its own while commits go on; then, between two
transactions, this connection copies what was committed meanwhile, so the
checkpoint reaches the end of the WAL and the next transaction starts the WAL
over. A checkpoint that only ran beside the commits never reached the end
under a steady stream of them, and the WAL grew without bound (a gigabyte
after 40,000 orders); one that ran only between transactions held up the
next batch for up to 100 ms. `journal_size_limit` trims the file after a burst.

It ends at the end of its input, after the transaction in hand. It ignores
SIGINT and SIGTERM, so Ctrl-C or a service manager stopping the server cannot
end it before the server has sent its last batch. A lock on the database's
`.lock` file, inherited from the server, is held until this process exits too:
a server restarted after `kill -9` waits for the old writer to finish.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import struct
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO, Final

import msgpack

from tradeloop.snapshots.schema import ANCHOR_KEY, GENESIS, SCHEMA

STATEMENTS: Final[dict[str, str]] = {
    "journal": "INSERT INTO journal (seq, account_id, payload, crc, hash) VALUES (?, ?, ?, ?, ?)",
    "fill": (
        "INSERT INTO fills (fill_id, account_id, order_id, symbol, side, qty, price, cash, timestamp, seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "activity": "INSERT INTO activities (account_id, timestamp, kind, payload, seq) VALUES (?, ?, ?, ?, ?)",
    "snapshot": "INSERT OR REPLACE INTO snapshots (account_id, seq, payload, crc, taken_at) VALUES (?, ?, ?, ?, ?)",
    "meta": "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
    "order": (
        "INSERT OR REPLACE INTO orders (id, account_id, symbol, status, created_at, updated_at, payload, seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "audit": "INSERT OR IGNORE INTO audit (id, at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
    "signal": (
        "INSERT OR IGNORE INTO signals (id, account_id, strategy_id, symbol, bar_time, payload, seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
    "notification": (
        "INSERT OR IGNORE INTO notifications (id, account_id, type, created_at, payload, seq, place)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
    "notification_read": (
        "UPDATE notifications SET read_at = ? WHERE id = ? AND account_id = ? AND read_at IS NULL"
    ),
    "notifications_read": (
        "UPDATE notifications SET read_at = ?"
        " WHERE account_id = ? AND read_at IS NULL AND seq < ? AND created_at <= ?"
    ),
}
"""What a batch may ask for, by name: the process runs these statements and nothing else."""

SYNCHRONOUS: Final = ("NORMAL", "FULL")
CHECKPOINT_EVERY_S: Final = 1.0
WAL_KEPT_BYTES: Final = 64 << 20
"""The WAL file is cut back to this size once checkpointed; it grows past it only within a second of heavy writing."""
_LENGTH: Final = struct.Struct(">I")


def frame(body: object) -> bytes:
    """`body` as one frame of the pipe protocol."""
    packed: bytes = msgpack.packb(body)
    return _LENGTH.pack(len(packed)) + packed


class Frames:
    """Splits the bytes read from a pipe into the bodies of whole frames."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        self._buffer += data
        bodies: list[Any] = []
        buffer = self._buffer
        start = 0
        while len(buffer) - start >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(buffer, start)
            end = start + _LENGTH.size + length
            if len(buffer) < end:
                break
            bodies.append(msgpack.unpackb(buffer[start + _LENGTH.size : end]))
            start = end
        del buffer[:start]
        return bodies


def open_database(path: Path, synchronous: str) -> sqlite3.Connection:
    """Open (creating) the database in WAL mode with the chosen durability; for the thread that calls this only.

    Its commits never checkpoint: `serve` checkpoints between them.
    """
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS}, not {synchronous!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level="DEFERRED")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute(f"PRAGMA journal_size_limit={WAL_KEPT_BYTES}")
    db.executescript(SCHEMA)
    db.commit()
    return db


def commit(db: sqlite3.Connection, rows: Iterable[Sequence[Any]], compact_for_accounts: int | None) -> None:
    """One transaction: every statement's rows, then compaction if asked; rolled back whole on failure."""
    try:
        for name, batch_rows in rows:
            db.executemany(STATEMENTS[name], batch_rows)
        if compact_for_accounts is not None:
            compact(db, compact_for_accounts)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def compact(db: sqlite3.Connection, account_count: int) -> None:
    """Remove records below the oldest snapshot, keeping the chain's anchor in `meta`."""
    snapshots, oldest = db.execute("SELECT COUNT(*), COALESCE(MIN(seq), 0) FROM snapshots").fetchone()
    if snapshots < account_count or oldest <= 0:
        return
    found = db.execute("SELECT hash FROM journal WHERE seq = ?", (oldest,)).fetchone()
    if found is None:
        return  # already compacted up to here
    db.execute("DELETE FROM journal WHERE seq <= ?", (oldest,))
    db.execute(STATEMENTS["meta"], (ANCHOR_KEY, oldest.to_bytes(8, "big") + found[0]))


def journal_end(db: sqlite3.Connection) -> dict[str, Any]:
    """Where the journal ends: its last record's position and hash (the compaction anchor's when none is left), and the last audit id."""
    row = db.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        anchor = db.execute("SELECT value FROM meta WHERE key = ?", (ANCHOR_KEY,)).fetchone()
        row = (0, GENESIS) if anchor is None else (int.from_bytes(anchor[0][:8], "big"), anchor[0][8:])
    (audit_id,) = db.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()
    return {"seq": row[0], "hash": bytes(row[1]), "audit": audit_id}


def failure(exc: Exception) -> list[str | None]:
    """An error as the protocol answers it: its type, its message and SQLite's name for it (`SQLITE_FULL`...)."""
    return [type(exc).__name__, str(exc), getattr(exc, "sqlite_errorname", None)]


def checkpoint(db: sqlite3.Connection) -> None:
    """Copy the WAL into the database file, as far as no reader still needs it (a passive checkpoint)."""
    try:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error as exc:  # nothing is lost: the frames stay in the WAL for the next one
        with contextlib.suppress(OSError):  # stderr on the same full disk must not end the process
            print(f"tradeloop journal: checkpoint failed: {exc}", file=sys.stderr, flush=True)


class Checkpoints:
    """One checkpoint per `every_s` at most: the bulk beside the commits, the rest between two of them."""

    def __init__(self, path: Path, every_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._path = path
        self._every_s = every_s
        self._clock = clock
        self._last = clock()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoint")
        self._db: sqlite3.Connection | None = None
        self._running: Future[None] | None = None
        self.completed = 0

    def after_commit(self, writer: sqlite3.Connection) -> None:
        """Call between transactions: start a checkpoint when one is due, finish one whose bulk is copied."""
        if self._running is None:
            if self._clock() - self._last >= self._every_s:
                self._running = self._thread.submit(self._copy_bulk)
        elif self._running.done():
            self._running = None
            checkpoint(writer)  # only what was committed since the bulk began: then the WAL starts over
            self._last = self._clock()
            self.completed += 1

    def close(self) -> None:
        if self._running is not None:
            self._running.result()
        self._thread.submit(self._close_connection).result()
        self._thread.shutdown()

    def _copy_bulk(self) -> None:
        if self._db is None:
            self._db = sqlite3.connect(self._path)
        checkpoint(self._db)

    def _close_connection(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _read_exactly(source: BinaryIO, size: int) -> bytes | None:
    """`size` bytes, or None at the end of the input (a partial frame there is dropped: nothing acknowledged it)."""
    data = bytearray()
    while len(data) < size:
        chunk = source.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def serve(
    path: Path, synchronous: str, source: BinaryIO, sink: int, checkpoint_every_s: float = CHECKPOINT_EVERY_S
) -> None:
    """Open the database, answer once, then commit each batch read from `source` and answer it on `sink`.

    After answering a commit, start or finish a checkpoint (at most one per `checkpoint_every_s`).
    """
    try:
        db = open_database(path, synchronous)
        end = journal_end(db)
    except Exception as exc:
        os.write(sink, frame(failure(exc)))
        return
    checkpoints = Checkpoints(path, checkpoint_every_s)
    try:
        os.write(sink, frame(end))
        while (header := _read_exactly(source, _LENGTH.size)) is not None:
            body = _read_exactly(source, _LENGTH.unpack(header)[0])
            if body is None:
                break
            request = msgpack.unpackb(body)
            try:
                if request is None:
                    answer = journal_end(db)
                else:
                    commit(db, *request)
                    answer = None
            except Exception as exc:
                os.write(sink, frame(failure(exc)))
            else:
                os.write(sink, frame(answer))
            checkpoints.after_commit(db)
    except BrokenPipeError:
        pass  # the server is gone: what it was told is committed, and it can be told nothing more
    finally:
        checkpoints.close()
        db.close()


def main(argv: Sequence[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    database, synchronous, *rest = argv
    checkpoint_every_s = float(rest[0]) if rest else CHECKPOINT_EVERY_S
    # The protocol owns stdout: anything printed by accident goes to stderr instead.
    sink = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    source = os.fdopen(sys.stdin.fileno(), "rb", buffering=0, closefd=False)
    serve(Path(database), synchronous, source, sink, checkpoint_every_s)


if __name__ == "__main__":
    main(sys.argv[1:])
