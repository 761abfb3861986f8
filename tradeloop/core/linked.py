"""Order classes: bracket, OCO and OTO groups, their rules (Alpaca's, see docs/order-classes.md) and their acceptance.

A group is an entry and its exits (bracket: a take-profit and a stop-loss; OTO: one
exit) or two exits of a position already held (OCO: a take-profit limit and a
stop-loss leg). Every member carries the group's id; legs carry their parent's id.
The exits of a bracket or OTO are `held` until the entry fills, and together they
never sell more than the entry bought (`ExitGroup` keeps that in the book, `tradeloop.core.exits`
in the account). Which orders are exits: `tradeloop.core.orders.is_linked_exit`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Final
from uuid import UUID

from tradeloop.core.accounts import AccountState
from tradeloop.core.events import OrderAccepted
from tradeloop.core.instruments import Asset
from tradeloop.core.money import CENT
from tradeloop.core.orders import (
    Order,
    OrderClass,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderTerms,
    OrderType,
    StopLoss,
    TimeInForce,
    is_linked_exit,
    validate_request,
)
from tradeloop.core.placement import accept_order
from tradeloop.errors import InvalidField, InvalidOrderClass

EXIT_TIME_IN_FORCE: Final = (TimeInForce.DAY, TimeInForce.GTC)
"""Alpaca: an advanced order's time_in_force is day or gtc."""


def exit_qty(order: Order) -> Decimal | None:
    """The quantity an exit shows: the entry's while it is held, else what it sold plus what it still protects."""
    terms = order.terms
    if not is_linked_exit(terms) or order.status is OrderStatus.HELD:
        return terms.qty
    return order.filled_qty + max(order.group_size - order.group_exited, Decimal(0))


def validate_linked(request: OrderRequest, base_price: Decimal) -> None:
    """Check a bracket, OCO or OTO request against its class's rules; `base_price` is the entry's price now.

    Raises:
        InvalidOrderClass: naming the first offending field.
    """
    kind = request.order_class
    if kind is OrderClass.SIMPLE:
        return  # a simple order's own fields: `validate_request`
    if request.notional is not None:
        raise InvalidOrderClass("notional", f"is not allowed for {kind} orders: give a whole-share qty")
    if request.qty is None or request.qty != request.qty.to_integral_value():
        raise InvalidOrderClass("qty", f"must be a whole number of shares for {kind} orders")
    if request.time_in_force not in EXIT_TIME_IN_FORCE:
        raise InvalidOrderClass("time_in_force", f"must be day or gtc for {kind} orders")
    if request.exit_time_in_force is not None and request.exit_time_in_force not in EXIT_TIME_IN_FORCE:
        raise InvalidOrderClass("exit_time_in_force", "must be day or gtc")
    if request.extended_hours:
        raise InvalidOrderClass("extended_hours", f"is not allowed for {kind} orders")
    if kind is OrderClass.OCO:
        _validate_oco(request)
        assert request.take_profit is not None
        base_price = request.take_profit.limit_price
    else:
        _validate_entry(request)
        if request.type is OrderType.LIMIT:
            assert request.limit_price is not None
            base_price = request.limit_price
    take_profit, stop_loss = request.take_profit, request.stop_loss
    if take_profit is not None and kind is not OrderClass.OCO and take_profit.limit_price < base_price + CENT:
        raise InvalidOrderClass("take_profit.limit_price", "must be >= base_price + 0.01")
    if stop_loss is not None:
        _validate_stop_loss(stop_loss, base_price)


def _validate_entry(request: OrderRequest) -> None:
    kind = request.order_class
    if request.side is not OrderSide.BUY:
        raise InvalidOrderClass("side", f"must be buy for {kind} orders: accounts here do not sell short")
    if request.type not in (OrderType.MARKET, OrderType.LIMIT):
        raise InvalidOrderClass("type", f"must be market or limit for {kind} orders")
    if kind is OrderClass.BRACKET:
        if request.take_profit is None:
            raise InvalidOrderClass("take_profit", "is required for bracket orders")
        if request.stop_loss is None:
            raise InvalidOrderClass("stop_loss", "is required for bracket orders")
    elif (request.take_profit is None) == (request.stop_loss is None):
        raise InvalidOrderClass("take_profit", "an oto order takes exactly one of take_profit or stop_loss")


def _validate_oco(request: OrderRequest) -> None:
    if request.side is not OrderSide.SELL:
        raise InvalidOrderClass("side", "must be sell for oco orders: an oco exits a long position")
    if request.type is not OrderType.LIMIT:
        raise InvalidOrderClass("type", "must be limit for oco orders")
    if request.take_profit is None:
        raise InvalidOrderClass("take_profit", "is required for oco orders")
    if request.stop_loss is None:
        raise InvalidOrderClass("stop_loss", "is required for oco orders")
    if request.limit_price is not None and request.limit_price != request.take_profit.limit_price:
        raise InvalidOrderClass("limit_price", "must equal take_profit.limit_price for oco orders")


