"""Requests that fan out to many orders: cancel all, close a position, close all positions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from tradeloop.actors.engine import Engine
from tradeloop.core.money import HUNDRED, ZERO, quantize_qty_down
from tradeloop.core.orders import Order, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeloop.errors import InvalidField, NotCancelable, NotFound, TradeloopError


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkResult:
    """One line of a bulk cancel or close: the order made, or the error met."""

    id: UUID | str
    status: int
    order: Order | None = None
    error: TradeloopError | None = None


async def cancel_all_orders(engine: Engine, account_id: UUID) -> list[BulkResult]:
    open_ids = list(engine.account(account_id).orders)
    results = await asyncio.gather(*(_bulk(oid, _cancel(engine, account_id, oid)) for oid in open_ids))
    return list(results)


async def _cancel(engine: Engine, account_id: UUID, order_id: UUID) -> Order:
    """Cancel one order; one canceled meanwhile with its linked group (by another line's cancel) is answered as canceled."""
    try:
        return await engine.cancel_order(account_id, order_id)
    except NotCancelable:
        order = await engine.order(account_id, order_id)
        if order.terms.group_id is None or order.status is not OrderStatus.CANCELED:
            raise
        return order

async def close_position(
    engine: Engine, account_id: UUID, symbol: str, *, qty: Decimal | None = None, percentage: Decimal | None = None
) -> Order:
    """Sell all or part of a position at market.

    Raises:
        NotFound: no position in the symbol. InvalidField: bad qty or percentage.
    """
    position = engine.account(account_id).positions.get(symbol)
    if position is None or not position.qty:
        raise NotFound("position does not exist")
    if qty is not None and percentage is not None:
        raise InvalidField("qty", "give qty or percentage, not both")
    amount = position.qty
    if qty is not None:
        if qty <= ZERO or qty > position.qty:
            raise InvalidField("qty", f"must be above 0 and at most {position.qty}")
        amount = qty
    elif percentage is not None:
        if not ZERO < percentage <= HUNDRED:
            raise InvalidField("percentage", "must be above 0 and at most 100")
        amount = quantize_qty_down(position.qty * percentage / HUNDRED)
        if amount <= ZERO:
            raise InvalidField("percentage", "leaves nothing to sell")
    whole = amount == amount.to_integral_value()
    request = OrderRequest(
        symbol=symbol,
        side=OrderSide.SELL,
        type=OrderType.MARKET,
        time_in_force=TimeInForce.GTC if whole else TimeInForce.DAY,
        qty=amount,
    )
    return await engine.place_order(account_id, request)

async def close_all_positions(engine: Engine, account_id: UUID, *, cancel_orders: bool) -> list[BulkResult]:
    if cancel_orders:
        await cancel_all_orders(engine, account_id)
    symbols = [p.symbol for p in engine.account(account_id).positions.values() if p.qty]
    results = await asyncio.gather(*(_bulk(s, close_position(engine, account_id, s)) for s in symbols))
    return list(results)

async def _bulk(key: UUID | str, pending: Awaitable[Order]) -> BulkResult:
    try:
        order = await pending
    except TradeloopError as exc:
        return BulkResult(id=key, status=exc.status, error=exc)
    return BulkResult(id=key, status=200, order=order)

