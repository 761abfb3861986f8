"""Live strategies: bars evaluated per second by the strategy host, 1,000 active strategies over 25 symbols.

Each strategy (three indicators: two SMAs and an RSI, periods varied) runs on one
of the 25 symbols, in 100 accounts of 10 strategies. Completed one-minute bars of
every symbol go to the host (`bar_completed`), which feeds each run on the symbol:
its indicators, the account view, the entry rule (a crossover that the RSI
condition keeps from ever firing, so no order is placed and the figure is the
evaluation alone). The baseline updates the same indicators (`IndicatorBank`, the
same TA-Lib streams) over the same bars and nothing else. Rounds interleave, medians.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from bench.drive import median
from bench.report import Row, percent, progress, rate, verdict
from tradeloop.actors.engine import Engine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.actors.strategies import StrategyHost
from tradeloop.core.bars import Bar, TimeFrame
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.strategies import ActivateStrategy, CreateStrategy
from tradeloop.strategy.definition import canonical_json, parse_definition
from tradeloop.strategy.indicators import IndicatorBank

NAME: Final = "strategies"
TARGET: Final = 0.5
"""Bars evaluated per second by the host, against the bare indicator updates of the same strategies."""
START: Final = datetime(2025, 1, 6, 14, 30, tzinfo=UTC)
SYMBOLS: Final = tuple(asset.symbol for asset in UNIVERSE)[:25]
PER_ACCOUNT: Final = 10


@dataclass(frozen=True, slots=True)
class Sizes:
    strategies: int
    minutes: int
    rounds: int


FULL: Final = Sizes(strategies=1_000, minutes=60, rounds=3)
QUICK: Final = Sizes(strategies=50, minutes=5, rounds=1)


def definition(number: int, symbol: str) -> dict[str, Any]:
    """Strategy `number`: sma(fast) crossing above sma(slow) while rsi < 0, which never holds."""
    return {
        "name": f"bench {number}",
        "symbols": [symbol],
        "timeframe": "1Min",
        "indicators": {
            "fast": {"type": "sma", "period": 5 + number % 10, "source": "close"},
            "slow": {"type": "sma", "period": 20 + number % 20, "source": "close"},
            "rsi": {"type": "rsi", "period": 14},
        },
        "entry": {"side": "buy", "when": {"all": [
            {"op": "cross_above", "left": "fast", "right": "slow"},
            {"op": "<", "left": "rsi", "right": "0"},
        ]}},
        "exit": {"when": {"any": [{"op": ">", "left": "rsi", "right": "70"}]}},
        "sizing": {"type": "qty", "value": "1"},
        "orders": {"type": "market", "time_in_force": "day"},
    }


def walk(symbol: str, first: int, count: int) -> list[Bar]:
    """One-minute bars of a symbol from minute `first` (negative: before START), a smooth deterministic wander."""
    phase = SYMBOLS.index(symbol) if symbol in SYMBOLS else 0
    made = []
    for minute in range(first, first + count):
        close = Decimal(str(round(100 + 3 * math.sin((minute + phase) / 23) + math.sin(minute / 4.1 + phase), 2)))
        made.append(Bar(
            symbol=symbol, timestamp=START + timedelta(minutes=minute), open=close,
            high=close + Decimal("0.05"), low=close - Decimal("0.05"), close=close,
            volume=Decimal(1_000), trade_count=4, notional=close * 1_000,
        ))
    return made


class WalkBars:
    """Stored bars for the warm-ups: the walk before START."""

    async def recent_bars(self, symbol: str, timeframe: TimeFrame, before: datetime, count: int) -> list[Bar]:
        end = (before - START) // timedelta(minutes=1)
        return walk(symbol, end - count, count) if count > 0 else []


async def _host(sizes: Sizes) -> tuple[Engine, StrategyHost, list[tuple[str, IndicatorBank]]]:
    """A started engine and host with the strategies active (warmed up), and bare banks of the same indicators."""
    engine = Engine(assets=UNIVERSE, journal=MemoryJournal(), clock=lambda: START)
    await engine.start()
    host = StrategyHost(engine, WalkBars())
    host.start()
    banks: list[tuple[str, IndicatorBank]] = []
    account_id = None
    for number in range(sizes.strategies):
        if number % PER_ACCOUNT == 0:
            account_id = (await engine.open_account(Decimal(100_000))).account_id
        assert account_id is not None
        symbol = SYMBOLS[number % len(SYMBOLS)]
        parsed = parse_definition(definition(number, symbol))
        command = CreateStrategy(name=parsed.name, definition=canonical_json(parsed))
        strategy = await engine.change_strategy(account_id, command)
        await engine.change_strategy(account_id, ActivateStrategy(strategy_id=strategy.id))
        bank = IndicatorBank(parsed.indicators)
        for bar in walk(symbol, -60, 60):
            bank.update(bar)
        banks.append((symbol, bank))
        if number % 250 == 249:
            await host.idle()
            progress(f"{NAME}: {number + 1:,} strategies active")
    await host.idle()
    if len(host.runs()) != sizes.strategies:
        raise RuntimeError(f"{len(host.runs())} runs for {sizes.strategies} strategies")
    return engine, host, banks


async def _host_seconds(host: StrategyHost, minutes: Sequence[Sequence[Bar]]) -> tuple[float, int]:
    evaluated = host.evaluated
    started = time.perf_counter()
    for bars in minutes:
        for bar in bars:
            host.bar_completed(bar)
        await host.idle()
    return time.perf_counter() - started, host.evaluated - evaluated


def _bare_seconds(banks: list[tuple[str, IndicatorBank]], minutes: Sequence[Sequence[Bar]]) -> tuple[float, int]:
    by_symbol: dict[str, list[IndicatorBank]] = {}
    for symbol, bank in banks:
        by_symbol.setdefault(symbol, []).append(bank)
    updated = 0
    started = time.perf_counter()
    for bars in minutes:
        for bar in bars:
            for bank in by_symbol.get(bar.symbol, ()):
                bank.update(bar)
                updated += 1
    return time.perf_counter() - started, updated


async def _measure(sizes: Sizes) -> tuple[float, float, int]:
    engine, host, banks = await _host(sizes)
    host_rates: list[float] = []
    bare_rates: list[float] = []
    try:
        for round_ in range(sizes.rounds):
            first = round_ * sizes.minutes
            series = {symbol: walk(symbol, first, sizes.minutes) for symbol in SYMBOLS}
            minutes = [[series[symbol][index] for symbol in SYMBOLS] for index in range(sizes.minutes)]
            progress(f"{NAME}: round {round_ + 1}/{sizes.rounds}: {sizes.minutes} minutes of {len(SYMBOLS)} symbols")
            seconds, evaluated = await _host_seconds(host, minutes)
            if evaluated != sizes.strategies * sizes.minutes:
                raise RuntimeError(f"{evaluated} bars evaluated, {sizes.strategies * sizes.minutes} expected")
            host_rates.append(evaluated / seconds)
            seconds, updated = _bare_seconds(banks, minutes)
            bare_rates.append(updated / seconds)
        placed = sum(len(state.orders) for state in engine.accounts())
    finally:
        await host.stop()
        await engine.stop(snapshot=False)
    return median(host_rates), median(bare_rates), placed


def run(quick: bool) -> list[Row]:
    sizes = QUICK if quick else FULL
    host_rate, bare_rate, placed = asyncio.run(_measure(sizes))
    if placed:
        raise RuntimeError("a benchmark strategy placed an order: the rules must never fire")
    ratio = host_rate / bare_rate
    return [
        Row(
            benchmark=NAME,
            case=f"bars evaluated by the host, {sizes.strategies:,} strategies (3 indicators) over {len(SYMBOLS)} symbols",
            result=rate(host_rate, "bars/s"),
            baseline=f"{rate(bare_rate, 'bars/s')} bare indicator updates",
            ratio=percent(ratio),
            target=f">= {percent(TARGET)}",
            verdict=verdict(ratio >= TARGET),
        )
    ]


if __name__ == "__main__":
    for row in run(quick=True):
        print(row)
