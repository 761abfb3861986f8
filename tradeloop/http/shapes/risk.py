"""Shapes of the risk extension's answers: /v2/risk, POST /v2/orders/preview, and the administrators' risk routes."""

from __future__ import annotations

from typing import Literal

from typing_extensions import TypedDict

from tradeloop.http.openapi.fields import DecimalText, Timestamp, UuidText
from tradeloop.http.openapi.problem import Problem
from tradeloop.http.shapes.enums import BreachActionText, StateSourceText, TradingStateText


class LimitsJson(TypedDict):
    """An account's risk limits; null: no such limit."""

    max_order_notional: DecimalText | None
    max_position_notional: DecimalText | None
    max_position_percent_of_equity: DecimalText | None
    max_open_orders: int | None
    max_orders_per_minute: int | None
    daily_loss_limit: DecimalText | None
    """Dollars the session may lose, on equity with unrealized P&L, against the session's starting equity."""
    daily_loss_limit_percent: DecimalText | None
    """The same as a percent of the session's starting equity; the tighter of the two applies."""
    daily_loss_action: BreachActionText
    max_drawdown_percent: DecimalText | None
    """Fall from the peak equity, in percent; a breach sets REDUCING."""
    warn_at_percent: DecimalText
    """The percent of daily_loss_limit (or max_drawdown_percent) at which a warning is given, once per session."""


class UsageJson(TypedDict):
    """Where the account stands against its limits now."""

    equity: DecimalText
    session_start_equity: DecimalText
    daily_loss: DecimalText
    """session_start_equity - equity (negative: a gain)."""
    daily_loss_allowed: DecimalText | None
    """The tighter of daily_loss_limit and daily_loss_limit_percent, in dollars; null without either."""
    peak_equity: DecimalText | None
    drawdown_percent: DecimalText
    open_orders: int
    orders_last_minute: int
    """Orders accepted in the last 60 seconds, as max_orders_per_minute counts them (0 without that limit)."""


class NoticeJson(TypedDict):
    """A recent state change, change of limits or warning (the journal keeps them all, as RISK activities)."""

    kind: Literal["state_changed", "limits_set", "warning"]
    message: str
    timestamp: Timestamp


class RiskJson(TypedDict):
    """GET /v2/risk: the trading state, why and since when, the limits, the usage and the latest notices."""

    trading_state: TradingStateText
    reason: str | None
    source: StateSourceText | None
    changed_at: Timestamp | None
    limits: LimitsJson
    usage: UsageJson
    notices: list[NoticeJson]


class AccountRiskJson(RiskJson):
    """An account's risk, as the administrators' routes answer it."""

    account_id: UuidText


class RiskEverywhereJson(TypedDict):
    """PATCH /admin/v1/risk: how many accounts were set."""

    accounts: int


class CheckJson(TypedDict):
    """A limit the order was held to: its value, the order's figure and what is left."""

    limit: str
    value: DecimalText
    figure: DecimalText
    headroom: DecimalText


class PreviewJson(TypedDict):
    """POST /v2/orders/preview: what placing the order would do now; nothing was changed."""

    accepted: bool
    refusal: Problem | None
    """The error placing it would answer (its code, message and status), or null."""
    trading_state: TradingStateText
    fills_now: bool
    estimated_price: DecimalText | None
    """The price it would fill at now, slipped as its fill would be; for an order that would rest, its limit (or stop) price."""
    estimated_qty: DecimalText | None
    estimated_cost: DecimalText | None
    """What it would move in cash filled whole at the estimated price: a buy's value plus its fee, a sale's value less it."""
    estimated_fee: DecimalText
    """The fee the account's schedule would charge it filled whole at the estimated price; "0.00" with none."""
    buying_power: DecimalText
    buying_power_after: DecimalText
    position_qty: DecimalText
    position_qty_after: DecimalText
    checks: list[CheckJson]
    """The risk limits it was held to and passed, with their headroom."""
