"""The pure JSON renderers and request schemas, without a server."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from uuid import uuid4

import pytest
from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.models import Position as AlpacaPosition
from alpaca.trading.models import TradeAccount
from pydantic import ValidationError

from tradeloop.core.accounts import AccountState, valuation
from tradeloop.core.instruments import ASSETS_BY_SYMBOL
from tradeloop.core.orders import Order, OrderSide, OrderStatus, OrderTerms, OrderType, TimeInForce
from tradeloop.core.positions import Position
from tradeloop.errors import InvalidField
from tradeloop.http.schemas import OrdersQuery, PlaceOrderBody, ReplaceOrderBody
from tradeloop.http.wire import account_json, average_price, order_json, position_json

NOW = datetime(2024, 5, 6, 14, 30, 0, 123456, tzinfo=timezone.utc)


def make_order(**overrides: object) -> Order:
    """A resting GTC limit buy of 3 AAPL at 150; term fields and the record's own fields may be overridden."""
    terms: dict[str, object] = {
        "id": uuid4(),
        "client_order_id": "c-1",
        "account_id": uuid4(),
        "symbol": "AAPL",
        "side": OrderSide.BUY,
        "type": OrderType.LIMIT,
        "time_in_force": TimeInForce.GTC,
        "qty": Decimal("3"),
        "notional": None,
        "limit_price": Decimal("150.00"),
        "stop_price": None,
        "trail_price": None,
        "trail_percent": None,
        "extended_hours": False,
        "created_at": NOW,
        "expires_at": None,
        "replaces": None,
    }
    state: dict[str, object] = {"updated_at": NOW}
    for name, value in overrides.items():
        (terms if name in terms else state)[name] = value
    return Order(terms=OrderTerms(**terms), **state)  # type: ignore[arg-type]


def test_order_json_has_every_field_alpaca_py_reads() -> None:
    body = order_json(make_order())
    assert set(AlpacaOrder.model_fields) - {"id"} <= set(body)
    assert body["created_at"] == body["submitted_at"] == "2024-05-06T14:30:00.123456Z"
    assert body["limit_price"] == "150.00" and body["qty"] == "3" and body["filled_qty"] == "0"
    assert body["asset_id"] == str(ASSETS_BY_SYMBOL["AAPL"].id)
    AlpacaOrder.model_validate(body)


def test_filled_avg_price_is_short_and_exact_to_the_cent_when_it_can_be() -> None:
    order = make_order(filled_qty=Decimal("3"), filled_value=Decimal("450.01"), status=OrderStatus.FILLED)
    assert order_json(order)["filled_avg_price"] == "150.0033"
    assert average_price(Decimal("150")) == "150.00"
    assert average_price(Decimal("150.1")) == "150.10"
    assert average_price(Decimal("0.12345")) == "0.1235"
    assert average_price(None) is None


def test_sell_orders_close_positions() -> None:
    assert order_json(make_order(side=OrderSide.SELL))["position_intent"] == "sell_to_close"


def test_account_json_has_every_field_alpaca_py_reads() -> None:
    state = AccountState(
        id=uuid4(),
        account_number="PA0000000001",
        key_id="k",
        secret_hash="h",
        created_at=NOW,
        cash=Decimal("98500"),
        last_equity=Decimal("100000"),
        contributions=Decimal("100000"),
        reserved_cash=Decimal("200.50"),
        positions={"AAPL": Position(symbol="AAPL", qty=Decimal("10"), cost_basis=Decimal("1500"))},
    )
    body = account_json(state, valuation(state, lambda symbol: Decimal("151.25")))
    assert set(TradeAccount.model_fields) - {"id"} <= set(body)
    assert body["cash"] == "98500.00" and body["long_market_value"] == "1512.50" and body["equity"] == "100012.50"
    assert body["buying_power"] == "98299.50" and body["unrealized_pl"] == "12.50"
    TradeAccount.model_validate(body)


def test_position_json_without_a_price_is_valued_at_cost() -> None:
    position = Position(symbol="AAPL", qty=Decimal("3"), cost_basis=Decimal("450.01"))
    body = position_json(position, ASSETS_BY_SYMBOL["AAPL"], None, None)
    assert set(AlpacaPosition.model_fields) - {"swap_rate", "avg_entry_swap_rate", "usd"} <= set(body)
    assert body["market_value"] == body["cost_basis"] == "450.01"
    assert body["current_price"] == body["avg_entry_price"] == "150.0033"
    assert body["unrealized_pl"] == "0.00" and body["unrealized_plpc"] == "0.0000"
    AlpacaPosition.model_validate(body)


@pytest.mark.parametrize(("raw", "expected"), [(1.0, "1.0"), (0.1, "0.1"), (3, "3"), ("2.5", "2.5"), (1e-7, "1E-7")])
def test_numbers_are_read_from_the_float_repr_never_float_arithmetic(raw: object, expected: str) -> None:
    data = {"symbol": "aapl", "qty": raw, "side": "buy", "type": "market", "time_in_force": "day"}
    body = PlaceOrderBody.model_validate(data)
    assert body.qty == Decimal(expected) and str(body.qty) == expected
    assert body.to_request().symbol == "AAPL"


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), "NaN", "-Infinity", "1,5", [], {}])
def test_non_finite_or_garbage_numbers_are_refused(raw: object) -> None:
    with pytest.raises(ValidationError) as refused:
        ReplaceOrderBody.model_validate({"limit_price": raw})
    assert refused.value.errors()[0]["loc"] == ("limit_price",)


def test_missing_side_names_side() -> None:
    with pytest.raises(InvalidField) as refused:
        PlaceOrderBody.model_validate({"symbol": "AAPL", "qty": "1", "type": "market", "time_in_force": "day"})
    assert refused.value.field == "side"


def test_orders_query_defaults_and_naive_times_are_utc() -> None:
    query = OrdersQuery.model_validate({"after": "2024-05-06T10:00:00", "symbols": "aapl, msft,"})
    assert (query.status, query.limit, query.direction) == ("open", 50, "desc")
    assert query.after == datetime(2024, 5, 6, 10, tzinfo=timezone.utc)
    assert query.symbols == frozenset({"AAPL", "MSFT"})
