"""Recovery: start-up time with 1,000,000 journaled events, with and without a recent snapshot; snapshot time.

The journal is generated fast but in the server's exact format: each record is
what an account actor writes (an account opening; an order's acceptance and its
fill, one record), encoded once per kind with the journal codec and copied with fresh ids,
then checksummed and hash-chained as the journal writer does. Recovery is
`tradeloop.snapshots.recovery.recover`, the function the server runs at start-up.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Final
from uuid import UUID, uuid4

from bench.report import Row, progress, rate, secs, times, verdict
from tradeloop.actors.engine import Engine
from tradeloop.core.accounts import AccountState, apply_event, open_account
from tradeloop.core.events import AccountOpened, OrderFilled
from tradeloop.core.instruments import ASSETS_BY_SYMBOL, UNIVERSE
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce
from tradeloop.core.placement import accept_order
from tradeloop.snapshots.chain import GENESIS, chain_hash
from tradeloop.snapshots.codec import encode
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.snapshots.recovery import recover
from tradeloop.snapshots.schema import ANCHOR_KEY, SCHEMA

NAME: Final = "recovery"
TARGET_S: Final = 30.0
NOW: Final = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)
SYMBOL: Final = "AAPL"
CASH: Final = Decimal(10**9)
CHUNK: Final = 50_000


@dataclass(frozen=True, slots=True)
class Sizes:
    events: int
    accounts: int
    tail_events: int
    snapshot_accounts: int
    resting_per_account: int
    """Open orders given to each snapshotted account: what a snapshot's size depends on."""


FULL: Final = Sizes(events=1_000_000, accounts=10_000, tail_events=10_000, snapshot_accounts=10_000, resting_per_account=10)
QUICK: Final = Sizes(events=2_000, accounts=20, tail_events=100, snapshot_accounts=20, resting_per_account=2)


class _Templates:
    """One encoded record of each kind, with sentinel ids that copies replace."""

    def __init__(self) -> None:
        self.account = uuid4()
        self.order = uuid4()
        self.fill = uuid4()
        state = open_account(_opened(self.account))
        request = OrderRequest(
            symbol=SYMBOL,
            side=OrderSide.BUY,
            type=OrderType.LIMIT,
            time_in_force=TimeInForce.DAY,
            qty=Decimal(1),
            limit_price=Decimal("101"),
        )
        accepted = accept_order(
            state,
            request,
            ASSETS_BY_SYMBOL[SYMBOL],
            order_id=self.order,
            reference_price=Decimal("100"),
            now=NOW,
            session_end=NOW + timedelta(hours=5),
        )
        filled = OrderFilled(
            account_id=self.account,
            order_id=self.order,
            fill_id=self.fill,
            symbol=SYMBOL,
            side=OrderSide.BUY,
            qty=Decimal(1),
            price=Decimal("100"),
            cash=Decimal("100.00"),
            order_done=True,
            cum_qty=Decimal(1),
            leaves_qty=Decimal(0),
            timestamp=NOW,
        )
        self.accepted = encode([accepted])
        self.filled = encode([accepted, filled])
        for payload, events in ((self.accepted, 1), (self.filled, 2)):
            if payload.count(self.account.bytes) != events:
                raise RuntimeError("the account id must appear once in each event of a template record")

    def copy(self, template: bytes, account: UUID, order: UUID, fill: UUID) -> bytes:
        payload = template.replace(self.account.bytes, account.bytes).replace(self.order.bytes, order.bytes)
        payload = payload.replace(str(self.order).encode(), str(order).encode())  # the default client order id
        return payload.replace(self.fill.bytes, fill.bytes)


def _opened(account_id: UUID) -> AccountOpened:
    return AccountOpened(
        account_id=account_id,
        account_number="PA0000000000",
        key_id=f"PK{account_id.hex[:18].upper()}",
        secret_hash="sha256$00$00",
        cash=CASH,
        created_at=NOW,
    )


class _Chain:
    """Positions and hashes of records appended in order, as the journal writer makes them."""

    def __init__(self, seq: int = 0, last_hash: bytes = GENESIS) -> None:
        self.seq = seq
        self.hash = last_hash

    def record(self, account: UUID, payload: bytes) -> tuple[int, bytes, bytes, int, bytes]:
        self.seq += 1
        self.hash = chain_hash(self.hash, self.seq, account.bytes, payload)
        return (self.seq, account.bytes, payload, zlib.crc32(payload), self.hash)


