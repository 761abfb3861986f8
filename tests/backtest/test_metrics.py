"""Metrics over an equity curve and fills: hand-computed series, and empyrical's definitions over random ones."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import empyrical
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeloop.backtest.metrics import (
    EquityPoint,
    Execution,
    daily_returns,
    max_drawdown,
    metrics,
    rank_key,
    round_trips,
    sharpe,
    total_return,
    win_rate,
)
from tradeloop.core.orders import OrderSide

START = datetime(2025, 3, 3, 14, 30, tzinfo=UTC)


def _daily(*equities: str) -> list[EquityPoint]:
    return [EquityPoint(timestamp=START + timedelta(days=day), equity=Decimal(e)) for day, e in enumerate(equities)]


def _fill(side: OrderSide, qty: str, price: str, fee: str = "0", minute: int = 0, symbol: str = "AAPL") -> Execution:
    return Execution(
        symbol=symbol, side=side, qty=Decimal(qty), price=Decimal(price), fee=Decimal(fee),
        timestamp=START + timedelta(minutes=minute),
    )


def test_total_return_and_max_drawdown_of_a_hand_computed_curve() -> None:
    curve = _daily("100", "120", "90", "110", "80", "130")
    assert total_return(curve) == 0.3
    assert max_drawdown(curve) == -(120 - 80) / 120  # the fall from 120 to 80, not from 100


def test_a_curve_that_only_rises_has_no_drawdown() -> None:
    assert max_drawdown(_daily("100", "101", "105")) == 0.0


def test_daily_returns_take_each_days_last_point() -> None:
    curve = [
        EquityPoint(timestamp=START, equity=Decimal("100")),
        EquityPoint(timestamp=START + timedelta(hours=1), equity=Decimal("90")),
        EquityPoint(timestamp=START + timedelta(hours=2), equity=Decimal("110")),  # day one closes at 110
        EquityPoint(timestamp=START + timedelta(days=1), equity=Decimal("99")),
    ]
    assert daily_returns(curve) == [0.1, -0.1]


def test_sharpe_by_hand_and_undefined_cases() -> None:
    returns = [0.01, -0.02, 0.03]
    mean, deviation = 0.02 / 3, math.sqrt(sum((r - 0.02 / 3) ** 2 for r in returns) / 2)
    assert math.isclose(sharpe(returns) or 0.0, mean / deviation * math.sqrt(252), rel_tol=1e-12)
    assert sharpe([0.01]) is None
    assert sharpe([0.01, 0.01]) is None


def test_round_trips_go_from_flat_to_flat_and_count_fees() -> None:
    fills = [
        _fill(OrderSide.BUY, "10", "100", fee="1", minute=0),
        _fill(OrderSide.BUY, "5", "110", fee="1", minute=1),
        _fill(OrderSide.SELL, "15", "105", fee="1", minute=2),  # 1575 - 1000 - 550 - 3 = 22
        _fill(OrderSide.BUY, "3", "50", minute=3, symbol="MSFT"),
        _fill(OrderSide.SELL, "3", "40", minute=4, symbol="MSFT"),  # -30
        _fill(OrderSide.BUY, "1", "100", minute=5),  # still open: not a round trip
    ]
    trips = round_trips(fills)
    assert [(t.symbol, t.qty, t.profit) for t in trips] == [
        ("AAPL", Decimal("15"), Decimal("22")),
        ("MSFT", Decimal("3"), Decimal("-30")),
    ]
    assert trips[0].opened_at == START and trips[0].closed_at == START + timedelta(minutes=2)
    assert win_rate(trips) == 0.5
    assert win_rate([]) is None


def test_metrics_bundle_money_as_decimal() -> None:
    found = metrics(_daily("1000", "1010", "1005"), [_fill(OrderSide.BUY, "1", "10", fee="0.35")])
    assert found.final_equity == Decimal("1005") and found.net_profit == Decimal("5")
    assert found.fees == Decimal("0.35") and found.trades == 0 and found.win_rate is None


def test_rank_key_puts_the_best_first_and_undefined_last() -> None:
    better = metrics(_daily("100", "120", "118"), [])
    worse = metrics(_daily("100", "90", "95"), [])
    flat = metrics(_daily("100"), [])
    ranked = sorted([flat, worse, better], key=lambda m: rank_key(m, "sharpe"))
    assert ranked == [better, worse, flat]
    assert sorted([worse, better], key=lambda m: rank_key(m, "max_drawdown")) == [better, worse]


equities = st.lists(
    st.decimals(min_value=Decimal("1"), max_value=Decimal("100000"), places=2, allow_nan=False), min_size=2, max_size=40
)


@settings(max_examples=150, deadline=None)
@given(equities)
def test_sharpe_and_drawdown_agree_with_empyrical(values: list[Decimal]) -> None:
    curve = [EquityPoint(timestamp=START + timedelta(days=day), equity=e) for day, e in enumerate(values)]
    returns = np.array(daily_returns(curve)[1:])  # one point a day: the first day's return is 0 against itself
    expected_sharpe = empyrical.sharpe_ratio(returns) if len(returns) else math.nan
    found = sharpe(daily_returns(curve)[1:])
    if found is None:
        assert math.isnan(expected_sharpe) or math.isinf(expected_sharpe) or abs(float(np.std(returns))) < 1e-15
    else:
        assert math.isclose(found, expected_sharpe, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(max_drawdown(curve), empyrical.max_drawdown(returns), rel_tol=1e-9, abs_tol=1e-12)
    # empyrical compounds the returns in floats, whose error grows with the largest running product (the widest
    # equity swing); ours is exact, so the tolerance scales with that swing.
    swing = float(max(values) / min(values))
    assert math.isclose(total_return(curve), empyrical.cum_returns_final(returns), rel_tol=1e-9, abs_tol=1e-12 * swing)
