"""Risk limits in the journal and snapshots: warn_at_percent round-trips, and records written before it existed
recover with the default, 80."""

from __future__ import annotations

import sqlite3
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import msgpack
import pytest

from tests.factories import journal_on, make_engine, set_price
from tradeloop.actors.engine import Engine
from tradeloop.core.events import RiskLimitsSet
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce
from tradeloop.core.risk_limits import BreachAction, RiskLimits, StateSource
from tradeloop.snapshots.chain import chain_hash, read_anchor
from tradeloop.snapshots.codec import decode, encode
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.snapshots.recovery import recover

D = Decimal
LIMITS = RiskLimits(daily_loss_limit=D(400), daily_loss_action=BreachAction.REDUCE)


def _as_written_before(payload: bytes) -> tuple[bytes, int]:
    """The record as versions before warn_at_percent wrote it (its risk limits without the field), and how many lost it."""
    dropped = 0

    def strip(value: Any) -> Any:
        nonlocal dropped
        if isinstance(value, dict):
            if value.get("__t") == "RiskLimits":
                del value["warn_at_percent"]
                dropped += 1
            return {key: strip(item) for key, item in value.items()}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    old = strip(msgpack.unpackb(payload, raw=False, strict_map_key=False))  # extension types stay as they were
    return msgpack.packb(old, use_bin_type=True), dropped


def _rewrite_as_before(path: Path) -> int:
    """Rewrite every journal record and snapshot as before warn_at_percent (checksums and hash chain made anew)."""
    db = sqlite3.connect(path)
    try:
        anchor_seq, previous = read_anchor(db)  # the chain goes on from the anchor a compaction left
        dropped = 0
        rows = db.execute("SELECT seq, account_id, payload FROM journal WHERE seq > ? ORDER BY seq", (anchor_seq,))
        for seq, account, payload in rows.fetchall():
            old, count = _as_written_before(payload)
            previous = chain_hash(previous, seq, account, old)
            db.execute("UPDATE journal SET payload = ?, crc = ?, hash = ? WHERE seq = ?", (old, zlib.crc32(old), previous, seq))
            dropped += count
        for account, payload in db.execute("SELECT account_id, payload FROM snapshots").fetchall():
            old, count = _as_written_before(payload)
            db.execute("UPDATE snapshots SET payload = ?, crc = ? WHERE account_id = ?", (old, zlib.crc32(old), account))
            dropped += count
        db.commit()
        return dropped
    finally:
        db.close()


def test_a_change_of_limits_with_a_warning_percent_round_trips() -> None:
    limits = RiskLimits(daily_loss_limit=D(1000), warn_at_percent=D("33.5"))
    event = RiskLimitsSet(account_id=uuid4(), limits=limits, source=StateSource.USER, timestamp=datetime(2026, 1, 5, tzinfo=UTC))
    assert decode(encode([event])) == [event]


def test_limits_written_before_the_warning_percent_decode_with_80() -> None:
    event = RiskLimitsSet(
        account_id=uuid4(), limits=RiskLimits(daily_loss_limit=D(1000), warn_at_percent=D(50)),
        source=StateSource.ADMIN, timestamp=datetime(2026, 1, 5, tzinfo=UTC),
    )  # fmt: skip
    old, dropped = _as_written_before(encode([event]))
    assert dropped == 1
    [decoded] = decode(old)
    assert decoded.limits == RiskLimits(daily_loss_limit=D(1000)) and decoded.limits.warn_at_percent == D(80)


@pytest.mark.parametrize("snapshot", [False, True])
async def test_a_database_written_before_the_warning_percent_recovers_and_warns_at_80(
    tmp_path: Path, snapshot: bool
) -> None:
    path = tmp_path / "tradeloop.db"
    async with journal_on("sqlite", path) as journal:
        engine = make_engine(journal=journal)
        await engine.start()
        account_id = (await engine.open_account(D(10_000))).account_id
        await set_price(engine, "AAPL", "100")
        buy = OrderRequest(symbol="AAPL", side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.DAY, qty=D(50))
        await engine.place_order(account_id, buy)
        await engine.set_risk(account_id, limits=LIMITS, state=None, reason=None, source=StateSource.USER)
        await engine.stop(snapshot=snapshot)
    assert _rewrite_as_before(path) >= 1
    recovered = recover(path)
    assert recovered.accounts[account_id].risk.limits == LIMITS  # warn_at_percent: the default

    writer = JournalWriter(path, last_seq=recovered.last_seq, last_hash=recovered.last_hash)
    await writer.open()
    engine = make_engine(journal=writer, accounts=recovered.accounts.values())
    await engine.start()
    try:
        state = engine.account(account_id)
        assert state.last_equity == D(10_000) and state.risk.limits.warn_at_percent == D(80)
        await _price(engine, "93.61")  # a loss of 319.50: short of 80% of 400
        assert state.risk.warned == []
        await _price(engine, "93.6")  # 320: 80%
        assert state.risk.warned == ["daily_loss_limit"]
    finally:
        await engine.stop()
        assert await writer.close() is None


async def _price(engine: Engine, price: str) -> None:
    await set_price(engine, "AAPL", price)
    await engine.quiesce()