def _orders(templates: _Templates, accounts: list[UUID], events: int) -> Iterator[tuple[UUID, bytes]]:
    """Records of `events` events: one-share orders filled on arrival (acceptance and fill in one record, as the
    account journals them), round-robin over the accounts; an odd last event is an order left resting."""
    made = 0
    while made < events:
        for account in accounts:
            if made == events:
                return
            template = templates.filled if events - made >= 2 else templates.accepted
            yield account, templates.copy(template, account, uuid4(), uuid4())
            made += 2 if template is templates.filled else 1


def _insert(db: sqlite3.Connection, rows: Iterator[tuple[int, bytes, bytes, int, bytes]]) -> None:
    batch: list[tuple[int, bytes, bytes, int, bytes]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            db.executemany("INSERT INTO journal (seq, account_id, payload, crc, hash) VALUES (?, ?, ?, ?, ?)", batch)
            batch.clear()
    db.executemany("INSERT INTO journal (seq, account_id, payload, crc, hash) VALUES (?, ?, ?, ?, ?)", batch)
    db.commit()


def build_journal(path: Path, sizes: Sizes) -> tuple[list[UUID], _Chain, _Templates]:
    """Write journal records of `sizes.events` events for `sizes.accounts` accounts."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)
        templates = _Templates()
        accounts = [uuid4() for _ in range(sizes.accounts)]
        chain = _Chain()
        opened = (chain.record(account, encode([_opened(account)])) for account in accounts)
        _insert(db, opened)
        orders = _orders(templates, accounts, sizes.events - sizes.accounts)
        _insert(db, (chain.record(account, payload) for account, payload in orders))
    finally:
        db.close()
    return accounts, chain, templates


def scan(path: Path) -> int:
    """Read every journal record and nothing more: the floor under any recovery."""
    db = sqlite3.connect(path)
    try:
        cursor = db.execute("SELECT seq, account_id, payload, crc, hash FROM journal ORDER BY seq")
        count = 0
        while rows := cursor.fetchmany(20_000):
            count += len(rows)
        return count
    finally:
        db.close()


def write_snapshots(path: Path, states: dict[UUID, AccountState], seq: int) -> None:
    """Snapshot every account at journal position `seq`, as the journal writer stores snapshots."""
    db = sqlite3.connect(path)
    try:
        rows = []
        for account_id, state in states.items():
            payload = encode(state)
            rows.append((account_id.bytes, seq, payload, zlib.crc32(payload), NOW.isoformat()))
        db.executemany("INSERT OR REPLACE INTO snapshots (account_id, seq, payload, crc, taken_at) VALUES (?, ?, ?, ?, ?)", rows)
        db.commit()
    finally:
        db.close()


def append_tail(path: Path, chain: _Chain, templates: _Templates, accounts: list[UUID], count: int) -> None:
    db = sqlite3.connect(path)
    try:
        _insert(db, (chain.record(account, payload) for account, payload in _orders(templates, accounts, count)))
    finally:
        db.close()


def compact(path: Path, upto: int) -> None:
    """Drop the records every snapshot covers and keep the chain's anchor, as the journal writer compacts."""
    db = sqlite3.connect(path)
    try:
        (anchor_hash,) = db.execute("SELECT hash FROM journal WHERE seq = ?", (upto,)).fetchone()
        db.execute("DELETE FROM journal WHERE seq <= ?", (upto,))
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (ANCHOR_KEY, upto.to_bytes(8, "big") + anchor_hash))
        db.commit()
    finally:
        db.close()


def _timed_recover(path: Path, expect_accounts: int) -> tuple[float, dict[UUID, AccountState], int]:
    started = time.perf_counter()
    recovered = recover(path)
    elapsed = time.perf_counter() - started
    if len(recovered.accounts) != expect_accounts:
        raise RuntimeError(f"recovered {len(recovered.accounts)} accounts, expected {expect_accounts}")
    return elapsed, recovered.accounts, recovered.replayed_records


async def snapshot_through_engine(path: Path, states: list[AccountState]) -> float:
    """Seconds for `Engine.snapshot_all` over these accounts, journal writer on a fresh file."""
    writer = JournalWriter(path)
    await writer.open()
    engine = Engine(assets=UNIVERSE, journal=writer, accounts=states)
    await engine.start()
    try:
        started = time.perf_counter()
        written = await engine.snapshot_all()
        elapsed = time.perf_counter() - started
        if written != len(states):
            raise RuntimeError(f"snapshot wrote {written} accounts, expected {len(states)}")
        return elapsed
    finally:
        await engine.stop(snapshot=False)  # the final snapshot is not what is measured
        await writer.close()


