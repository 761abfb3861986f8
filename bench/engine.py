"""Engine: orders per second through account and market actors with the SQLite journal on.

Each order is a marketable limit buy against a price set once, so it goes
place → account actor (accept, journal) → market actor (fill) → account actor
(apply the fill, journal) → reply after the group commit. The baseline sends
the same messages (three, between two actors' queues, then a reply future)
through bare asyncio queues, with the same number of concurrent callers.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Final
from uuid import UUID

from bench import profiling
from bench.drive import closed_loop, median
from bench.report import Row, percent, progress, rate, verdict
from bench.serving import process_cpu_s
from tradeloop.actors.engine import Engine
from tradeloop.actors.journal import Journal, MemoryJournal
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.orders import OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeloop.snapshots.journal import JournalWriter

NAME: Final = "engine"
TARGET: Final = 0.30
SYMBOL: Final = "AAPL"
PRICE: Final = Decimal("100")
ORDER: Final = OrderRequest(
    symbol=SYMBOL,
    side=OrderSide.BUY,
    type=OrderType.LIMIT,
    time_in_force=TimeInForce.DAY,
    qty=Decimal(1),
    limit_price=Decimal("101"),
)


@dataclass(frozen=True, slots=True)
class Sizes:
    orders: int
    warmup: int
    concurrency: int
    accounts: int
    rounds: int


FULL: Final = Sizes(orders=20_000, warmup=2_000, concurrency=64, accounts=16, rounds=3)
QUICK: Final = Sizes(orders=200, warmup=20, concurrency=8, accounts=2, rounds=1)


@dataclass(frozen=True, slots=True)
class Measured:
    """One run: calls per second, and CPU seconds per call in this process and in the journal's writing process."""

    rate: float
    cpu_s: float
    writer_cpu_s: float | None = None


@dataclass(slots=True)
class _Hop:
    payload: int
    reply: asyncio.Future[int]
    returned: bool = False


async def bare_queue_rate(orders: int, concurrency: int) -> Measured:
    """Round trips per second through bare queues, with the engine's message pattern for one order.

    An order is three messages between two actors and a reply: the caller's
    command into the account's queue, the account's order into the market's,
    the market's fill back into the account's; the account then answers the
    caller's future. Here two tasks pass one message along the same path and do
    nothing else.
    """
    account: asyncio.Queue[_Hop] = asyncio.Queue(10_000)
    market: asyncio.Queue[_Hop] = asyncio.Queue(10_000)

    async def account_task() -> None:
        while True:
            message = await account.get()
            if message.returned:
                if not message.reply.done():
                    message.reply.set_result(message.payload)
            else:
                market.put_nowait(message)
            account.task_done()

    async def market_task() -> None:
        while True:
            message = await market.get()
            message.returned = True
            await account.put(message)
            market.task_done()

    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(account_task(), name="bare-account"), loop.create_task(market_task(), name="bare-market")]

    async def call(index: int) -> int:
        reply: asyncio.Future[int] = loop.create_future()
        account.put_nowait(_Hop(index, reply))
        return await reply

    try:
        started = time.process_time()
        elapsed = await closed_loop(orders, concurrency, call)
        cpu_s = time.process_time() - started
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return Measured(rate=orders / elapsed, cpu_s=cpu_s / orders)


async def engine_rate(sizes: Sizes, journal: Journal, writer_pid: int | None = None) -> Measured:
    """Orders per second through a started engine over `journal` (opened by the caller), and CPU per order.

    This process's CPU time covers every thread of it; `writer_pid`, the journal's writing process, is read from /proc.
    """
    engine = Engine(assets=UNIVERSE, journal=journal, snapshot_every_events=10**12, snapshot_every_s=10**9)
    await engine.start()
    try:
        accounts: list[UUID] = []
        for _ in range(sizes.accounts):
            accounts.append((await engine.open_account(Decimal(10**9))).account_id)
        now = datetime.now(timezone.utc)
        await engine.ingest(Quote(symbol=SYMBOL, bid=PRICE, ask=PRICE, bid_size=None, ask_size=None, timestamp=now))
        await engine.ingest(Trade(symbol=SYMBOL, price=PRICE, size=None, timestamp=now))
        await engine.quiesce()
        first = await engine.place_order(accounts[0], ORDER)
        if first.status is not OrderStatus.FILLED:
            raise RuntimeError(f"the benchmark order did not fill: {first.status}")

        async def call(index: int) -> object:
            return await engine.place_order(accounts[index % len(accounts)], ORDER)

        await closed_loop(sizes.warmup, sizes.concurrency, call)
        writer_before = None if writer_pid is None else process_cpu_s(writer_pid)
        started = time.process_time()
        elapsed = await closed_loop(sizes.orders, sizes.concurrency, call)
        cpu_s = time.process_time() - started
        writer_after = None if writer_pid is None else process_cpu_s(writer_pid)
        writer_cpu_s = None
        if writer_before is not None and writer_after is not None:
            writer_cpu_s = (writer_after - writer_before) / sizes.orders
        return Measured(rate=sizes.orders / elapsed, cpu_s=cpu_s / sizes.orders, writer_cpu_s=writer_cpu_s)
    finally:
        await engine.stop()


