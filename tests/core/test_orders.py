"""Order requests: validation refuses bad fields and names each one."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from tests.core.factories import T0, D, asset, make_asset, make_request, make_terms
from tradeloop.core.accounts import order_from_acceptance
from tradeloop.core.events import OrderAccepted
from tradeloop.core.orders import (
    MAX_CLIENT_ORDER_ID,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    validate_request,
)
from tradeloop.errors import InvalidField


def refused_field(**overrides: Any) -> str:
    """Validate a request built from `overrides` and return the field it was refused on."""
    request = make_request(**overrides)
    with pytest.raises(InvalidField) as caught:
        validate_request(request, asset(request.symbol) if request.symbol == "AAPL" else None)
    return caught.value.field


# -- accepted requests ----------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"qty": "0.5"},
        {"qty": None, "notional": "100.25"},
        {"type": OrderType.LIMIT, "limit_price": "150.25", "time_in_force": TimeInForce.GTC},
        {"type": OrderType.LIMIT, "limit_price": "0.1234"},
        {"type": OrderType.STOP, "stop_price": "150", "time_in_force": TimeInForce.GTC},
        {"type": OrderType.STOP_LIMIT, "stop_price": "150", "limit_price": "151"},
        {"type": OrderType.TRAILING_STOP, "trail_price": "2.50"},
        {"type": OrderType.TRAILING_STOP, "trail_percent": "1.5", "time_in_force": TimeInForce.GTC},
        {"time_in_force": TimeInForce.IOC},
        {"time_in_force": TimeInForce.FOK, "type": OrderType.LIMIT, "limit_price": "10"},
        {"type": OrderType.LIMIT, "limit_price": "10", "extended_hours": True},
        {"client_order_id": "x" * MAX_CLIENT_ORDER_ID},
    ],
)
def test_valid_requests_pass(overrides: dict[str, Any]) -> None:
    validate_request(make_request(**overrides), asset())


# -- refusals name their field --------------------------------------------------


def test_unknown_symbol_is_refused_on_symbol() -> None:
    assert refused_field(symbol="NOPE") == "symbol"


def test_untradable_asset_is_refused_on_symbol() -> None:
    with pytest.raises(InvalidField) as caught:
        validate_request(make_request(symbol="ZZZ"), make_asset(tradable=False))
    assert caught.value.field == "symbol"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"qty": None}, "qty"),
        ({"qty": "1", "notional": "10"}, "qty"),
        ({"qty": "0"}, "qty"),
        ({"qty": "-1"}, "qty"),
        ({"qty": "0.0000000001"}, "qty"),
        ({"qty": "1e40"}, "qty"),
        ({"qty": "0.5", "type": OrderType.LIMIT, "limit_price": "10", "time_in_force": TimeInForce.GTC}, "qty"),
        ({"qty": "0.5", "type": OrderType.STOP, "stop_price": "10"}, "qty"),
        ({"qty": None, "notional": "0"}, "notional"),
        ({"qty": None, "notional": "10.001"}, "notional"),
        ({"qty": None, "notional": "1e40"}, "notional"),
        ({"qty": None, "notional": "10", "type": OrderType.LIMIT, "limit_price": "10"}, "notional"),
        ({"qty": None, "notional": "10", "time_in_force": TimeInForce.GTC}, "time_in_force"),
    ],
)
def test_amount_refusals_name_the_field(overrides: dict[str, Any], field: str) -> None:
    assert refused_field(**overrides) == field


def test_fractional_qty_of_a_whole_share_asset_is_refused_on_qty() -> None:
    with pytest.raises(InvalidField) as caught:
        validate_request(make_request(symbol="ZZZ", qty=D("0.5")), make_asset(fractionable=False))
    assert caught.value.field == "qty"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": OrderType.LIMIT}, "limit_price"),
        ({"type": OrderType.LIMIT, "limit_price": "0"}, "limit_price"),
        ({"type": OrderType.LIMIT, "limit_price": "-5"}, "limit_price"),
        ({"type": OrderType.LIMIT, "limit_price": "10.001"}, "limit_price"),
        ({"type": OrderType.LIMIT, "limit_price": "0.12345"}, "limit_price"),
        ({"type": OrderType.LIMIT, "limit_price": "1e40"}, "limit_price"),
        ({"limit_price": "10"}, "limit_price"),
        ({"stop_price": "10"}, "stop_price"),
        ({"type": OrderType.STOP}, "stop_price"),
        ({"type": OrderType.STOP, "stop_price": "10.005"}, "stop_price"),
        ({"type": OrderType.STOP_LIMIT, "stop_price": "10"}, "limit_price"),
        ({"type": OrderType.STOP_LIMIT, "limit_price": "10"}, "stop_price"),
        ({"type": OrderType.STOP, "stop_price": "10", "time_in_force": TimeInForce.IOC}, "time_in_force"),
        (
            {"type": OrderType.STOP_LIMIT, "stop_price": "10", "limit_price": "10", "time_in_force": TimeInForce.FOK},
            "time_in_force",
        ),
        ({"type": OrderType.TRAILING_STOP}, "trail_price"),
        ({"type": OrderType.TRAILING_STOP, "trail_price": "1", "trail_percent": "1"}, "trail_price"),
        ({"type": OrderType.TRAILING_STOP, "trail_price": "0"}, "trail_price"),
        ({"type": OrderType.TRAILING_STOP, "trail_price": "1.001"}, "trail_price"),
        ({"type": OrderType.TRAILING_STOP, "trail_percent": "0"}, "trail_percent"),
        ({"type": OrderType.TRAILING_STOP, "trail_percent": "100"}, "trail_percent"),
        ({"type": OrderType.TRAILING_STOP, "trail_percent": "1", "time_in_force": TimeInForce.IOC}, "time_in_force"),
        ({"type": OrderType.TRAILING_STOP, "trail_price": "1", "stop_price": "10"}, "stop_price"),
        ({"trail_price": "1"}, "trail_price"),
        ({"type": OrderType.LIMIT, "limit_price": "10", "trail_percent": "1"}, "trail_percent"),
    ],
)
def test_price_refusals_name_the_field(overrides: dict[str, Any], field: str) -> None:
    assert refused_field(**overrides) == field


@pytest.mark.parametrize("client_order_id", ["", "x" * (MAX_CLIENT_ORDER_ID + 1)])
def test_client_order_id_length_is_refused_on_client_order_id(client_order_id: str) -> None:
    assert refused_field(client_order_id=client_order_id) == "client_order_id"


@pytest.mark.parametrize(
    "overrides",
    [
        {"extended_hours": True},
        {"extended_hours": True, "type": OrderType.LIMIT, "limit_price": "10", "time_in_force": TimeInForce.GTC},
    ],
)
def test_extended_hours_other_than_day_limit_is_refused_on_extended_hours(overrides: dict[str, Any]) -> None:
    assert refused_field(**overrides) == "extended_hours"


def test_refusal_message_names_the_field() -> None:
    with pytest.raises(InvalidField, match="limit_price"):
        validate_request(make_request(type=OrderType.LIMIT), asset())


# -- the order record -------------------------------------------------------------


def _accepted(**overrides: Any) -> OrderAccepted:
    """A day limit buy of 4 at 10 expiring in an hour, holding $40; term fields may be overridden."""
    held = {name: overrides.pop(name) for name in ("reserved_cash", "reserved_qty", "hwm") if name in overrides}
    terms = make_terms(
        **{
            "type": OrderType.LIMIT,
            "time_in_force": TimeInForce.DAY,
            "qty": D(4),
            "limit_price": D(10),
            "expires_at": T0 + timedelta(hours=1),
            **overrides,
        }
    )
    return OrderAccepted(
        terms=terms,
        reserved_cash=held.get("reserved_cash", D(40)),
        reserved_qty=held.get("reserved_qty", D(0)),
        hwm=held.get("hwm"),
    )


def test_order_from_acceptance_is_open_unfilled_and_holds_what_was_accepted() -> None:
    accepted = _accepted()
    order = order_from_acceptance(accepted)
    assert order.status is OrderStatus.NEW and order.is_open
    assert order.filled_qty == 0 and order.filled_avg_price is None
    assert order.reserved_cash == D(40) and order.terms.expires_at == T0 + timedelta(hours=1)
    assert order.terms is accepted.terms


@pytest.mark.parametrize("status", sorted(OrderStatus))
def test_only_new_held_and_partially_filled_orders_are_open(status: OrderStatus) -> None:
    order = order_from_acceptance(_accepted())
    order.status = status
    assert order.is_open is (status in (OrderStatus.NEW, OrderStatus.HELD, OrderStatus.PARTIALLY_FILLED))


def test_filled_avg_price_is_value_over_qty() -> None:
    order = order_from_acceptance(_accepted())
    order.filled_qty = D(3)
    order.filled_value = D("30.30")
    assert order.filled_avg_price == D("10.10")


def test_copy_is_detached() -> None:
    order = order_from_acceptance(_accepted())
    copy = order.copy()
    copy.filled_qty = D(2)
    assert order.filled_qty == 0


def test_copy_carries_every_field() -> None:
    order = order_from_acceptance(_accepted())
    for index, item in enumerate(dataclasses.fields(order)):
        setattr(order, item.name, f"value {index}")  # a distinct marker per field
    copy = order.copy()
    assert copy is not order
    assert [getattr(copy, item.name) for item in dataclasses.fields(copy)] == [
        f"value {index}" for index in range(len(dataclasses.fields(order)))
    ]


def test_terms_are_frozen() -> None:
    terms = order_from_acceptance(_accepted()).terms
    with pytest.raises(dataclasses.FrozenInstanceError):
        terms.qty = D(5)  # type: ignore[misc]


def test_a_stop_orders_stop_price_is_its_terms() -> None:
    order = order_from_acceptance(_accepted(type=OrderType.STOP, limit_price=None, stop_price=D(9)))
    order.hwm = D(50)
    assert order.stop_price == D(9)


@pytest.mark.parametrize(
    ("side", "trail", "mark", "stop"),
    [
        (OrderSide.SELL, {"trail_price": D(2)}, D(100), D(98)),
        (OrderSide.BUY, {"trail_price": D(2)}, D(100), D(102)),
        (OrderSide.SELL, {"trail_percent": D(5)}, D("50.10"), D("47.60")),
        (OrderSide.SELL, {"trail_price": D(2)}, None, None),
    ],
)
def test_a_trailing_stops_stop_price_follows_its_mark(
    side: OrderSide, trail: dict[str, Decimal], mark: Decimal | None, stop: Decimal | None
) -> None:
    order = order_from_acceptance(
        _accepted(type=OrderType.TRAILING_STOP, side=side, limit_price=None, hwm=mark, **trail)
    )
    assert order.terms.stop_price is None
    assert order.stop_price == stop


def test_order_from_acceptance_matches_the_record_built_with_keywords() -> None:
    accepted = _accepted(stop_price=D(9), replaces=uuid4(), hwm=D(11), reserved_qty=D(2))
    expected = Order(
        terms=accepted.terms,
        updated_at=accepted.terms.created_at,
        hwm=accepted.hwm,
        reserved_cash=accepted.reserved_cash,
        reserved_qty=accepted.reserved_qty,
    )
    assert order_from_acceptance(accepted) == expected
