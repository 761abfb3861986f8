"""The strategy host on a real engine: bars in, signals journaled, orders placed through the account as any order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from tests.actors.strategy_factories import HostedDesk
from tests.strategy_scripts import (
    CROSSING_UP,
    FALLING,
    FALLING_AFTER_ENTRY,
    SYMBOL,
    T0,
    crossover,
    minute_bar,
)
from tradeloop.core.bars import Bar, bar_ticks, parse_timeframe
from tradeloop.core.orders import OrderClass, OrderSide, OrderStatus
from tradeloop.core.strategies import (
    ActivateStrategy,
    CreateStrategy,
    DeactivateStrategy,
    ReviseStrategy,
    Signal,
)
from tradeloop.errors import InsufficientBuyingPower, TradingHalted
from tradeloop.journal import SignalQuery
from tradeloop.strategy.definition import canonical_json, parse_definition


class Desk(HostedDesk):
    """A desk whose bars trade through the markets 45 seconds into their minute, then complete."""

    async def post(self, close: str, *, bar: Bar | None = None) -> Bar:
        """The next minute's bar traded through the markets, stored, then completed: evaluated before return."""
        bar = bar or minute_bar(self.minute, close)
        self.minute += 1
        self.clock.now = bar.timestamp + timedelta(seconds=45)
        for tick in bar_ticks(bar):
            await self.engine.ingest(tick)
        await self.engine.quiesce()
        self.source.add(bar)
        self.clock.now = bar.timestamp + timedelta(minutes=1)
        self.host.bar_completed(bar)
        await self.host.idle()
        await self.engine.quiesce()
        return bar

    async def store(self, *closes: str) -> None:
        """Minutes that happened before the host was told of any (what a warm-up reads)."""
        for close in closes:
            bar = minute_bar(self.minute, close)
            self.minute += 1
            self.source.add(bar)
            self.clock.now = bar.timestamp + timedelta(minutes=1)

    async def create(self, definition: dict[str, Any], *, active: bool = True) -> UUID:
        text = canonical_json(parse_definition(definition))
        strategy = await self.engine.change_strategy(self.account_id, CreateStrategy(name=definition["name"], definition=text))
        if active:
            await self.engine.change_strategy(self.account_id, ActivateStrategy(strategy_id=strategy.id))
        await self.host.idle()
        return strategy.id

    async def signals(self, strategy_id: UUID) -> list[Signal]:
        return await self.engine.signals(SignalQuery(account_id=self.account_id, strategy_id=strategy_id))

    def position(self) -> Decimal:
        held = self.engine.account(self.account_id).positions.get(SYMBOL)
        return held.qty if held is not None else Decimal(0)


@pytest.fixture
async def desk() -> AsyncIterator[Desk]:
    opened = await Desk.open()
    yield opened
    await opened.close()


async def test_a_crossover_places_a_bracket_order_that_fills_and_journals_the_signal_with_its_values(desk: Desk) -> None:
    strategy_id = await desk.create(crossover())
    for close in FALLING:
        await desk.post(close)
    assert await desk.signals(strategy_id) == []
    crossing = await desk.post(CROSSING_UP)

    [signal] = await desk.signals(strategy_id)
    assert (signal.rule, signal.side, signal.bar_time, signal.version) == ("entry", OrderSide.BUY, crossing.timestamp, 1)
    values = dict(signal.values)
    assert (values["fast"], values["slow"]) == ("97.5", "97.0")
    assert signal.refusal is None and signal.order_id is not None
    order = await desk.engine.order(desk.account_id, signal.order_id)
    assert order.status is OrderStatus.FILLED and order.filled_avg_price == Decimal("100")
    assert order.terms.order_class is OrderClass.BRACKET
    assert (order.terms.strategy_id, order.terms.client_order_id) == (strategy_id, signal.client_order_id)
    legs = await desk.engine.legs(desk.account_id, order) or []
    assert sorted(leg.terms.limit_price or leg.terms.stop_price or Decimal(0) for leg in legs) == [Decimal("90"), Decimal("110")]
    assert all(leg.is_open and leg.terms.strategy_id == strategy_id for leg in legs)
    assert desk.position() == Decimal(10)


async def test_an_exit_cancels_the_brackets_legs_then_sells(desk: Desk) -> None:
    strategy_id = await desk.create(crossover())
    for close in (*FALLING, CROSSING_UP, *FALLING_AFTER_ENTRY):
        await desk.post(close)

    entry, exit_ = await desk.signals(strategy_id)
    assert (entry.rule, exit_.rule) == ("entry", "exit")
    assert exit_.order_id is not None and exit_.refusal is None
    sale = await desk.engine.order(desk.account_id, exit_.order_id)
    assert (sale.terms.side, sale.status, sale.filled_qty) == (OrderSide.SELL, OrderStatus.FILLED, Decimal(10))
    assert sale.terms.strategy_id == strategy_id
    assert entry.order_id is not None
    legs = await desk.engine.legs(desk.account_id, await desk.engine.order(desk.account_id, entry.order_id)) or []
    assert legs and all(leg.status is OrderStatus.CANCELED for leg in legs)
    assert desk.position() == Decimal(0)
    assert desk.engine.account(desk.account_id).orders == {}


