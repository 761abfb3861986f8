"""Round trips: an account's fills paired into trades, entry fills to exit fills, first in first out per symbol.

Positions are long only today: a buy is an entry, a sale an exit. Each sale
closes the oldest shares still open in its symbol; the shares one entry order
opened and one exit order closed make one round trip, so a sale reaching
across two entries makes two, and a sale of part of an entry splits it.

The account keeps one average cost per symbol, as Alpaca does, and realizes
P&L on each sale at that cost (`Position.sell`). A round trip's cost is its
share of the cost that sale removed, so the round trips' P&L adds up to the
account's realized P&L to the cent; first in first out decides which entry
(its time, its strategy) the shares came from, not what they cost.

Fees (`core.fees`) follow the cost: the account's average cost includes the
buys' fees, so a round trip carries its share, by quantity and to the cent, of
the entry fees that cost carried for the shares sold and of its exit fills'
fees. Its P&L is net of them, as the account's realized P&L is, and once all
is sold the trips' fees add up to the fills' fees.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final
from uuid import UUID, uuid5

from tradeloop.core.money import ZERO, cents
from tradeloop.core.orders import OrderSide
from tradeloop.core.positions import Position

_TRIP_IDS: Final = UUID("3c1f6a52-8e0d-4b7a-9a61-2f54d8c7e913")
"""Namespace of round trips' ids, derived from their entry and exit orders, so an id names the same trip every time."""


class TradeSide(StrEnum):
    LONG = "long"


@dataclass(frozen=True, slots=True, kw_only=True)
class Fill:
    """One fill as trade history reads it: the journal's fill and the strategy of the order it filled."""

    fill_id: UUID
    order_id: UUID
    symbol: str
    side: OrderSide
    qty: Decimal
    price: Decimal
    cash: Decimal
    """What moved in the cash balance, to the cent (the fill's `cash`)."""
    timestamp: datetime
    fee: Decimal = ZERO
    """The fee charged for the fill (`core.fees`): part of a buy's cost, off a sale's proceeds, as the account applies it."""
    strategy_id: UUID | None = None
    """The strategy that placed the order (None: placed by hand)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundTrip:
    """The shares one entry order opened and one exit order closed: what they cost, what they brought, and when."""

    id: UUID
    symbol: str
    side: TradeSide
    qty: Decimal
    entry_order_id: UUID
    exit_order_id: UUID
    entry_at: datetime
    """The time of the first entry fill whose shares it closed."""
    exit_at: datetime
    """The time of its last exit fill."""
    cost: Decimal
    """Its share of the average cost each sale removed from the position, to the cent."""
    proceeds: Decimal
    """Its share of the cash its exit fills brought, to the cent."""
    fees: Decimal
    """Its share of the fees of its entry and exit fills."""
    strategy_id: UUID | None
    """The strategy of the entry order (None: placed by hand)."""

    @property
    def realized_pl(self) -> Decimal:
        """Proceeds less cost less fees."""
        return self.proceeds - self.cost - self.fees

    @property
    def realized_plpc(self) -> Decimal:
        """Realized P&L as a fraction of the cost (0 when nothing was paid)."""
        return self.realized_pl / self.cost if self.cost else ZERO

    @property
    def avg_entry_price(self) -> Decimal:
        return self.cost / self.qty

    @property
    def avg_exit_price(self) -> Decimal:
        return self.proceeds / self.qty

    @property
    def holding(self) -> timedelta:
        return self.exit_at - self.entry_at


def trip_id(entry_order_id: UUID, exit_order_id: UUID) -> UUID:
    """The id of the round trip of an entry order's shares closed by an exit order."""
    return uuid5(_TRIP_IDS, f"{entry_order_id}|{exit_order_id}")


@dataclass(slots=True, kw_only=True)
class _Lot:
    """What is still open of one entry fill."""

    fill: Fill
    qty: Decimal


