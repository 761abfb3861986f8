"""The journal's hash chain: each record carries a checksum and a hash covering the record before it."""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from typing import Final

from tradeloop.journal import ChainReport
from tradeloop.snapshots.schema import ANCHOR_KEY
from tradeloop.snapshots.schema import GENESIS as GENESIS

FETCH_ROWS: Final = 20_000


def chain_hash(previous: bytes, seq: int, account_id: bytes, payload: bytes) -> bytes:
    """The hash that links a record to the one before it."""
    return hashlib.sha256(previous + seq.to_bytes(8, "big") + account_id + payload).digest()


def read_anchor(db: sqlite3.Connection) -> tuple[int, bytes]:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (ANCHOR_KEY,)).fetchone()
    if row is None:
        return 0, GENESIS
    blob: bytes = row[0]
    return int.from_bytes(blob[:8], "big"), blob[8:]


def check_record(
    previous: bytes, expected: int, seq: int, account_blob: bytes, payload: bytes, crc: int, stored_hash: bytes
) -> str | None:
    """What is wrong with one journal record, or None."""
    if seq != expected:
        return f"expected position {expected}, found {seq} (a record is missing)"
    if zlib.crc32(payload) != crc:
        return "checksum mismatch"
    if chain_hash(previous, seq, account_blob, payload) != stored_hash:
        return "hash chain broken"
    return None


def verify_chain(db: sqlite3.Connection) -> ChainReport:
    """Walk every journal record from the compaction anchor and check checksum and chain."""
    anchor_seq, previous = read_anchor(db)
    expected = anchor_seq
    records = 0
    cursor = db.execute("SELECT seq, account_id, payload, crc, hash FROM journal WHERE seq > ? ORDER BY seq", (anchor_seq,))
    while rows := cursor.fetchmany(FETCH_ROWS):
        for seq, account_blob, payload, crc, stored_hash in rows:
            expected += 1
            problem = check_record(previous, expected, seq, account_blob, payload, crc, stored_hash)
            if problem is not None:
                return ChainReport(
                    ok=False, records=records, first_seq=anchor_seq + 1, last_seq=seq - 1, problem=problem, problem_seq=seq
                )
            previous = stored_hash
            records += 1
    return ChainReport(ok=True, records=records, first_seq=anchor_seq + 1, last_seq=expected)
