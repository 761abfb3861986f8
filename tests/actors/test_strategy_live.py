"""Strategies in the live engine: a quiet symbol's minute is evaluated once the clock is past its end."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from tests.actors.factories import SimulatedClock
from tests.strategy_scripts import CROSSING_UP, FALLING, SYMBOL, T0, crossover, minute_bar
from tradeloop.actors.engine import Engine
from tradeloop.actors.live import LiveEngine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Trade
from tradeloop.core.strategies import ActivateStrategy, CreateStrategy
from tradeloop.journal import SignalQuery
from tradeloop.market.history import MarketHistory
from tradeloop.strategy.definition import canonical_json, parse_definition


async def test_a_quiet_minute_is_evaluated_once_the_minute_clock_passes_its_end() -> None:
    clock = SimulatedClock(T0)
    engine = Engine(assets=UNIVERSE, journal=MemoryJournal(), clock=clock)
    history = MarketHistory()
    engine.subscribe_ticks(history.record)
    live = LiveEngine(engine)
    host = live.run_strategies(history, every_s=0.005)
    for minute, close in enumerate(FALLING):
        history.complete_minute(minute_bar(minute, close))
    clock.now = T0 + timedelta(minutes=len(FALLING))
    await live.start()
    try:
        account_id = (await engine.open_account(Decimal(100_000))).account_id
        text = canonical_json(parse_definition(crossover()))
        strategy = await engine.change_strategy(account_id, CreateStrategy(name="sma", definition=text))
        await engine.change_strategy(account_id, ActivateStrategy(strategy_id=strategy.id))
        await host.idle()
        moment = T0 + timedelta(minutes=len(FALLING), seconds=10)
        await engine.ingest(Trade(symbol=SYMBOL, price=Decimal(CROSSING_UP), size=Decimal(100), timestamp=moment))
        await engine.quiesce()
        query = SignalQuery(account_id=account_id, strategy_id=strategy.id)
        clock.now = moment + timedelta(seconds=45)  # the minute has ended, but not 2 s ago: still open to late trades
        await asyncio.sleep(0.05)
        await host.idle()
        assert await engine.signals(query) == []
        clock.now = moment + timedelta(seconds=55)  # 5 s past its end: no later trade came, the clock completes it
        for _ in range(100):
            await asyncio.sleep(0.01)
            await host.idle()
            if await engine.signals(query):
                break
        [signal] = await engine.signals(query)
        assert signal.bar_time == T0 + timedelta(minutes=len(FALLING)) and signal.order_id is not None
        assert "minute-clock" in live.task_names
    finally:
        await live.stop()
    assert "minute-clock" not in live.task_names
