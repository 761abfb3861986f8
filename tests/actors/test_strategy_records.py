"""Strategies through a real engine: journaled on the account, so restarts (with or without a snapshot) keep them,
their versions, their signals and the strategy id on their orders."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from tests.actors.strategy_factories import BAR0, DEFINITION, REVISED, make_signal, stored_engine
from tests.factories import journal_on, make_engine, set_price
from tradeloop.actors.engine import Engine
from tradeloop.core.orders import OrderRequest, OrderSide, OrderStatus, OrderType, ReplaceRequest, TimeInForce
from tradeloop.core.strategies import (
    ActivateStrategy,
    CreateStrategy,
    DeactivateStrategy,
    DeleteStrategy,
    ReviseStrategy,
    Signal,
    StrategySignalled,
    StrategyStatus,
)
from tradeloop.errors import InvalidField, NotFound
from tradeloop.journal import SignalQuery
from tradeloop.storage import DATABASE_FILE


async def _make_strategies(engine: Engine, account_id: UUID) -> tuple[UUID, UUID, UUID]:
    """One revised and active, one deactivated, one deleted."""
    revised = await engine.change_strategy(account_id, CreateStrategy(name="sma", definition=DEFINITION))
    await engine.change_strategy(account_id, ReviseStrategy(strategy_id=revised.id, definition=REVISED))
    await engine.change_strategy(account_id, ReviseStrategy(strategy_id=revised.id, name="sma", definition=REVISED))
    await engine.change_strategy(account_id, ActivateStrategy(strategy_id=revised.id))
    paused = await engine.change_strategy(account_id, CreateStrategy(name="paused", definition=DEFINITION))
    await engine.change_strategy(account_id, ActivateStrategy(strategy_id=paused.id))
    await engine.change_strategy(account_id, DeactivateStrategy(strategy_id=paused.id, reason="by the owner"))
    deleted = await engine.change_strategy(account_id, CreateStrategy(name="gone", definition=DEFINITION))
    await engine.change_strategy(account_id, DeleteStrategy(strategy_id=deleted.id))
    return revised.id, paused.id, deleted.id


async def test_a_change_answers_the_strategy_as_it_left_it() -> None:
    engine = make_engine()
    await engine.start()
    try:
        account_id = (await engine.open_account(Decimal(1000))).account_id
        created = await engine.change_strategy(account_id, CreateStrategy(name="sma", definition=DEFINITION))
        assert (created.version, created.status, created.current.definition) == (1, StrategyStatus.INACTIVE, DEFINITION)
        revised = await engine.change_strategy(account_id, ReviseStrategy(strategy_id=created.id, definition=REVISED))
        active = await engine.change_strategy(account_id, ActivateStrategy(strategy_id=created.id))
        again = await engine.change_strategy(account_id, ActivateStrategy(strategy_id=created.id))
        assert (created.version, revised.version, revised.status) == (1, 2, StrategyStatus.INACTIVE)
        assert active.status is again.status is StrategyStatus.ACTIVE
        assert again.updated_at == active.updated_at  # activating an active one changed nothing
        assert engine.strategies(account_id) == [active]
        assert engine.strategy(account_id, created.id) == active
    finally:
        await engine.stop()


async def test_another_accounts_strategy_is_not_found() -> None:
    engine = make_engine()
    await engine.start()
    try:
        owner = (await engine.open_account(Decimal(1000))).account_id
        other = (await engine.open_account(Decimal(1000))).account_id
        strategy = await engine.change_strategy(owner, CreateStrategy(name="sma", definition=DEFINITION))
        with pytest.raises(NotFound):
            engine.strategy(other, strategy.id)
        with pytest.raises(NotFound):
            await engine.change_strategy(other, ActivateStrategy(strategy_id=strategy.id))
        assert engine.strategies(other) == []
        assert engine.strategy(owner, strategy.id).status is StrategyStatus.INACTIVE
    finally:
        await engine.stop()


@pytest.mark.parametrize("snapshot", [False, True], ids=["journal only", "snapshot and compaction"])
async def test_strategies_and_their_versions_survive_a_restart(tmp_path: Path, snapshot: bool) -> None:
    async with stored_engine(tmp_path) as engine:
        account_id = (await engine.open_account(Decimal(1000))).account_id
        revised, paused, deleted = await _make_strategies(engine, account_id)
        before = engine.strategies(account_id)
        signal = make_signal(revised)
        await engine.record(account_id, [StrategySignalled(signal=signal)])
        await engine.stop(snapshot=snapshot)  # without a final snapshot, as a kill -9 leaves it
    if snapshot:  # the snapshot covers every record: compaction left none, so the state comes from the snapshot
        with sqlite3.connect(tmp_path / DATABASE_FILE) as db:
            assert db.execute("SELECT COUNT(*) FROM journal").fetchone() == (0,)
    async with stored_engine(tmp_path) as engine:
        assert engine.strategies(account_id) == before
        assert [(s.id, s.version, s.status) for s in before] == [
            (revised, 2, StrategyStatus.ACTIVE),
            (paused, 1, StrategyStatus.INACTIVE),
            (deleted, 1, StrategyStatus.DELETED),
        ]
        assert [v.definition for v in engine.strategy(account_id, revised).versions] == [DEFINITION, REVISED]
        assert await engine.signals(SignalQuery(account_id=account_id, strategy_id=revised)) == [signal]
        # Changes go on from where they were: the next version, and a deleted strategy stays deleted.
        third = await engine.change_strategy(account_id, ReviseStrategy(strategy_id=revised, name="third"))
        assert (third.version, third.name, third.status) == (3, "third", StrategyStatus.ACTIVE)
        with pytest.raises(NotFound):
            await engine.change_strategy(account_id, ActivateStrategy(strategy_id=deleted))
        await engine.stop(snapshot=snapshot)
    async with stored_engine(tmp_path) as engine:
        assert engine.strategy(account_id, revised) == third


def _ids(signals: list[Signal]) -> list[UUID]:
    return [signal.id for signal in signals]


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_signals_are_listed_with_filters_and_pages(tmp_path: Path, kind: str) -> None:
    """The same listing from both stores; the SQLite one after a restart, from the signals table after compaction."""
    async with contextlib.AsyncExitStack() as stack:
        if kind == "memory":
            engine = make_engine(journal=await stack.enter_async_context(journal_on("memory", tmp_path)))
            await engine.start()
            stack.push_async_callback(engine.stop)
        else:
            engine = await stack.enter_async_context(stored_engine(tmp_path))
        account_id = (await engine.open_account(Decimal(1000))).account_id
        other_account = (await engine.open_account(Decimal(1000))).account_id
        strategy = (await engine.change_strategy(account_id, CreateStrategy(name="a", definition=DEFINITION))).id
        second = (await engine.change_strategy(account_id, CreateStrategy(name="b", definition=DEFINITION))).id
        made = [make_signal(strategy, symbol=symbol, bar=bar) for bar in range(4) for symbol in ("AAPL", "MSFT")]
        for signal in reversed(made):  # recorded out of order: listings sort by bar time, then id
            await engine.record(account_id, [StrategySignalled(signal=signal)])
        await engine.record(account_id, [StrategySignalled(signal=make_signal(second, bar=1))])
        await engine.record(other_account, [StrategySignalled(signal=make_signal(strategy, bar=1))])
        if kind == "memory":
            await _check_listings(engine, account_id, strategy, made)
            return
        await engine.stop()  # a final snapshot, and the journal compacted
    with sqlite3.connect(tmp_path / DATABASE_FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM journal").fetchone() == (0,)
    async with stored_engine(tmp_path) as engine:
        await _check_listings(engine, account_id, strategy, made)


async def _check_listings(engine: Engine, account_id: UUID, strategy: UUID, made: list[Signal]) -> None:
    in_order = sorted(made, key=lambda s: (s.bar_time, s.id))
    query = SignalQuery(account_id=account_id, strategy_id=strategy)
    assert _ids(await engine.signals(query)) == _ids(in_order)
    assert await engine.signals(query) == in_order  # every field, the values read included

    pages: list[UUID] = []
    token = None
    while True:
        page = await engine.signals(replace(query, limit=3, page_token=token))
        pages += _ids(page)
        if len(page) < 3:
            break
        token = page[-1].id
    assert pages == _ids(in_order)

    newest = await engine.signals(replace(query, direction="desc", limit=3))
    assert _ids(newest) == _ids(in_order[::-1][:3])
    after_newest = await engine.signals(replace(query, direction="desc", limit=3, page_token=newest[-1].id))
    assert _ids(after_newest) == _ids(in_order[::-1][3:6])

    msft = await engine.signals(replace(query, symbols=frozenset({"MSFT"})))
    assert _ids(msft) == [s.id for s in in_order if s.symbol == "MSFT"]
    bar = BAR0.replace(minute=35)  # the second bar: after it (exclusive), until the third (inclusive)
    window = await engine.signals(replace(query, after=bar, until=bar.replace(minute=40)))
    assert _ids(window) == [s.id for s in in_order if s.bar_time == bar.replace(minute=40)]
    assert len(window) == 2

    every_strategy = await engine.signals(SignalQuery(account_id=account_id))
    assert len(every_strategy) == len(made) + 1
    assert await engine.signals(SignalQuery(account_id=uuid4(), strategy_id=strategy)) == []
    with pytest.raises(InvalidField) as bad_token:
        await engine.signals(replace(query, page_token=uuid4()))
    assert bad_token.value.field == "page_token"


def _strategy_limit_buy(strategy_id: UUID, price: str) -> OrderRequest:
    return OrderRequest(
        symbol="AAPL", side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.GTC,
        qty=Decimal(1), limit_price=Decimal(price), strategy_id=strategy_id,
    )  # fmt: skip


@pytest.mark.parametrize("snapshot", [False, True], ids=["journal only", "snapshot and compaction"])
async def test_the_strategy_id_on_orders_survives_a_restart_and_a_replacement(tmp_path: Path, snapshot: bool) -> None:
    async with stored_engine(tmp_path) as engine:
        await set_price(engine, "AAPL", "100")
        account_id = (await engine.open_account(Decimal(100_000))).account_id
        strategy_id = (await engine.change_strategy(account_id, CreateStrategy(name="s", definition=DEFINITION))).id
        filled = await engine.place_order(account_id, _strategy_limit_buy(strategy_id, "101"))
        resting = await engine.place_order(account_id, _strategy_limit_buy(strategy_id, "90"))
        replacement = await engine.replace_order(account_id, resting.terms.id, ReplaceRequest(limit_price=Decimal(91)))
        by_hand = await engine.place_order(account_id, replace(_strategy_limit_buy(strategy_id, "80"), strategy_id=None))
        assert replacement.terms.strategy_id == strategy_id
        await engine.stop(snapshot=snapshot)
    async with stored_engine(tmp_path) as engine:
        found = {o.terms.id: o for o in [await engine.order(account_id, o.terms.id) for o in (filled, resting, replacement)]}
        assert [found[o.terms.id].status for o in (filled, resting, replacement)] == [
            OrderStatus.FILLED, OrderStatus.REPLACED, OrderStatus.NEW,
        ]  # fmt: skip
        assert {order.terms.strategy_id for order in found.values()} == {strategy_id}
        assert engine.account(account_id).orders[replacement.terms.id].terms.strategy_id == strategy_id
        assert (await engine.order(account_id, by_hand.terms.id)).terms.strategy_id is None
