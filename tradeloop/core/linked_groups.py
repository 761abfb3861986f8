"""The order book's linked groups (OTO, OCO, bracket): which working orders belong together, and what their exits may sell.

The rules of a group live here; the book asks what a fill or an ending means for the rest
of the group, and does the resting and withdrawing itself. Accepting a group is
`tradeloop.core.linked`'s part.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from tradeloop.core.money import ZERO
from tradeloop.core.orders import is_group_entry
from tradeloop.core.working import ExitGroup, WorkingOrder


class LinkedGroups:
    """The linked groups of one book, by id: their exits' shared cap, grown by the entry's fills."""

    __slots__ = ("_groups",)

    def __init__(self) -> None:
        self._groups: dict[UUID, ExitGroup] = {}

    def link(self, order: WorkingOrder) -> None:
        """Join an exit or an entry to its group's shared cap (made by whichever member comes first)."""
        terms = order.terms
        seed = order.group
        if seed is None and not is_group_entry(terms):
            return
        assert terms.group_id is not None
        group = self._groups.get(terms.group_id)
        if seed is None:  # the entry: what it filled is what its exits protect, until an exit says more
            if group is None:
                group = self._groups[terms.group_id] = ExitGroup(
                    group_id=terms.group_id, size=order.filled_qty, exited=ZERO, entry_open=True, seeded=False
                )
            group.entry_open = True
            group.entry = order
            return
        if group is None:
            group = self._groups[terms.group_id] = seed
        elif not group.seeded:
            group.size, group.exited, group.seeded = seed.size, seed.exited, True
        order.group = group
        group.exits[terms.id] = order

    def leave(self, order: WorkingOrder) -> None:
        """A withdrawn order (cancel or replace) leaves its group, which stays for the order that replaces it."""
        if order.group is not None:
            order.group.exits.pop(order.terms.id, None)
            order.group.parked.discard(order.terms.id)
        elif order.terms.group_id is not None:
            entry_of = self._groups.get(order.terms.group_id)
            if entry_of is not None:
                entry_of.entry = None

    def take(self, group_id: UUID | None) -> ExitGroup | None:
        """The group with this id, no longer linked: the caller ends what is left of it."""
        return self._groups.pop(group_id, None) if group_id is not None else None

    def exit_filled(self, group: ExitGroup) -> bool:
        """After an exit's fill: park its group's exits if nothing is left to sell while the entry may fill more.

        True when the group parked, so the book's cached quiet band no longer holds.
        """
        if group.cap > ZERO or not group.entry_open:
            return False
        for order in group.exits.values():
            if order.terms.id not in group.parked:
                order.version += 1  # its index entries die
                group.parked.add(order.terms.id)
        return True

    def entry_filled(self, order: WorkingOrder, qty: Decimal) -> ExitGroup | None:
        """An entry's fill gives its exits shares to sell: the group whose exits grew, or None for an unlinked order."""
        terms = order.terms
        if not is_group_entry(terms):
            return None
        assert terms.group_id is not None
        group = self._groups.get(terms.group_id)
        if group is not None:
            group.size += qty
        return group

    @staticmethod
    def unpark(group: ExitGroup) -> list[WorkingOrder] | None:
        """The group's parked exits, in time priority, to rest again now that they have shares to sell.

        None when none was parked, or there is still nothing to sell.
        """
        if not group.parked or group.cap <= ZERO:
            return None
        waiting = [group.exits[order_id] for order_id in group.parked if order_id in group.exits]
        group.parked.clear()
        return sorted(waiting, key=lambda o: o.seq)

    def ended(self, order: WorkingOrder) -> tuple[ExitGroup, str] | None:
        """An order of a group left the book by itself (filled, expired, starved): the group to end, and why.

        An entry that ends leaves its exits working while they protect shares; an exit that
        fills the last share, or that expires, ends the others.
        """
        group_id = order.terms.group_id
        group = self._groups.get(group_id) if group_id is not None else None
        if group is None:
            return None
        if order.group is None:  # the entry
            group.entry_open = False
            group.entry = None
            if group.cap > ZERO:
                return None
            return group, "entry ended with nothing to protect"
        group.exits.pop(order.terms.id, None)
        group.parked.discard(order.terms.id)
        return group, "linked order filled" if group.cap <= ZERO else "linked order ended"

    def end(self, group: ExitGroup) -> tuple[WorkingOrder | None, list[UUID]]:
        """Unlink a group that ends: its entry if it still works, and its exits' ids, for the book to withdraw."""
        self._groups.pop(group.group_id, None)
        entry, group.entry = group.entry, None
        return entry, list(group.exits)
