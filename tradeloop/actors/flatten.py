"""Flattening an account on a breach: cancel its open orders, then close every position at market."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol
from uuid import UUID

from tradeloop.core.accounts import AccountState
from tradeloop.core.money import ZERO
from tradeloop.core.orders import Order, OrderRequest, OrderSide, OrderType, TimeInForce
from tradeloop.core.risk_limits import BreachAction, StateSource, TradingState
from tradeloop.errors import TradeloopError


class Trader(Protocol):
    """What flattening needs of the engine."""

    def account(self, account_id: UUID) -> AccountState: ...

    async def cancel_order(self, account_id: UUID, order_id: UUID) -> Order: ...

    async def place_order(self, account_id: UUID, request: OrderRequest, *, exempt: bool = False) -> Order: ...


def left_to_flatten(state: AccountState) -> bool:
    """Whether the account is halted by a daily loss breach that flattens, and still holds a position."""
    risk = state.risk
    return (
        risk.state is TradingState.HALTED
        and risk.source is StateSource.DAILY_LOSS
        and risk.limits.daily_loss_action is BreachAction.HALT_AND_FLATTEN
        and any(position.qty > ZERO for position in state.positions.values())
    )


async def flatten(trader: Trader, account_id: UUID) -> None:
    """Cancel the open orders, then sell every position at market, past the trading state (which is HALTED).

    What fails (an order that filled meanwhile, a halted symbol) is left as it is: the account
    stays HALTED, its owner sees the rest in its orders and positions, and the engine flattens
    what is left when it starts again (`left_to_flatten`).
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
