"""The account's side of linked groups: exits held until the entry fills, sized by its fills, sharing one holding.

Applied with the fills that cause them, so a group's record changes in the same journal
write as the fill: an entry's fill activates and sizes its exits and holds the shares
for them; an exit's fill shrinks what every exit of the group still protects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from tradeloop.core.orders import (
    Order,
    OrderClass,
    OrderStatus,
    OrderType,
    holds_group_shares,
    is_group_entry,
    is_linked_exit,
)
from tradeloop.core.positions import Position


def group_exits(orders: Mapping[UUID, Order], group_id: UUID | None) -> list[Order]:
    """The open exits of a group (the account keeps open orders only)."""
    if group_id is None:
        return []
    return [order for order in orders.values() if order.terms.group_id == group_id and is_linked_exit(order.terms)]


def start_exit(order: Order) -> None:
    """A freshly accepted exit: an OCO's work at once on the shares given; a bracket's or OTO's wait, held."""
    terms = order.terms
    if terms.order_class is OrderClass.OCO:
        order.group_size = terms.qty or Decimal(0)
        order.entry_open = False
    else:
        order.status = OrderStatus.HELD
        order.entry_open = True


def take_over(old: Order, new: Order) -> None:
    """A replacement exit takes its old order's place in the group: its figures and its status if held."""
    new.group_size = old.group_size
    new.group_exited = old.group_exited
    new.entry_open = old.entry_open
    if old.entry_open and not old.group_size:  # its entry has bought nothing yet (`old` is closed by now)
        new.status = OrderStatus.HELD


def entry_filled(orders: Mapping[UUID, Order], entry: Order, qty: Decimal, done: bool, position: Position) -> None:
    """An entry bought `qty`: its exits work for that much more, and the shares are held for them once."""
    exits = group_exits(orders, entry.terms.group_id)
    for order in exits:
        order.group_size += qty
        order.entry_open = not done
        if order.status is OrderStatus.HELD:
            order.status = OrderStatus.NEW
        order.updated_at = entry.updated_at
        if holds_group_shares(order.terms):
            order.reserved_qty += qty
            position.reserved_qty += qty


def exit_filled(orders: Mapping[UUID, Order], order: Order, qty: Decimal, position: Position) -> None:
    """An exit sold `qty`: every exit of its group protects that much less, and the holding shrinks by it."""
    for member in group_exits(orders, order.terms.group_id):
        member.group_exited += qty
        if holds_group_shares(member.terms):
            released = min(qty, member.reserved_qty)
            member.reserved_qty -= released
            position.reserved_qty -= released


def entry_ended(orders: Mapping[UUID, Order], entry: Order) -> None:
    """An entry closed: its exits can grow no more."""
    if is_group_entry(entry.terms):
        for order in group_exits(orders, entry.terms.group_id):
            order.entry_open = False


def leg_order(order: Order) -> tuple[int, datetime]:
    """Legs list take-profit first, then stop-loss (the order Alpaca lists them in), then by age."""
    return (0 if order.terms.type is OrderType.LIMIT else 1), order.terms.created_at


def nest(orders: Iterable[Order]) -> list[tuple[Order, list[Order]]]:
    """Orders with each group's legs rolled under their parent (Alpaca's `nested=true`), in the given order.

    A leg whose parent is not among `orders` stands alone.
    """
    listed = list(orders)
    parents = {order.terms.id for order in listed if order.terms.parent_id is None}
    # A replaced OCO take-profit passes its legs on to the order that replaced it.
    current: dict[UUID, UUID] = {}
    for order in listed:
        terms = order.terms
        if terms.parent_id is None and terms.group_id is not None and order.status is not OrderStatus.REPLACED:
            current[terms.group_id] = terms.id
    legs: dict[UUID, list[Order]] = {}
    rolled: set[UUID] = set()
    for order in listed:
        terms = order.terms
        if terms.parent_id is None:
            continue
        parent = current.get(terms.group_id) if terms.group_id in current else None
        if parent is None and terms.parent_id in parents:
            parent = terms.parent_id
        if parent is not None:
            legs.setdefault(parent, []).append(order)
            rolled.add(terms.id)
    return [
        (order, sorted(legs.get(order.terms.id, []), key=leg_order)) for order in listed if order.terms.id not in rolled
    ]
