"""Account configurations in the actors: journaled on the account, enforced on orders, recovered after a restart."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import journal_on, make_engine, set_price
from tradeloop.actors.configuration import configure_account
from tradeloop.core.configurations import AccountConfig, ConfigChanges, DayTradeCheck
from tradeloop.core.orders import OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeloop.errors import InvalidField, TradingSuspended
from tradeloop.snapshots.recovery import recover

D = Decimal


def limit_buy(qty: str) -> OrderRequest:
    return OrderRequest(
        symbol="AAPL", side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.GTC, qty=D(qty),
        limit_price=D(1),
    )


async def test_suspended_trading_refuses_new_orders_but_cancels_pass() -> None:
    engine = make_engine()
    await engine.start()
    try:
        await set_price(engine, "AAPL", "150")
        account_id = (await engine.open_account(D(10_000))).account_id
        resting = await engine.place_order(account_id, limit_buy("1"))
        await configure_account(engine, account_id, ConfigChanges(suspend_trade=True))
        with pytest.raises(TradingSuspended):
            await engine.place_order(account_id, limit_buy("1"))
        assert len(engine.account(account_id).orders) == 1
        canceled = await engine.cancel_order(account_id, resting.terms.id)
        assert canceled.status is OrderStatus.CANCELED
        await configure_account(engine, account_id, ConfigChanges(suspend_trade=False))
        await engine.place_order(account_id, limit_buy("1"))
    finally:
        await engine.stop()


async def test_fractional_trading_off_refuses_a_fractional_qty() -> None:
    engine = make_engine()
    await engine.start()
    try:
        await set_price(engine, "AAPL", "150")
        account_id = (await engine.open_account(D(10_000))).account_id
        await configure_account(engine, account_id, ConfigChanges(fractional_trading=False))
        with pytest.raises(InvalidField, match="qty"):
            await engine.place_order(account_id, limit_buy("0.5"))
        await engine.place_order(account_id, limit_buy("2"))
    finally:
        await engine.stop()


async def test_a_refused_change_changes_nothing() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(D(10_000))).account_id
        with pytest.raises(InvalidField, match="no_shorting"):
            await configure_account(engine, account_id, ConfigChanges(no_shorting=False, suspend_trade=True))
        assert engine.account(account_id).config == AccountConfig()
    finally:
        await engine.stop()


async def test_concurrent_changes_of_different_fields_both_hold() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(D(10_000))).account_id
        await asyncio.gather(
            configure_account(engine, account_id, ConfigChanges(suspend_trade=True)),
            configure_account(engine, account_id, ConfigChanges(pdt_check=DayTradeCheck.BOTH)),
        )
        assert engine.account(account_id).config == AccountConfig(suspend_trade=True, pdt_check=DayTradeCheck.BOTH)
    finally:
        await engine.stop()


@pytest.mark.parametrize("snapshot", [False, True], ids=["journal only", "final snapshot"])
async def test_the_configuration_survives_a_restart_on_sqlite(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "tradeloop.db"
    async with journal_on("sqlite", path) as journal:
        engine = make_engine(journal=journal)
        await engine.start()
        account_id = (await engine.open_account(D(10_000))).account_id
        await configure_account(engine, account_id, ConfigChanges(suspend_trade=True, fractional_trading=False))
        await configure_account(engine, account_id, ConfigChanges(pdt_check=DayTradeCheck.EXIT))
        await engine.stop(snapshot=snapshot)  # without a final snapshot, as a kill -9 leaves it
    recovered = recover(path).accounts[account_id]
    assert recovered.config == AccountConfig(
        suspend_trade=True, fractional_trading=False, pdt_check=DayTradeCheck.EXIT
    )