def _validate_stop_loss(stop_loss: StopLoss, base_price: Decimal) -> None:
    trailing = stop_loss.trail_price is not None or stop_loss.trail_percent is not None
    if trailing:
        if stop_loss.stop_price is not None:
            raise InvalidOrderClass("stop_loss.stop_price", "is not allowed with a trailing stop-loss")
        if stop_loss.limit_price is not None:
            raise InvalidOrderClass("stop_loss.limit_price", "is not allowed with a trailing stop-loss")
        if stop_loss.trail_price is not None and stop_loss.trail_percent is not None:
            raise InvalidOrderClass("stop_loss.trail_price", "give one of trail_price or trail_percent")
        return
    if stop_loss.stop_price is None:
        raise InvalidOrderClass("stop_loss.stop_price", "is required")
    if stop_loss.stop_price > base_price - CENT:
        raise InvalidOrderClass("stop_loss.stop_price", "must be <= base_price - 0.01")


def exit_requests(request: OrderRequest) -> list[tuple[str, OrderRequest]]:
    """The exits a group request makes, each with the request field it came from (`take_profit`, `stop_loss`).

    An OCO's take-profit is the order itself (its first member); its stop-loss is its one leg.
    """
    assert request.qty is not None
    time_in_force = request.exit_time_in_force or request.time_in_force
    made: list[tuple[str, OrderRequest]] = []
    if request.take_profit is not None and request.order_class is not OrderClass.OCO:
        made.append(
            (
                "take_profit",
                OrderRequest(
                    symbol=request.symbol,
                    side=OrderSide.SELL,
                    type=OrderType.LIMIT,
                    time_in_force=time_in_force,
                    qty=request.qty,
                    limit_price=request.take_profit.limit_price,
                ),
            )
        )
    stop = request.stop_loss
    if stop is not None:
        trailing = stop.trail_price is not None or stop.trail_percent is not None
        kind = (
            OrderType.TRAILING_STOP
            if trailing
            else (OrderType.STOP_LIMIT if stop.limit_price is not None else OrderType.STOP)
        )
        made.append(
            (
                "stop_loss",
                OrderRequest(
                    symbol=request.symbol,
                    side=OrderSide.SELL,
                    type=kind,
                    time_in_force=time_in_force,
                    qty=request.qty,
                    stop_price=stop.stop_price,
                    limit_price=stop.limit_price,
                    trail_price=stop.trail_price,
                    trail_percent=stop.trail_percent,
                ),
            )
        )
    return made


def accept_linked(
    state: AccountState,
    request: OrderRequest,
    asset: Asset | None,
    *,
    new_id: Callable[[], UUID],
    reference_price: Decimal | None,
    now: datetime,
    session_end: datetime,
) -> list[OrderAccepted]:
    """Decide a bracket, OCO or OTO: the acceptances of its first order and of its legs, in that order.

    The first order is checked as a simple order would be (buying power for an entry, shares
    held for an OCO); the legs hold nothing of their own: a bracket's or OTO's sell only what
    the entry buys, and an OCO's stop-loss shares the take-profit's shares.

    Raises:
        InvalidOrderClass, and whatever `accept_order` raises for the first order.
    """
    kind = request.order_class
    first = _first_request(request)
    if asset is None or not asset.tradable:
        validate_request(first, asset)  # names the symbol
    assert asset is not None
    base = reference_price if reference_price is not None else asset.reference_price
    validate_linked(request, base)  # the class's rules first: they name the fields as Alpaca does
    validate_request(first, asset)
    exits = exit_requests(request)
    for field, leg in exits:
        try:
            validate_request(leg, asset)
        except InvalidField as exc:
            raise InvalidOrderClass(f"{field}.{exc.field}", exc.message.removeprefix(f"invalid {exc.field}: ")) from None
    root_id = new_id()
    accepted = accept_order(
        state,
        first,
        asset,
        order_id=root_id,
        reference_price=reference_price,
        now=now,
        session_end=session_end,
    )
    root = replace(accepted, terms=replace(accepted.terms, order_class=kind, group_id=root_id))
    made = [root]
    for _, leg in exits:
        leg_id = new_id()
        made.append(
            OrderAccepted(
                terms=OrderTerms(
                    id=leg_id,
                    client_order_id=str(leg_id),
                    account_id=state.id,
                    symbol=leg.symbol,
                    side=leg.side,
                    type=leg.type,
                    time_in_force=leg.time_in_force,
                    qty=leg.qty,
                    notional=None,
                    limit_price=leg.limit_price,
                    stop_price=leg.stop_price,
                    trail_price=leg.trail_price,
                    trail_percent=leg.trail_percent,
                    extended_hours=False,
                    created_at=now,
                    expires_at=session_end if leg.time_in_force is TimeInForce.DAY else None,
                    replaces=None,
                    order_class=kind,
                    parent_id=root_id,
                    group_id=root_id,
                    strategy_id=request.strategy_id,
                    slippage_bps=state.fees.slippage_bps or None,
                ),
                reserved_cash=Decimal(0),
                reserved_qty=Decimal(0),
                hwm=None,  # a trailing stop-loss takes its first mark when it starts to work
            )
        )
    return made


def _first_request(request: OrderRequest) -> OrderRequest:
    """The group's first order as a simple request: the entry, or an OCO's take-profit limit."""
    limit_price = request.limit_price
    if request.order_class is OrderClass.OCO and request.take_profit is not None:
        limit_price = request.take_profit.limit_price
    return replace(
        request,
        limit_price=limit_price,
        order_class=OrderClass.SIMPLE,
        take_profit=None,
        stop_loss=None,
        exit_time_in_force=None,
    )
