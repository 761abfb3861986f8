"""Watchlists (Alpaca's /v2/watchlists): named, ordered lists of symbols an account keeps, and the events that change them.

The events say what changed, not the whole list, and apply in the account's
order: two clients adding different symbols at once both see them added.
Applying one to a watchlist deleted meanwhile, or adding a symbol already there,
changes nothing.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, assert_never
from uuid import UUID

from tradeloop.errors import InvalidField, NotFound

MAX_NAME_LENGTH: Final = 64
"""Alpaca's limit on a watchlist's name."""
MAX_WATCHLISTS: Final = 200
MAX_SYMBOLS: Final = 1000

WatchlistKey = UUID | str
"""A watchlist named by its id, or by its name (the `:by_name` routes)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Watchlist:
    id: UUID
    name: str
    symbols: tuple[str, ...]
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "symbols", tuple(self.symbols))  # the journal's codec gives tuples back as lists


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchlistCreated:
    account_id: UUID
    watchlist: Watchlist


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchlistUpdated:
    """The name and/or the symbols were replaced (None: kept)."""

    account_id: UUID
    watchlist_id: UUID
    name: str | None = None
    symbols: tuple[str, ...] | None = None
    timestamp: datetime

    def __post_init__(self) -> None:
        if self.symbols is not None:
            object.__setattr__(self, "symbols", tuple(self.symbols))  # the journal's codec gives tuples back as lists


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchlistSymbolAdded:
    account_id: UUID
    watchlist_id: UUID
    symbol: str
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchlistSymbolRemoved:
    account_id: UUID
    watchlist_id: UUID
    symbol: str
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchlistDeleted:
    account_id: UUID
    watchlist_id: UUID
    timestamp: datetime


WatchlistEvent = WatchlistCreated | WatchlistUpdated | WatchlistSymbolAdded | WatchlistSymbolRemoved | WatchlistDeleted


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateWatchlist:
    watchlist_id: UUID
    """Chosen by the caller: the core draws no random numbers."""
    name: str
    symbols: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateWatchlist:
    """Rename it and/or replace its symbols (None: kept)."""

    key: WatchlistKey
    name: str | None = None
    symbols: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AddWatchlistSymbol:
    key: WatchlistKey
    symbol: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveWatchlistSymbol:
    key: WatchlistKey
    symbol: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteWatchlist:
    key: WatchlistKey


WatchlistCommand = CreateWatchlist | UpdateWatchlist | AddWatchlistSymbol | RemoveWatchlistSymbol | DeleteWatchlist


def decide_watchlist(
    watchlists: dict[UUID, Watchlist],
    command: WatchlistCommand,
    *,
    account_id: UUID,
    listed: Container[str],
    now: datetime,
) -> tuple[UUID, WatchlistEvent | None]:
    """The id of the watchlist the command is about and the event it calls for (None: nothing changes).

    Run by the account's actor against the account's watchlists as they stand, so the
    checks (names unique, the limits) and the write they allow are one step.

    Raises:
        NotFound: no watchlist has the key, or a symbol to remove is not in it.
        InvalidField: a name empty, too long or taken; too many watchlists or symbols; a symbol not listed.
    """
    if isinstance(command, CreateWatchlist):
        check_name(watchlists, command.name)
        if len(watchlists) >= MAX_WATCHLISTS:
            raise InvalidField("name", f"an account holds at most {MAX_WATCHLISTS} watchlists")
        created = Watchlist(
            id=command.watchlist_id,
            name=command.name,
            symbols=check_symbols(command.symbols, listed),
            created_at=now,
            updated_at=now,
        )
        return created.id, WatchlistCreated(account_id=account_id, watchlist=created)
    key = command.key
    found = find(watchlists, watchlist_id=key) if isinstance(key, UUID) else find(watchlists, name=key)
    match command:
        case UpdateWatchlist():
            if command.name is not None:
                check_name(watchlists, command.name, renaming=found.id)
            checked = None if command.symbols is None else check_symbols(command.symbols, listed)
            return found.id, WatchlistUpdated(
                account_id=account_id, watchlist_id=found.id, name=command.name, symbols=checked, timestamp=now
            )
        case AddWatchlistSymbol():
            (symbol,) = check_symbols((command.symbol,), listed)
            if symbol in found.symbols:  # one already there stays where it is
                return found.id, None
            check_symbols((*found.symbols, symbol), listed)  # still within MAX_SYMBOLS
            return found.id, WatchlistSymbolAdded(
                account_id=account_id, watchlist_id=found.id, symbol=symbol, timestamp=now
            )
        case RemoveWatchlistSymbol():
            wanted = command.symbol.strip().upper()
            if wanted not in found.symbols:
                raise NotFound(f"symbol {wanted} is not in the watchlist")
            return found.id, WatchlistSymbolRemoved(
                account_id=account_id, watchlist_id=found.id, symbol=wanted, timestamp=now
            )
        case DeleteWatchlist():
            return found.id, WatchlistDeleted(account_id=account_id, watchlist_id=found.id, timestamp=now)
        case _:
            assert_never(command)


def apply_watchlist_event(watchlists: dict[UUID, Watchlist], event: WatchlistEvent) -> None:
    """Change an account's watchlists as the event says."""
    if isinstance(event, WatchlistCreated):
        watchlists[event.watchlist.id] = event.watchlist
        return
    found = watchlists.get(event.watchlist_id)
    if found is None:
        return
    match event:
        case WatchlistUpdated():
            watchlists[found.id] = replace(
                found,
                name=found.name if event.name is None else event.name,
                symbols=found.symbols if event.symbols is None else event.symbols,
                updated_at=event.timestamp,
            )
        case WatchlistSymbolAdded():
            if event.symbol not in found.symbols:
                watchlists[found.id] = replace(found, symbols=(*found.symbols, event.symbol), updated_at=event.timestamp)
        case WatchlistSymbolRemoved():
            kept = tuple(symbol for symbol in found.symbols if symbol != event.symbol)
            watchlists[found.id] = replace(found, symbols=kept, updated_at=event.timestamp)
        case WatchlistDeleted():
            del watchlists[found.id]


def find(watchlists: dict[UUID, Watchlist], *, watchlist_id: UUID | None = None, name: str | None = None) -> Watchlist:
    """One watchlist by id or by name.

    Raises:
        NotFound: none has that id or name.
    """
    for watchlist in watchlists.values():
        if watchlist.id == watchlist_id or (name is not None and watchlist.name == name):
            return watchlist
    raise NotFound("watchlist not found")


def check_name(watchlists: dict[UUID, Watchlist], name: str, *, renaming: UUID | None = None) -> None:
    """Raises: InvalidField for an empty or long name, or one another watchlist of the account has."""
    if not name.strip():
        raise InvalidField("name", "must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidField("name", f"must be at most {MAX_NAME_LENGTH} characters")
    if any(each.name == name and each.id != renaming for each in watchlists.values()):
        raise InvalidField("name", f"a watchlist named {name!r} exists already")


def check_symbols(symbols: tuple[str, ...], listed: Container[str]) -> tuple[str, ...]:
    """The symbols, upper-cased, in order, without repeats.

    Raises:
        InvalidField: a symbol this server does not list, or more than MAX_SYMBOLS.
    """
    found = tuple(dict.fromkeys(symbol.strip().upper() for symbol in symbols))
    for symbol in found:
        if symbol not in listed:
            raise InvalidField("symbols", f"unknown symbol {symbol!r}")
    if len(found) > MAX_SYMBOLS:
        raise InvalidField("symbols", f"a watchlist holds at most {MAX_SYMBOLS} symbols")
    return found
