"""Risk: what watching accounts' loss limits adds to a tick, with 10,000 accounts holding positions.

Two engines hold the same 10,000 accounts, each with a position in the ticked
symbol; in one of them every account also has a daily loss limit and a
drawdown limit, so a price move could breach them. An account registers the
prices inside which no valuation can breach or warn (`core.risk.watch_bands`),
and a tick looks only at the top of its symbol's heaps (`actors.risk_watch`):
a tick that moves no account past its band should cost about what it costs
without limits, however many accounts are watched. The ticks wander within a
few cents of the price, well inside every band; both engines are fed the same
tape in interleaved rounds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Final

from bench.drive import median
from bench.report import Row, micros, progress, rate, times, verdict
from bench.ticks import seconds_per_quiet_tick, tick_tape
from tradeloop.actors.engine import Engine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.orders import OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeloop.core.risk_limits import RiskLimits, StateSource

NAME: Final = "risk"
TARGET: Final = 1.5
"""Cost per tick with every account watched, against the same accounts without limits."""
SYMBOL: Final = "AAPL"
PRICE: Final = Decimal("100")
LIMITS: Final = RiskLimits(daily_loss_limit=Decimal(500), max_drawdown_percent=Decimal(10))
"""With 10 shares at 100 and $10,000 of equity: a warning below 60, a new peak above 101."""
BUY: Final = OrderRequest(
    symbol=SYMBOL, side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.DAY, qty=Decimal(10)
)


@dataclass(frozen=True, slots=True)
class Sizes:
    accounts: int
    ticks: int
    rounds: int


FULL: Final = Sizes(accounts=10_000, ticks=20_000, rounds=5)
QUICK: Final = Sizes(accounts=100, ticks=300, rounds=1)


async def _engine(accounts: int, limits: RiskLimits | None) -> Engine:
    """A started engine with `accounts` accounts, each holding 10 shares at PRICE (and `limits`, if given)."""
    engine = Engine(assets=UNIVERSE, journal=MemoryJournal())
    await engine.start()
    now = datetime.now(timezone.utc)
    await engine.ingest(Quote(symbol=SYMBOL, bid=PRICE, ask=PRICE, bid_size=None, ask_size=None, timestamp=now))
    await engine.ingest(Trade(symbol=SYMBOL, price=PRICE, size=None, timestamp=now))
    await engine.quiesce()
    for number in range(accounts):
        account_id = (await engine.open_account(Decimal(9_000) + PRICE * 10)).account_id
        order = await engine.place_order(account_id, BUY)
        if order.status is not OrderStatus.FILLED:
            raise RuntimeError(f"the position's order did not fill: {order.status}")
        if limits is not None:
            await engine.set_risk(account_id, limits=limits, state=None, reason=None, source=StateSource.USER)
        if number % 2_000 == 1_999:
            progress(f"risk: {number + 1:,} accounts {'with' if limits else 'without'} limits")
    await engine.quiesce()
    return engine


async def _measure(sizes: Sizes) -> tuple[float, float]:
    engines = {"none": await _engine(sizes.accounts, None), "limits": await _engine(sizes.accounts, LIMITS)}
    costs: dict[str, list[float]] = {name: [] for name in engines}
    try:
        for round_ in range(1, sizes.rounds + 1):
            start = datetime.now(timezone.utc) + timedelta(seconds=1)
            tape = tick_tape(sizes.ticks, start)
            for name, engine in engines.items():  # interleaved, so drift on a noisy machine hits both alike
                progress(f"risk: round {round_}/{sizes.rounds}: {sizes.ticks:,} ticks, {sizes.accounts:,} accounts, {name}")
                quiet = "a tick of the tape moved an account past its band: the ticks must stay inside"
                costs[name].append(await seconds_per_quiet_tick(engine, tape, quiet))
    finally:
        for engine in engines.values():
            await engine.stop(snapshot=False)
    return median(costs["none"]), median(costs["limits"])


def run(quick: bool) -> list[Row]:
    sizes = QUICK if quick else FULL
    none, limits = asyncio.run(_measure(sizes))
    ratio = limits / none
    return [
        Row(
            benchmark=NAME,
            case=f"{sizes.accounts:,} accounts with positions, no limits",
            result=f"{rate(1 / none, 'ticks/s')}, {micros(none)}/tick",
        ),
        Row(
            benchmark=NAME,
            case=f"{sizes.accounts:,} accounts with positions and loss limits",
            result=f"{rate(1 / limits, 'ticks/s')}, {micros(limits)}/tick",
            baseline=f"{micros(none)}/tick without limits",
            ratio=f"{times(ratio)} cost",
            target=f"<= {times(TARGET)}",
            verdict=verdict(ratio <= TARGET),
        ),
    ]
