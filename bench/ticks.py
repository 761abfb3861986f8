"""Ticks: quotes and trades per second through one market actor holding resting orders that never trigger.

The book keys every kind of resting order by the price at which it becomes
actionable, so a tick that crosses nothing should cost the same however many
orders rest. The resting orders are buy limits far below and sell limits far
above the price, stops far away on both sides, and trailing stops whose marks
the ticks never move; half are day orders with an expiry well ahead.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Final
from uuid import UUID, uuid4

from bench.drive import median
from bench.report import Row, Verdict, micros, progress, rate, times, verdict
from tradeloop.actors.engine import Engine
from tradeloop.actors.market import MarketActor
from tradeloop.actors.messages import ApplyTick
from tradeloop.actors.prices import PriceBoard
from tradeloop.core.marketdata import Quote, Tick, Trade
from tradeloop.core.orders import OrderSide, OrderTerms, OrderType, TimeInForce
from tradeloop.core.working import Stage, WorkingOrder

NAME: Final = "ticks"
TARGET: Final = 1.5
SYMBOL: Final = "AAPL"
CENT: Final = Decimal("0.01")
MID: Final = Decimal("100")
TOP: Final = Decimal("100.10")
"""Sell trailing stops are marked here; ticks stay below, so their marks never move."""
BOTTOM: Final = Decimal("99.90")
"""Buy trailing stops are marked here; ticks stay above."""


@dataclass(frozen=True, slots=True)
class Sizes:
    resting: tuple[int, ...]
    ticks: int
    rounds: int


FULL: Final = Sizes(resting=(0, 10_000, 100_000), ticks=20_000, rounds=5)
QUICK: Final = Sizes(resting=(0, 100, 1_000), ticks=300, rounds=1)


def _working(
    side: OrderSide,
    type_: OrderType,
    *,
    account_id: UUID,
    limit: Decimal | None = None,
    stop: Decimal | None = None,
    trail: Decimal | None = None,
    expires_at: datetime | None = None,
    now: datetime,
) -> WorkingOrder:
    stage = Stage.LIMIT if type_ is OrderType.LIMIT else Stage.TRIGGER
    order_id = uuid4()
    terms = OrderTerms(
        id=order_id,
        client_order_id=str(order_id),
        account_id=account_id,
        symbol=SYMBOL,
        side=side,
        type=type_,
        time_in_force=TimeInForce.GTC if expires_at is None else TimeInForce.DAY,
        qty=Decimal(1),
        notional=None,
        limit_price=limit,
        stop_price=stop,
        trail_price=trail,
        trail_percent=None,
        extended_hours=False,
        created_at=now,
        expires_at=expires_at,
        replaces=None,
    )
    return WorkingOrder(
        terms=terms,
        hwm=None,
        whole_shares=True,
        budget=Decimal(1_000) if side is OrderSide.BUY else Decimal(1),
        filled_qty=Decimal(0),
        filled_value=Decimal(0),
        fill_count=0,
        stage=stage,
    )


def _quote(price: Decimal, now: datetime, spread: Decimal = CENT) -> Quote:
    return Quote(symbol=SYMBOL, bid=price - spread, ask=price + spread, bid_size=Decimal(100), ask_size=Decimal(100), timestamp=now)


def seed(actor: MarketActor, count: int, now: datetime) -> None:
    """Rest `count` orders in the actor's book, none of which the benchmark's ticks can trigger or fill."""
    book = actor.book
    account_id = uuid4()
    later = now + timedelta(days=30)
    kinds = 6
    per_kind = [count // kinds + (1 if i < count % kinds else 0) for i in range(kinds)]
    # Trailing stops first, each marked where the ticks will never pass.
    book.observe(_quote(TOP, now, spread=Decimal(0)))
    for i in range(per_kind[0]):
        book.add(_working(OrderSide.SELL, OrderType.TRAILING_STOP, account_id=account_id, now=now, trail=Decimal(40)), now)
    book.observe(_quote(BOTTOM, now, spread=Decimal(0)))
    for i in range(per_kind[1]):
        book.add(_working(OrderSide.BUY, OrderType.TRAILING_STOP, account_id=account_id, now=now, trail=Decimal(40)), now)
    book.observe(_quote(MID, now))
    for kind in range(2, kinds):
        for i in range(per_kind[kind]):
            offset = Decimal(i % 500) * CENT  # many distinct price levels
            expires = later if i % 2 else None
            if kind == 2:
                order = _working(OrderSide.BUY, OrderType.LIMIT, account_id=account_id, now=now, limit=Decimal(50) - offset, expires_at=expires)
            elif kind == 3:
                order = _working(OrderSide.SELL, OrderType.LIMIT, account_id=account_id, now=now, limit=Decimal(150) + offset, expires_at=expires)
            elif kind == 4:
                order = _working(OrderSide.BUY, OrderType.STOP, account_id=account_id, now=now, stop=Decimal(150) + offset, expires_at=expires)
            else:
                order = _working(OrderSide.SELL, OrderType.STOP, account_id=account_id, now=now, stop=Decimal(50) - offset, expires_at=expires)
            book.add(order, now)
    if len(book) != count:
        raise RuntimeError(f"expected {count} resting orders, the book holds {len(book)}")


def tick_tape(count: int, start: datetime) -> list[Tick]:
    """Alternating quotes and trades wandering between 99.92 and 100.08."""
    tape: list[Tick] = []
    for i in range(count):
        price = MID + Decimal((i * 7) % 17 - 8) * CENT
        now = start + timedelta(microseconds=i)
        if i % 2:
            tape.append(Trade(symbol=SYMBOL, price=price, size=Decimal(100), timestamp=now))
        else:
            tape.append(_quote(price, now))
    return tape


async def seconds_per_quiet_tick(engine: Engine, tape: list[Tick], written_means: str) -> float:
    """Seconds per tick of the tape through the engine, every actor idle at the end.

    Raises: RuntimeError(`written_means`) when the tape wrote to the journal: it was to move nothing.
    """
    written = engine.journal_position
    started = time.perf_counter()
    for tick in tape:
        await engine.ingest(tick)
    await engine.quiesce()
    seconds = (time.perf_counter() - started) / len(tape)
    if engine.journal_position != written:
        raise RuntimeError(written_means)
    return seconds


async def _seconds_per_tick(actor: MarketActor, tape: list[Tick]) -> float:
    started = time.perf_counter()
    for tick in tape:
        await actor.send(ApplyTick(tick=tick))
    await actor.idle()
    return (time.perf_counter() - started) / len(tape)


async def _measure(sizes: Sizes) -> dict[int, float]:
    now = datetime.now(timezone.utc)
    actors: dict[int, MarketActor] = {}
    for count in sizes.resting:
        progress(f"ticks: resting {count:,} orders")
        actor = MarketActor(SYMBOL, accounts={}, board=PriceBoard(), clock=lambda: now, halted=set(), maxsize=10_000)
        seed(actor, count, now)
        actor.start()
        actors[count] = actor
    tape = tick_tape(sizes.ticks, now + timedelta(seconds=1))
    costs: dict[int, list[float]] = {count: [] for count in sizes.resting}
    try:
        for round_ in range(1, sizes.rounds + 1):
            for count, actor in actors.items():  # interleaved, so drift on a noisy machine hits every size alike
                progress(f"ticks: round {round_}/{sizes.rounds}: {sizes.ticks:,} ticks against {count:,} resting orders")
                costs[count].append(await _seconds_per_tick(actor, tape))
                if len(actor.book) != count:
                    raise RuntimeError(f"a tick changed the book: {len(actor.book)} orders rest, expected {count}")
    finally:
        for actor in actors.values():
            await actor.stop()
    return {count: median(values) for count, values in costs.items()}


def run(quick: bool) -> list[Row]:
    sizes = QUICK if quick else FULL
    costs = asyncio.run(_measure(sizes))
    empty = sizes.resting[0]
    base = costs[empty]
    rows: list[Row] = []
    for count, cost in costs.items():
        if count == empty:
            rows.append(
                Row(benchmark=NAME, case=f"{count:,} resting orders", result=f"{rate(1 / cost, 'ticks/s')}, {micros(cost)}/tick")
            )
            continue
        ratio = cost / base
        last = count == sizes.resting[-1]
        rows.append(
            Row(
                benchmark=NAME,
                case=f"{count:,} resting orders",
                result=f"{rate(1 / cost, 'ticks/s')}, {micros(cost)}/tick",
                baseline=f"{micros(base)}/tick with {empty:,}",
                ratio=f"{times(ratio)} cost",
                target=f"<= {times(TARGET)}" if last else "",
                verdict=verdict(ratio <= TARGET) if last else Verdict.INFO,
            )
        )
    return rows
