"""Orders: enums, the terms and the record of an order, requests and their validation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final
from uuid import UUID

from tradeloop.core.instruments import Asset
from tradeloop.core.money import (
    HUNDRED,
    MONEY,
    PERCENT,
    PRICE,
    QUANTITY,
    ZERO,
    Bounds,
    OutOfBounds,
    is_on_tick,
    quantize_price,
)
from tradeloop.errors import InvalidField, InvalidOrderClass


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"
    TRAILING_STOP = "trailing_stop"


class TimeInForce(StrEnum):
    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"


class OrderClass(StrEnum):
    """Alpaca's order classes: a simple order, or one of a linked group (entry and exits)."""

    SIMPLE = "simple"
    BRACKET = "bracket"
    OCO = "oco"
    OTO = "oto"


class OrderStatus(StrEnum):
    NEW = "new"
    HELD = "held"
    """An exit of a bracket or OTO waiting for its entry to fill."""
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REPLACED = "replaced"
    REJECTED = "rejected"


TERMINAL: Final = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REPLACED, OrderStatus.REJECTED}
)
MAX_CLIENT_ORDER_ID: Final = 128


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRequest:
    """A validated request to place an order; built at the edge, checked here."""

    symbol: str
    side: OrderSide
    type: OrderType
    time_in_force: TimeInForce
    qty: Decimal | None = None
    notional: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None
    client_order_id: str | None = None
    extended_hours: bool = False
    order_class: OrderClass = OrderClass.SIMPLE
    take_profit: TakeProfit | None = None
    stop_loss: StopLoss | None = None
    exit_time_in_force: TimeInForce | None = None
    """The exits' time in force when it differs from the entry's (an extension of Alpaca's request)."""
    strategy_id: UUID | None = None
    """The strategy placing the order (None: placed by hand); its terms carry it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TakeProfit:
    """A linked group's take-profit exit: a limit order."""

    limit_price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class StopLoss:
    """A linked group's stop-loss exit: a stop, a stop-limit, or (an extension) a trailing stop."""

    stop_price: Decimal | None = None
    limit_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceRequest:
    """The fields a replace may change; None keeps the old value."""

    qty: Decimal | None = None
    time_in_force: TimeInForce | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail: Decimal | None = None
    client_order_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderTerms:
    """What an order is, fixed when it is accepted: what was asked for, by whom, and when it lapses.

    What changes later is the order's state, not its terms: fills, status, a trailing stop's
    mark and stop price, what the account still holds for it (`Order`, `WorkingOrder`).
    A field added here needs a default, so that terms written before it still decode.
    """

    id: UUID
    client_order_id: str
    account_id: UUID
    symbol: str
    side: OrderSide
    type: OrderType
    time_in_force: TimeInForce
    qty: Decimal | None
    notional: Decimal | None
    limit_price: Decimal | None
    stop_price: Decimal | None
    """The stop price asked for (a stop or stop-limit order); a trailing stop's moves, see `Order.stop_price`."""
    trail_price: Decimal | None
    trail_percent: Decimal | None
    extended_hours: bool
    created_at: datetime
    expires_at: datetime | None
    replaces: UUID | None
    order_class: OrderClass = OrderClass.SIMPLE
    parent_id: UUID | None = None
    """The id of the group's first order, on its legs (Alpaca nests legs under it); None on that order."""
    group_id: UUID | None = None
    """The linked group's id (its first order's id) on every member, kept by replacements; None for simple orders."""
    strategy_id: UUID | None = None
    """The strategy that placed the order, on every member of its group, kept by replacements; None for other orders."""
    slippage_bps: Decimal | None = None
    """The account's slippage when the order was accepted (`core.fees`); None: its fills are made at the book's price."""


