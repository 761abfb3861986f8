"""The engine's orders: placing, previewing, canceling and replacing them, and reading them back."""

from __future__ import annotations

import asyncio
from uuid import UUID

from tradeloop.actors.engine_base import EngineBase, new_reply
from tradeloop.actors.messages import CancelOrder, PlaceOrder, PreviewOrder, ReplaceOrder
from tradeloop.actors.order_queries import OrderQueries
from tradeloop.core.orders import Order, OrderRequest, ReplaceRequest
from tradeloop.core.preview import Preview
from tradeloop.errors import NotCancelable, NotReplaceable
from tradeloop.journal import OrderQuery


class OrderIntentions(EngineBase):
    """Orders, decided by their account in its turn; read from the account, closed ones from the journal."""

    _queries: OrderQueries

    async def place_order(self, account_id: UUID, request: OrderRequest, *, exempt: bool = False) -> Order:
        """Place an order; `exempt` skips the risk checks (the server's own orders closing positions on a breach)."""
        reply: asyncio.Future[Order] = new_reply()
        return await self._ask(account_id, PlaceOrder(request=request, reply=reply, exempt=exempt), reply)

    async def preview_order(self, account_id: UUID, request: OrderRequest) -> Preview:
        """What placing the order would do now; nothing changes and nothing is journaled."""
        reply: asyncio.Future[Preview] = new_reply()
        return await self._ask(account_id, PreviewOrder(request=request, reply=reply), reply)

    async def cancel_order(self, account_id: UUID, order_id: UUID) -> Order:
        """Raises: NotFound for an unknown order, NotCancelable for a closed one."""
        reply: asyncio.Future[Order] = new_reply()
        self.account_actor(account_id).tell(CancelOrder(order_id=order_id, reply=reply))
        return await self._queries.answer_about(
            self._deadlines.watch(reply), account_id, order_id, NotCancelable, "canceled"
        )

    async def replace_order(self, account_id: UUID, order_id: UUID, change: ReplaceRequest) -> Order:
        """Raises: NotFound for an unknown order, NotReplaceable for a closed one, and whatever placing raises."""
        reply: asyncio.Future[Order] = new_reply()
        self.account_actor(account_id).tell(ReplaceOrder(order_id=order_id, change=change, reply=reply))
        return await self._queries.answer_about(
            self._deadlines.watch(reply), account_id, order_id, NotReplaceable, "replaced"
        )

    # -- queries (OrderQueries: open orders from the account, closed ones from the journal) --

    async def order(self, account_id: UUID, order_id: UUID) -> Order:
        """One order of the account, open or closed. Raises: NotFound when the account never had it."""
        return await self._queries.order(account_id, order_id)

    async def order_by_client_order_id(self, account_id: UUID, client_order_id: str) -> Order:
        """Raises: NotFound when no order of the account has that client order id."""
        return await self._queries.order_by_client_order_id(account_id, client_order_id)

    async def orders(self, query: OrderQuery) -> list[Order]:
        """The account's orders a listing asks for, open and closed."""
        return await self._queries.orders(query)

    async def legs(self, account_id: UUID, order: Order) -> list[Order] | None:
        """The legs of a group's first order as they stand, open and closed (None for a simple order or a leg)."""
        return await self._queries.legs(account_id, order)
