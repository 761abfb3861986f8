"""Fee schedules and slippage: an order's fees add up to the schedule on the whole order, and no fill crosses its limit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.factories import D, at, make_request, make_venue, quote
from tradeloop.core.events import OrderFilled
from tradeloop.core.fees import NO_FEES, FeeSchedule, fill_fee, order_fee, slipped_price
from tradeloop.core.money import ZERO, cents, is_on_tick
from tradeloop.core.orders import OrderSide, OrderType
from tradeloop.errors import InsufficientBuyingPower, InvalidField

BUY, SELL = OrderSide.BUY, OrderSide.SELL

schedules = st.builds(
    FeeSchedule,
    per_share=st.decimals(min_value=0, max_value=Decimal("0.05"), places=4),
    per_order=st.decimals(min_value=0, max_value=Decimal(10), places=2),
    percent_of_notional=st.decimals(min_value=0, max_value=Decimal(2), places=4),
    minimum=st.decimals(min_value=0, max_value=Decimal(5), places=2),
)
pieces = st.lists(
    st.tuples(
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal(500), places=3),
        st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(900), places=4),
    ),
    min_size=1,
    max_size=12,
)


def test_an_order_pays_the_minimum_or_what_the_schedule_adds_up_to() -> None:
    schedule = FeeSchedule(per_share=D("0.005"), minimum=D("1.00"))
    assert order_fee(schedule, D(100), D(10000)) == D("1.00")
    assert order_fee(schedule, D(1000), D(100000)) == D("5.00")
    assert order_fee(schedule, ZERO, ZERO) == ZERO  # nothing filled, nothing paid
    percent = FeeSchedule(per_order=D("0.50"), percent_of_notional=D("0.1"))
    assert order_fee(percent, D(3), D("100.005")) == D("0.60")  # 0.50 + 0.100005, half up to the cent


def test_the_per_order_fee_and_the_minimum_come_with_the_first_fill_only() -> None:
    schedule = FeeSchedule(per_order=D(1), per_share=D("0.01"), minimum=D(2))
    first = fill_fee(schedule, ZERO, ZERO, D(10), D(50))
    second = fill_fee(schedule, D(10), D(500), D(300), D(50))
    assert (first, second) == (D(2), D("2.10"))  # max(2, 1.10), then 4.10 in all


@settings(max_examples=300, deadline=None)
@given(schedules, pieces)
def test_the_fees_of_an_orders_fills_add_up_to_the_schedule_on_the_whole_order(
    schedule: FeeSchedule, fills: list[tuple[Decimal, Decimal]]
) -> None:
    qty = value = charged = ZERO
    for piece_qty, price in fills:
        fee = fill_fee(schedule, qty, value, piece_qty, price)
        assert fee >= ZERO and fee == cents(fee)
        charged += fee
        qty += piece_qty
        value += piece_qty * price
    assert charged == order_fee(schedule, qty, value)


def test_a_schedule_changed_while_an_order_fills_never_refunds() -> None:
    dear = FeeSchedule(per_order=D(10))
    assert fill_fee(NO_FEES, D(5), D(500), D(5), D(100)) == ZERO
    assert fill_fee(FeeSchedule(per_share=D("0.01")), D(5), D(500), D(5), D(100)) == D("0.05")
    assert order_fee(dear, D(5), D(500)) == D(10)


@pytest.mark.parametrize(
    ("price", "side", "bps", "limit", "expected"),
    [
        ("100.00", BUY, "5", None, "100.05"),
        ("100.00", BUY, "1", None, "100.01"),  # 100.01 exactly: one cent
        ("100.00", BUY, "0.5", None, "100.01"),  # 100.005 rounded up, away from the buyer
        ("100.00", SELL, "0.5", None, "99.99"),  # 99.995 rounded down, away from the seller
        ("0.5000", BUY, "10", None, "0.5005"),  # below $1 the tick is 1/100 cent
        ("100.00", BUY, "50", "100.20", "100.20"),  # 100.50 would cross the limit
        ("100.00", SELL, "50", "99.80", "99.80"),
        ("0.0001", SELL, "500", None, "0.0001"),  # nothing below the smallest tick
    ],
)
def test_a_slipped_price_moves_against_the_trader_to_the_tick(
    price: str, side: OrderSide, bps: str, limit: str | None, expected: str
) -> None:
    assert slipped_price(D(price), side, D(bps), None if limit is None else D(limit)) == D(expected)


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(5000), places=4),
    st.sampled_from((BUY, SELL)),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=2),
    st.one_of(st.none(), st.decimals(min_value=Decimal("0"), max_value=Decimal(50), places=2)),
)
def test_slippage_worsens_the_price_on_tick_and_never_crosses_a_limit(
    price: Decimal, side: OrderSide, bps: Decimal, room: Decimal | None
) -> None:
    # A limit the book price is within (as the book only fills a limit order there): `room` away, on the trader's side.
    limit = None if room is None else (price + room if side is BUY else max(price - room, D("0.0001")))
    slipped = slipped_price(price, side, bps, limit)
    assert is_on_tick(slipped) or slipped in (price, limit)  # a price or limit off the tick is kept as it is
    if side is BUY:
        assert slipped >= price and (limit is None or slipped <= limit)
    else:
        assert slipped <= price and (limit is None or slipped >= limit)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("per_share", "-0.01", "negative"),
        ("per_order", "-1", "negative"),
        ("percent_of_notional", "-0.5", "negative"),
        ("minimum", "-1", "negative"),
        ("slippage_bps", "-1", "negative"),
        ("per_order", "0.001", "decimal places"),
        ("per_share", "0.00001", "decimal places"),
        ("percent_of_notional", "100.5", "at most 100"),
        ("slippage_bps", "500.01", "at most 500"),
        ("minimum", "1e12", "below"),
    ],
)
def test_a_schedule_out_of_bounds_is_refused_naming_the_field(field: str, value: str, message: str) -> None:
    with pytest.raises(InvalidField) as refused:
        FeeSchedule(**{field: D(value)}).check()
    assert refused.value.field == field and message in refused.value.message


def test_a_schedule_of_zeros_is_no_schedule() -> None:
    assert FeeSchedule(per_share=D("0.0000")).check() is NO_FEES
    assert FeeSchedule(per_share=D("0.0050")).check() == FeeSchedule(per_share=D("0.005"))


# -- an account charged by its schedule ---------------------------------------------------------------------------


def test_a_fill_is_charged_its_fee_from_cash_and_carries_it() -> None:
    venue = make_venue("10000")
    venue.state.fees = FeeSchedule(per_share=D("0.01"), minimum=D(1))
    venue.tick(quote("99.99", "100.00", size=None, when=at(0)))
    venue.place(make_request(qty=D(10)), now=at(0))
    (filled,) = [e for e in venue.events if isinstance(e, OrderFilled)]
    assert (filled.cash, filled.fee) == (D("1000.00"), D("1.00"))
    assert venue.state.cash == D("8999.00")
    assert venue.state.positions["AAPL"].cost_basis == D("1001.00")  # the buy's fee is part of what the shares cost
    venue.place(make_request(side=SELL, qty=D(10)), now=at(1))
    sold = [e for e in venue.events if isinstance(e, OrderFilled)][-1]
    assert sold.fee == D("1.00") and venue.state.cash == D("9997.90")
    assert venue.state.realized_pl == D("-2.10")  # 999.90 − 1.00 − 1,001.00: net of both fees


def test_partial_fills_of_one_order_add_up_to_its_fee() -> None:
    venue = make_venue("100000")
    venue.state.fees = FeeSchedule(per_order=D("0.50"), per_share=D("0.003"), minimum=D(2))
    venue.tick(quote("49.99", "50.00", size=D(100), when=at(0)))
    order = venue.place(make_request(qty=D(1000), type=OrderType.MARKET), now=at(0))
    for second, size in enumerate(("250", "650")):
        venue.tick(quote("49.99", "50.00", size=D(size), when=at(second + 1)))
    fills = [e for e in venue.events if isinstance(e, OrderFilled)]
    assert [f.qty for f in fills] == [D(100), D(250), D(650)]
    # The minimum of 2 with the first fill; 1.55 after the second is still under it; 3.50 in all after the third.
    assert [f.fee for f in fills] == [D(2), None, D("1.50")]
    assert sum(f.fee or ZERO for f in fills) == order_fee(venue.state.fees, D(1000), order.filled_value) == D("3.50")
    assert venue.state.cash == D(100000) - sum(f.cash for f in fills) - D("3.50")


def test_no_schedule_leaves_fills_as_they_were() -> None:
    venue = make_venue("10000")
    venue.tick(quote("99.99", "100.00", size=None, when=at(0)))
    venue.place(make_request(qty=D(10)), now=at(0))
    (filled,) = [e for e in venue.events if isinstance(e, OrderFilled)]
    assert (filled.fee, filled.unslipped_price, filled.price) == (None, None, D("100.00"))
    assert venue.state.cash == D("9000.00")


def test_a_market_order_slips_and_records_the_price_before_it() -> None:
    venue = make_venue("10000")
    venue.state.fees = FeeSchedule(slippage_bps=D(10))
    venue.tick(quote("99.99", "100.00", size=None, when=at(0)))
    venue.place(make_request(qty=D(10)), now=at(0))
    venue.place(make_request(side=SELL, qty=D(10)), now=at(1))
    bought, sold = [e for e in venue.events if isinstance(e, OrderFilled)]
    assert (bought.price, bought.unslipped_price, bought.cash) == (D("100.10"), D("100.00"), D("1001.00"))
    assert (sold.price, sold.unslipped_price) == (D("99.89"), D("99.99"))  # 99.89001 down to the cent


def test_a_limit_order_slips_no_further_than_its_limit() -> None:
    venue = make_venue("10000")
    venue.state.fees = FeeSchedule(slippage_bps=D(100))
    venue.tick(quote("99.99", "100.00", size=None, when=at(0)))
    venue.place(make_request(qty=D(10), type=OrderType.LIMIT, limit_price=D("100.30")), now=at(0))
    (bought,) = [e for e in venue.events if isinstance(e, OrderFilled)]
    assert bought.price == D("100.30")  # 101.00 would cross it


def test_slippage_is_the_accounts_when_the_order_is_accepted() -> None:
    venue = make_venue("10000")
    venue.state.fees = FeeSchedule(slippage_bps=D(10))
    resting = venue.place(make_request(qty=D(1), type=OrderType.LIMIT, limit_price=D(90)), now=at(0))
    venue.state.fees = NO_FEES
    venue.tick(quote("89.00", "89.50", size=None, when=at(1)))
    (bought,) = [e for e in venue.events if isinstance(e, OrderFilled)]
    assert resting.terms.slippage_bps == D(10)
    assert bought.price == D("89.59")  # 89.50 + 10 bps = 89.5895, up to the cent, within the limit of 90


def test_a_buy_holds_its_fee_too_so_cash_never_goes_below_zero() -> None:
    venue = make_venue("1000.99")
    venue.state.fees = FeeSchedule(per_order=D(1))
    venue.tick(quote("99.99", "100.00", size=None, when=at(0)))
    with pytest.raises(InsufficientBuyingPower):  # 1,000.00 for the shares and 1.00 of fee
        venue.place(make_request(qty=D(10), type=OrderType.LIMIT, limit_price=D(100)), now=at(0))
    venue = make_venue("1001.00")
    venue.state.fees = FeeSchedule(per_order=D(1))
    venue.tick(quote("99.99", "100.00", size=None, when=at(0)))
    venue.place(make_request(qty=D(10), type=OrderType.LIMIT, limit_price=D(100)), now=at(0))
    assert (venue.state.cash, venue.state.reserved_cash, venue.state.buying_power) == (ZERO, ZERO, ZERO)
