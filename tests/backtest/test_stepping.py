"""How a run steps the engine cheaply without changing a byte: quiet minutes fed by their close alone, the curve's buckets."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.backtest.builders import definition, price_path, run_spec
from tradeloop.backtest.metrics import EquityPoint
from tradeloop.backtest.result import last_per_bucket
from tradeloop.backtest.run import Run
from tradeloop.backtest.spec import Commission, Fill, RunSpec
from tradeloop.core.bars import Bar, TimeFrame, TimeFrameUnit
from tradeloop.core.instruments import UNIVERSE
from tradeloop.core.marketdata import Tick

BARS = price_path(300)
RISK = {"stop_loss": {"percent": "1"}, "take_profit": {"percent": "1.5"}}


class EveryTick(Run):
    """A run that never takes a minute for quiet: every minute is fed all of its ticks."""

    def _quiet(self, account: Any) -> bool:
        return False


def drive(run: Run) -> bytes:
    return asyncio.run(run.drive())


SPECS = {
    "next bar open": run_spec(BARS),
    "bar close, bracket": run_spec(BARS, fill=Fill.BAR_CLOSE, definition=definition(risk=RISK)),
    "5Min, bracket, percent of equity": run_spec(
        BARS, definition=definition(timeframe="5Min", risk=RISK, sizing={"type": "percent_equity", "value": "20"})
    ),
    "trailing stop, limit entries": run_spec(BARS, definition=definition(
        timeframe="15Min", fast=2, slow=4, risk={"trailing_stop": {"percent": "0.8"}},
        orders={"type": "limit", "offset_percent": "0.1", "time_in_force": "day"},
    )),
    "slippage and commission": run_spec(
        BARS, slippage_bps=Decimal(7),
        commission=Commission(per_share=Decimal("0.005"), per_order=Decimal(1), percent=Decimal("0.01")),
    ),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_feeding_quiet_minutes_by_their_close_changes_no_byte(name: str) -> None:
    spec = SPECS[name]
    assert drive(Run(spec)) == drive(EveryTick(spec))


def test_two_symbols_with_slippage_change_no_byte() -> None:
    bars = BARS + price_path(300, base=50.0, symbol="MSFT")
    spec = run_spec(
        bars, symbols=("AAPL", "MSFT"), assets=tuple(a for a in UNIVERSE if a.symbol in ("AAPL", "MSFT")),
        definition=definition(symbols=["AAPL", "MSFT"]), slippage_bps=Decimal(3),
    )
    assert drive(Run(spec)) == drive(EveryTick(spec))


def test_a_minute_with_no_order_about_is_two_ticks_not_eight() -> None:
    never = {"all": [{"op": ">", "left": "close", "right": "1000000"}]}
    spec = run_spec(BARS, definition=definition(entry={"side": "buy", "when": never}))
    run = Run(spec)
    told: list[Tick] = []
    run.engine.subscribe_ticks(told.append)

    drive(run)

    assert len(told) == 2 * len(BARS)
    assert [tick.timestamp for tick in told[:2]] == [BARS[0].timestamp + timedelta(seconds=45)] * 2


def run_of(bps: Decimal) -> Run:
    spec: RunSpec = run_spec(BARS, slippage_bps=bps)
    return Run(spec)


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)


@given(open_=prices, high_up=prices, low_down=prices, close=prices, bps=st.sampled_from([Decimal(0), Decimal(5), Decimal(40)]))
def test_closing_ticks_are_the_last_two_of_the_minutes_ticks(
    open_: Decimal, high_up: Decimal, low_down: Decimal, close: Decimal, bps: Decimal
) -> None:
    high = max(open_, close) + high_up
    low = max(min(open_, close) - low_down, Decimal("0.01"))
    bar = Bar(
        symbol="AAPL", timestamp=datetime(2025, 3, 3, 15, 7, tzinfo=UTC), open=open_, high=high, low=low,
        close=close, volume=Decimal(100), trade_count=3, notional=close * 100,
    )
    run = run_of(bps)
    assert run._closing_ticks(bar) == run._ticks(bar)[-2:]


TIMEFRAMES = [TimeFrame(1, TimeFrameUnit.MINUTE), TimeFrame(5, TimeFrameUnit.MINUTE), TimeFrame(1, TimeFrameUnit.HOUR),
              TimeFrame(1, TimeFrameUnit.DAY), TimeFrame(1, TimeFrameUnit.WEEK)]


@given(
    gaps=st.lists(st.integers(min_value=0, max_value=3_000), max_size=60),
    timeframe=st.sampled_from(TIMEFRAMES),
)
def test_last_per_bucket_keeps_the_last_point_of_each_bucket(gaps: list[int], timeframe: TimeFrame) -> None:
    moment, points = datetime(2025, 3, 3, 14, 30, tzinfo=UTC), []
    for index, gap in enumerate(gaps):
        moment += timedelta(minutes=gap)
        points.append(EquityPoint(timestamp=moment, equity=Decimal(index)))
    by_bucket: dict[datetime, EquityPoint] = {}
    for point in points:
        by_bucket[timeframe.bucket_start(point.timestamp)] = point

    assert last_per_bucket(points, timeframe) == list(by_bucket.values())


def test_a_5min_run_values_the_account_once_a_bar_not_once_a_minute() -> None:
    spec = run_spec(BARS, definition=definition(timeframe="5Min"))
    run = Run(spec)
    valued: list[object] = []
    valuation = run.engine.valuation

    def counting(account_id: Any) -> Any:
        valued.append(account_id)
        return valuation(account_id)

    run.engine.valuation = counting  # type: ignore[method-assign]

    drive(run)

    bars_of_5min = len({TimeFrame(5, TimeFrameUnit.MINUTE).bucket_start(bar.timestamp) for bar in BARS})
    assert len(valued) == bars_of_5min
