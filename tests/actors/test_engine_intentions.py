"""The engine's intentions: halts stored with the journal and told once, listeners by subscriptions that close, nothing swapped."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import msgpack
import pytest

from tests.actors.factories import limit_buy
from tests.actors.strategy_factories import stored_engine
from tests.factories import make_engine, set_price
from tradeloop.actors.account import Committed
from tradeloop.actors.engine import HALTED_META, stored_halts
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.marketdata import HaltChanged, Tick
from tradeloop.errors import NotFound, TradingHalted


async def test_a_halt_is_stored_with_the_journal_and_told_once_when_it_begins_and_ends() -> None:
    journal = MemoryJournal()
    engine = make_engine(journal=journal)
    told: list[HaltChanged] = []
    engine.subscribe_halts(told.append)
    await engine.halt("MSFT", True)
    await engine.halt("AAPL", True)
    await engine.halt("AAPL", True)  # repeated: stored again, told no one
    assert engine.is_halted("AAPL") and engine.halted_symbols() == ["AAPL", "MSFT"]
    assert msgpack.unpackb(journal.meta[HALTED_META]) == {"AAPL": "", "MSFT": ""}
    await engine.halt("AAPL", False)
    assert not engine.is_halted("AAPL") and stored_halts(journal.meta[HALTED_META]) == {"MSFT": ""}
    assert [(change.symbol, change.halted) for change in told] == [("MSFT", True), ("AAPL", True), ("AAPL", False)]


async def test_halting_an_unlisted_symbol_is_not_found_and_stores_nothing() -> None:
    journal = MemoryJournal()
    engine = make_engine(journal=journal)
    with pytest.raises(NotFound):
        await engine.halt("NOPE", True)
    assert engine.halted_symbols() == [] and HALTED_META not in journal.meta


async def test_an_engine_built_with_recovered_halts_refuses_orders_in_them() -> None:
    engine = make_engine(halted=stored_halts(msgpack.packb(["AAPL"])))
    await engine.start()
    try:
        account_id = (await engine.open_account(Decimal(10_000))).account_id
        await set_price(engine, "AAPL", "100")
        assert engine.halted_symbols() == ["AAPL"]
        with pytest.raises(TradingHalted):
            await engine.place_order(account_id, limit_buy("90"))
    finally:
        await engine.stop()


async def test_a_halts_reason_is_stored_and_recovered_after_a_restart(tmp_path: Path) -> None:
    async with stored_engine(tmp_path) as engine:
        account_id = (await engine.open_account(Decimal(10_000))).account_id
        await engine.halt("AAPL", True, "pending news")
        await engine.halt("MSFT", True)
        await engine.stop()
    async with stored_engine(tmp_path) as engine:
        await set_price(engine, "AAPL", "100")
        await set_price(engine, "MSFT", "100")
        with pytest.raises(TradingHalted, match="^trading in AAPL is halted: pending news$"):
            await engine.place_order(account_id, limit_buy("90"))
        with pytest.raises(TradingHalted, match="^trading in MSFT is halted$"):
            await engine.place_order(account_id, replace(limit_buy("90"), symbol="MSFT"))


async def test_a_closed_subscription_is_told_nothing_more_and_closing_twice_is_harmless() -> None:
    engine = make_engine()
    await engine.start()
    try:
        ticks: list[Tick] = []
        writes: list[Committed] = []
        tick_subscription = engine.subscribe_ticks(ticks.append)
        write_subscription = engine.subscribe_events(writes.append)
        account_id = (await engine.open_account(Decimal(10_000))).account_id
        await set_price(engine, "AAPL", "100")
        await engine.adjust_cash(account_id, Decimal(5), "deposit")
        assert len(ticks) == 2 and len(writes) == 1
        tick_subscription.close()
        write_subscription.close()
        write_subscription.close()
        await set_price(engine, "AAPL", "101")
        await engine.adjust_cash(account_id, Decimal(5), "deposit")
        assert len(ticks) == 2 and len(writes) == 1
    finally:
        await engine.stop()


@pytest.mark.parametrize("name", ["journal", "board", "clock", "assets", "started", "journal_trouble"])
def test_what_the_engine_holds_is_given_when_it_is_built_and_cannot_be_swapped_after(name: str) -> None:
    engine = make_engine()
    with pytest.raises(AttributeError):
        setattr(engine, name, getattr(engine, name))


def test_price_staleness_is_fixed_when_the_engine_is_built() -> None:
    engine = make_engine(stale_after_s=60.0)
    assert engine.board.stale_after_s == 60.0
    with pytest.raises(AttributeError):
        engine.board.stale_after_s = None  # type: ignore[misc]
