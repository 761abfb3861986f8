"""The engine's strategies: changing them through their account, reading them and the signals they gave."""

from __future__ import annotations

import asyncio
from uuid import UUID

from tradeloop.actors.engine_base import EngineBase, new_reply
from tradeloop.actors.messages import ChangeStrategy
from tradeloop.core.strategies import Signal, Strategy, StrategyCommand, find
from tradeloop.journal import SignalQuery


class StrategyIntentions(EngineBase):
    """Strategies, decided by their account in its turn; signals, read from the journal."""

    async def change_strategy(self, account_id: UUID, command: StrategyCommand) -> Strategy:
        """Create, revise, (de)activate or delete a strategy, decided by the account in its turn; the strategy as the
        change left it (a detached copy), once journaled.

        Raises: NotFound for a strategy the account does not have (or deleted), InvalidField for a bad name.
        """
        reply: asyncio.Future[Strategy] = new_reply()
        return await self._ask(account_id, ChangeStrategy(command=command, reply=reply), reply)

    def strategies(self, account_id: UUID) -> list[Strategy]:
        """The account's strategies (detached copies), deleted ones included, in the order they were created."""
        return [strategy.copy() for strategy in self.account(account_id).strategies.values()]

    def strategy(self, account_id: UUID, strategy_id: UUID) -> Strategy:
        """One strategy of the account (a detached copy), deleted or not. Raises: NotFound (another account's too)."""
        return find(self.account(account_id).strategies, strategy_id).copy()

    async def signals(self, query: SignalQuery) -> list[Signal]:
        """A page of the account's signals, from the journal. Raises: InvalidField for a page token it never listed."""
        return await self._journal.signals(query)
