"""Changing an account's watchlists: checked against the account's state, journaled on it, answered as they now stand."""

from __future__ import annotations

from uuid import UUID

from tradeloop.actors.engine import Engine
from tradeloop.actors.ids import random_id
from tradeloop.core.watchlists import (
    MAX_WATCHLISTS,
    Watchlist,
    WatchlistCreated,
    WatchlistDeleted,
    WatchlistEvent,
    WatchlistSymbolAdded,
    WatchlistSymbolRemoved,
    WatchlistUpdated,
    check_name,
    check_symbols,
    find,
)
from tradeloop.errors import InvalidField, NotFound

WatchlistKey = UUID | str
"""A watchlist named by its id, or by its name (the `:by_name` routes)."""


def watchlists(engine: Engine, account_id: UUID) -> list[Watchlist]:
    """The account's watchlists, in the order they were created."""
    return list(engine.account(account_id).watchlists.values())


def watchlist(engine: Engine, account_id: UUID, key: WatchlistKey) -> Watchlist:
    """Raises: NotFound."""
    held = engine.account(account_id).watchlists
    return find(held, watchlist_id=key) if isinstance(key, UUID) else find(held, name=key)


async def create(engine: Engine, account_id: UUID, name: str, symbols: tuple[str, ...]) -> Watchlist:
    """Raises: InvalidField for a name taken, too many watchlists, or a symbol not listed."""
    held = engine.account(account_id).watchlists
    check_name(held, name)
    if len(held) >= MAX_WATCHLISTS:
        raise InvalidField("name", f"an account holds at most {MAX_WATCHLISTS} watchlists")
    now = engine.clock()
    created = Watchlist(
        id=random_id(), name=name, symbols=check_symbols(symbols, engine.assets), created_at=now, updated_at=now
    )
    await _record(engine, account_id, WatchlistCreated(account_id=account_id, watchlist=created))
    return watchlist(engine, account_id, created.id)


async def update(
    engine: Engine, account_id: UUID, key: WatchlistKey, *, name: str | None, symbols: tuple[str, ...] | None
) -> Watchlist:
    """Rename it and/or replace its symbols. Raises: NotFound, InvalidField."""
    found = watchlist(engine, account_id, key)
    if name is not None:
        check_name(engine.account(account_id).watchlists, name, renaming=found.id)
    checked = None if symbols is None else check_symbols(symbols, engine.assets)
    event = WatchlistUpdated(
        account_id=account_id, watchlist_id=found.id, name=name, symbols=checked, timestamp=engine.clock()
    )
    await _record(engine, account_id, event)
    return watchlist(engine, account_id, found.id)


async def add_symbol(engine: Engine, account_id: UUID, key: WatchlistKey, symbol: str) -> Watchlist:
    """Add a symbol at the end (one already there stays where it is). Raises: NotFound, InvalidField."""
    found = watchlist(engine, account_id, key)
    (checked,) = check_symbols((symbol,), engine.assets)
    if checked not in found.symbols:
        check_symbols((*found.symbols, checked), engine.assets)  # still within MAX_SYMBOLS
        event = WatchlistSymbolAdded(account_id=account_id, watchlist_id=found.id, symbol=checked, timestamp=engine.clock())
        await _record(engine, account_id, event)
    return watchlist(engine, account_id, found.id)


async def remove_symbol(engine: Engine, account_id: UUID, key: WatchlistKey, symbol: str) -> Watchlist:
    """Raises: NotFound for an unknown watchlist or a symbol it does not hold."""
    found = watchlist(engine, account_id, key)
    wanted = symbol.strip().upper()
    if wanted not in found.symbols:
        raise NotFound(f"symbol {wanted} is not in the watchlist")
    event = WatchlistSymbolRemoved(account_id=account_id, watchlist_id=found.id, symbol=wanted, timestamp=engine.clock())
    await _record(engine, account_id, event)
    return watchlist(engine, account_id, found.id)


async def delete(engine: Engine, account_id: UUID, key: WatchlistKey) -> None:
    """Raises: NotFound."""
    found = watchlist(engine, account_id, key)
    await _record(engine, account_id, WatchlistDeleted(account_id=account_id, watchlist_id=found.id, timestamp=engine.clock()))


async def _record(engine: Engine, account_id: UUID, event: WatchlistEvent) -> None:
    await engine.record(account_id, [event])
