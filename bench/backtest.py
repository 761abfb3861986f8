"""Backtest speed: one symbol's one-minute bars through the engine and strategy host, against a bare indicator loop.

The bare loop updates the strategy's own indicators (the same TA-Lib streams) over the
same bars and nothing else. A year of minutes (525,600: the simulated market never
closes) is extrapolated from the bars measured, so the run stays short.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final
from uuid import UUID

from bench.report import Row, Verdict
from tradeloop.backtest.run import run_backtest
from tradeloop.backtest.spec import Fill, RunSpec
from tradeloop.core.bars import Bar, BarRow
from tradeloop.core.instruments import UNIVERSE
from tradeloop.snapshots.bars import bar_row
from tradeloop.strategy.definition import canonical_json, parse_definition
from tradeloop.strategy.indicators import IndicatorBank

YEAR_BARS: Final = 525_600
TARGET_S: Final = 30.0
START: Final = datetime(2025, 1, 6, tzinfo=UTC)
DEFINITION: Final = {
    "name": "bench", "symbols": ["AAPL"], "timeframe": "1Min",
    "indicators": {"fast": {"type": "sma", "period": 10, "source": "close"},
                   "slow": {"type": "sma", "period": 30, "source": "close"},
                   "rsi": {"type": "rsi", "period": 14}},
    "entry": {"side": "buy", "when": {"all": [{"op": "cross_above", "left": "fast", "right": "slow"}]}},
    "exit": {"when": {"any": [{"op": ">", "left": "rsi", "right": "70"},
                              {"op": "cross_below", "left": "fast", "right": "slow"}]}},
    "sizing": {"type": "percent_equity", "value": "10"},
    "orders": {"type": "market", "time_in_force": "day"},
}


def bars(count: int) -> list[Bar]:
    made, previous = [], Decimal("100")
    for minute in range(count):
        close = Decimal(str(round(100 + 4 * math.sin(minute / 37) + 1.5 * math.sin(minute / 5.3), 2)))
        made.append(Bar(
            symbol="AAPL", timestamp=START + timedelta(minutes=minute), open=previous,
            high=max(previous, close) + Decimal("0.05"), low=min(previous, close) - Decimal("0.05"), close=close,
            volume=Decimal(500), trade_count=5, notional=close * 500,
        ))
        previous = close
    return made


def run(quick: bool) -> list[Row]:
    count = 3_000 if quick else 30_000
    series = bars(count)
    rows: tuple[BarRow, ...] = tuple(bar_row(bar) for bar in series)
    definition = parse_definition(DEFINITION)
    spec = RunSpec(
        strategy_id=UUID(int=1), version=1, name="bench", definition=canonical_json(definition), symbols=("AAPL",),
        assets=tuple(a for a in UNIVERSE if a.symbol == "AAPL"), start=START,
        end=START + timedelta(minutes=count), initial_cash=Decimal(100_000), fill=Fill.NEXT_BAR_OPEN, bars=rows,
    )
    started, started_cpu = time.perf_counter(), time.process_time()
    run_backtest(spec)
    engine_s, engine_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    started = time.perf_counter()
    bank = IndicatorBank(definition.indicators)
    for bar in series:
        bank.update(bar)
    bare_s = time.perf_counter() - started
    rate, bare_rate = count / engine_s, count / bare_s
    year_s = YEAR_BARS / rate
    return [
        Row(benchmark="backtest", case=f"{count} one-minute bars, engine + host (3 indicators)",
            result=f"{rate:,.0f} bars/s", baseline=f"{bare_rate:,.0f} bars/s (bare indicator loop)",
            ratio=f"{rate / bare_rate:.1%}", verdict=Verdict.INFO),
        Row(benchmark="backtest", case="a year of one-minute bars (525,600), extrapolated",
            result=f"{year_s:,.0f} s", target=f"< {TARGET_S:.0f} s",
            verdict=Verdict.PASS if year_s < TARGET_S else Verdict.MISS,
            note=f"{count / engine_cpu_s:,.0f} bars/s of CPU time; per bar: the close's quote and trade "
                 "(8 ticks while an order rests), the host's turn"),
    ]


if __name__ == "__main__":
    for row in run(quick=True):
        print(row)
