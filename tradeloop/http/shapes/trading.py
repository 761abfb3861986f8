"""Shapes of the trading API's answers (Alpaca v2): orders, the account, positions, assets, the clock, activities."""

from __future__ import annotations

from typing import Literal

from typing_extensions import NotRequired, TypedDict

from tradeloop.http.openapi.fields import DateText, DecimalText, JsonNumber, Timestamp, UuidText
from tradeloop.http.openapi.problem import Problem
from tradeloop.http.shapes.enums import (
    OrderClassText,
    OrderSideText,
    OrderStatusText,
    OrderTypeText,
    StateSourceText,
    TimeInForceText,
    TradingStateText,
)


class OrderJson(TypedDict):
    """An order, with every field alpaca-py's `Order` reads; `order_type` and `type` are the same."""

    id: UuidText
    client_order_id: str
    created_at: Timestamp
    updated_at: Timestamp
    submitted_at: Timestamp
    filled_at: Timestamp | None
    expired_at: Timestamp | None
    canceled_at: Timestamp | None
    failed_at: Timestamp | None
    replaced_at: Timestamp | None
    replaced_by: UuidText | None
    replaces: UuidText | None
    asset_id: UuidText
    symbol: str
    asset_class: Literal["us_equity"]
    notional: DecimalText | None
    qty: DecimalText | None
    filled_qty: DecimalText
    filled_avg_price: DecimalText | None
    order_class: OrderClassText
    order_type: OrderTypeText
    type: OrderTypeText
    side: OrderSideText
    position_intent: Literal["buy_to_open", "sell_to_close"]
    time_in_force: TimeInForceText
    limit_price: DecimalText | None
    stop_price: DecimalText | None
    status: OrderStatusText
    extended_hours: bool
    legs: list[OrderJson] | None
    """A bracket's, OCO's or OTO's legs, nested as Alpaca nests them (null for simple orders and for legs)."""
    trail_percent: DecimalText | None
    trail_price: DecimalText | None
    hwm: DecimalText | None
    expires_at: Timestamp | None
    ratio_qty: None
    strategy_id: UuidText | None
    """tradeloop's own: the strategy that placed the order (on each of its legs too); null for orders placed by hand."""


class AccountJson(TypedDict):
    """The account, with every field alpaca-py's `TradeAccount` reads; a cash account (multiplier 1, no shorts).

    `realized_pl` and `unrealized_pl` are tradeloop's own.
    """

    id: UuidText
    account_number: str
    status: Literal["ACTIVE", "DISABLED"]
    crypto_status: Literal["INACTIVE"]
    currency: Literal["USD"]
    buying_power: DecimalText
    regt_buying_power: DecimalText
    daytrading_buying_power: DecimalText
    effective_buying_power: DecimalText
    non_marginable_buying_power: DecimalText
    options_buying_power: DecimalText
    bod_dtbp: DecimalText
    cash: DecimalText
    accrued_fees: DecimalText
    pending_transfer_in: DecimalText
    pending_transfer_out: DecimalText
    portfolio_value: DecimalText
    equity: DecimalText
    last_equity: DecimalText
    long_market_value: DecimalText
    short_market_value: DecimalText
    position_market_value: DecimalText
    initial_margin: DecimalText
    maintenance_margin: DecimalText
    last_maintenance_margin: DecimalText
    sma: DecimalText
    multiplier: DecimalText
    pattern_day_trader: bool
    trading_blocked: bool
    transfers_blocked: bool
    account_blocked: bool
    trade_suspended_by_user: bool
    shorting_enabled: bool
    daytrade_count: int
    options_approved_level: int
    options_trading_level: int
    created_at: Timestamp
    realized_pl: DecimalText
    unrealized_pl: DecimalText


class PositionJson(TypedDict):
    """A long position, with every field alpaca-py's `Position` reads; P&L percentages are fractions ('0.0123')."""

    asset_id: UuidText
    symbol: str
    exchange: str
    asset_class: Literal["us_equity"]
    asset_marginable: bool
    avg_entry_price: DecimalText
    qty: DecimalText
    qty_available: DecimalText
    side: Literal["long"]
    market_value: DecimalText
    cost_basis: DecimalText
    unrealized_pl: DecimalText
    unrealized_plpc: DecimalText
    unrealized_intraday_pl: DecimalText
    unrealized_intraday_plpc: DecimalText
    current_price: DecimalText | None
    lastday_price: DecimalText | None
    change_today: DecimalText


AssetJson = TypedDict(
    "AssetJson",
    {
        "id": UuidText,
        "class": Literal["us_equity"],  # a keyword in Python, hence this form
        "exchange": str,
        "symbol": str,
        "name": str,
        "status": Literal["active"],
        "tradable": bool,
        "marginable": bool,
        "shortable": bool,
        "easy_to_borrow": bool,
        "fractionable": bool,
        "maintenance_margin_requirement": JsonNumber,
        "attributes": list[str],
    },
)
"""A listed asset, as alpaca-py's `Asset` reads it."""


class ClockJson(TypedDict):
    """The market clock: the simulated market is always open, its sessions turning over at 00:00 UTC."""

    timestamp: Timestamp
    is_open: bool
    next_open: Timestamp
    next_close: Timestamp


class FillActivityJson(TypedDict):
    """A fill (activity_type FILL), as alpaca-py's `TradeActivity` reads it."""

    id: str
    account_id: UuidText
    activity_type: Literal["FILL"]
    transaction_time: Timestamp
    type: Literal["fill", "partial_fill"]
    price: DecimalText
    qty: DecimalText
    side: OrderSideText
    symbol: str
    leaves_qty: DecimalText
    order_id: UuidText
    cum_qty: DecimalText
    order_status: Literal["filled", "partially_filled"]


class CashActivityJson(TypedDict):
    """A deposit (CSD) or withdrawal (CSW), as alpaca-py's `NonTradeActivity` reads it."""

    id: str
    account_id: UuidText
    activity_type: Literal["CSD", "CSW"]
    date: DateText
    net_amount: DecimalText
    description: str
    status: Literal["executed"]


class FeeActivityJson(TypedDict):
    """The fee a fill was charged (FEE), as alpaca-py's `NonTradeActivity` reads it: `net_amount` is negative."""

    id: str
    account_id: UuidText
    activity_type: Literal["FEE"]
    date: DateText
    net_amount: DecimalText
    description: str
    status: Literal["executed"]
    symbol: str


class RiskActivityJson(TypedDict):
    """A trading state change or a warning of a risk limit (activity_type RISK, ours: listed only when asked for)."""

    id: str
    account_id: UuidText
    activity_type: Literal["RISK"]
    transaction_time: Timestamp
    date: DateText
    event: Literal["state_changed", "warning"]
    trading_state: TradingStateText | None
    """The state set (state_changed); null for a warning."""
    source: StateSourceText | None
    """Who or what set it (state_changed); null for a warning."""
    limit: str | None
    """The limit warned of (warning); null for a state change."""
    description: str


ActivityJson = FillActivityJson | CashActivityJson | FeeActivityJson | RiskActivityJson


class OrderLineJson(TypedDict):
    """One line of DELETE /v2/orders (207): the order canceled, or the error met, under `body`."""

    id: UuidText
    status: int
    body: OrderJson | Problem | None


class CloseLineJson(TypedDict):
    """One line of DELETE /v2/positions (207): the closing order, or the error met."""

    symbol: str
    status: int
    order_id: NotRequired[UuidText]
    body: OrderJson | Problem
