"""Linked groups through the actors: each linkage step is journaled in the write of the fill that causes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal

import pytest

from tests.actors.factories import BatchJournal
from tests.factories import make_engine, set_price
from tradeloop.actors import bulk
from tradeloop.actors.engine import Engine
from tradeloop.core.events import OrderAccepted, OrderCanceled, OrderFilled
from tradeloop.core.notifications import NotificationsCreated
from tradeloop.core.orders import (
    OrderClass,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    ReplaceRequest,
    StopLoss,
    TakeProfit,
    TimeInForce,
)
from tradeloop.core.risk_limits import StateSource, TradingState
from tradeloop.errors import InvalidOrderClass, NotReplaceable, TradingStateRefused


def D(value: str) -> Decimal:
    return Decimal(value)


def bracket(qty: str = "10") -> OrderRequest:
    return OrderRequest(
        symbol="AAPL",
        side=OrderSide.BUY,
        type=OrderType.MARKET,
        time_in_force=TimeInForce.GTC,
        qty=D(qty),
        order_class=OrderClass.BRACKET,
        take_profit=TakeProfit(limit_price=D("110")),
        stop_loss=StopLoss(stop_price=D("90")),
    )


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    running = make_engine(journal=BatchJournal())
    await running.start()
    await set_price(running, "AAPL", "100")
    try:
        yield running
    finally:
        await running.stop()


def batches(engine: Engine) -> list[list[object]]:
    journal = engine.journal
    assert isinstance(journal, BatchJournal)
    return journal.batches  # type: ignore[return-value]


async def test_a_filled_entry_and_its_working_legs_are_one_write(engine: Engine) -> None:
    account = (await engine.open_account(D("100000"))).account_id
    entry = await engine.place_order(account, bracket())
    assert entry.status is OrderStatus.FILLED and entry.terms.order_class is OrderClass.BRACKET
    placed = batches(engine)[-1]
    # the owner's notification of the fill is journaled in the same write
    assert [type(e) for e in placed] == [OrderAccepted, OrderAccepted, OrderAccepted, OrderFilled, NotificationsCreated]
    legs = list(engine.account(account).orders.values())
    assert sorted(o.status for o in legs) == [OrderStatus.NEW, OrderStatus.NEW]
    assert all(o.terms.parent_id == entry.terms.id for o in legs)


async def test_an_exit_fill_and_the_cancel_of_its_sibling_are_one_write(engine: Engine) -> None:
    account = (await engine.open_account(D("100000"))).account_id
    await engine.place_order(account, bracket())
    await set_price(engine, "AAPL", "111")
    last = batches(engine)[-1]
    assert [type(e) for e in last] == [OrderFilled, OrderCanceled, NotificationsCreated]
    assert engine.account(account).orders == {} and engine.account(account).positions == {}


async def test_canceling_the_entry_cancels_the_held_legs(engine: Engine) -> None:
    account = (await engine.open_account(D("100000"))).account_id
    limit_entry = replace(bracket(), type=OrderType.LIMIT, limit_price=D("95"))
    entry = await engine.place_order(account, limit_entry)
    legs = list(engine.account(account).orders.values())
    assert sorted(o.status for o in legs) == sorted([OrderStatus.NEW, OrderStatus.HELD, OrderStatus.HELD])
    await engine.cancel_order(account, entry.terms.id)
    assert engine.account(account).orders == {}
    for leg in legs:
        assert (await engine.order(account, leg.terms.id)).status is OrderStatus.CANCELED
    assert engine.account(account).reserved_cash == 0


async def test_a_leg_is_replaced_by_its_own_id_and_keeps_its_place(engine: Engine) -> None:
    account = (await engine.open_account(D("100000"))).account_id
    entry = await engine.place_order(account, bracket())
    state = engine.account(account)
    take_profit = next(o for o in state.orders.values() if o.terms.type is OrderType.LIMIT)
    new = await engine.replace_order(account, take_profit.terms.id, ReplaceRequest(limit_price=D("105")))
    assert new.terms.parent_id == entry.terms.id and new.terms.limit_price == D("105")
    assert new.reserved_qty == D("10") and state.positions["AAPL"].reserved_qty == D("10")
    with pytest.raises(InvalidOrderClass):
        await engine.replace_order(account, new.terms.id, ReplaceRequest(qty=D("5")))
    await set_price(engine, "AAPL", "106")
    assert state.orders == {} and state.positions == {}
    with pytest.raises(NotReplaceable):
        await engine.replace_order(account, entry.terms.id, ReplaceRequest(limit_price=D("1")))


async def test_cancel_all_answers_each_member_of_a_group_as_canceled(engine: Engine) -> None:
    account = (await engine.open_account(D("100000"))).account_id
    await engine.place_order(account, replace(bracket(), type=OrderType.LIMIT, limit_price=D("95")))
    results = await bulk.cancel_all_orders(engine, account)
    assert sorted(result.status for result in results) == [200, 200, 200]
    assert {result.order.status for result in results if result.order is not None} == {OrderStatus.CANCELED}


async def test_a_halted_account_still_places_and_replaces_the_exits_of_its_position(engine: Engine) -> None:
    account = (await engine.open_account(D("100000"))).account_id
    await engine.place_order(account, bracket())
    await engine.set_risk(account, limits=None, state=TradingState.HALTED, reason="kill switch", source=StateSource.USER)
    with pytest.raises(TradingStateRefused):
        await engine.place_order(account, bracket())
    state = engine.account(account)
    take_profit = next(o for o in state.orders.values() if o.terms.type is OrderType.LIMIT)
    moved = await engine.replace_order(account, take_profit.terms.id, ReplaceRequest(limit_price=D("104")))
    assert moved.terms.limit_price == D("104")
    await engine.cancel_order(account, moved.terms.id)
    oco = OrderRequest(
        symbol="AAPL",
        side=OrderSide.SELL,
        type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        qty=D("10"),
        order_class=OrderClass.OCO,
        take_profit=TakeProfit(limit_price=D("120")),
        stop_loss=StopLoss(stop_price=D("95")),
    )
    placed = await engine.place_order(account, oco)
    assert placed.terms.order_class is OrderClass.OCO and placed.status is OrderStatus.NEW