async def journaled_rate(sizes: Sizes) -> Measured:
    with tempfile.TemporaryDirectory(prefix="tradeloop-bench-") as tmp:
        writer = JournalWriter(Path(tmp) / "tradeloop.db")
        await writer.open()
        try:
            return await engine_rate(sizes, writer, writer.pid)
        finally:
            await writer.close()


async def _measure(sizes: Sizes) -> tuple[Measured, Measured, Measured]:
    bare: list[Measured] = []
    journaled: list[Measured] = []
    memory: list[Measured] = []
    for round_ in range(1, sizes.rounds + 1):
        progress(f"engine: round {round_}/{sizes.rounds}: bare queues, {sizes.orders:,} round trips")
        bare.append(await bare_queue_rate(sizes.orders, sizes.concurrency))
        progress(f"engine: round {round_}/{sizes.rounds}: engine + SQLite journal, {sizes.orders:,} orders")
        journaled.append(await journaled_rate(sizes))
        progress(f"engine: round {round_}/{sizes.rounds}: engine + in-memory journal, {sizes.orders:,} orders")
        memory.append(await engine_rate(sizes, MemoryJournal()))
    return _median(bare), _median(journaled), _median(memory)


def _median(runs: list[Measured]) -> Measured:
    writer = [run.writer_cpu_s for run in runs]
    return Measured(
        rate=median([run.rate for run in runs]),
        cpu_s=median([run.cpu_s for run in runs]),
        writer_cpu_s=None if None in writer else median([w for w in writer if w is not None]),
    )


def _micros(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def run(quick: bool) -> list[Row]:
    sizes = QUICK if quick else FULL
    bare, journaled, memory = asyncio.run(_measure(sizes))
    if profiling.enabled():
        progress(f"engine: profiled round: engine + SQLite journal, {sizes.orders:,} orders")
        with profiling.recording(os.getpid(), "engine-sqlite"):
            asyncio.run(journaled_rate(sizes))
    setup = f"{sizes.concurrency} callers, {sizes.accounts} accounts, median of {sizes.rounds}"
    writer = "" if journaled.writer_cpu_s is None else f" + {_micros(journaled.writer_cpu_s)} writing process"
    return [
        Row(
            benchmark=NAME,
            case=f"orders, SQLite journal ({setup})",
            result=rate(journaled.rate, "orders/s"),
            baseline=rate(bare.rate, "round trips/s bare queues"),
            ratio=percent(journaled.rate / bare.rate),
            target=f">= {percent(TARGET)}",
            verdict=verdict(journaled.rate / bare.rate >= TARGET),
        ),
        Row(
            benchmark=NAME,
            case="CPU per order, SQLite journal",
            result=f"{_micros(journaled.cpu_s)}{writer}",
            baseline=f"{_micros(bare.cpu_s)} per bare round trip",
            ratio=f"{journaled.cpu_s / bare.cpu_s:.0f}x",
        ),
        Row(
            benchmark=NAME,
            case="orders, in-memory journal (no disk)",
            result=rate(memory.rate, "orders/s"),
            baseline=rate(bare.rate, "round trips/s bare queues"),
            ratio=percent(memory.rate / bare.rate),
        ),
        Row(
            benchmark=NAME,
            case="CPU per order, in-memory journal",
            result=_micros(memory.cpu_s),
            baseline=f"{_micros(bare.cpu_s)} per bare round trip",
            ratio=f"{memory.cpu_s / bare.cpu_s:.0f}x",
        ),
    ]
