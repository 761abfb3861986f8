"""Records in shapes earlier versions wrote, read into today's: the decoder's upgrades by record tag.

Journals and snapshots are kept for good, so whatever was once written must still
decode. Each upgrade takes the decoded fields of a record (its inner records
already decoded, and upgraded) and builds today's object.

Orders before `Order` held an `OrderTerms`: order records were flat, and terms
also carried what the acceptance held (`reserved_cash`, `reserved_qty`), the
trailing stop's first mark (`hwm`), `whole_shares`, and a trailing stop's stop
price (now derived from its mark). Such terms decode to `OldTerms`, which only
the events that held terms (`OrderAccepted`, `OrderReplaced`) take apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from tradeloop.core.events import OrderAccepted, OrderReplaced
from tradeloop.core.orders import Order, OrderTerms, OrderType

_FIRST_TERMS_ONLY: Final = ("reserved_cash", "reserved_qty", "hwm", "whole_shares")
"""Fields of the first OrderTerms that are not terms; `whole_shares` marks the first shape."""
TERM_FIELDS: Final = frozenset(OrderTerms.__dataclass_fields__)


@dataclass(frozen=True, slots=True, kw_only=True)
class OldTerms:
    """Terms in their first shape, split into today's terms and what the acceptance held."""

    terms: OrderTerms
    reserved_cash: Decimal
    reserved_qty: Decimal
    hwm: Decimal | None

    def accepted(self) -> OrderAccepted:
        return OrderAccepted(
            terms=self.terms, reserved_cash=self.reserved_cash, reserved_qty=self.reserved_qty, hwm=self.hwm
        )


def _terms(fields: dict[str, Any]) -> OrderTerms:
    """Today's terms from the first shape's term fields: a trailing stop's moving stop price is not one."""
    if fields["type"] is OrderType.TRAILING_STOP:
        fields["stop_price"] = None
    return OrderTerms(**fields)


def _order_terms(data: dict[str, Any]) -> OrderTerms | OldTerms:
    if "whole_shares" not in data:
        return OrderTerms(**data)
    held = {name: data.pop(name) for name in _FIRST_TERMS_ONLY}
    return OldTerms(
        terms=_terms(data), reserved_cash=held["reserved_cash"], reserved_qty=held["reserved_qty"], hwm=held["hwm"]
    )


def _order_accepted(data: dict[str, Any]) -> OrderAccepted:
    terms = data["terms"]
    if isinstance(terms, OldTerms):
        return terms.accepted()
    return OrderAccepted(**data)


def _order_replaced(data: dict[str, Any]) -> OrderReplaced:
    replacement = data["replacement"]
    if isinstance(replacement, OldTerms):
        data["replacement"] = replacement.accepted()
    return OrderReplaced(**data)


def _order(data: dict[str, Any]) -> Order:
    if "terms" in data:
        return Order(**data)
    # A flat record: its term fields become the terms; its stop price, where it moves, follows from the mark.
    terms = _terms({name: data.pop(name) for name in TERM_FIELDS if name in data})
    return Order(terms=terms, **data)


UPGRADES: Final[dict[str, Callable[[dict[str, Any]], object]]] = {
    "OrderTerms": _order_terms,
    "OrderAccepted": _order_accepted,
    "OrderReplaced": _order_replaced,
    "Order": _order,
}
"""Decoders by record tag for the records whose shape changed; the others decode as `cls(**fields)`."""
