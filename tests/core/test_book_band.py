"""The quiet band is only a shortcut: a book using it decides exactly what a book without it decides."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.factories import at, make_working, quote, trade
from tradeloop.core.book import OrderBook
from tradeloop.core.events import OrderEvent
from tradeloop.core.ladders import QuietBand
from tradeloop.core.marketdata import Tick
from tradeloop.core.orders import OrderSide, OrderType


class _NoShortcut(OrderBook):
    """A book that always does the full work on every tick."""

    def _quiet_band(self) -> QuietBand | None:
        return None


prices = st.integers(min_value=90, max_value=110).map(Decimal)
sides = st.sampled_from([OrderSide.BUY, OrderSide.SELL])


@st.composite
def orders(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(OrderType)))
    fields: dict[str, Any] = {"side": draw(sides), "type": kind, "qty": Decimal(draw(st.integers(1, 5)))}
    if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        fields["limit_price"] = draw(prices)
    if kind in (OrderType.STOP, OrderType.STOP_LIMIT):
        fields["stop_price"] = draw(prices)
    if kind is OrderType.TRAILING_STOP:
        fields["trail_price"] = Decimal(draw(st.integers(1, 4)))
    return fields


actions = st.lists(
    st.one_of(
        st.tuples(st.just("order"), orders()),
        st.tuples(st.just("quote"), st.tuples(prices, st.integers(1, 3), st.integers(1, 6))),
        st.tuples(st.just("trade"), prices),
        st.tuples(st.just("cancel"), st.integers(0, 30)),
    ),
    max_size=40,
)


def _shape(events: list[OrderEvent]) -> list[tuple[str, UUID, Any]]:
    return [(type(e).__name__, e.order_id, getattr(e, "qty", None)) for e in events]


@settings(max_examples=300, deadline=None)
@given(actions)
def test_the_shortcut_never_changes_what_the_book_decides(steps: list[tuple[str, Any]]) -> None:
    fast, full = OrderBook("ZZZ"), _NoShortcut("ZZZ")
    placed: list[UUID] = []
    for n, (kind, arg) in enumerate(steps):
        when = at(n)
        if kind == "order":
            order = make_working(**arg)
            twin = replace(order)  # before the first book mutates it
            placed.append(order.terms.id)
            got, want = fast.add(order, when), full.add(twin, when)
        elif kind == "quote":
            bid, spread, size = arg
            tick: Tick = quote(bid, bid + spread, size=Decimal(size), when=when)
            got, want = fast.on_tick(tick), full.on_tick(tick)
        elif kind == "trade":
            tick = trade(arg, when=when)
            got, want = fast.on_tick(tick), full.on_tick(tick)
        else:
            if not placed:
                continue
            victim = placed[arg % len(placed)]
            got = [] if fast.remove(victim) is None else ["removed"]  # type: ignore[list-item]
            want = [] if full.remove(victim) is None else ["removed"]  # type: ignore[list-item]
            assert got == want
            continue
        assert _shape(got) == _shape(want)
