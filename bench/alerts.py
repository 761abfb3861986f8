"""Alerts: what waiting price alerts add to a tick, with 0, 10,000 and 100,000 alerts on the ticked symbol.

Three engines hold the same 100 accounts; in two of them the accounts also hold
10,000 and 100,000 price alerts on the ticked symbol (half `crosses_above` levels
from 200, half `crosses_below` levels from 50, the price near 100), none of which
the ticks (within 8 cents of 100) reach. The market actor looks only at the tops
of its symbol's trigger heaps (`actors.alert_watch`), so a tick should cost what
it costs with no alert, however many wait. The engines are fed the same tape in
interleaved rounds; a journal write during a round (an alert firing) stops the run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Final
from uuid import uuid4

from bench.drive import median
from bench.report import Row, Verdict, micros, progress, rate, times, verdict
from bench.ticks import seconds_per_quiet_tick, tick_tape
from tradeloop.actors.engine import Engine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.alerts import MAX_ACTIVE_ALERTS, AlertCondition, AlertKind, AlertTerms, CreateAlert
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Quote, Trade

NAME: Final = "alerts"
TARGET: Final = 1.5
"""Cost per tick with the most alerts waiting, against none."""
SYMBOL: Final = "AAPL"
PRICE: Final = Decimal("100")
ACCOUNTS: Final = 100


@dataclass(frozen=True, slots=True)
class Sizes:
    alerts: tuple[int, ...]
    ticks: int
    rounds: int


FULL: Final = Sizes(alerts=(0, 10_000, 100_000), ticks=20_000, rounds=5)
QUICK: Final = Sizes(alerts=(0, 200), ticks=300, rounds=1)


def _terms(number: int) -> AlertTerms:
    """The number-th alert: levels far above or far below the price, spread over a hundred prices each."""
    if number % 2:
        return AlertTerms(
            kind=AlertKind.PRICE, symbol=SYMBOL, condition=AlertCondition.CROSSES_BELOW, price=Decimal(50 - number % 40)
        )
    return AlertTerms(
        kind=AlertKind.PRICE, symbol=SYMBOL, condition=AlertCondition.CROSSES_ABOVE, price=Decimal(200 + number % 100)
    )


async def _engine(alerts: int) -> Engine:
    """A started engine with ACCOUNTS accounts sharing `alerts` price alerts on SYMBOL, priced at PRICE."""
    if alerts > ACCOUNTS * MAX_ACTIVE_ALERTS:
        raise ValueError(f"at most {ACCOUNTS * MAX_ACTIVE_ALERTS:,} alerts over {ACCOUNTS} accounts")
    engine = Engine(assets=UNIVERSE, journal=MemoryJournal())
    await engine.start()
    now = datetime.now(timezone.utc)
    await engine.ingest(Quote(symbol=SYMBOL, bid=PRICE, ask=PRICE, bid_size=None, ask_size=None, timestamp=now))
    await engine.ingest(Trade(symbol=SYMBOL, price=PRICE, size=None, timestamp=now))
    await engine.quiesce()
    accounts = [(await engine.open_account(Decimal(10_000))).account_id for _ in range(ACCOUNTS)]
    for number in range(alerts):
        await engine.change_alert(accounts[number % ACCOUNTS], CreateAlert(alert_id=uuid4(), terms=_terms(number)))
        if number % 20_000 == 19_999:
            progress(f"alerts: {number + 1:,} alerts made")
    await engine.quiesce()
    if len(engine.alert_watch) != alerts:
        raise RuntimeError(f"{len(engine.alert_watch):,} alerts watched, {alerts:,} made")
    return engine


async def _measure(sizes: Sizes) -> dict[int, float]:
    engines: dict[int, Engine] = {}
    costs: dict[int, list[float]] = {count: [] for count in sizes.alerts}
    try:
        for count in sizes.alerts:
            progress(f"alerts: an engine with {count:,} alerts")
            engines[count] = await _engine(count)
        for round_ in range(1, sizes.rounds + 1):
            tape = tick_tape(sizes.ticks, datetime.now(timezone.utc) + timedelta(seconds=1))
            for count, engine in engines.items():  # interleaved, so drift on a noisy machine hits all alike
                progress(f"alerts: round {round_}/{sizes.rounds}: {sizes.ticks:,} ticks, {count:,} alerts")
                quiet = "a tick of the tape fired an alert: the ticks must stay clear of every level"
                costs[count].append(await seconds_per_quiet_tick(engine, tape, quiet))
    finally:
        for engine in engines.values():
            await engine.stop(snapshot=False)
    return {count: median(each) for count, each in costs.items()}


def run(quick: bool) -> list[Row]:
    sizes = QUICK if quick else FULL
    costs = asyncio.run(_measure(sizes))
    none = costs[0]
    most = max(sizes.alerts)
    rows: list[Row] = []
    for count, cost in costs.items():
        if count == 0:
            rows.append(Row(benchmark=NAME, case="no alerts", result=f"{rate(1 / cost, 'ticks/s')}, {micros(cost)}/tick"))
            continue
        ratio = cost / none
        rows.append(
            Row(
                benchmark=NAME,
                case=f"{count:,} price alerts that do not fire",
                result=f"{rate(1 / cost, 'ticks/s')}, {micros(cost)}/tick",
                baseline=f"{micros(none)}/tick with none",
                ratio=f"{times(ratio)} cost",
                target=f"<= {times(TARGET)}" if count == most else "",
                verdict=verdict(ratio <= TARGET) if count == most else Verdict.INFO,
            )
        )
    return rows
