"""Shapes of the performance report (tradeloop's /v2/reports/performance)."""

from __future__ import annotations

from typing_extensions import TypedDict

from tradeloop.http.openapi.fields import DecimalText, Timestamp, UuidText
from tradeloop.http.shapes.trades import TradeStatsJson


class EquityPointJson(TypedDict):
    """The equity at the period's start or at the end of one of its days, and the cash moved in since the point before."""

    timestamp: Timestamp
    equity: DecimalText
    cashflow: DecimalText
    benchmark: DecimalText | None
    """The benchmark's close then (null: no benchmark, or no bar of it yet)."""


class PerformanceJson(TypedDict):
    """The account's performance over a period: returns and risk from its daily equity, and its round trips' figures.

    Ratios are JSON numbers (fractions: 0.05 is 5%), null when undefined; money is strings.
    """

    account_id: UuidText
    start: Timestamp
    end: Timestamp
    symbol: str | None
    strategy_id: UuidText | None
    days_per_year: int
    """How daily figures are annualized: every calendar day trades."""
    start_equity: DecimalText
    end_equity: DecimalText
    net_deposits: DecimalText
    profit: DecimalText
    total_return: float
    cagr: float | None
    volatility: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    max_drawdown: float
    max_drawdown_duration_seconds: float
    exposure: float | None
    payoff_ratio: float | None
    fees: DecimalText
    benchmark: str | None
    benchmark_return: float | None
    trades: TradeStatsJson
    """Figures of the round trips that closed in the period (of the symbol and strategy, when given)."""
    equity: list[EquityPointJson]
