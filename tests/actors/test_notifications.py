"""Notifications through a real engine: made in the write of what they tell of, kept by the journal (in memory and in
SQLite) across restarts and compaction, never twice, with read flags set by journaled reads."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from tests.actors.strategy_factories import make_signal, stored_engine
from tests.factories import journal_on, make_engine, set_price
from tradeloop.actors.engine import Engine
from tradeloop.core.notifications import NotificationEntry, NotificationsCreated, NotificationsRead, NotificationType
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce
from tradeloop.core.strategies import StrategySignalled
from tradeloop.errors import InvalidField
from tradeloop.journal import NotificationQuery
from tradeloop.storage import DATABASE_FILE


def market_buy(qty: str = "2") -> OrderRequest:
    return OrderRequest(symbol="AAPL", qty=Decimal(qty), side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.DAY)


def resting_buy() -> OrderRequest:
    return OrderRequest(
        symbol="AAPL", qty=Decimal(1), side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.GTC,
        limit_price=Decimal("50"),
    )  # fmt: skip


async def listed(engine: Engine, account_id: UUID, **query: object) -> list[NotificationEntry]:
    return await engine.journal.notifications(NotificationQuery(account_id=account_id, **query))  # type: ignore[arg-type]


def kinds(entries: list[NotificationEntry]) -> list[NotificationType]:
    return [entry.notification.type for entry in entries]


async def _activity(engine: Engine, account_id: UUID) -> None:
    """A deposit, a fill, a cancel and a strategy's signal: four notifications, in that order."""
    await set_price(engine, "AAPL", "100")
    await engine.adjust_cash(account_id, Decimal(500), "top up")
    await engine.place_order(account_id, market_buy())
    resting = await engine.place_order(account_id, resting_buy())
    await engine.cancel_order(account_id, resting.terms.id)
    signal = make_signal(UUID(int=9), created_at=engine.clock() + timedelta(seconds=1))
    await engine.record(account_id, [StrategySignalled(signal=signal)])


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_each_write_journals_its_notifications_and_they_list_in_order(tmp_path: Path, kind: str) -> None:
    async with journal_on(kind, tmp_path / "tradeloop.db") as journal:
        engine = make_engine(journal=journal)
        await engine.start()
        try:
            account_id = (await engine.open_account(Decimal(1000))).account_id
            other = (await engine.open_account(Decimal(1000))).account_id
            await _activity(engine, account_id)
            newest_first = await listed(engine, account_id)
            assert kinds(newest_first) == [
                NotificationType.STRATEGY_SIGNAL, NotificationType.ORDER_CANCELED,
                NotificationType.ORDER_FILLED, NotificationType.ACCOUNT_FUNDS,
            ]  # fmt: skip
            oldest_first = await listed(engine, account_id, direction="asc")
            assert oldest_first == list(reversed(newest_first))
            assert all(entry.read_at is None for entry in newest_first)
            assert await engine.journal.unread_notifications(account_id) == 4
            assert await listed(engine, other) == []
            fill = newest_first[2].notification
            assert fill.data["qty"] == "2" and fill.data["price"] == "100"
            # filters, and pages that go on after the token in the same direction
            only = await listed(engine, account_id, types=frozenset({NotificationType.ORDER_FILLED}))
            assert [entry.notification for entry in only] == [fill]
            first = await listed(engine, account_id, limit=3)
            rest = await listed(engine, account_id, limit=3, page_token=first[-1].notification.id)
            assert first + rest == newest_first
            later = await listed(engine, account_id, after=fill.created_at)
            assert fill not in [entry.notification for entry in later]
            with pytest.raises(InvalidField, match="page_token"):
                await listed(engine, other, page_token=fill.id)
        finally:
            await engine.stop()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_reads_set_the_flag_of_those_named_or_of_all_made_before(tmp_path: Path, kind: str) -> None:
    async with journal_on(kind, tmp_path / "tradeloop.db") as journal:
        engine = make_engine(journal=journal)
        await engine.start()
        try:
            account_id = (await engine.open_account(Decimal(1000))).account_id
            await _activity(engine, account_id)
            signal, cancel, fill, funds = await listed(engine, account_id)
            at = engine.clock()
            await engine.record(account_id, [NotificationsRead(account_id=account_id, ids=(fill.notification.id,), at=at)])
            found = await engine.journal.notification(account_id, fill.notification.id)
            assert found is not None and found.read_at == at
            assert await engine.journal.unread_notifications(account_id) == 3
            assert kinds(await listed(engine, account_id, unread=True)) == kinds([signal, cancel, funds])
            # all made at or before the cancel; the signal after it stays unread
            until = cancel.notification.created_at
            await engine.record(account_id, [NotificationsRead(account_id=account_id, until=until, at=engine.clock())])
            assert kinds(await listed(engine, account_id, unread=True)) == [NotificationType.STRATEGY_SIGNAL]
            # reading again never moves the time it was first read
            await engine.record(account_id, [NotificationsRead(account_id=account_id, ids=(fill.notification.id,), at=engine.clock())])
            again = await engine.journal.notification(account_id, fill.notification.id)
            assert again is not None and again.read_at == at
            await engine.record(account_id, [NotificationsRead(account_id=account_id, at=engine.clock())])
            await engine.adjust_cash(account_id, Decimal(1), "after reading all")
            assert kinds(await listed(engine, account_id, unread=True)) == [NotificationType.ACCOUNT_FUNDS]
        finally:
            await engine.stop()