@dataclass(slots=True, kw_only=True)
class _Trip:
    """A round trip being added up."""

    entry: Fill
    exit: Fill
    qty: Decimal = ZERO
    cost: Decimal = ZERO
    proceeds: Decimal = ZERO
    fees: Decimal = ZERO

    def done(self) -> RoundTrip:
        return RoundTrip(
            id=trip_id(self.entry.order_id, self.exit.order_id),
            symbol=self.entry.symbol,
            side=TradeSide.LONG,
            qty=self.qty,
            entry_order_id=self.entry.order_id,
            exit_order_id=self.exit.order_id,
            entry_at=self.entry.timestamp,
            exit_at=self.exit.timestamp,
            cost=self.cost,
            proceeds=self.proceeds,
            fees=self.fees,
            strategy_id=self.entry.strategy_id,
        )


@dataclass(slots=True, kw_only=True)
class _Book:
    """One symbol's open entry fills, oldest first, and the position as the account holds it."""

    position: Position
    """As the account holds it: its cost includes the entry fees."""
    gross: Position
    """The same shares at what they cost before fees."""
    lots: deque[_Lot] = field(default_factory=deque)


def round_trips(fills: Iterable[Fill]) -> list[RoundTrip]:
    """Every round trip of an account's fills, given in the order the account applied them; by exit time, oldest first.

    Trips that end at the same time list as they began: the older entry first.

    A trip whose exit order is still filling, or whose entry order's shares a
    later fill of the same exit order also closes, grows with each such fill.
    """
    books: dict[str, _Book] = {}
    trips: dict[tuple[UUID, UUID], _Trip] = {}
    for fill in fills:
        book = books.get(fill.symbol)
        if book is None:
            book = books[fill.symbol] = _Book(position=Position(symbol=fill.symbol), gross=Position(symbol=fill.symbol))
        if fill.side is OrderSide.BUY:
            book.position.buy(fill.qty, fill.cash + fill.fee)
            book.gross.buy(fill.qty, fill.cash)
            book.lots.append(_Lot(fill=fill, qty=fill.qty))
        else:
            _close(book, fill, trips)
    closed = [trip.done() for trip in trips.values()]
    closed.sort(key=lambda trip: trip.exit_at)  # stable: trips ending on one fill keep their entries' order
    return closed


def _close(book: _Book, fill: Fill, trips: dict[tuple[UUID, UUID], _Trip]) -> None:
    """Close a sale's shares against the oldest lots, sharing its cost, cash and fees among them by quantity.

    The cost is what `Position.sell` removes before fees; the fees are the sale's own and the entry fees
    the account's average cost carried for the shares sold, so proceeds − cost − fees add up to what the
    account realized. Each share of an amount is rounded to the cent and the last takes what is left, so
    the shares add up to the amount exactly.
    """
    held = book.position.qty
    qty = min(fill.qty, held)  # long only: the account never sells more than it holds
    if qty <= ZERO:
        return
    net = fill.cash - fill.fee
    removed = net - book.position.sell(qty, net)
    cost = fill.cash - book.gross.sell(qty, fill.cash)
    fees = removed - cost + fill.fee
    cost_left, cash_left, fees_left, qty_left = cost, fill.cash, fees, qty
    while qty_left > ZERO:
        lot = book.lots[0]
        piece = min(lot.qty, qty_left)
        last = piece == qty_left
        lot.qty -= piece
        if lot.qty == ZERO:
            book.lots.popleft()
        cost_part = cost_left if last else cents(cost * piece / qty)
        cash_part = cash_left if last else cents(fill.cash * piece / qty)
        fees_part = fees_left if last else cents(fees * piece / qty)
        cost_left, cash_left, fees_left, qty_left = (
            cost_left - cost_part, cash_left - cash_part, fees_left - fees_part, qty_left - piece
        )  # fmt: skip
        key = (lot.fill.order_id, fill.order_id)
        trip = trips.get(key)
        if trip is None:
            trip = trips[key] = _Trip(entry=lot.fill, exit=fill)
        else:
            trip.exit = fill
        trip.qty += piece
        trip.cost += cost_part
        trip.proceeds += cash_part
        trip.fees += fees_part
    if book.position.qty == ZERO:
        # As the account drops a flat position and starts afresh.
        book.position, book.gross = Position(symbol=fill.symbol), Position(symbol=fill.symbol)