async def test_a_halt_refuses_the_entry_and_the_refusal_is_journaled(desk: Desk) -> None:
    strategy_id = await desk.create(crossover())
    for close in FALLING:
        await desk.post(close)
    await desk.engine.halt(SYMBOL, True)
    await desk.post(CROSSING_UP)

    [signal] = await desk.signals(strategy_id)
    assert signal.order_id is None
    assert signal.refusal is not None and signal.refusal_code == TradingHalted.code
    assert desk.position() == Decimal(0)


async def test_no_buying_power_refuses_the_entry_and_the_refusal_is_journaled() -> None:
    desk = await Desk.open(cash="500")
    try:
        strategy_id = await desk.create(crossover())
        for close in (*FALLING, CROSSING_UP):
            await desk.post(close)
        [signal] = await desk.signals(strategy_id)
        assert signal.order_id is None and signal.refusal_code == InsufficientBuyingPower.code
        assert "buying power" in (signal.refusal or "")
    finally:
        await desk.close()


async def test_a_warm_up_from_stored_bars_lets_the_first_live_bar_act(desk: Desk) -> None:
    await desk.store(*FALLING)  # before the strategy is active: only the store holds them
    strategy_id = await desk.create(crossover())
    crossing = await desk.post(CROSSING_UP)

    [signal] = await desk.signals(strategy_id)
    assert signal.bar_time == crossing.timestamp and signal.order_id is not None
    assert desk.position() == Decimal(10)


async def test_a_revision_switches_at_the_next_bar_rebuilt_from_stored_bars(desk: Desk) -> None:
    strategy_id = await desk.create(crossover(qty="10"))
    for close in FALLING:
        await desk.post(close)
    revised = canonical_json(parse_definition(crossover(qty="3")))
    await desk.engine.change_strategy(desk.account_id, ReviseStrategy(strategy_id=strategy_id, definition=revised))
    await desk.host.idle()
    assert [run[2] for run in desk.host.runs()] == [2]
    await desk.post(CROSSING_UP)

    [signal] = await desk.signals(strategy_id)
    assert signal.version == 2 and signal.order_id is not None
    order = await desk.engine.order(desk.account_id, signal.order_id)
    assert order.filled_qty == Decimal(3)
    assert desk.position() == Decimal(3)


async def test_a_deactivated_strategy_no_longer_acts(desk: Desk) -> None:
    strategy_id = await desk.create(crossover())
    for close in FALLING:
        await desk.post(close)
    await desk.engine.change_strategy(desk.account_id, DeactivateStrategy(strategy_id=strategy_id))
    await desk.host.idle()
    await desk.post(CROSSING_UP)
    assert await desk.signals(strategy_id) == []
    assert desk.host.runs() == []


async def test_a_coarser_timeframe_acts_on_its_bars_built_from_minutes(desk: Desk) -> None:
    definition = {**crossover(), "timeframe": "5Min"}
    strategy_id = await desk.create(definition)
    five = parse_timeframe("5Min")
    for close in (*FALLING, CROSSING_UP):  # each close held for a whole five minutes
        for _ in range(5):
            await desk.post(close, bar=minute_bar(desk.minute, close))
    [signal] = await desk.signals(strategy_id)
    assert signal.bar_time == five.bucket_start(T0 + timedelta(minutes=30))
    assert dict(signal.values)["fast"] == "97.5"


async def test_held_orders_wait_for_release() -> None:
    desk = await Desk.open()
    await desk.restart_host(hold_orders=True)
    try:
        strategy_id = await desk.create(crossover())
        for close in (*FALLING, CROSSING_UP):
            await desk.post(close)
        assert await desk.signals(strategy_id) == [] and desk.position() == Decimal(0)
        await desk.host.release()
        await desk.engine.quiesce()
        [signal] = await desk.signals(strategy_id)
        assert signal.order_id is not None and desk.position() == Decimal(10)
    finally:
        await desk.close()


async def test_a_waiting_limit_entry_is_not_placed_again_while_its_rule_keeps_firing(desk: Desk) -> None:
    definition = crossover()
    definition["entry"] = {"side": "buy", "when": {"all": [{"op": ">", "left": "close", "right": "0"}]}}
    definition["orders"] = {"type": "limit", "time_in_force": "day", "offset_percent": "5"}
    strategy_id = await desk.create(definition)
    for close in FALLING:  # the rule fires on every bar once warm; the limit 5% under the close never fills
        await desk.post(close)

    placed = [signal for signal in await desk.signals(strategy_id) if signal.order_id is not None]
    assert len(placed) == 1
    orders = desk.engine.account(desk.account_id).orders.values()
    entries = [o for o in orders if o.terms.strategy_id == strategy_id and o.terms.parent_id is None]
    assert [o.terms.id for o in entries] == [placed[0].order_id]  # its bracket's legs wait with it
