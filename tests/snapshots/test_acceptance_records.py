"""An order's acceptance is journaled with the market's answer: one record, and recovery that agrees."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from tests.factories import make_engine, set_price
from tests.snapshots.factories import open_journal
from tradeloop.actors.engine import Engine
from tradeloop.core.events import OrderAccepted, OrderFilled
from tradeloop.core.notifications import NotificationsCreated
from tradeloop.core.orders import (
    Order,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    ReplaceRequest,
    TimeInForce,
)
from tradeloop.snapshots.codec import decode
from tradeloop.snapshots.recovery import recover

MARKETABLE = OrderRequest(
    symbol="AAPL", side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.DAY,
    qty=Decimal(2), limit_price=Decimal("101"),
)  # fmt: skip
RESTING = OrderRequest(
    symbol="AAPL", side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.GTC,
    qty=Decimal(3), limit_price=Decimal("90"),
)  # fmt: skip


def _records(path: Path) -> list[list[Any]]:
    db = sqlite3.connect(path)
    try:
        return [decode(payload) for (payload,) in db.execute("SELECT payload FROM journal ORDER BY seq")]
    finally:
        db.close()


@asynccontextmanager
async def _crashing(path: Path) -> AsyncIterator[Engine]:
    """An engine on a journal at `path` that ends as `kill -9` would, less the torn tail: no final snapshot, journal closed."""
    async with open_journal(path) as writer:
        engine = make_engine(journal=writer)
        await engine.start()
        await set_price(engine, "AAPL", "100")
        yield engine
        await engine.quiesce()


async def _place_one_and_crash(path: Path, request: OrderRequest) -> tuple[UUID, Order]:
    async with _crashing(path) as engine:
        account_id = (await engine.open_account(Decimal(10_000))).account_id
        order = await engine.place_order(account_id, request)
    return account_id, order


async def test_an_order_that_fills_on_arrival_is_one_record_with_its_acceptance(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    _, order = await _place_one_and_crash(path, MARKETABLE)
    assert order.status is OrderStatus.FILLED

    record = _records(path)[-1]
    assert [type(event) for event in record] == [OrderAccepted, OrderFilled, NotificationsCreated]
    accepted, filled, _ = record
    assert isinstance(accepted, OrderAccepted) and isinstance(filled, OrderFilled)
    assert accepted.terms.id == filled.order_id == order.terms.id


async def test_a_resting_order_is_journaled_with_the_market_s_empty_answer(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    account_id, order = await _place_one_and_crash(path, RESTING)
    assert order.status is OrderStatus.NEW

    assert [type(event) for event in _records(path)[-1]] == [OrderAccepted]
    recovered = recover(path).accounts[account_id]
    assert recovered.orders[order.terms.id].status is OrderStatus.NEW
    assert recovered.reserved_cash == Decimal("270")


async def test_a_snapshot_taken_before_the_market_answers_recovers_the_order_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    async with _crashing(path) as engine:
        account_id = (await engine.open_account(Decimal(10_000))).account_id
        resting = await engine.place_order(account_id, RESTING)
        # The snapshot lands in the account's queue right behind the orders: the account holds both
        # orders, neither acceptance journaled yet, when it is taken.
        filled, placed, _ = await asyncio.gather(
            engine.place_order(account_id, MARKETABLE), engine.place_order(account_id, RESTING), engine.snapshot_all()
        )
        assert filled.status is OrderStatus.FILLED and placed.status is OrderStatus.NEW
        live = engine.account(account_id)

    recovered = recover(path).accounts[account_id]
    assert set(recovered.orders) == {resting.terms.id, placed.terms.id}  # the filled one closed: it left the account
    assert recovered.reserved_cash == live.reserved_cash == Decimal("540")
    assert recovered.cash == live.cash
    assert recovered.positions["AAPL"].qty == live.positions["AAPL"].qty == Decimal(2)
    assert recovered.orders[placed.terms.id].status is OrderStatus.NEW
    assert recovered.client_order_ids[filled.terms.client_order_id] == filled.terms.id
    assert recovered == live
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT status FROM orders WHERE id = ?", (str(filled.terms.id),)).fetchall() == [("filled",)]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("change", "new_status"),
    [
        (ReplaceRequest(qty=Decimal(5), limit_price=Decimal("95")), OrderStatus.NEW),  # rests again, holds more
        (ReplaceRequest(limit_price=Decimal("101")), OrderStatus.FILLED),  # fills on arrival
    ],
)
async def test_a_snapshot_taken_while_a_replacement_is_on_its_way_recovers_the_same_account(
    tmp_path: Path, change: ReplaceRequest, new_status: OrderStatus
) -> None:
    path = tmp_path / "db.sqlite"
    async with _crashing(path) as engine:
        account_id = (await engine.open_account(Decimal(10_000))).account_id
        old = await engine.place_order(account_id, RESTING)
        # The snapshot lands in the account's queue right behind the replacement: it is taken while the
        # market has not answered yet, and must hold the old order and its reservation, not the hold for the new one.
        new, _ = await asyncio.gather(engine.replace_order(account_id, old.terms.id, change), engine.snapshot_all())
        assert new.status is new_status and new.terms.replaces == old.terms.id
        live = engine.account(account_id)

    recovered = recover(path).accounts[account_id]
    assert recovered == live
    assert old.terms.id not in recovered.orders  # replaced: closed
    assert (new.terms.id in recovered.orders) is (new_status is OrderStatus.NEW)
    assert recovered.reserved_cash == (Decimal("475") if new_status is OrderStatus.NEW else Decimal(0))
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT status FROM orders WHERE id = ?", (str(old.terms.id),)).fetchall() == [("replaced",)]
        (payload,) = db.execute("SELECT payload FROM snapshots WHERE account_id = ?", (account_id.bytes,)).fetchone()
    finally:
        db.close()
    snapshot = decode(payload)  # taken mid-replacement: the old order and its reservation only
    assert set(snapshot.orders) == {old.terms.id} and snapshot.reserved_cash == Decimal("270")
