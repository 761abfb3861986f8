"""Alpaca v2 JSON shapes of orders, accounts and positions, built from core objects."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Final
from uuid import UUID

from aiohttp import web

from tradeloop.codec import dumps, rfc3339, uuid_str
from tradeloop.core.accounts import AccountState, Valuation
from tradeloop.core.instruments import Asset, asset_id
from tradeloop.core.linked import exit_qty
from tradeloop.core.money import CENT, PCT_STEP, SUB_PENNY, ZERO, cents, fmt, fmt_qty
from tradeloop.core.orders import Order, OrderSide
from tradeloop.core.positions import Position
from tradeloop.http.shapes.trading import AccountJson, OrderJson, PositionJson

ASSET_CLASS: Final = "us_equity"
ZERO_TEXT: Final = "0"
JsonDict = dict[str, Any]


def json_response(data: object, status: int = 200) -> web.Response:
    """A JSON response rendered with the shared codec (money as strings)."""
    return web.Response(body=dumps(data), status=status, content_type="application/json")


def _price(value: Decimal | None) -> str | None:
    return None if value is None else fmt(value)


def _qty(value: Decimal | None) -> str | None:
    return None if value is None else fmt_qty(value)


def _money(value: Decimal) -> str:
    return fmt(cents(value))


def _ratio(part: Decimal, whole: Decimal) -> str:
    """A fraction such as P&L over cost, as Alpaca sends it ('0.0123'); '0' over nothing."""
    if not whole:
        return ZERO_TEXT
    return fmt((part / whole).quantize(PCT_STEP, rounding=ROUND_HALF_UP))


def average_price(value: Decimal | None) -> str | None:
    """An average fill price: to the cent when exact, else at most four decimals."""
    if value is None:
        return None
    rounded = value.quantize(SUB_PENNY, rounding=ROUND_HALF_UP)
    if rounded == rounded.quantize(CENT):
        return fmt(rounded.quantize(CENT))
    return fmt(rounded.normalize())


@lru_cache(maxsize=4096)
def _asset_id_text(symbol: str) -> str:
    return str(asset_id(symbol))


def order_json(order: Order, asset: UUID | None = None, legs: Sequence[Order] | None = None) -> OrderJson:
    """Every field alpaca-py's `Order` reads; `asset` defaults to the symbol's stable id; `legs` nested as Alpaca nests them."""
    terms = order.terms
    created_at = rfc3339(terms.created_at)
    order_type = str(terms.type)
    return {
        "id": str(terms.id),
        "client_order_id": terms.client_order_id,
        "created_at": created_at,
        "updated_at": rfc3339(order.updated_at),
        "submitted_at": created_at,
        "filled_at": rfc3339(order.filled_at),
        "expired_at": rfc3339(order.expired_at),
        "canceled_at": rfc3339(order.canceled_at),
        "failed_at": None,
        "replaced_at": rfc3339(order.replaced_at),
        "replaced_by": uuid_str(order.replaced_by),
        "replaces": uuid_str(terms.replaces),
        "asset_id": _asset_id_text(terms.symbol) if asset is None else str(asset),
        "symbol": terms.symbol,
        "asset_class": ASSET_CLASS,
        "notional": _price(terms.notional),
        "qty": _qty(exit_qty(order)),
        "filled_qty": fmt_qty(order.filled_qty),
        "filled_avg_price": average_price(order.filled_avg_price),
        "order_class": str(terms.order_class),
        "order_type": order_type,
        "type": order_type,
        "side": str(terms.side),
        "position_intent": "buy_to_open" if terms.side is OrderSide.BUY else "sell_to_close",
        "time_in_force": str(terms.time_in_force),
        "limit_price": _price(terms.limit_price),
        "stop_price": _price(order.stop_price),
        "status": str(order.status),
        "extended_hours": terms.extended_hours,
        "legs": None if legs is None else [order_json(leg, asset) for leg in legs],
        "trail_percent": _price(terms.trail_percent),
        "trail_price": _price(terms.trail_price),
        "hwm": _price(order.hwm),
        "expires_at": rfc3339(terms.expires_at),
        "ratio_qty": None,
        "strategy_id": uuid_str(terms.strategy_id),
    }


def account_json(state: AccountState, valuation: Valuation, *, blocked: bool = False) -> AccountJson:
    """Every field alpaca-py's `TradeAccount` reads, for a cash account (multiplier 1, no shorts).

    Equity is cash plus the long market value; buying power is cash less what
    open buy orders hold. A `blocked` (disabled) account reports status DISABLED.
    `realized_pl` and `unrealized_pl` are tradeloop extras.
    """
    buying_power = _money(valuation.buying_power)
    long_value = _money(valuation.long_market_value)
    equity = _money(valuation.equity)
    return {
        "id": str(state.id),
        "account_number": state.account_number,
        "status": "DISABLED" if blocked else "ACTIVE",
        "crypto_status": "INACTIVE",
        "currency": "USD",
        "buying_power": buying_power,
        "regt_buying_power": buying_power,
        "daytrading_buying_power": ZERO_TEXT,
        "effective_buying_power": buying_power,
        "non_marginable_buying_power": buying_power,
        "options_buying_power": buying_power,
        "bod_dtbp": ZERO_TEXT,
        "cash": _money(valuation.cash),
        "accrued_fees": ZERO_TEXT,
        "pending_transfer_in": ZERO_TEXT,
        "pending_transfer_out": ZERO_TEXT,
        "portfolio_value": equity,
        "equity": equity,
        "last_equity": _money(state.last_equity),
        "long_market_value": long_value,
        "short_market_value": ZERO_TEXT,
        "position_market_value": long_value,
        "initial_margin": ZERO_TEXT,
        "maintenance_margin": ZERO_TEXT,
        "last_maintenance_margin": ZERO_TEXT,
        "sma": ZERO_TEXT,
        "multiplier": "1",
        "pattern_day_trader": False,
        "trading_blocked": blocked,
        "transfers_blocked": blocked,
        "account_blocked": blocked,
        "trade_suspended_by_user": False,
        "shorting_enabled": False,
        "daytrade_count": 0,
        "options_approved_level": 0,
        "options_trading_level": 0,
        "created_at": rfc3339(state.created_at),
        "realized_pl": _money(valuation.realized_pl),
        "unrealized_pl": _money(valuation.unrealized_pl),
    }


def position_json(position: Position, asset: Asset, price: Decimal | None, previous_close: Decimal | None) -> PositionJson:
    """Every field alpaca-py's `Position` reads; P&L percentages are fractions ('0.0123').

    Without a price the position is valued at cost. The intraday P&L runs from
    the previous close, or from cost when no session has closed yet.
    """
    market_value = position.market_value(price) if price is not None else position.cost_basis
    unrealized = market_value - position.cost_basis
    day_basis = position.market_value(previous_close) if previous_close is not None else position.cost_basis
    intraday = market_value - day_basis
    change_today = ZERO_TEXT
    if price is not None and previous_close is not None:
        change_today = _ratio(price - previous_close, previous_close)
    return {
        "asset_id": str(asset.id),
        "symbol": position.symbol,
        "exchange": asset.exchange,
        "asset_class": ASSET_CLASS,
        "asset_marginable": False,
        "avg_entry_price": average_price(position.avg_entry_price) or ZERO_TEXT,
        "qty": fmt_qty(position.qty),
        "qty_available": fmt_qty(max(position.qty_available, ZERO)),
        "side": "long",
        "market_value": _money(market_value),
        "cost_basis": _money(position.cost_basis),
        "unrealized_pl": _money(unrealized),
        "unrealized_plpc": _ratio(unrealized, position.cost_basis),
        "unrealized_intraday_pl": _money(intraday),
        "unrealized_intraday_plpc": _ratio(intraday, day_basis),
        "current_price": _price(price) if price is not None else average_price(position.avg_entry_price),
        "lastday_price": _price(previous_close),
        "change_today": change_today,
    }
