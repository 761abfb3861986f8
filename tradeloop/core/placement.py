"""Placing and replacing orders: the checks, the terms, and what an order holds of the account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_UP, Decimal
from typing import Final
from uuid import UUID

from tradeloop.core.accounts import AccountState, drop_if_flat
from tradeloop.core.events import OrderAccepted
from tradeloop.core.fees import order_fee
from tradeloop.core.instruments import Asset
from tradeloop.core.money import CENT, HUNDRED, ONE, QTY_STEP, ZERO
from tradeloop.core.orders import (
    OrderRequest,
    OrderSide,
    OrderTerms,
    OrderType,
    ReplaceRequest,
    TimeInForce,
    is_group_entry,
    is_linked_exit,
    validate_request,
)
from tradeloop.errors import (
    DuplicateClientOrderId,
    InsufficientBuyingPower,
    InsufficientQty,
    InvalidField,
    InvalidOrderClass,
    NotReplaceable,
)

MARKET_BUFFER: Final = Decimal("0.05")
"""Buying power held above the reference price for orders without a price limit."""


def accept_order(
    state: AccountState,
    request: OrderRequest,
    asset: Asset | None,
    *,
    order_id: UUID,
    reference_price: Decimal | None,
    now: datetime,
    session_end: datetime,
) -> OrderAccepted:
    """Decide whether an order may be placed; return the event that places it.

    Raises:
        InvalidField, DuplicateClientOrderId, InsufficientBuyingPower, InsufficientQty.
    """
    validate_request(request, asset)
    assert asset is not None
    client_order_id = request.client_order_id or str(order_id)
    _check_client_order_id(state, client_order_id)
    price = reference_price if reference_price is not None else asset.reference_price
    return _accept(
        state,
        request,
        order_id=order_id,
        client_order_id=client_order_id,
        price=price,
        mark=reference_price,
        now=now,
        session_end=session_end,
        replaces=None,
        released_cash=ZERO,
        released_qty=ZERO,
    )


def accept_replacement(
    state: AccountState,
    order_id: UUID,
    change: ReplaceRequest,
    asset: Asset | None,
    *,
    new_id: UUID,
    reference_price: Decimal | None,
    now: datetime,
    session_end: datetime,
) -> OrderAccepted:
    """Decide a replace: the acceptance of the new order, checked as if the old one were gone.

    Raises:
        NotFound (no such open order), NotReplaceable, InvalidField, DuplicateClientOrderId,
        InsufficientBuyingPower, InsufficientQty.
    """
    order = state.order(order_id)
    old = order.terms
    if old.notional is not None:
        raise NotReplaceable("notional orders cannot be replaced")
    if change.trail is not None and old.type is not OrderType.TRAILING_STOP:
        raise InvalidField("trail", "only trailing stop orders have a trail")
    if is_group_entry(old):
        raise NotReplaceable(f"the entry of a {old.order_class} order cannot be replaced: replace a leg, or cancel the group")
    if is_linked_exit(old) and change.qty is not None:
        raise InvalidOrderClass("qty", "of a leg follows its group: replace its prices or time_in_force")
    request = OrderRequest(
        symbol=old.symbol,
        side=old.side,
        type=old.type,
        time_in_force=change.time_in_force or old.time_in_force,
        qty=change.qty if change.qty is not None else (old.qty or ZERO) - order.filled_qty,
        limit_price=change.limit_price if change.limit_price is not None else old.limit_price,
        stop_price=change.stop_price if change.stop_price is not None else old.stop_price,
        trail_price=(change.trail if change.trail is not None else old.trail_price)
        if old.trail_price is not None
        else None,
        trail_percent=(change.trail if change.trail is not None else old.trail_percent)
        if old.trail_percent is not None
        else None,
        client_order_id=change.client_order_id,
        extended_hours=old.extended_hours,
        strategy_id=old.strategy_id,
    )
    try:
        validate_request(request, asset)
    except InvalidField as exc:
        if change.trail is None or exc.field not in ("trail_price", "trail_percent"):
            raise
        # The caller sent `trail`: name it, not the field it became.
        raise InvalidField("trail", exc.message.removeprefix(f"invalid {exc.field}: ")) from None
    assert asset is not None
    client_order_id = change.client_order_id or str(new_id)
    _check_client_order_id(state, client_order_id)
    if is_linked_exit(old):
        return _replace_exit(old, request, order_id=new_id, client_order_id=client_order_id, hwm=order.hwm, now=now, session_end=session_end)
    price = reference_price if reference_price is not None else asset.reference_price
    return _accept(
        state,
        request,
        order_id=new_id,
        client_order_id=client_order_id,
        price=price,
        mark=order.hwm if order.hwm is not None else reference_price,  # a trailing stop keeps its mark
        now=now,
        session_end=session_end,
        replaces=old.id,
        released_cash=order.reserved_cash,
        released_qty=order.reserved_qty,
    )


def _replace_exit(
    old: OrderTerms,
    request: OrderRequest,
    *,
    order_id: UUID,
    client_order_id: str,
    hwm: Decimal | None,
    now: datetime,
    session_end: datetime,
) -> OrderAccepted:
    """A leg's replacement: new prices or time in force, the same place in its group (which holds its shares).

    Raises: InvalidOrderClass for a time in force other than day or gtc.
    """
    if request.time_in_force not in (TimeInForce.DAY, TimeInForce.GTC):
        raise InvalidOrderClass("time_in_force", f"must be day or gtc for {old.order_class} orders")
    terms = OrderTerms(
        id=order_id,
        client_order_id=client_order_id,
        account_id=old.account_id,
        symbol=old.symbol,
        side=old.side,
        type=old.type,
        time_in_force=request.time_in_force,
        qty=old.qty,
        notional=None,
        limit_price=request.limit_price,
        stop_price=request.stop_price,
        trail_price=request.trail_price,
        trail_percent=request.trail_percent,
        extended_hours=False,
        created_at=now,
        expires_at=session_end if request.time_in_force is TimeInForce.DAY else None,
        replaces=old.id,
        order_class=old.order_class,
        parent_id=old.parent_id,
        group_id=old.group_id,
        strategy_id=old.strategy_id,
        slippage_bps=old.slippage_bps,
    )
    return OrderAccepted(terms=terms, reserved_cash=ZERO, reserved_qty=ZERO, hwm=hwm)


@dataclass(frozen=True, slots=True, kw_only=True)
class Hold:
    """What a replacement holds beyond its old order while the market decides the swap."""

    accepted: OrderAccepted
    cash: Decimal
    qty: Decimal


def hold_pending(state: AccountState, accepted: OrderAccepted) -> Hold:
    """Hold what a replacement needs beyond what its old order already holds, until the market answers.

    The old order keeps its own reservation until the swap, so only the increase is held:
    either outcome then fits in the buying power and shares checked by `accept_replacement`.
    """
    terms = accepted.terms
    # Gone if it closed while the market decides (a snapshot holds again then): a closed order holds nothing.
    old = state.orders.get(terms.replaces) if terms.replaces is not None else None
    hold = Hold(
        accepted=accepted,
        cash=max(accepted.reserved_cash - (old.reserved_cash if old else ZERO), ZERO),
        qty=max(accepted.reserved_qty - (old.reserved_qty if old else ZERO), ZERO),
    )
    state.pending_cash += hold.cash
    if hold.qty:
        state.position(terms.symbol).reserved_qty += hold.qty
    state.pending_client_order_ids.add(terms.client_order_id)
    return hold


def release_pending(state: AccountState, hold: Hold) -> None:
    """Undo `hold_pending` once the market has answered either way."""
    state.pending_cash -= hold.cash
    if hold.qty:
        position = state.position(hold.accepted.terms.symbol)
        position.reserved_qty -= hold.qty
        drop_if_flat(state, position)
    state.pending_client_order_ids.discard(hold.accepted.terms.client_order_id)


def _check_client_order_id(state: AccountState, client_order_id: str) -> None:
    if client_order_id in state.client_order_ids or client_order_id in state.pending_client_order_ids:
        raise DuplicateClientOrderId(f"client_order_id {client_order_id!r} is already in use")


def _accept(
    state: AccountState,
    request: OrderRequest,
    *,
    order_id: UUID,
    client_order_id: str,
    price: Decimal,
    mark: Decimal | None,
    now: datetime,
    session_end: datetime,
    replaces: UUID | None,
    released_cash: Decimal,
    released_qty: Decimal,
) -> OrderAccepted:
    reserved_cash = ZERO
    reserved_qty = ZERO
    if request.side is OrderSide.BUY:
        reserved_cash = buy_reservation(request, price)
        if state.fees.charges:  # the fee is paid from cash too: held with the order, so cash never goes below zero
            shares = request.qty if request.qty is not None else (request.notional or ZERO) / price
            reserved_cash += order_fee(state.fees, shares, reserved_cash)
        available = state.buying_power + released_cash
        if reserved_cash > available:
            raise InsufficientBuyingPower(
                "insufficient buying power",
                buying_power=str(available),
                required=str(reserved_cash),
            )
    else:
        position = state.positions.get(request.symbol)
        available = (position.qty_available if position else ZERO) + released_qty
        # A notional sell needs its estimate held; the buffer above it holds only what there is.
        reserved_qty = min(sell_reservation(request, price), available)
        needed = request.qty if request.qty is not None else _shares_worth(request.notional or ZERO, price)
        if needed > available:
            raise InsufficientQty(
                f"insufficient qty available for order (requested: {needed}, available: {available})",
                available=str(available),
                requested=str(needed),
                symbol=request.symbol,
            )
    terms = OrderTerms(
        id=order_id,
        client_order_id=client_order_id,
        account_id=state.id,
        symbol=request.symbol,
        side=request.side,
        type=request.type,
        time_in_force=request.time_in_force,
        qty=request.qty,
        notional=request.notional,
        limit_price=request.limit_price,
        stop_price=request.stop_price,
        trail_price=request.trail_price,
        trail_percent=request.trail_percent,
        extended_hours=request.extended_hours,
        created_at=now,
        expires_at=session_end if request.time_in_force is TimeInForce.DAY else None,
        replaces=replaces,
        strategy_id=request.strategy_id,
        slippage_bps=state.fees.slippage_bps or None,
    )
    return OrderAccepted(
        terms=terms,
        reserved_cash=reserved_cash,
        reserved_qty=reserved_qty,
        hwm=mark if request.type is OrderType.TRAILING_STOP else None,  # unknown until a real price
    )


def buy_reservation(request: OrderRequest, price: Decimal) -> Decimal:
    """Cash a buy order holds: its worst cost where bounded, else a buffer above the price."""
    if request.notional is not None:
        return request.notional
    qty = request.qty or ZERO
    if request.type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        assert request.limit_price is not None
        return (qty * request.limit_price).quantize(CENT, rounding=ROUND_CEILING)
    reference = price
    if request.type is OrderType.STOP:
        assert request.stop_price is not None
        reference = max(price, request.stop_price)
    elif request.type is OrderType.TRAILING_STOP:
        reference = (
            price + request.trail_price
            if request.trail_price
            else price * (ONE + (request.trail_percent or ZERO) / HUNDRED)
        )
    return (qty * reference * (ONE + MARKET_BUFFER)).quantize(CENT, rounding=ROUND_CEILING)


def _shares_worth(amount: Decimal, price: Decimal) -> Decimal:
    """Shares worth `amount` at `price`, rounded up to the quantity step."""
    return (amount / price).quantize(QTY_STEP, rounding=ROUND_UP)


def sell_reservation(request: OrderRequest, price: Decimal) -> Decimal:
    """Shares a sell order holds; a notional sell holds a buffered estimate."""
    if request.qty is not None:
        return request.qty
    assert request.notional is not None
    return (request.notional / price * (ONE + MARKET_BUFFER)).quantize(QTY_STEP, rounding=ROUND_UP)
