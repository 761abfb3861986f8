"""What the engine's parts share: its state, the lookup of an account, and asking an account's actor.

`Engine` (engine.py) is assembled from one part per resource (engine_orders.py,
engine_strategies.py, ...); each part holds that resource's intentions and queries and
reaches the actors only through this base. A new resource's intentions go in a new
`engine_<resource>.py` part, added to `Engine`'s bases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from tradeloop.actors.account import AccountActor
from tradeloop.actors.deadlines import Deadlines
from tradeloop.actors.messages import AccountMessage
from tradeloop.core.accounts import AccountState
from tradeloop.errors import NotFound
from tradeloop.journal import Journal, refusal

T = TypeVar("T")


def new_reply() -> asyncio.Future[T]:
    """A reply for a message to an actor, on the running loop."""
    return asyncio.get_running_loop().create_future()


class EngineBase:
    """The state `Engine.__init__` sets for all its parts, and the ways they reach an account."""

    _journal: Journal
    _clock: Callable[[], datetime]
    _accounts: dict[UUID, AccountActor]
    _deadlines: Deadlines

    def account(self, account_id: UUID) -> AccountState:
        """Raises: NotFound for an unknown account."""
        return self.account_actor(account_id).state

    def account_actor(self, account_id: UUID) -> AccountActor:
        """The account's actor (a test may step it alone).

        Raises: NotFound for an unknown account.
        """
        actor = self._accounts.get(account_id)
        if actor is None:
            raise NotFound("account not found")
        return actor

    def check_journal_writes(self) -> None:
        """Raises: JournalUnavailable while the journal cannot write (before anything is changed)."""
        trouble = self._journal.trouble
        if trouble is not None:
            raise refusal(trouble)

    async def _ask(self, account_id: UUID, message: AccountMessage, reply: asyncio.Future[T]) -> T:
        """Tell the account's actor `message`, which carries `reply`, and wait for the answer.

        Each request waits with a deadline (`Deadlines`): past it the caller gets Unavailable,
        and the actor, finding the reply done, skips answering.

        Raises: NotFound for an unknown account, and whatever the account answers with.
        """
        self.account_actor(account_id).tell(message)
        return await self._deadlines.watch(reply)
