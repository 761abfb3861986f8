"""Risk limits and trading states in the account actor: refusals, breaches from price moves, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import journal_on, make_engine, set_price
from tradeloop.actors import administration
from tradeloop.actors.engine import Engine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.clock import utc_now
from tradeloop.core.money import ZERO
from tradeloop.core.orders import OrderClass, OrderRequest, OrderSide, OrderType, StopLoss, TakeProfit, TimeInForce
from tradeloop.core.risk_limits import BreachAction, LimitChanges, RiskLimits, StateSource, TradingState
from tradeloop.errors import InvalidOrderClass, RiskLimitExceeded, StaleMarketData, TradingStateRefused
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.snapshots.recovery import recover

D = Decimal


@asynccontextmanager
async def restarted(path: Path) -> AsyncIterator[Engine]:
    """A started engine on the database at `path`, as the server starts one: recovered, the journal going on from there."""
    recovered = recover(path)
    writer = JournalWriter(path, last_seq=recovered.last_seq, last_hash=recovered.last_hash)
    await writer.open()
    engine = make_engine(journal=writer, accounts=recovered.accounts.values())
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()
        assert await writer.close() is None  # everything written after the restart committed


def market(side: OrderSide, qty: str) -> OrderRequest:
    return OrderRequest(symbol="AAPL", side=side, type=OrderType.MARKET, time_in_force=TimeInForce.DAY, qty=D(qty))


async def test_a_refused_order_changes_nothing_and_halted_lets_cancels_pass() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(D(10_000))).account_id
        await set_price(engine, "AAPL", "100")
        limit = OrderRequest(
            symbol="AAPL", side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.GTC,
            qty=D(1), limit_price=D(50),
        )
        resting = await engine.place_order(account_id, limit)
        await engine.set_risk(account_id, limits=RiskLimits(max_order_notional=D(500)), state=None, reason=None,
                              source=StateSource.USER)
        state = engine.account(account_id)
        before = (state.cash, state.buying_power, dict(state.orders), engine.journal_position)
        with pytest.raises(RiskLimitExceeded, match="max_order_notional is 500"):
            await engine.place_order(account_id, market(OrderSide.BUY, "6"))
        assert (state.cash, state.buying_power, dict(state.orders), engine.journal_position) == before
        await engine.set_risk(account_id, limits=None, state=TradingState.HALTED, reason="kill switch",
                              source=StateSource.USER)
        with pytest.raises(TradingStateRefused, match=r"HALTED \(kill switch\)"):
            await engine.place_order(account_id, market(OrderSide.BUY, "1"))
        canceled = await engine.cancel_order(account_id, resting.terms.id)
        assert canceled.status == "canceled"
    finally:
        await engine.stop()


async def test_a_price_fall_past_the_daily_loss_limit_halts_and_flattens_at_that_tick() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(D(10_000))).account_id
        await set_price(engine, "AAPL", "100")
        await engine.place_order(account_id, market(OrderSide.BUY, "50"))
        await engine.close_session(engine.clock())  # the next session starts with this position
        state = engine.account(account_id)
        assert state.last_equity == D(10_000)
        limits = RiskLimits(daily_loss_limit=D(400), daily_loss_action=BreachAction.HALT_AND_FLATTEN)
        await engine.set_risk(account_id, limits=limits, state=None, reason=None, source=StateSource.USER)
        await set_price(engine, "AAPL", "95")  # a loss of 250: a warning at 80% comes only past 320
        assert state.risk.state is TradingState.ACTIVE and state.risk.warned == []
        await set_price(engine, "AAPL", "93")  # 350: warned
        assert state.risk.warned == ["daily_loss_limit"]
        await set_price(engine, "AAPL", "91.9")  # 405: breached
        assert state.risk.state is TradingState.HALTED and state.risk.source is StateSource.DAILY_LOSS
        await engine.quiesce()
        assert "AAPL" not in state.positions  # flattened past the halt
        with pytest.raises(TradingStateRefused):
            await engine.place_order(account_id, market(OrderSide.BUY, "1"))
        await engine.close_session(engine.clock())
        await engine.quiesce()
        assert state.risk.state is TradingState.ACTIVE  # until the next session only
    finally:
        await engine.stop()


async def test_a_flatten_cut_short_goes_on_when_the_engine_starts_again(tmp_path: Path) -> None:
    path = tmp_path / "tradeloop.db"
    limits = RiskLimits(daily_loss_limit=D(400), daily_loss_action=BreachAction.HALT_AND_FLATTEN)
    async with journal_on("sqlite", path) as journal:
        engine = make_engine(journal=journal)
        await engine.start()
        account_id = (await engine.open_account(D(10_000))).account_id
        await set_price(engine, "AAPL", "100")
        await engine.place_order(account_id, market(OrderSide.BUY, "50"))
        await engine.close_session(engine.clock())
        await engine.set_risk(account_id, limits=limits, state=None, reason=None, source=StateSource.USER)
        await engine.halt("AAPL", True)  # the close is refused, as a crash before it would leave the account
        await set_price(engine, "AAPL", "91.9")
        await engine.quiesce()
        assert engine.account(account_id).risk.state is TradingState.HALTED
        assert engine.account(account_id).positions["AAPL"].qty == 50
        await engine.stop(snapshot=False)
    async with restarted(path) as engine:  # AAPL trades again
        await set_price(engine, "AAPL", "92")
        await engine.quiesce()
        state = engine.account(account_id)
        assert "AAPL" not in state.positions and state.orders == {}
        assert state.risk.state is TradingState.HALTED
    on_disk = recover(path).accounts[account_id]
    assert "AAPL" not in on_disk.positions and on_disk.risk.state is TradingState.HALTED


async def test_drawdown_from_the_peak_sets_reducing_where_sells_still_pass() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(D(10_000))).account_id
        await set_price(engine, "AAPL", "100")
        await engine.place_order(account_id, market(OrderSide.BUY, "50"))
        await engine.set_risk(account_id, limits=RiskLimits(max_drawdown_percent=D(5)), state=None, reason=None,
                              source=StateSource.USER)
        state = engine.account(account_id)
        await set_price(engine, "AAPL", "120")  # a new peak
        peak = state.risk.peak_equity
        assert peak is not None and peak >= state.cash + 50 * D("119.9")
        await set_price(engine, "AAPL", "108")
        assert state.risk.state is TradingState.REDUCING and state.risk.source is StateSource.DRAWDOWN
        with pytest.raises(TradingStateRefused, match="REDUCING"):
            await engine.place_order(account_id, market(OrderSide.BUY, "1"))
        sold = await engine.place_order(account_id, market(OrderSide.SELL, "10"))
        assert sold.filled_qty == 10
    finally:
        await engine.stop()


async def test_limits_and_a_state_set_by_hand_survive_a_restart_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "tradeloop.db"
    limits = RiskLimits(max_open_orders=2, daily_loss_limit_percent=D("2.5"), max_drawdown_percent=D(10))
    async with journal_on("sqlite", path) as journal:
        engine = make_engine(journal=journal)
        await engine.start()
        account_id = (await engine.open_account(D(10_000))).account_id
        await engine.set_risk(account_id, limits=limits, state=TradingState.REDUCING, reason="cooling off",
                              source=StateSource.USER)
        await engine.stop(snapshot=False)  # as a kill -9 leaves it: no final snapshot
    recovered = recover(path).accounts[account_id]
    assert recovered.risk.limits == limits
    assert (recovered.risk.state, recovered.risk.reason) == (TradingState.REDUCING, "cooling off")
    assert recovered.risk.peak_equity == D(10_000)
    assert [n.kind for n in recovered.risk.notices] == ["limits_set", "state_changed"]
    assert recovered.positions == {} and recovered.cash - ZERO == D(10_000)


async def test_changes_of_some_limits_apply_in_the_actor_so_concurrent_changes_both_hold() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(D(10_000))).account_id
        first = RiskLimits(max_open_orders=3, max_order_notional=D(500))
        await engine.set_risk(account_id, limits=first, state=None, reason=None, source=StateSource.USER)
        await asyncio.gather(
            engine.set_risk(account_id, limits=LimitChanges({"max_open_orders": 5}), state=None, reason=None,
                            source=StateSource.USER),
            engine.set_risk(account_id, limits=LimitChanges({"max_drawdown_percent": D(10)}), state=None, reason=None,
                            source=StateSource.USER),
        )
        assert engine.account(account_id).risk.limits == RiskLimits(
            max_open_orders=5, max_order_notional=D(500), max_drawdown_percent=D(10)
        )
        await engine.set_risk(account_id, limits=LimitChanges({"max_order_notional": None}), state=None, reason=None,
                              source=StateSource.USER)
        assert engine.account(account_id).risk.limits.max_order_notional is None
        with pytest.raises(ValueError, match="max_loss"):
            LimitChanges({"max_loss": D(1)})
    finally:
        await engine.stop()


async def test_an_administrator_halts_every_account_at_once_in_one_audit_entry() -> None:
    journal = MemoryJournal()
    engine = make_engine(journal=journal)
    await engine.start()
    try:
        accounts = [(await engine.open_account(D(1_000))).account_id for _ in range(3)]
        await set_price(engine, "AAPL", "100")
        count = await administration.set_risk_everywhere(
            engine, limits=LimitChanges({"max_order_notional": D(100)}), state=TradingState.HALTED, reason="maintenance"
        )
        assert count == 3
        for account_id in accounts:
            risk = engine.account(account_id).risk
            assert (risk.state, risk.source, risk.reason) == (TradingState.HALTED, StateSource.ADMIN, "maintenance")
            assert risk.limits.max_order_notional == 100
            with pytest.raises(TradingStateRefused, match="maintenance"):
                await engine.place_order(account_id, market(OrderSide.BUY, "1"))
        entry = journal.audit_entries[-1]
        assert (entry.action, entry.target) == ("set_risk", "all accounts")
        assert entry.detail == {
            "accounts": "3", "max_order_notional": "100", "trading_state": "HALTED", "reason": "maintenance"
        }
        await administration.set_risk(engine, accounts[0], limits=None, state=TradingState.ACTIVE, reason=None)
        assert engine.account(accounts[0]).risk.state is TradingState.ACTIVE
        assert journal.audit_entries[-1].target == str(accounts[0])
    finally:
        await engine.stop()


@pytest.mark.parametrize("snapshot", [False, True])
async def test_the_orders_of_the_last_minute_still_count_after_a_restart(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "tradeloop.db"
    resting = OrderRequest(
        symbol="AAPL", side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.GTC, qty=D(1), limit_price=D(50)
    )
    async with journal_on("sqlite", path) as journal:
        engine = make_engine(journal=journal)
        await engine.start()
        account_id = (await engine.open_account(D(10_000))).account_id
        await set_price(engine, "AAPL", "100")
        await engine.set_risk(account_id, limits=RiskLimits(max_orders_per_minute=2), state=None, reason=None,
                              source=StateSource.USER)
        for _ in range(2):
            await engine.place_order(account_id, resting)
        await engine.stop(snapshot=snapshot)
    async with restarted(path) as engine:
        with pytest.raises(RiskLimitExceeded, match="the orders in the last minute with it would be 3"):
            await engine.place_order(account_id, resting)


async def test_a_preview_answers_and_changes_nothing() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(D(10_000))).account_id
        await set_price(engine, "AAPL", "100")
        await engine.set_risk(account_id, limits=RiskLimits(max_order_notional=D(1000)), state=None, reason=None,
                              source=StateSource.USER)
        position = engine.journal_position
        ok = await engine.preview_order(account_id, market(OrderSide.BUY, "5"))
        assert ok.accepted and ok.fills_now and ok.estimated_cost == D("500.00")
        assert ok.position_qty_after == 5 and ok.buying_power_after == D(10_000) - D(500)
        assert [(c.limit, c.headroom) for c in ok.checks] == [("max_order_notional", D("500.00"))]
        refused = await engine.preview_order(account_id, market(OrderSide.BUY, "20"))
        assert not refused.accepted and isinstance(refused.refusal, RiskLimitExceeded)
        assert engine.journal_position == position and engine.account(account_id).orders == {}
    finally:
        await engine.stop()


async def test_a_preview_refuses_what_placing_refuses_a_bad_bracket_and_a_stale_price() -> None:
    later = timedelta(0)
    engine = make_engine(stale_after_s=60.0, clock=lambda: utc_now() + later)
    await engine.start()
    try:
        account_id = (await engine.open_account(D(10_000))).account_id
        await set_price(engine, "AAPL", "100")
        bracket = OrderRequest(
            symbol="AAPL", side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.DAY, qty=D(5),
            order_class=OrderClass.BRACKET, take_profit=TakeProfit(limit_price=D(90)), stop_loss=StopLoss(stop_price=D(110)),
        )
        previewed = await engine.preview_order(account_id, bracket)
        assert not previewed.accepted and isinstance(previewed.refusal, InvalidOrderClass)
        with pytest.raises(InvalidOrderClass) as placing:
            await engine.place_order(account_id, bracket)
        assert placing.value.message == previewed.refusal.message
        good = replace(bracket, take_profit=TakeProfit(limit_price=D(110)), stop_loss=StopLoss(stop_price=D(90)))
        assert (await engine.preview_order(account_id, good)).accepted
        later = timedelta(minutes=5)  # no price for five minutes: a market order would fill at an old one
        stale = await engine.preview_order(account_id, market(OrderSide.BUY, "1"))
        assert not stale.accepted and isinstance(stale.refusal, StaleMarketData)
        assert engine.account(account_id).orders == {}
    finally:
        await engine.stop()
