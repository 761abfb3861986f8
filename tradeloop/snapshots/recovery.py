"""Start-up: load the newest snapshots, replay the journal after them, verify the chain."""

from __future__ import annotations

import logging
import sqlite3
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from tradeloop.core.accounts import AccountState, apply_event, open_account
from tradeloop.core.events import AccountEvent, AccountOpened, OrderAccepted
from tradeloop.errors import StartupFailure
from tradeloop.snapshots.chain import FETCH_ROWS, GENESIS, check_record, read_anchor
from tradeloop.snapshots.codec import DecodeError, decode

log = logging.getLogger(__name__)



class CorruptData(StartupFailure):
    """The data directory is damaged somewhere a crash cannot explain; start-up stops."""

    def __init__(self, path: Path, what: str, position: int | str | None, reason: str) -> None:
        where = "" if position is None else f" at position {position}"
        super().__init__(f"{path}: corrupt {what}{where}: {reason}")
        self.path = path
        self.position = position


@dataclass(slots=True, kw_only=True)
class Recovered:
    """The state rebuilt from disk, and where the journal continues."""

    accounts: dict[UUID, AccountState] = field(default_factory=dict)
    last_seq: int = 0
    last_hash: bytes = GENESIS
    replayed_records: int = 0
    discarded_tail: bool = False


def recover(path: Path, *, use_snapshots: bool = True) -> Recovered:
    """Rebuild every account from the database at `path` (missing file: empty state).

    Raises:
        CorruptData: a damaged snapshot, a damaged journal record that is not the last one, or a damaged file.
    """
    result = Recovered()
    if not path.exists():
        return result
    db = sqlite3.connect(path)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "journal" not in tables:
            return result
        covered = _load_snapshots(db, path, result) if use_snapshots else {}
        _replay(db, path, result, covered)
    except sqlite3.OperationalError:
        raise  # locked, unreadable: not damage
    except sqlite3.DatabaseError as exc:  # "database disk image is malformed", "file is not a database"
        raise CorruptData(path, "database", None, str(exc)) from None
    finally:
        db.close()
    return result


def _load_snapshots(db: sqlite3.Connection, path: Path, result: Recovered) -> dict[UUID, int]:
    covered: dict[UUID, int] = {}
    for account_blob, seq, payload, crc in db.execute("SELECT account_id, seq, payload, crc FROM snapshots"):
        account_id = UUID(bytes=account_blob)
        if zlib.crc32(payload) != crc:
            raise CorruptData(path, "snapshot", f"account {account_id}", "checksum mismatch")
        try:
            state = decode(payload)
        except DecodeError as exc:
            raise CorruptData(path, "snapshot", f"account {account_id}", str(exc)) from exc
        if not isinstance(state, AccountState):
            raise CorruptData(path, "snapshot", f"account {account_id}", "not an account state")
        state.pending_client_order_ids = set()
        # Snapshots written before accounts let closed orders go may hold some; the orders table has them.
        state.orders = {order_id: order for order_id, order in state.orders.items() if order.is_open}
        result.accounts[account_id] = state
        covered[account_id] = seq
    return covered


def _replay(db: sqlite3.Connection, path: Path, result: Recovered, covered: dict[UUID, int]) -> None:
    anchor_seq, previous = read_anchor(db)
    (last_seq,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM journal").fetchone()
    cursor = db.execute(
        "SELECT seq, account_id, payload, crc, hash FROM journal WHERE seq > ? ORDER BY seq", (anchor_seq,)
    )
    expected = anchor_seq
    while rows := cursor.fetchmany(FETCH_ROWS):
        for seq, account_blob, payload, crc, stored_hash in rows:
            expected += 1
            problem = check_record(previous, expected, seq, account_blob, payload, crc, stored_hash)
            if problem is not None:
                if seq == last_seq:
                    log.warning(
                        "%s: discarding torn last journal record %d (%s); it was never acknowledged", path, seq, problem
                    )
                    db.execute("DELETE FROM journal WHERE seq = ?", (seq,))
                    db.commit()
                    result.discarded_tail = True
                    return
                raise CorruptData(path, "journal", seq, problem)
            previous = stored_hash
            result.last_seq, result.last_hash = seq, stored_hash
            account_id = UUID(bytes=account_blob)
            if seq <= covered.get(account_id, 0):
                continue
            try:
                events: list[AccountEvent] = decode(payload)
            except DecodeError as exc:
                raise CorruptData(path, "journal", seq, str(exc)) from exc
            _apply(result, account_id, events, after_snapshot=account_id in covered)
            result.replayed_records += 1
    if result.last_seq == 0 and anchor_seq:
        result.last_seq, result.last_hash = anchor_seq, previous


def _apply(result: Recovered, account_id: UUID, events: list[AccountEvent], *, after_snapshot: bool) -> None:
    for event in events:
        if after_snapshot and type(event) is OrderAccepted and event.terms.id in result.accounts[account_id].orders:
            # An account applies an acceptance at once but journals it with the market's answer, so a
            # snapshot taken in between already holds the order, untouched: the acceptance is in it.
            continue
        if isinstance(event, AccountOpened):
            result.accounts[account_id] = open_account(event)
        else:
            apply_event(result.accounts[account_id], event)