@dataclass(slots=True, kw_only=True)
class Order:
    """The account's record of an order: its terms and its state, changed only by applying events."""

    terms: OrderTerms
    updated_at: datetime
    status: OrderStatus = OrderStatus.NEW
    filled_qty: Decimal = ZERO
    filled_value: Decimal = ZERO
    fill_count: int = 0
    """Fills so far; the next fill's id derives from it, so ids survive a restart."""
    filled_at: datetime | None = None
    canceled_at: datetime | None = None
    expired_at: datetime | None = None
    replaced_at: datetime | None = None
    replaced_by: UUID | None = None
    hwm: Decimal | None = None
    """A trailing stop's mark: the best price since it was placed (None before the first price)."""
    triggered: bool = False
    reserved_cash: Decimal = ZERO
    """Buying power still held for this buy order; released when it ends."""
    reserved_qty: Decimal = ZERO
    """Shares still held for this sell order; released when it ends."""
    group_size: Decimal = ZERO
    """An exit of a linked group: the shares its group protects (the entry's filled qty; an OCO's qty)."""
    group_exited: Decimal = ZERO
    """An exit of a linked group: the shares its group's exits have sold so far."""
    entry_open: bool = False
    """An exit of a bracket or OTO: whether its entry may still fill."""

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL

    @property
    def filled_avg_price(self) -> Decimal | None:
        if not self.filled_qty:
            return None
        return self.filled_value / self.filled_qty

    @property
    def stop_price(self) -> Decimal | None:
        """Where the stop stands now: the terms' stop price, or a trailing stop's level from its mark."""
        terms = self.terms
        if terms.type is OrderType.TRAILING_STOP:
            return trail_level(terms.side, self.hwm, terms.trail_price, terms.trail_percent)
        return terms.stop_price

    def copy(self) -> Order:
        """Return a detached copy, safe to hand outside the owning actor (the terms are frozen, so shared).

        Field by field rather than `dataclasses.replace`, which costs ten times as
        much on every order answer; a field left out here fails `copy() == self`.
        """
        twin = object.__new__(Order)
        twin.terms = self.terms
        twin.updated_at = self.updated_at
        twin.status = self.status
        twin.filled_qty = self.filled_qty
        twin.filled_value = self.filled_value
        twin.fill_count = self.fill_count
        twin.filled_at = self.filled_at
        twin.canceled_at = self.canceled_at
        twin.expired_at = self.expired_at
        twin.replaced_at = self.replaced_at
        twin.replaced_by = self.replaced_by
        twin.hwm = self.hwm
        twin.triggered = self.triggered
        twin.reserved_cash = self.reserved_cash
        twin.reserved_qty = self.reserved_qty
        twin.group_size = self.group_size
        twin.group_exited = self.group_exited
        twin.entry_open = self.entry_open
        return twin


def is_linked_exit(terms: OrderTerms) -> bool:
    """Whether an order is an exit of a linked group: a bracket's or OTO's leg, or either order of an OCO.

    Such an order only ever sells what its group bought or was given to protect, so risk
    states that block new exposure let it through.
    """
    return terms.parent_id is not None or terms.order_class is OrderClass.OCO


def is_group_entry(terms: OrderTerms) -> bool:
    """Whether an order is the entry of a bracket or OTO (its fills size the exits)."""
    return terms.parent_id is None and terms.order_class in (OrderClass.BRACKET, OrderClass.OTO)


def holds_group_shares(terms: OrderTerms) -> bool:
    """Whether this exit holds its group's shares: the limit (take-profit) exit, or an OTO's only exit.

    A group's exits share one holding of shares, so the position counts them once.
    """
    return is_linked_exit(terms) and (terms.type is OrderType.LIMIT or terms.order_class is OrderClass.OTO)


def trail_level(
    side: OrderSide, hwm: Decimal | None, trail_price: Decimal | None, trail_percent: Decimal | None
) -> Decimal | None:
    """A trailing stop's trigger price: the mark less the trail for a sell, plus it for a buy."""
    if hwm is None:
        return None
    offset = trail_price if trail_price is not None else hwm * (trail_percent or ZERO) / HUNDRED
    level = hwm - offset if side is OrderSide.SELL else hwm + offset
    return quantize_price(max(level, ZERO))


