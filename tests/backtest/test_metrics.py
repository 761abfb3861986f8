"""A run's figures are the performance report's, computed by core.performance on the run's equity curve and fills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from uuid import UUID

import orjson

from tests.backtest.builders import price_path, run_spec
from tradeloop.backtest.metrics import EquityPoint, daily_curve
from tradeloop.backtest.run import run_backtest
from tradeloop.core.orders import OrderSide
from tradeloop.core.performance import CurvePoint, performance
from tradeloop.core.trades import Fill, round_trips

START = datetime(2025, 3, 3, 14, 30, tzinfo=UTC)
PLACES = Decimal("1E-10")


def test_the_daily_curve_is_the_first_point_then_each_days_last() -> None:
    curve = [
        EquityPoint(timestamp=START + timedelta(hours=hours), equity=Decimal(equity))
        for hours, equity in ((0, "100"), (1, "101"), (2, "99"), (24, "103"), (25, "104"), (48, "90"))
    ]
    found = daily_curve(curve, [])
    assert [(point.at, point.equity) for point in found] == [
        (START, Decimal("100")), (START + timedelta(hours=2), Decimal("99")),
        (START + timedelta(hours=25), Decimal("104")), (START + timedelta(hours=48), Decimal("90")),
    ]  # fmt: skip
    assert not any(point.invested for point in found)


def _fill(body: dict[str, Any]) -> Fill:
    qty, price = Decimal(body["qty"]), Decimal(body["price"])
    return Fill(
        fill_id=UUID(body["id"]), order_id=UUID(body["order_id"]), symbol=body["symbol"],
        side=OrderSide(body["side"]), qty=qty, price=price, cash=(qty * price).quantize(Decimal("0.01")),
        timestamp=datetime.fromisoformat(body["timestamp"]), fee=Decimal(body["fee"]),
    )  # fmt: skip


def _ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(PLACES, rounding=ROUND_HALF_EVEN))


def test_a_runs_metrics_are_core_performance_on_its_equity_curve() -> None:
    bars = [bar for day in range(4) for bar in price_path(150, start=START + timedelta(days=day), base=100.0 + day)]
    result = orjson.loads(run_backtest(run_spec(bars)))
    points = [(datetime.fromisoformat(p["timestamp"]), Decimal(p["equity"])) for p in result["equity_curve"]]
    days: dict[object, tuple[datetime, Decimal]] = {}
    for at, equity in points:
        days[at.date()] = (at, equity)
    curve = [CurvePoint(at=at, equity=equity) for at, equity in [points[0], *days.values()]]
    fills = [_fill(body) for body in result["fills"]]
    trips = round_trips(fills)
    expected = performance(curve, trips, sum((fill.fee for fill in fills), Decimal(0)))
    found = result["metrics"]
    assert len(curve) == 5 and expected.sharpe is not None and expected.trades.trades >= 2
    assert found["days_per_year"] == 365
    for name in ("total_return", "cagr", "volatility", "sharpe", "sortino", "calmar", "max_drawdown", "payoff_ratio"):
        assert found[name] == _ratio(getattr(expected, name)), name
    assert found["max_drawdown_duration_seconds"] == expected.max_drawdown_duration.total_seconds()
    assert found["trades"] == expected.trades.trades == len(result["round_trips"])
    assert found["win_rate"] == (None if expected.trades.win_rate is None else float(expected.trades.win_rate))
    assert found["profit_factor"] == (None if expected.trades.profit_factor is None else float(expected.trades.profit_factor))
    assert Decimal(found["net_profit"]) == expected.profit.quantize(Decimal("0.01"))
    assert Decimal(found["final_equity"]) == expected.end_equity.quantize(Decimal("0.01"))
    assert [Decimal(t["realized_pl"]) for t in result["round_trips"]] == [t.realized_pl for t in trips]
