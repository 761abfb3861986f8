"""The engine's watchlists: changing them through their account (watchlists.py names each change)."""

from __future__ import annotations

import asyncio
from uuid import UUID

from tradeloop.actors.engine_base import EngineBase, new_reply
from tradeloop.actors.messages import ChangeWatchlist
from tradeloop.core.watchlists import Watchlist, WatchlistCommand


class WatchlistIntentions(EngineBase):
    """Watchlists, decided by their account in its turn."""

    async def change_watchlist(self, account_id: UUID, command: WatchlistCommand) -> Watchlist | None:
        """Change a watchlist, decided by the account in its turn; the watchlist as it then stands (None: deleted)."""
        reply: asyncio.Future[Watchlist | None] = new_reply()
        return await self._ask(account_id, ChangeWatchlist(command=command, reply=reply), reply)