@pytest.mark.parametrize("snapshot", [False, True], ids=["journal only", "snapshot and compaction"])
async def test_notifications_and_read_flags_survive_a_restart_and_are_never_made_twice(tmp_path: Path, snapshot: bool) -> None:
    async with stored_engine(tmp_path) as engine:
        account_id = (await engine.open_account(Decimal(1000))).account_id
        await _activity(engine, account_id)
        before = await listed(engine, account_id)
        read = before[1].notification.id
        await engine.record(account_id, [NotificationsRead(account_id=account_id, ids=(read,), at=engine.clock())])
        before = await listed(engine, account_id)
        # the same notifications journaled again (as a write sent twice would be) are kept once
        await engine.record(account_id, [NotificationsCreated(notifications=tuple(e.notification for e in before))])
        await engine.stop(snapshot=snapshot)  # without a final snapshot, as a kill -9 leaves it
    with sqlite3.connect(tmp_path / DATABASE_FILE) as db:
        journal_rows = db.execute("SELECT COUNT(*) FROM journal").fetchone()[0]
        assert db.execute("SELECT COUNT(*) FROM notifications").fetchone() == (4,)
    assert (journal_rows == 0) is snapshot  # compaction left no record: the rows outlive them
    async with stored_engine(tmp_path) as engine:
        after = await listed(engine, account_id)
        assert after == before
        assert await engine.journal.unread_notifications(account_id) == 3
        await engine.adjust_cash(account_id, Decimal(1), "after the restart")
        assert kinds(await listed(engine, account_id, limit=1)) == [NotificationType.ACCOUNT_FUNDS]
        await engine.stop(snapshot=snapshot)
    with sqlite3.connect(tmp_path / DATABASE_FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM notifications").fetchone() == (5,)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_a_read_of_all_leaves_unread_what_a_later_write_of_the_same_commit_made(tmp_path: Path, kind: str) -> None:
    async with journal_on(kind, tmp_path / "tradeloop.db") as journal:
        moment = datetime(2026, 1, 5, 15, 30, tzinfo=timezone.utc)
        engine = make_engine(journal=journal, clock=lambda: moment)  # every write at the same time
        await engine.start()
        try:
            account_id = (await engine.open_account(Decimal(1000))).account_id
            # one after the other in the account's turn; the last three commit together on SQLite
            await asyncio.gather(
                engine.adjust_cash(account_id, Decimal(1), "first"),
                engine.adjust_cash(account_id, Decimal(2), "before the read"),
                engine.record(account_id, [NotificationsRead(account_id=account_id, at=moment)]),
                engine.adjust_cash(account_id, Decimal(3), "after the read"),
            )
            unread = await listed(engine, account_id, unread=True)
            assert [entry.notification.data["description"] for entry in unread] == ["after the read"]
        finally:
            await engine.stop()
