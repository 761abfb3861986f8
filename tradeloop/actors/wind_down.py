"""Winding a strategy down: its open orders canceled, the positions it entered and has not exited sold at market."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Final
from uuid import UUID

from tradeloop.actors.engine import Engine
from tradeloop.core.money import ZERO
from tradeloop.core.orders import Order, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce
from tradeloop.core.strategies import Strategy
from tradeloop.errors import NotCancelable, NotFound, TradeloopError
from tradeloop.journal import SignalQuery

_PAGE: Final = 100
"""Signals read at a time while looking for a symbol's last order."""


async def wind_down(
    engine: Engine, account_id: UUID, strategy: Strategy, *, cancel_orders: bool, close_positions: bool
) -> None:
    """Cancel the strategy's open orders and/or sell what it holds; every step is tried before the first error is raised.

    Raises:
        TradeloopError: the first cancel or sale refused (a halt, a full queue, the journal failing...).
    """
    failures: list[TradeloopError] = []
    if cancel_orders:
        await _cancel(engine, account_id, _open_orders(engine, account_id, strategy.id, None), failures)
    if close_positions:
        for symbol, qty in (await holdings(engine, account_id, strategy)).items():
            # Its exit legs hold the shares: they go first.
            await _cancel(engine, account_id, _open_orders(engine, account_id, strategy.id, symbol), failures)
            held = engine.account(account_id).positions.get(symbol)
            amount = min(qty, held.qty if held is not None else ZERO)
            if amount > ZERO:
                try:
                    await engine.place_order(account_id, _sale(strategy.id, symbol, amount))
                except TradeloopError as exc:
                    failures.append(exc)
    if failures:
        raise failures[0]


async def holdings(engine: Engine, account_id: UUID, strategy: Strategy) -> dict[str, Decimal]:
    """The shares the strategy holds by symbol: where its last order was a filled entry, what its exits have not sold."""
    held: dict[str, Decimal] = {}
    for symbol in sorted(_symbols(strategy)):
        entry = await _last_entry(engine, account_id, strategy.id, symbol)
        if entry is None:
            continue
        legs = await engine.legs(account_id, entry) or []
        sold = sum((leg.filled_qty for leg in legs if leg.terms.side is OrderSide.SELL), ZERO)
        if entry.filled_qty > sold:
            held[symbol] = entry.filled_qty - sold
    return held


def _symbols(strategy: Strategy) -> set[str]:
    """Every symbol any version of the strategy traded."""
    found: set[str] = set()
    for version in strategy.versions:
        found.update(json.loads(version.definition).get("symbols", ()))
    return found


async def _last_entry(engine: Engine, account_id: UUID, strategy_id: UUID, symbol: str) -> Order | None:
    """The order of the strategy's newest signal on the symbol that placed one, if that signal was an entry."""
    token: UUID | None = None
    while True:
        page = await engine.signals(
            SignalQuery(
                account_id=account_id, strategy_id=strategy_id, symbols=frozenset({symbol}), after=None, until=None,
                limit=_PAGE, direction="desc", page_token=token,
            )
        )
        for signal in page:
            if signal.order_id is not None:
                if signal.rule != "entry":
                    return None
                try:
                    return await engine.order(account_id, signal.order_id)
                except NotFound:
                    return None
        if len(page) < _PAGE:
            return None
        token = page[-1].id


def _open_orders(engine: Engine, account_id: UUID, strategy_id: UUID, symbol: str | None) -> list[UUID]:
    orders = engine.account(account_id).orders.values()
    return [
        order.terms.id
        for order in orders
        if order.terms.strategy_id == strategy_id and (symbol is None or order.terms.symbol == symbol)
    ]


async def _cancel(engine: Engine, account_id: UUID, order_ids: list[UUID], failures: list[TradeloopError]) -> None:
    for order_id in order_ids:
        try:
            await engine.cancel_order(account_id, order_id)
        except NotCancelable:
            # Canceled meanwhile with its linked group (by a cancel of another of its orders) is as good as canceled.
            order = await engine.order(account_id, order_id)
            if order.status is not OrderStatus.CANCELED:
                failures.append(NotCancelable(f"order {order_id} is {order.status} and cannot be canceled"))
        except TradeloopError as exc:
            failures.append(exc)


def _sale(strategy_id: UUID, symbol: str, qty: Decimal) -> OrderRequest:
    whole = qty == qty.to_integral_value()
    return OrderRequest(
        symbol=symbol,
        side=OrderSide.SELL,
        type=OrderType.MARKET,
        time_in_force=TimeInForce.GTC if whole else TimeInForce.DAY,
        qty=qty,
        strategy_id=strategy_id,
    )
