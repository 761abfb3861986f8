"""Fee schedules in the actors: charged in the write that records the fill, listed as FEE activities, recovered after a restart."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import journal_on, make_engine, set_price
from tradeloop.actors.fees import set_fee_schedule
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.charges import FeeCharged
from tradeloop.core.events import FeeScheduleSet, OrderFilled
from tradeloop.core.fees import NO_FEES, FeeSchedule
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce
from tradeloop.errors import InvalidField
from tradeloop.journal import ActivityQuery, FillQuery
from tradeloop.snapshots.recovery import recover

D = Decimal
SCHEDULE = FeeSchedule(per_share=D("0.01"), minimum=D("1.00"), slippage_bps=D(10))


def market(side: OrderSide, qty: str) -> OrderRequest:
    return OrderRequest(symbol="AAPL", side=side, type=OrderType.MARKET, time_in_force=TimeInForce.DAY, qty=D(qty))


async def test_a_fill_pays_its_fee_from_cash_in_the_write_that_records_it() -> None:
    engine = make_engine()
    await engine.start()
    try:
        await set_price(engine, "AAPL", "100", bid="99.99", ask="100.00")
        account_id = (await engine.open_account(D(10_000))).account_id
        assert engine.account(account_id).fees is NO_FEES
        assert await set_fee_schedule(engine, account_id, SCHEDULE) == SCHEDULE
        await engine.place_order(account_id, market(OrderSide.BUY, "10"))
        await engine.quiesce()
        state = engine.account(account_id)
        # 100.00 slipped 10 bps is 100.10; 10 shares cost 1,001.00 and 1.00 of fee (the minimum).
        assert state.cash == D(10_000) - D("1001.00") - D("1.00")
        journal = engine.journal
        assert isinstance(journal, MemoryJournal)
        (filled,) = [event for _, event in journal.records if isinstance(event, OrderFilled)]
        assert (filled.price, filled.unslipped_price, filled.cash, filled.fee) == (D("100.10"), D("100.00"), D("1001.00"), D("1.00"))
        activities = await engine.journal.activities(ActivityQuery(account_id=account_id, newest_first=False))
        assert [type(a) for a in activities] == [OrderFilled, FeeCharged]
        fee = activities[1]
        assert isinstance(fee, FeeCharged) and (fee.amount, fee.fill_id) == (D("1.00"), filled.fill_id)
        (fill,) = await engine.journal.fills(FillQuery(account_id=account_id))
        assert fill.fee == D("1.00")
    finally:
        await engine.stop()


async def test_a_refused_schedule_changes_nothing() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(D(10_000))).account_id
        await set_fee_schedule(engine, account_id, SCHEDULE)
        with pytest.raises(InvalidField) as refused:
            await set_fee_schedule(engine, account_id, FeeSchedule(per_order=D(1), minimum=D(-1)))
        assert refused.value.field == "minimum"
        assert engine.account(account_id).fees == SCHEDULE
        journal = engine.journal
        assert isinstance(journal, MemoryJournal)
        assert len([event for _, event in journal.records if isinstance(event, FeeScheduleSet)]) == 1
    finally:
        await engine.stop()


@pytest.mark.parametrize("snapshot", [False, True], ids=["journal only", "final snapshot"])
async def test_the_schedule_and_the_fees_charged_survive_a_restart_on_sqlite(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "tradeloop.db"
    async with journal_on("sqlite", path) as journal:
        engine = make_engine(journal=journal)
        await engine.start()
        await set_price(engine, "AAPL", "100", bid="99.99", ask="100.00")
        account_id = (await engine.open_account(D(10_000))).account_id
        await set_fee_schedule(engine, account_id, SCHEDULE)
        await engine.place_order(account_id, market(OrderSide.BUY, "10"))
        await engine.place_order(account_id, market(OrderSide.SELL, "4"))
        resting = await engine.place_order(
            account_id,
            OrderRequest(symbol="AAPL", side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.GTC, qty=D(1),
                         limit_price=D(50)),
        )  # fmt: skip
        await engine.quiesce()
        before = engine.account(account_id)
        cash, realized, cost = before.cash, before.realized_pl, before.positions["AAPL"].cost_basis
        assert before.reserved_cash == D("51.00")  # the resting buy holds 50.00 and its fee, the minimum of 1.00
        await engine.stop(snapshot=snapshot)  # without a final snapshot, as a kill -9 leaves it
    recovered = recover(path).accounts[account_id]
    assert recovered.fees == SCHEDULE
    assert recovered.orders[resting.terms.id].terms.slippage_bps == D(10)  # a working order keeps its slippage
    assert (recovered.cash, recovered.realized_pl, recovered.positions["AAPL"].cost_basis) == (cash, realized, cost)
    assert cash == D(10_000) - D("1001.00") - D("1.00") + D("399.56") - D("1.00")  # the sale: 4 × 99.89, less 1.00
