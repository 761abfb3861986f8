"""Performance figures from a daily equity curve, each held to empyrical-reloaded's on the same returns."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import empyrical
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.factories import D, at
from tradeloop.core.orders import OrderSide
from tradeloop.core.performance import (
    DAYS_PER_YEAR,
    CurvePoint,
    daily_returns,
    held_at,
    performance,
    price_at,
)
from tradeloop.core.trades import Fill

DAY = 86_400


def a_fill(side: OrderSide, seconds: float) -> Fill:
    return Fill(
        fill_id=uuid4(), order_id=uuid4(), symbol="AAPL", side=side, qty=D(10), price=D(100), cash=D(1000),
        timestamp=at(seconds),
    )  # fmt: skip


def curve_of(equities: list[Decimal], flows: list[Decimal] | None = None) -> list[CurvePoint]:
    flows = flows or [D(0)] * len(equities)
    return [
        CurvePoint(at=at(i * DAY), equity=e, flow=f, invested=i % 2 == 1)
        for i, (e, f) in enumerate(zip(equities, flows))
    ]


def close(found: Decimal | None, expected: float) -> bool:
    if found is None:
        return not math.isfinite(expected)
    return math.isclose(float(found), expected, rel_tol=1e-7, abs_tol=1e-12)  # float and Decimal rounding apart


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-3000, 3000), min_size=2, max_size=60))
def test_each_figure_matches_empyrical_on_the_same_daily_returns(steps: list[int]) -> None:
    equities = [D(100_000)]
    for step in steps:  # each day moves by up to 30%, in cents
        equities.append(max(D("0.01"), (equities[-1] * (1 + Decimal(step) / 10_000)).quantize(D("0.01"))))
    found = performance(curve_of(equities), [], D(0))
    returns = np.array([float(r) for r in daily_returns(curve_of(equities))])
    kw = {"annualization": DAYS_PER_YEAR}
    assert close(found.total_return, empyrical.cum_returns_final(returns))
    assert close(found.cagr, empyrical.cagr(returns, **kw))
    assert close(found.volatility, empyrical.annual_volatility(returns, **kw))
    assert close(found.sharpe, empyrical.sharpe_ratio(returns, **kw))
    assert close(found.sortino, empyrical.sortino_ratio(returns, **kw))
    assert close(found.calmar, empyrical.calmar_ratio(returns, **kw))
    assert close(found.max_drawdown, empyrical.max_drawdown(returns))


def test_a_deposit_is_not_a_return_and_a_withdrawal_not_a_loss() -> None:
    curve = curve_of([D(1000), D(2100), D(1050)], [D(0), D(1000), D(-1000)])
    # Day one: 2,100 less the 1,000 deposited over 1,000 is 10%; day two: 1,050 plus the 1,000 withdrawn over 2,100 is -2.38%.
    assert daily_returns(curve) == [D("0.1"), D(2050) / D(2100) - 1]
    found = performance(curve, [], D(0))
    assert (found.net_deposits, found.profit) == (D(0), D(50))


def test_the_drawdown_lasts_from_its_peak_to_the_first_close_back_at_it() -> None:
    found = performance(curve_of([D(100), D(120), D(90), D(110), D(121), D(100), D(105)]), [], D(0))
    # 120 (day 1) is regained on day 4: three days; 121 (day 4) is not regained by day 6: two days so far.
    assert found.max_drawdown_duration == timedelta(days=3)
    assert found.max_drawdown == D(90) / D(120) - 1
    assert found.exposure == D("0.5")  # the points at odd days hold a position


def test_a_position_is_held_at_a_moment_when_the_fills_before_it_leave_shares() -> None:
    buy, sell = a_fill(OrderSide.BUY, 10), a_fill(OrderSide.SELL, 20)
    assert held_at([buy, sell], [at(0), at(10), at(11), at(20), at(21)]) == [False, False, True, True, False]
    closes = [(at(0), D(10)), (at(DAY), D(11))]
    assert (price_at(closes, at(0)), price_at(closes, at(1)), price_at(closes, at(DAY + 1))) == (None, D(10), D(11))
