"""Engine: CPU time and orders per second through account and market actors, in memory and with the SQLite journal.

Each order is a marketable limit buy against a price set once, so it goes
place → account actor (accept, journal) → market actor (fill) → account actor
(apply the fill, journal) → reply after the group commit. The engine is judged
by its CPU time per order, the journal's writing process included: goals of
20 µs with the in-memory journal and 40 µs with the SQLite journal, which runs
with each fsync mode (`full`, the default, and `normal`). For scale, the same
messages (three, between two actors' queues, then a reply future) go through
bare asyncio queues with the same number of concurrent callers.
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
from bench.fsync import DEFAULT_FSYNC, FSYNC_MODES, OPT_IN_FSYNC, fsync_label
from bench.report import Row, Verdict, goal, percent, progress, rate
from bench.serving import process_cpu_s
from tradeloop.actors.engine import Engine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.config import Fsync
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.orders import OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeloop.journal import Journal
from tradeloop.snapshots.journal import JournalWriter

NAME: Final = "engine"
MEMORY_GOAL_S: Final = 20e-6
"""CPU time per order with the in-memory journal."""
JOURNAL_GOAL_S: Final = 40e-6
"""CPU time per order with the SQLite journal, this process and the journal's writing process together."""
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

    @property
    def total_cpu_s(self) -> float:
        """CPU per order of both processes (this one alone where the writing process's could not be read)."""
        return self.cpu_s + (self.writer_cpu_s or 0.0)


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
    engine = Engine(assets=UNIVERSE, journal=journal)  # no snapshot clock: an Engine runs none
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


async def journaled_rate(sizes: Sizes, fsync: Fsync) -> Measured:
    with tempfile.TemporaryDirectory(prefix="tradeloop-bench-") as tmp:
        writer = JournalWriter(Path(tmp) / "tradeloop.db", fsync=fsync)
        await writer.open()
        try:
            return await engine_rate(sizes, writer, writer.pid)
        finally:
            await writer.close()


@dataclass(frozen=True, slots=True)
class Results:
    """Medians over rounds: bare queues, the engine in memory, and with the SQLite journal by fsync mode."""

    bare: Measured
    memory: Measured
    journaled: dict[Fsync, Measured]


async def _measure(sizes: Sizes) -> Results:
    bare: list[Measured] = []
    memory: list[Measured] = []
    journaled: dict[Fsync, list[Measured]] = {mode: [] for mode in FSYNC_MODES}
    for round_ in range(1, sizes.rounds + 1):  # interleaved, so a busy spell hits every case alike
        step = f"engine: round {round_}/{sizes.rounds}"
        progress(f"{step}: bare queues, {sizes.orders:,} round trips")
        bare.append(await bare_queue_rate(sizes.orders, sizes.concurrency))
        for mode in FSYNC_MODES:
            progress(f"{step}: engine + SQLite journal (fsync {mode}), {sizes.orders:,} orders")
            journaled[mode].append(await journaled_rate(sizes, mode))
        progress(f"{step}: engine + in-memory journal, {sizes.orders:,} orders")
        memory.append(await engine_rate(sizes, MemoryJournal()))
    return Results(
        bare=_median(bare), memory=_median(memory), journaled={mode: _median(runs) for mode, runs in journaled.items()}
    )


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
    results = asyncio.run(_measure(sizes))
    if profiling.enabled():
        progress(f"engine: profiled round: engine + SQLite journal (fsync {DEFAULT_FSYNC}), {sizes.orders:,} orders")
        with profiling.recording(os.getpid(), "engine-sqlite"):
            asyncio.run(journaled_rate(sizes, DEFAULT_FSYNC))
    return rate_rows(results, sizes) + cpu_rows(results)


def rate_rows(results: Results, sizes: Sizes) -> list[Row]:
    """Orders per second: the default fsync mode against the opt-in (what the default costs), the rest against bare queues."""
    bare, journaled = results.bare, results.journaled
    setup = f"{sizes.concurrency} callers, {sizes.accounts} accounts, median of {sizes.rounds}"
    bare_rate = rate(bare.rate, "round trips/s bare queues")
    default, opt_in = journaled[DEFAULT_FSYNC], journaled[OPT_IN_FSYNC]
    return [
        Row(
            benchmark=NAME,
            case=f"orders, in-memory journal ({setup})",
            result=rate(results.memory.rate, "orders/s"),
            baseline=bare_rate,
            ratio=percent(results.memory.rate / bare.rate),
        ),
        Row(
            benchmark=NAME,
            case=f"orders, SQLite journal, {fsync_label(DEFAULT_FSYNC)}",
            result=rate(default.rate, "orders/s"),
            baseline=f"{rate(opt_in.rate, 'orders/s')} with fsync {OPT_IN_FSYNC}",
            ratio=percent(default.rate / opt_in.rate),
        ),
        Row(
            benchmark=NAME,
            case=f"orders, SQLite journal, {fsync_label(OPT_IN_FSYNC)}",
            result=rate(opt_in.rate, "orders/s"),
            baseline=bare_rate,
            ratio=percent(opt_in.rate / bare.rate),
        ),
    ]


def cpu_rows(results: Results) -> list[Row]:
    """CPU time per order against the goals: the verdicts of this benchmark."""
    bare_cpu = f"{_micros(results.bare.cpu_s)} per bare round trip"
    rows = [
        Row(
            benchmark=NAME,
            case="CPU per order, in-memory journal",
            result=_micros(results.memory.cpu_s),
            baseline=bare_cpu,
            ratio=f"{results.memory.cpu_s / results.bare.cpu_s:.0f}x",
            target=f"<= {_micros(MEMORY_GOAL_S)}",
            verdict=goal(results.memory.cpu_s <= MEMORY_GOAL_S),
        )
    ]
    for mode, measured in results.journaled.items():
        writer = measured.writer_cpu_s
        if writer is None:  # no /proc: half the cost is unknown, so no verdict
            result, judged = f"{_micros(measured.cpu_s)} (writing process not read)", Verdict.INFO
        else:
            result = f"{_micros(measured.total_cpu_s)} ({_micros(measured.cpu_s)} + {_micros(writer)} writing process)"
            judged = goal(measured.total_cpu_s <= JOURNAL_GOAL_S)
        rows.append(
            Row(
                benchmark=NAME,
                case=f"CPU per order, SQLite journal, {fsync_label(mode)}",
                result=result,
                baseline=bare_cpu,
                ratio=f"{measured.total_cpu_s / results.bare.cpu_s:.0f}x",
                target=f"<= {_micros(JOURNAL_GOAL_S)}",
                verdict=judged,
            )
        )
    return rows
