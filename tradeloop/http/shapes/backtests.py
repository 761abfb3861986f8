"""Shapes of a backtest and of its result (/v2/backtests)."""

from __future__ import annotations

from typing import Any, Literal

from typing_extensions import TypedDict

from tradeloop.http.openapi.fields import Timestamp, UuidText


class BacktestJson(TypedDict):
    """A backtest: its status, progress (0 to 1) and the request it was given."""

    id: UuidText
    status: Literal["queued", "running", "done", "failed", "canceled"]
    progress: float
    runs: int
    rank_by: str | None
    created_at: Timestamp
    finished_at: Timestamp | None
    error: str | None
    request: dict[str, Any]


BacktestResultJson = dict[str, Any]
"""A run's result (strategy, metrics, orders, fills, signals, round_trips, equity_curve), or a sweep's
(rank_by, runs ranked with their parameters and metrics, best: the best run's result)."""
