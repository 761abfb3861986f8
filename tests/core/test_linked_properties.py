"""Property: random brackets on random price paths never sell more than their entries bought.

At most one exit fills per unit of position, exits never exceed the filled entry, and
cash, positions and what the account holds reconcile with the fills after every step.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.factories import D, Venue, at, make_request, make_venue, quote
from tradeloop.core.events import OrderFilled
from tradeloop.core.money import ZERO
from tradeloop.core.orders import OrderClass, OrderSide, OrderType, StopLoss, TakeProfit, TimeInForce
from tradeloop.errors import TradeloopError

CASH = D("1000000")


@st.composite
def brackets(draw: st.DrawFn) -> dict[str, Any]:
    limit_entry = draw(st.booleans())
    trailing = draw(st.booleans())
    return {
        "qty": draw(st.integers(1, 20)),
        "entry_offset": draw(st.integers(-100, 50)) if limit_entry else None,
        "tp_offset": draw(st.integers(1, 150)),
        "stop_offset": draw(st.integers(1, 150)),
        "trailing": trailing,
        "oto": draw(st.sampled_from([None, "take_profit", "stop_loss"])),
    }


def _request(spec: dict[str, Any], price: Decimal) -> Any:
    cent = D("0.01")
    base = price if spec["entry_offset"] is None else price + spec["entry_offset"] * cent
    stop_loss = (
        StopLoss(trail_price=spec["stop_offset"] * cent)
        if spec["trailing"]
        else StopLoss(stop_price=base - spec["stop_offset"] * cent)
    )
    kind = OrderClass.BRACKET if spec["oto"] is None else OrderClass.OTO
    return make_request(
        qty=spec["qty"],
        type=OrderType.MARKET if spec["entry_offset"] is None else OrderType.LIMIT,
        limit_price=None if spec["entry_offset"] is None else base,
        time_in_force=TimeInForce.GTC,
        order_class=kind,
        take_profit=None if spec["oto"] == "stop_loss" else TakeProfit(limit_price=base + spec["tp_offset"] * cent),
        stop_loss=None if spec["oto"] == "take_profit" else stop_loss,
    )


steps = st.lists(
    st.one_of(
        st.tuples(st.just("tick"), st.integers(-150, 150), st.sampled_from([None, "1", "3", "7"])),
        st.tuples(st.just("tick"), st.integers(-150, 150), st.sampled_from([None, "1", "3", "7"])),
        st.tuples(st.just("tick"), st.integers(-150, 150), st.sampled_from([None, "1", "3", "7"])),
        st.tuples(st.just("place"), brackets()),
        st.tuples(st.just("cancel"), st.integers(0, 1000)),
    ),
    min_size=1,
    max_size=60,
)


def _check(venue: Venue, groups: list[tuple[UUID, list[UUID]]]) -> None:
    filled: dict[UUID, Decimal] = defaultdict(lambda: ZERO)
    cash = CASH
    for event in venue.events:
        if isinstance(event, OrderFilled):
            filled[event.order_id] += event.qty
            cash += -event.cash if event.side is OrderSide.BUY else event.cash
    state = venue.state
    assert state.cash == cash
    held_shares = ZERO
    for entry_id, leg_ids in groups:
        exited = sum((filled[leg] for leg in leg_ids), ZERO)
        assert exited <= filled[entry_id], "exits sold more than the entry bought"
        open_legs = [state.orders[leg] for leg in leg_ids if leg in state.orders]
        for leg in open_legs:
            assert leg.group_size == filled[entry_id] and leg.group_exited == exited
        held_shares += sum((leg.reserved_qty for leg in open_legs), ZERO)
        if open_legs:
            assert held_shares >= ZERO
            assert sum((leg.reserved_qty for leg in open_legs), ZERO) == filled[entry_id] - exited
    bought = sum((filled[entry] for entry, _ in groups), ZERO)
    sold = sum((filled[leg] for _, legs in groups for leg in legs), ZERO)
    position = state.positions.get("AAPL")
    assert (position.qty if position else ZERO) == bought - sold
    assert (position.reserved_qty if position else ZERO) == held_shares
    assert state.reserved_cash == sum((order.reserved_cash for order in state.orders.values()), ZERO)
    assert state.reserved_cash >= ZERO and state.cash >= ZERO


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_random_brackets_on_random_prices_never_sell_what_they_did_not_buy(plan: list[tuple[Any, ...]]) -> None:
    venue = make_venue(str(CASH))
    price = D("100")
    venue.tick(quote(price, price))
    groups: list[tuple[UUID, list[UUID]]] = []
    for number, step in enumerate(plan, start=1):
        match step:
            case ("tick", move, size):
                price = max(price + move * D("0.01"), D("1"))
                venue.tick(quote(price - D("0.01"), price, size=size, when=at(number)))
            case ("place", spec):
                try:
                    orders = venue.place_group(_request(spec, price), now=at(number))
                except TradeloopError:
                    continue  # a refusal changes nothing
                groups.append((orders[0].terms.id, [order.terms.id for order in orders[1:]]))
            case ("cancel", pick):
                open_ids = sorted(venue.state.orders)
                if open_ids:
                    venue.cancel(open_ids[pick % len(open_ids)], now=at(number))
        _check(venue, groups)
