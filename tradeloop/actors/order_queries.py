"""Reading an account's orders, open and closed: the open ones from the account, the closed ones from the journal.

An account holds its open orders; the journal every order's latest record. An order that
is not open is closed, and the write that closed it was handed to the journal before it
left the account, so the journal (which flushes before reading) has it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Final
from uuid import UUID

from tradeloop.core.accounts import AccountState
from tradeloop.core.exits import leg_order
from tradeloop.core.orders import Order, OrderStatus
from tradeloop.errors import NotFound, TradeloopError
from tradeloop.journal import Journal, OrderQuery, select_orders

LEGS_LOOKBACK: Final = 500
"""Closed orders of a symbol searched for a group's closed legs."""


class OrderQueries:
    """Answers about orders for the engine: from the account's state, falling back to the journal."""

    def __init__(self, *, account: Callable[[UUID], AccountState], journal: Journal) -> None:
        """`account` gives an account's state (raising NotFound for an unknown one); `journal` is open."""
        self._account = account
        self._journal = journal

    async def answer_about(
        self,
        answer: Awaitable[Order],
        account_id: UUID,
        order_id: UUID,
        refusal: Callable[[str], TradeloopError],
        done_to_it: str,
    ) -> Order:
        """The answer to a command on an order; one the account no longer holds but the journal does is closed.

        Raises: NotFound for an order the account never had; `refusal`, naming its status, for a closed one.
        """
        try:
            return await answer
        except NotFound:
            closed = await self._journal.order(account_id, order_id)
            if closed is None:
                raise
            raise refusal(f"order is {closed.status} and can no longer be {done_to_it}") from None

    async def order(self, account_id: UUID, order_id: UUID) -> Order:
        """One order of the account, open or closed.

        Raises: NotFound when the account never had it.
        """
        found = self._account(account_id).orders.get(order_id)
        if found is not None:
            return found.copy()
        closed = await self._journal.order(account_id, order_id)
        if closed is None:
            raise NotFound("order not found")
        return closed

    async def order_by_client_order_id(self, account_id: UUID, client_order_id: str) -> Order:
        """Raises: NotFound when no order of the account has that client order id."""
        order_id = self._account(account_id).client_order_ids.get(client_order_id)
        if order_id is None:
            raise NotFound("order not found")
        return await self.order(account_id, order_id)

    async def orders(self, query: OrderQuery) -> list[Order]:
        """The account's orders a listing asks for: open ones from the account, closed ones from the journal."""
        state = self._account(query.account_id)
        # The open ones are read first: one that closes while the journal is read is then in one listing
        # or the other (the journal's record wins), never in neither.
        open_now = [] if query.status == "closed" else [o.copy() for o in select_orders(state.orders.values(), query)]
        if query.status == "open":
            return open_now
        closed = await self._journal.orders(replace(query, status="closed"))
        merged = {order.terms.id: order for order in open_now}
        merged.update((order.terms.id, order) for order in closed)
        return select_orders(merged.values(), query)

    async def legs(self, account_id: UUID, order: Order) -> list[Order] | None:
        """The legs of a group's first order as they stand, open and closed (None for a simple order or a leg).

        Open legs come from the account; closed ones from the journal among the
        symbol's orders placed since the group (the latest `LEGS_LOOKBACK` of them).
        """
        terms = order.terms
        if terms.group_id is None or terms.parent_id is not None:
            return None
        group_id = terms.group_id
        found = {
            leg.terms.id: leg.copy()
            for leg in self._account(account_id).orders.values()
            if leg.terms.parent_id is not None and leg.terms.group_id == group_id
        }
        since = OrderQuery(
            account_id=account_id,
            status="closed",
            after=terms.created_at - timedelta(microseconds=1),
            newest_first=False,
            limit=LEGS_LOOKBACK,
            symbols=frozenset({terms.symbol}),
        )
        for leg in await self._journal.orders(since):
            if leg.terms.parent_id is not None and leg.terms.group_id == group_id:
                found.setdefault(leg.terms.id, leg)
        # A replaced leg gave its place to its replacement: only the latest stands in the group.
        return sorted((leg for leg in found.values() if leg.status is not OrderStatus.REPLACED), key=leg_order)
