"""Changing an account's watchlists: decided by the account's actor in its turn, journaled on it, answered as they now stand."""

from __future__ import annotations

from uuid import UUID

from tradeloop.actors.engine import Engine
from tradeloop.actors.ids import random_id
from tradeloop.core.watchlists import (
    AddWatchlistSymbol,
    CreateWatchlist,
    DeleteWatchlist,
    RemoveWatchlistSymbol,
    UpdateWatchlist,
    Watchlist,
    WatchlistCommand,
    WatchlistKey,
    find,
)


def watchlists(engine: Engine, account_id: UUID) -> list[Watchlist]:
    """The account's watchlists, in the order they were created."""
    return list(engine.account(account_id).watchlists.values())


def watchlist(engine: Engine, account_id: UUID, key: WatchlistKey) -> Watchlist:
    """Raises: NotFound."""
    held = engine.account(account_id).watchlists
    return find(held, watchlist_id=key) if isinstance(key, UUID) else find(held, name=key)


async def create(engine: Engine, account_id: UUID, name: str, symbols: tuple[str, ...]) -> Watchlist:
    """Raises: InvalidField for a name taken, too many watchlists, or a symbol not listed."""
    return await _change(engine, account_id, CreateWatchlist(watchlist_id=random_id(), name=name, symbols=symbols))


async def update(
    engine: Engine, account_id: UUID, key: WatchlistKey, *, name: str | None, symbols: tuple[str, ...] | None
) -> Watchlist:
    """Rename it and/or replace its symbols. Raises: NotFound, InvalidField."""
    return await _change(engine, account_id, UpdateWatchlist(key=key, name=name, symbols=symbols))


async def add_symbol(engine: Engine, account_id: UUID, key: WatchlistKey, symbol: str) -> Watchlist:
    """Add a symbol at the end (one already there stays where it is). Raises: NotFound, InvalidField."""
    return await _change(engine, account_id, AddWatchlistSymbol(key=key, symbol=symbol))


async def remove_symbol(engine: Engine, account_id: UUID, key: WatchlistKey, symbol: str) -> Watchlist:
    """Raises: NotFound for an unknown watchlist or a symbol it does not hold."""
    return await _change(engine, account_id, RemoveWatchlistSymbol(key=key, symbol=symbol))


async def delete(engine: Engine, account_id: UUID, key: WatchlistKey) -> None:
    """Raises: NotFound."""
    await engine.change_watchlist(account_id, DeleteWatchlist(key=key))


async def _change(engine: Engine, account_id: UUID, command: WatchlistCommand) -> Watchlist:
    changed = await engine.change_watchlist(account_id, command)
    assert changed is not None, "only a delete leaves no watchlist"
    return changed
