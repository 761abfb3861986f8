"""Round trips from fills: first in first out per symbol, split by entry and exit order, P&L at the account's cost."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.factories import D, at, fee_schedules, make_account, make_request, quote
from tests.core.factories import Venue as _Venue
from tradeloop.core.book import OrderBook
from tradeloop.core.events import OrderFilled
from tradeloop.core.fees import FeeSchedule
from tradeloop.core.money import cents
from tradeloop.core.orders import OrderSide
from tradeloop.core.trades import Fill, RoundTrip, TradeSide, round_trips, trip_id
from tradeloop.journal import fill_of

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def fill(
    order_id: UUID, side: OrderSide, qty: str, price: str, when: datetime, *, symbol: str = "AAPL", cash: str | None = None,
    fee: str = "0", strategy_id: UUID | None = None,
) -> Fill:  # fmt: skip
    amount = D(cash) if cash is not None else cents(D(qty) * D(price))
    return Fill(
        fill_id=uuid4(), order_id=order_id, symbol=symbol, side=side, qty=D(qty), price=D(price), cash=amount,
        timestamp=when, fee=D(fee), strategy_id=strategy_id,
    )  # fmt: skip


def by_entry(trips: list[RoundTrip]) -> dict[UUID, RoundTrip]:
    return {trip.entry_order_id: trip for trip in trips}


def test_a_sale_across_two_entries_makes_two_trips_at_the_average_cost() -> None:
    a, b, c, strategy = uuid4(), uuid4(), uuid4(), uuid4()
    trips = round_trips([
        fill(a, BUY, "10", "100", at(0), strategy_id=strategy),
        fill(b, BUY, "10", "110", at(60)),
        fill(c, SELL, "15", "120", at(120)),
    ])  # fmt: skip
    first, second = by_entry(trips)[a], by_entry(trips)[b]
    # The account's cost of 15 of 20 shares bought for 2,100 is 1,575: 1,050 for A's ten, 525 for B's five.
    assert (first.qty, first.cost, first.proceeds, first.realized_pl) == (D(10), D(1050), D(1200), D(150))
    assert (second.qty, second.cost, second.proceeds, second.realized_pl) == (D(5), D(525), D(600), D(75))
    assert first.avg_entry_price == second.avg_entry_price == D(105)
    assert first.avg_exit_price == D(120) and first.realized_plpc == D(150) / D(1050)
    assert (first.entry_at, second.entry_at, first.exit_at) == (at(0), at(60), at(120))
    assert first.holding.total_seconds() == 120 and second.holding.total_seconds() == 60
    assert (first.strategy_id, second.strategy_id) == (strategy, None)
    assert first.side is TradeSide.LONG and first.exit_order_id == c and first.id == trip_id(a, c)


def test_two_sales_of_one_entry_split_it() -> None:
    a, x, y = uuid4(), uuid4(), uuid4()
    trips = round_trips([
        fill(a, BUY, "10", "50", at(0)), fill(x, SELL, "4", "55", at(10)), fill(y, SELL, "6", "45", at(20)),
    ])  # fmt: skip
    assert [(t.exit_order_id, t.qty, t.cost, t.proceeds, t.realized_pl) for t in trips] == [
        (x, D(4), D(200), D(220), D(20)),
        (y, D(6), D(300), D(270), D(-30)),
    ]
    assert [t.entry_at for t in trips] == [at(0), at(0)]


def test_the_fills_of_one_exit_order_against_one_entry_are_one_trip_ending_at_its_last_fill() -> None:
    a, x = uuid4(), uuid4()
    [trip] = round_trips([
        fill(a, BUY, "4", "10", at(0)), fill(a, BUY, "6", "10", at(5)),
        fill(x, SELL, "3", "12", at(30)), fill(x, SELL, "7", "13", at(40)),
    ])  # fmt: skip
    assert (trip.qty, trip.cost, trip.proceeds, trip.realized_pl) == (D(10), D(100), D(127), D(27))
    assert (trip.entry_at, trip.exit_at, trip.avg_exit_price) == (at(0), at(40), D("12.7"))


def test_the_cost_removed_is_rounded_to_the_cent_as_the_account_rounds_it() -> None:
    a, x, y = uuid4(), uuid4(), uuid4()
    trips = round_trips([
        fill(a, BUY, "3", "3.3333", at(0), cash="10.00"), fill(x, SELL, "1", "4", at(1)), fill(y, SELL, "2", "4", at(2)),
    ])  # fmt: skip
    assert [(t.cost, t.realized_pl) for t in trips] == [(D("3.33"), D("0.67")), (D("6.67"), D("1.33"))]


def test_a_sale_split_over_entries_shares_its_cash_to_the_cent_and_loses_none() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    trips = round_trips([
        fill(a, BUY, "1", "10", at(0)), fill(b, BUY, "2", "10.01", at(1)), fill(c, SELL, "3", "10.005", at(2), cash="30.02"),
    ])  # fmt: skip
    assert sum((t.proceeds for t in trips), D(0)) == D("30.02") and sum((t.cost for t in trips), D(0)) == D("30.02")
    assert [t.proceeds for t in trips] == [D("10.01"), D("20.01")]


def test_fees_of_entry_and_exit_fills_are_shared_by_quantity_and_taken_from_the_pl() -> None:
    a, x, y = uuid4(), uuid4(), uuid4()
    trips = round_trips([
        fill(a, BUY, "10", "10", at(0), fee="1.00"),
        fill(x, SELL, "4", "11", at(1), fee="0.50"),
        fill(y, SELL, "6", "11", at(2), fee="0.25"),
    ])  # fmt: skip
    assert [t.fees for t in trips] == [D("0.90"), D("0.85")]
    assert [t.realized_pl for t in trips] == [D("3.10"), D("5.15")]


def test_symbols_are_matched_apart_and_a_position_closed_flat_starts_afresh() -> None:
    a, b, c, d, e = (uuid4() for _ in range(5))
    trips = round_trips([
        fill(a, BUY, "1", "100", at(0)),
        fill(b, BUY, "2", "20", at(1), symbol="MSFT"),
        fill(c, SELL, "1", "90", at(2)),
        fill(d, BUY, "1", "50", at(3)),
        fill(e, SELL, "2", "25", at(4), symbol="MSFT"),
        fill(c, SELL, "1", "60", at(5)),
    ])  # fmt: skip
    assert [(t.symbol, t.entry_order_id, t.exit_order_id, t.realized_pl) for t in trips] == [
        ("AAPL", a, c, D(-10)),
        ("MSFT", b, e, D(10)),
        ("AAPL", d, c, D(10)),
    ]


def test_shares_still_held_make_no_trip() -> None:
    a, x = uuid4(), uuid4()
    trips = round_trips([fill(a, BUY, "10", "10", at(0)), fill(x, SELL, "4", "10", at(1))])
    assert [t.qty for t in trips] == [D(4)]
    assert round_trips([fill(a, BUY, "10", "10", at(0))]) == []


# -- the account's realized P&L, over random trading ---------------------------------------------------------------

SYMBOLS = ("AAPL", "MSFT")
steps = st.lists(
    st.tuples(
        st.sampled_from(SYMBOLS),
        st.sampled_from((BUY, SELL)),
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal(40), places=3),
        st.decimals(min_value=Decimal("1.00"), max_value=Decimal(300), places=2),
        st.one_of(st.none(), st.decimals(min_value=Decimal("0.5"), max_value=Decimal(30), places=1)),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps, fee_schedules())
def test_the_trips_pl_adds_up_to_the_accounts_realized_pl_to_the_cent(
    plan: list[tuple[str, OrderSide, Decimal, Decimal, Decimal | None]], schedule: FeeSchedule
) -> None:
    """Orders on two books of one account, quotes of random sizes (so fills come in pieces), as the actors run them.

    The account pays a random fee schedule (often none), so the trips share real fees; at the end it sells all it holds.
    """
    state = make_account("100000")
    state.fees = schedule
    venues = {symbol: _Venue(state=state, book=OrderBook(symbol)) for symbol in SYMBOLS}
    for second, (symbol, side, qty, price, size) in enumerate(plan):
        venue = venues[symbol]
        venue.tick(quote(price, price + D("0.01"), size=size, when=at(second), symbol=symbol))
        held = state.positions[symbol].qty_available if symbol in state.positions else D(0)
        if side is SELL:
            qty = min(qty, held)
        elif qty * (price + 1) > state.buying_power:
            continue
        if qty <= 0:
            continue
        venue.place(make_request(symbol=symbol, side=side, qty=qty), now=at(second))
    end = len(plan) + 1
    for symbol, venue in venues.items():  # what is still open is canceled, and every share held is sold
        for order_id in [o.terms.id for o in state.orders.values() if o.terms.symbol == symbol]:
            if order_id in state.orders:
                venue.cancel(order_id, now=at(end))
        venue.tick(quote("50", "50.01", size=None, when=at(end), symbol=symbol))
        if symbol in state.positions:
            venue.place(make_request(symbol=symbol, side=SELL, qty=state.positions[symbol].qty), now=at(end))
    assert not state.positions
    events = [e for v in venues.values() for e in v.events if isinstance(e, OrderFilled)]
    events.sort(key=lambda e: e.timestamp)  # each step's fills come at its own second, so this is the order applied
    trips = round_trips(fill_of(e, None) for e in events)
    assert sum((t.realized_pl for t in trips), D(0)) == state.realized_pl
    assert sum((t.fees for t in trips), D(0)) == sum((e.fee or 0 for e in events), D(0))  # all sold: every fee is a trip's
    paid = sum((e.cash + (e.fee or 0) for e in events if e.side is BUY), D(0))
    got = sum((e.cash - (e.fee or 0) for e in events if e.side is SELL), D(0))
    assert state.cash == D(100000) - paid + got
    sold = sum((e.qty for e in events if e.side is SELL), D(0))
    assert sum((t.qty for t in trips), D(0)) == sold
    assert all(t.entry_at <= t.exit_at and t.cost >= 0 for t in trips)
