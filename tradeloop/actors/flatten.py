"""Flattening an account on a breach: cancel its open orders, then close every position at market."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol
from uuid import UUID

from tradeloop.core.accounts import AccountState
from tradeloop.core.money import ZERO
from tradeloop.core.orders import Order, OrderRequest, OrderSide, OrderType, TimeInForce
from tradeloop.errors import TradeloopError


class Trader(Protocol):
    """What flattening needs of the engine."""

    def account(self, account_id: UUID) -> AccountState: ...

    async def cancel_order(self, account_id: UUID, order_id: UUID) -> Order: ...

    async def place_order(self, account_id: UUID, request: OrderRequest, *, exempt: bool = False) -> Order: ...


async def flatten(trader: Trader, account_id: UUID) -> None:
    """Cancel the open orders, then sell every position at market, past the trading state (which is HALTED).

    What fails (an order that filled meanwhile, a halted symbol) is left as it is: the account
    stays HALTED, and its owner sees the rest in its orders and positions.
    """
    state = trader.account(account_id)
    await asyncio.gather(*(trader.cancel_order(account_id, oid) for oid in list(state.orders)), return_exceptions=True)
    for symbol, position in list(state.positions.items()):
        qty = position.qty_available
        if qty <= ZERO:
            continue
        whole = qty == qty.to_integral_value()
        request = OrderRequest(
            symbol=symbol,
            side=OrderSide.SELL,
            type=OrderType.MARKET,
            time_in_force=TimeInForce.GTC if whole else TimeInForce.DAY,
            qty=qty,
        )
        with contextlib.suppress(TradeloopError):
            await trader.place_order(account_id, request, exempt=True)