def snapshot_floor(path: Path, states: list[AccountState]) -> float:
    """Seconds to encode the same states and store them in one transaction, without actors."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.close()
    started = time.perf_counter()
    write_snapshots(path, {state.id: state for state in states}, 0)
    return time.perf_counter() - started


def run(quick: bool) -> list[Row]:
    sizes = QUICK if quick else FULL
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="tradeloop-bench-recovery-") as tmp:
        path = Path(tmp) / "tradeloop.db"
        progress(f"recovery: writing a journal of {sizes.events:,} events for {sizes.accounts:,} accounts")
        started = time.perf_counter()
        accounts, chain, templates = build_journal(path, sizes)
        progress(f"recovery: journal written in {secs(time.perf_counter() - started)}; scanning it")
        floor = _best_of(2, lambda: scan(path))
        progress("recovery: recover() with no snapshot")
        full, states, replayed = _timed_recover(path, sizes.accounts)
        if replayed != chain.seq:
            raise RuntimeError(f"replayed {replayed} records, expected {chain.seq}")
        rows.append(
            Row(
                benchmark=NAME,
                case=f"recover(), {sizes.events:,} events, no snapshot",
                result=f"{secs(full)} ({rate(sizes.events / full, 'events/s')})",
                baseline=f"{secs(floor)} to read every record",
                ratio=times(full / floor),
                target=f"< {secs(TARGET_S)}",
                verdict=verdict(full < TARGET_S),
            )
        )
        snapshot_seq = chain.seq
        write_snapshots(path, states, snapshot_seq)
        append_tail(path, chain, templates, accounts, sizes.tail_events)
        progress(f"recovery: recover() from snapshots + {sizes.tail_events:,} later events, journal not compacted")
        uncompacted, _, _ = _timed_recover(path, sizes.accounts)
        rows.append(
            Row(
                benchmark=NAME,
                case=f"recover(), snapshot + {sizes.tail_events:,} later events, journal kept",
                result=secs(uncompacted),
                baseline=f"{secs(full)} without snapshot",
                ratio=times(uncompacted / full),
            )
        )
        compact(path, snapshot_seq)
        progress(f"recovery: recover() from snapshots + {sizes.tail_events:,} later events, journal compacted")
        compacted, _, _ = _timed_recover(path, sizes.accounts)
        rows.append(
            Row(
                benchmark=NAME,
                case=f"recover(), snapshot + {sizes.tail_events:,} later events, journal compacted",
                result=secs(compacted),
                baseline=f"{secs(full)} without snapshot",
                ratio=times(compacted / full),
            )
        )
        chosen = list(states.values())[: sizes.snapshot_accounts]
        for state in chosen:
            _add_resting_orders(state, sizes.resting_per_account)
        orders = sum(len(state.orders) for state in chosen)
        progress(f"recovery: snapshot of {len(chosen):,} accounts ({orders:,} open orders) through the engine")
        through_engine = asyncio.run(snapshot_through_engine(Path(tmp) / "snapshot.db", chosen))
        direct = snapshot_floor(Path(tmp) / "snapshot-floor.db", chosen)
        rows.append(
            Row(
                benchmark=NAME,
                case=f"snapshot_all(), {len(chosen):,} accounts holding {orders:,} open orders",
                result=secs(through_engine),
                baseline=f"{secs(direct)} encode + insert, no actors",
                ratio=times(through_engine / direct),
            )
        )
    return rows


RESTING: Final = OrderRequest(
    symbol=SYMBOL, side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.GTC,
    qty=Decimal(1), limit_price=Decimal("50"),
)  # fmt: skip


def _add_resting_orders(state: AccountState, count: int) -> None:
    """Accept `count` buy limits far below the market into the account, as the account actor would."""
    for _ in range(count):
        accepted = accept_order(
            state,
            RESTING,
            ASSETS_BY_SYMBOL[SYMBOL],
            order_id=uuid4(),
            reference_price=Decimal("100"),
            now=NOW,
            session_end=NOW + timedelta(hours=5),
        )
        apply_event(state, accepted)


def _best_of(rounds: int, action: Callable[[], object]) -> float:
    """The shortest of `rounds` timings of `action`, in seconds."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best
