"""The journal writer and recovery: group commit, hash chain, torn tails, corruption."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from tests.snapshots.factories import NOW, open_journal, opened
from tradeloop.core.accounts import apply_event, open_account
from tradeloop.core.events import OrderFilled
from tradeloop.core.instruments import ASSETS_BY_SYMBOL
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce
from tradeloop.core.placement import accept_order
from tradeloop.snapshots.codec import encode
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.snapshots.recovery import CorruptData, Recovered, recover


async def write_history(path: Path, accounts: int = 3, orders: int = 5) -> JournalWriter:
    """Open accounts, place and fill orders; return the (closed) writer."""
    async with open_journal(path) as writer:
        await _write_accounts(writer, accounts, orders)
    return writer


async def _write_accounts(writer: JournalWriter, accounts: int, orders: int) -> None:
    for _ in range(accounts):
        account_id = uuid4()
        event = opened(account_id)
        state = open_account(event)
        await writer.write(account_id, [event])
        for _ in range(orders):
            accepted = accept_order(
                state,
                OrderRequest(
                    symbol="AAPL",
                    side=OrderSide.BUY,
                    type=OrderType.MARKET,
                    time_in_force=TimeInForce.DAY,
                    qty=Decimal(1),
                ),
                ASSETS_BY_SYMBOL["AAPL"],
                order_id=uuid4(),
                reference_price=Decimal("100"),
                now=NOW,
                session_end=NOW,
            )
            apply_event(state, accepted)
            order = state.orders[accepted.terms.id]
            fill = OrderFilled(
                account_id=account_id,
                order_id=accepted.terms.id,
                fill_id=uuid4(),
                symbol="AAPL",
                side=OrderSide.BUY,
                qty=Decimal(1),
                price=Decimal("100.01"),
                cash=Decimal("100.01"),
                order_done=True,
                timestamp=NOW,
            )
            apply_event(state, fill)  # filled: it leaves the state, `order` is its final record
            writer.write(account_id, [accepted], [order])
            writer.write(account_id, [fill], [order])


@asynccontextmanager
async def reopened_with_snapshots(path: Path, recovered: Recovered) -> AsyncIterator[JournalWriter]:
    """Reopen the journal where recovery left it (a restart), queue a snapshot of every recovered account; close after."""
    async with open_journal(path, last_seq=recovered.last_seq, last_hash=recovered.last_hash) as writer:
        for account_id, state in recovered.accounts.items():
            writer.snapshot(account_id, state, NOW)
        yield writer


async def test_committed_history_replays_to_the_same_state(tmp_path: Path) -> None:
    path = tmp_path / "tradeloop.db"
    await write_history(path)
    recovered = recover(path)
    assert len(recovered.accounts) == 3
    for state in recovered.accounts.values():
        assert state.cash == Decimal("1000") - 5 * Decimal("100.01")
        assert state.positions["AAPL"].qty == 5
        assert state.orders == {}  # every order filled: the account holds none
    assert recovered.last_seq == 3 * 11
    db = sqlite3.connect(path)
    assert db.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall() == [("filled", 15)]
    db.close()


async def test_group_commit_resolves_every_writer(tmp_path: Path) -> None:
    async with open_journal(tmp_path / "db.sqlite") as writer:
        account_id = uuid4()
        futures = [writer.write(account_id, [opened(account_id)]) for _ in range(200)]
        await asyncio.gather(*futures)
    db = sqlite3.connect(tmp_path / "db.sqlite")
    assert db.execute("SELECT COUNT(*) FROM journal").fetchone() == (200,)


async def test_fills_land_in_the_history_table(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    await write_history(path, accounts=1, orders=4)
    db = sqlite3.connect(path)
    assert db.execute("SELECT COUNT(*), MIN(price) FROM fills").fetchone() == (4, "100.01")


async def test_torn_last_record_is_discarded(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "db.sqlite"
    await write_history(path, accounts=1, orders=2)
    db = sqlite3.connect(path)
    (last,) = db.execute("SELECT MAX(seq) FROM journal").fetchone()
    db.execute("UPDATE journal SET payload = substr(payload, 1, 10) WHERE seq = ?", (last,))
    db.commit()
    db.close()
    recovered = recover(path)
    assert recovered.discarded_tail
    assert recovered.last_seq == last - 1
    state = next(iter(recovered.accounts.values()))
    assert state.positions["AAPL"].qty == 1  # the second fill was the torn record
    assert "torn" in caplog.text


async def test_damage_in_the_middle_stops_start_up_naming_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    await write_history(path, accounts=1, orders=3)
    db = sqlite3.connect(path)
    db.execute("UPDATE journal SET payload = ? WHERE seq = 3", (encode(["garbage"]),))
    db.commit()
    db.close()
    with pytest.raises(CorruptData) as caught:
        recover(path)
    assert str(path) in str(caught.value)
    assert "corrupt" in str(caught.value)
    assert caught.value.position == 3


async def test_missing_record_in_the_middle_is_corruption(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    await write_history(path, accounts=1, orders=3)
    db = sqlite3.connect(path)
    db.execute("DELETE FROM journal WHERE seq = 2")
    db.commit()
    db.close()
    with pytest.raises(CorruptData, match="missing"):
        recover(path)


async def test_snapshot_plus_replay_equals_journal_only_replay(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    await write_history(path, accounts=2, orders=3)
    full = recover(path, use_snapshots=False)
    async with reopened_with_snapshots(path, full):
        pass
    from_snapshot = recover(path)
    assert from_snapshot.replayed_records == 0
    assert from_snapshot.accounts == full.accounts


async def test_damaged_snapshot_is_corruption(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    await write_history(path, accounts=1, orders=1)
    state = next(iter(recover(path).accounts.values()))
    async with open_journal(path) as writer:
        await writer.snapshot(state.id, state, NOW)
    db = sqlite3.connect(path)
    db.execute("UPDATE snapshots SET crc = crc + 1")
    db.commit()
    db.close()
    with pytest.raises(CorruptData, match="snapshot"):
        recover(path)


async def test_compaction_keeps_state_and_chain(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    await write_history(path, accounts=2, orders=3)
    full = recover(path, use_snapshots=False)
    extra = uuid4()
    async with reopened_with_snapshots(path, full) as writer:
        await writer.compact(len(full.accounts))
        await writer.write(extra, [opened(extra, "5")])
    db = sqlite3.connect(path)
    assert db.execute("SELECT COUNT(*) FROM journal").fetchone() == (1,)
    from tradeloop.snapshots.chain import verify_chain

    report = verify_chain(db)
    assert report.ok and report.records == 1 and report.last_seq == full.last_seq + 1
    after = recover(path)
    assert {k: v for k, v in after.accounts.items() if k != extra} == full.accounts
    assert after.accounts[extra].cash == Decimal(5)


async def test_a_snapshot_after_a_restart_does_not_replay_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    first, second = uuid4(), uuid4()
    async with open_journal(path) as writer:
        await writer.write(first, [opened(first)])
        await writer.write(second, [opened(second)])
    before = recover(path)
    async with reopened_with_snapshots(path, before):  # a restart: neither account has written since
        pass
    after = recover(path)
    assert after.replayed_records == 0
    assert after.accounts == before.accounts


async def test_snapshots_leave_closed_orders_to_the_orders_table(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    await write_history(path, accounts=1, orders=3)
    full = recover(path, use_snapshots=False)
    async with reopened_with_snapshots(path, full) as writer:
        await writer.compact(len(full.accounts))
    db = sqlite3.connect(path)
    (payload,) = db.execute("SELECT payload FROM snapshots").fetchone()
    db.close()
    from tradeloop.snapshots.codec import decode

    assert decode(payload).orders == {}  # all three filled: none is stored in the snapshot
    assert recover(path).accounts == full.accounts