def validate_request(request: OrderRequest, asset: Asset | None) -> None:
    """Check an order request's fields and their combination.

    Raises:
        InvalidField: naming the first offending field; `symbol` when the asset is missing (None) or not tradable.
    """
    if asset is None:
        raise InvalidField("symbol", f"unknown symbol {request.symbol!r}")
    if not asset.tradable:
        raise InvalidField("symbol", f"{asset.symbol} is not tradable")
    if request.order_class is OrderClass.SIMPLE:
        for name, value in (
            ("take_profit", request.take_profit),
            ("stop_loss", request.stop_loss),
            ("exit_time_in_force", request.exit_time_in_force),
        ):
            if value is not None:
                raise InvalidOrderClass(name, "is only for bracket, oco and oto orders")
    _validate_amount(request, asset)
    _validate_prices(request)
    if request.client_order_id is not None and not 0 < len(request.client_order_id) <= MAX_CLIENT_ORDER_ID:
        raise InvalidField("client_order_id", f"must be 1 to {MAX_CLIENT_ORDER_ID} characters")
    if request.extended_hours and not (request.type is OrderType.LIMIT and request.time_in_force is TimeInForce.DAY):
        raise InvalidField("extended_hours", "extended hours orders must be day limit orders")


def _validate_amount(request: OrderRequest, asset: Asset) -> None:
    if (request.qty is None) == (request.notional is None):
        raise InvalidField("qty", "exactly one of qty or notional is required")
    if request.qty is not None:
        _require_positive("qty", request.qty, QUANTITY)
        fractional = request.qty != request.qty.to_integral_value()
        if fractional and not asset.fractionable:
            raise InvalidField("qty", f"{asset.symbol} is not fractionable")
        if fractional and (
            request.type not in (OrderType.MARKET, OrderType.LIMIT) or request.time_in_force is not TimeInForce.DAY
        ):
            raise InvalidField("qty", "fractional orders must be market or limit orders with time_in_force day")
    if request.notional is not None:
        _require_positive("notional", request.notional, MONEY)
        if request.type is not OrderType.MARKET:
            raise InvalidField("notional", "notional orders must be market orders")
        if request.time_in_force is not TimeInForce.DAY:
            raise InvalidField("time_in_force", "notional orders must be day orders")


def _validate_prices(request: OrderRequest) -> None:
    needs_limit = request.type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    needs_stop = request.type in (OrderType.STOP, OrderType.STOP_LIMIT)
    _check_price("limit_price", request.limit_price, required=needs_limit)
    _check_price("stop_price", request.stop_price, required=needs_stop)
    if request.type is OrderType.TRAILING_STOP:
        if (request.trail_price is None) == (request.trail_percent is None):
            raise InvalidField("trail_price", "exactly one of trail_price or trail_percent is required")
        if request.trail_price is not None:
            _check_price("trail_price", request.trail_price, required=True)
        if request.trail_percent is not None:
            _require_positive("trail_percent", request.trail_percent, PERCENT)
            if request.trail_percent >= HUNDRED:
                raise InvalidField("trail_percent", "must be below 100")
        if request.time_in_force not in (TimeInForce.DAY, TimeInForce.GTC):
            raise InvalidField("time_in_force", "trailing stop orders must be day or gtc")
    else:
        if request.trail_price is not None:
            raise InvalidField("trail_price", f"not allowed for {request.type} orders")
        if request.trail_percent is not None:
            raise InvalidField("trail_percent", f"not allowed for {request.type} orders")
    if request.type in (OrderType.STOP, OrderType.STOP_LIMIT) and request.time_in_force not in (
        TimeInForce.DAY,
        TimeInForce.GTC,
    ):
        raise InvalidField("time_in_force", "stop orders must be day or gtc")


def _check_price(field: str, value: Decimal | None, *, required: bool) -> None:
    if value is None:
        if required:
            raise InvalidField(field, "is required for this order type")
        return
    if not required:
        raise InvalidField(field, "not allowed for this order type")
    _require_positive(field, value, PRICE)
    if not is_on_tick(value):
        raise InvalidField(field, "must be a multiple of 0.01 (0.0001 below $1.00)")


def _require_positive(field: str, value: Decimal, bounds: Bounds) -> None:
    """A positive number within the bounds of its kind (`tradeloop.core.money`), or InvalidField naming it."""
    if not value.is_finite() or value <= ZERO:
        raise InvalidField(field, "must be a positive number")
    try:
        bounds.check(value)
    except OutOfBounds as exc:
        raise InvalidField(field, str(exc)) from None
