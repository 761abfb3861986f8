"""Money, prices, quantities and percentages: the same bounds in every route, user and admin alike.

Each route that takes a number is fed its bounds' edges (just inside, just
outside, huge and tiny exponents, NaN and infinities, negative zero, too many
decimals), written as JSON strings and as JSON numbers: inside is accepted as
sent; outside is 422 naming the field (400 for a query parameter), and the
journal, the accounts and the prices are as they were.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import auth_headers, make_app, set_price
from tests.http.threaded import ThreadedServer
from tradeloop.actors.engine import Engine
from tradeloop.core.money import MAX_AMOUNT, MONEY, PERCENT, PRICE, QUANTITY, Bounds
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce

Headers = dict[str, str]
RICH: Final = Decimal("999999999999.99")
"""The most cash an account may hold."""
JSON_NUMBER: Final = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")
NOT_FINITE: Final = ("NaN", "nan", "Infinity", "-Infinity", "inf", "sNaN", "1e999999999999999999999", "", " ", "1,5")
HUGE: Final = ("1e400", "1E+400", "-1e400", "1e308", "9" * 40, "1e27", "1e999999999", "-1e999999999", "1e12")


def largest(bounds: Bounds) -> Decimal:
    return MAX_AMOUNT - bounds.step


def inside(bounds: Bounds, low: Decimal | None = None, high: Decimal | None = None) -> st.SearchStrategy[Decimal]:
    """Numbers within the bounds from `low` (one step) to `high` (the largest), the edges most of all."""
    low = bounds.step if low is None else low
    high = largest(bounds) if high is None else high
    edges = st.sampled_from([low, high, low + bounds.step, high - bounds.step])
    return edges | st.decimals(min_value=low, max_value=high, places=bounds.places)


def on_tick(high: Decimal | None = None) -> st.SearchStrategy[Decimal]:
    """Prices an order may carry: four decimals below $1, whole cents from $1."""
    return inside(PRICE, high=Decimal("0.9999")) | inside(MONEY, low=Decimal(1), high=high)


def outside(bounds: Bounds) -> st.SearchStrategy[str]:
    """Text of numbers past the bounds: too large, too many decimals, not finite."""
    step = bounds.step
    finer = st.integers(1, 9).flatmap(
        lambda digit: st.integers(bounds.places + 1, bounds.places + 30).map(
            lambda places: Decimal(digit).scaleb(-places)
        )
    )
    too_precise = st.tuples(inside(bounds), finer).map(lambda pair: exact_sum(*pair))
    too_large = st.sampled_from([MAX_AMOUNT, MAX_AMOUNT + step, -MAX_AMOUNT]).map(str) | st.decimals(
        min_value=MAX_AMOUNT, allow_nan=False, allow_infinity=False
    ).map(str)
    return st.sampled_from(HUGE + NOT_FINITE) | st.just(str(step / 10)) | too_precise | too_large


def exact_sum(a: Decimal, b: Decimal) -> str:
    with localcontext() as context:
        context.prec = 100
        return str(a + b)


def fragment(text: str, as_number: bool) -> str:
    """The number as a JSON value: a bare number where JSON's grammar allows it, else a string."""
    return text if as_number and JSON_NUMBER.fullmatch(text) else json.dumps(text)


def body(fields: dict[str, str], number_field: str, number: str) -> bytes:
    """A JSON object of string fields and one number written as given."""
    parts = [f"{json.dumps(name)}:{json.dumps(value)}" for name, value in fields.items()]
    parts.append(f"{json.dumps(number_field)}:{number}")
    return ("{" + ",".join(parts) + "}").encode()


# -- the routes -------------------------------------------------------------------


@dataclass
class Setup:
    """What a route's call needs: an account's keys and, for a PATCH, the order it changes."""

    headers: Headers
    order_id: str = ""


@dataclass(frozen=True)
class Route:
    """One number field of one route: how to call it, what it accepts, and what its answer shows of it."""

    name: str
    method: str
    path: str
    field: str
    bounds: Bounds
    accepted: st.SearchStrategy[Decimal]
    fields: dict[str, str] = dataclasses.field(default_factory=dict)
    cash: Decimal = Decimal(1_000_000)
    holding: bool = False
    """The account holds one AAPL share first."""
    resting: dict[str, str] | None = None
    """The order a PATCH changes, placed first."""
    admin: bool = False
    query: bool = False
    status: int = 200
    shown: Callable[[Any], Any] | None = None
    """The accepted number as the answer shows it."""


BUY_LIMIT: Final = {"symbol": "AAPL", "side": "buy", "type": "limit", "time_in_force": "day"}
SELL_ONE: Final = {"symbol": "AAPL", "side": "sell", "qty": "1", "time_in_force": "gtc"}
PENNY_BID: Final = {**BUY_LIMIT, "qty": "1", "limit_price": "0.0001"}
POSITIVE_MONEY: Final = inside(MONEY)

ROUTES: Final = [
    Route("order qty", "POST", "/v2/orders", "qty", QUANTITY, inside(QUANTITY), {**BUY_LIMIT, "limit_price": "0.0001"},
          cash=Decimal(1_000_000_000), shown=lambda a: a["qty"]),
    Route("order notional", "POST", "/v2/orders", "notional", MONEY, POSITIVE_MONEY,
          {"symbol": "AAPL", "side": "buy", "type": "market", "time_in_force": "day"}, cash=RICH,
          shown=lambda a: a["notional"]),
    Route("order limit_price", "POST", "/v2/orders", "limit_price", PRICE, on_tick(),
          {**BUY_LIMIT, "qty": "0.000000001"}, shown=lambda a: a["limit_price"]),
    Route("order stop_price", "POST", "/v2/orders", "stop_price", PRICE, on_tick(), {**SELL_ONE, "type": "stop"},
          holding=True, shown=lambda a: a["stop_price"]),
    Route("order trail_price", "POST", "/v2/orders", "trail_price", PRICE, on_tick(),
          {**SELL_ONE, "type": "trailing_stop"}, holding=True, shown=lambda a: a["trail_price"]),
    Route("order trail_percent", "POST", "/v2/orders", "trail_percent", PERCENT,
          inside(PERCENT, high=Decimal("99.9999")), {**SELL_ONE, "type": "trailing_stop"}, holding=True,
          shown=lambda a: a["trail_percent"]),
    Route("replace qty", "PATCH", "/v2/orders/{order_id}", "qty", QUANTITY, inside(QUANTITY), resting=PENNY_BID,
          cash=Decimal(1_000_000_000), shown=lambda a: a["qty"]),
    Route("replace limit_price", "PATCH", "/v2/orders/{order_id}", "limit_price", PRICE, on_tick(),
          {"qty": "0.000000001"}, resting=PENNY_BID, shown=lambda a: a["limit_price"]),
    Route("replace stop_price", "PATCH", "/v2/orders/{order_id}", "stop_price", PRICE, on_tick(),
          resting={**SELL_ONE, "type": "stop", "stop_price": "50"}, holding=True, shown=lambda a: a["stop_price"]),
    Route("replace trail", "PATCH", "/v2/orders/{order_id}", "trail", PRICE, on_tick(),
          resting={**SELL_ONE, "type": "trailing_stop", "trail_price": "1"}, holding=True,
          shown=lambda a: a["trail_price"]),
    Route("close qty", "DELETE", "/v2/positions/AAPL", "qty", QUANTITY, inside(QUANTITY, high=Decimal(1)),
          holding=True, query=True, shown=lambda a: a["qty"]),
    Route("close percentage", "DELETE", "/v2/positions/AAPL", "percentage", PERCENT,
          inside(PERCENT, high=Decimal(100)), holding=True, query=True),
    Route("new account cash", "POST", "/admin/v1/accounts", "cash", MONEY, inside(MONEY, low=Decimal(0)), admin=True,
          status=201, shown=lambda a: a["cash"]),
    Route("deposit", "POST", "/admin/v1/accounts/{account_id}/deposits", "amount", MONEY, POSITIVE_MONEY, cash=Decimal(0),
          admin=True, status=201, shown=lambda a: a["net_amount"]),
    Route("withdrawal", "POST", "/admin/v1/accounts/{account_id}/withdrawals", "amount", MONEY, POSITIVE_MONEY,
          cash=RICH, admin=True, status=201, shown=lambda a: a["net_amount"].removeprefix("-")),
    Route("price", "POST", "/admin/v1/market/prices", "price", PRICE, inside(PRICE), {"symbol": "KO"}, admin=True),
    Route("bid", "POST", "/admin/v1/market/prices", "bid", PRICE, inside(PRICE),
          {"symbol": "KO", "price": "1", "ask": str(largest(PRICE))}, admin=True),
    Route("ask", "POST", "/admin/v1/market/prices", "ask", PRICE, inside(PRICE),
          {"symbol": "KO", "price": "1", "bid": str(PRICE.step)}, admin=True),
    Route("size", "POST", "/admin/v1/market/prices", "size", QUANTITY, inside(QUANTITY), {"symbol": "KO", "price": "1"},
          admin=True),
]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(make_app) as running:
        running.run(set_price(running.engine, "AAPL", "100"))
        yield running


async def prepare(engine: Engine, route: Route) -> tuple[Setup, str]:
    """A fresh account for one call (holding a share, with an order resting, as the route needs); the call's path."""
    account = await engine.open_account(route.cash + (100 if route.holding else 0))
    setup = Setup(headers=auth_headers(account))
    if route.holding:
        await engine.place_order(
            account.account_id,
            OrderRequest(symbol="AAPL", side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.DAY,
                         qty=Decimal(1)),
        )
    if route.resting is not None:
        order = await engine.place_order(account.account_id, _request(route.resting))
        setup.order_id = str(order.terms.id)
    return setup, route.path.format(order_id=setup.order_id, account_id=account.account_id)


def _request(fields: dict[str, str]) -> OrderRequest:
    numbers: dict[str, Any] = {name: Decimal(fields[name]) for name in ("qty", "limit_price", "stop_price", "trail_price") if name in fields}
    return OrderRequest(
        symbol=fields["symbol"], side=OrderSide(fields["side"]), type=OrderType(fields["type"]),
        time_in_force=TimeInForce(fields["time_in_force"]), **numbers,
    )


async def state(engine: Engine) -> Any:
    """Everything a refused call must leave as it was: the journal, each account's books, every price."""
    accounts = sorted(
        (str(s.id), s.cash, s.reserved_cash, sorted((str(k), o.status, o.terms.qty) for k, o in s.orders.items()),
         sorted((p.symbol, p.qty, p.reserved_qty) for p in s.positions.values()))
        for s in engine.accounts()
    )
    prices = [(s, engine.board.top(s).trade, engine.board.top(s).quote) for s in ("AAPL", "KO")]
    return engine.journal.position, accounts, prices


def send(server: ThreadedServer, route: Route, number: str) -> tuple[int, Any, Any, Any]:
    """Call the route with the number (a JSON fragment, or query text); the status, the answer, and the state around it."""
    setup, path = server.run(prepare(server.engine, route))
    headers = server.admin if route.admin else setup.headers
    before = server.run(state(server.engine))
    if route.query:
        status, answer = server.call(route.method, path, headers, params={route.field: number})
    else:
        status, answer = server.call(route.method, path, headers, body=body(route.fields, route.field, number))
    return status, answer, before, server.run(state(server.engine))


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), as_number=st.booleans())
def test_numbers_within_the_bounds_are_accepted_as_sent(
    server: ThreadedServer, route: Route, data: st.DataObject, as_number: bool
) -> None:
    value = data.draw(route.accepted, label=route.field)
    text = str(value)
    status, answer, _, _ = send(server, route, text if route.query else fragment(text, as_number))
    assert status == route.status, answer
    if route.shown is not None:
        assert Decimal(route.shown(answer)) == value


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), as_number=st.booleans())
def test_numbers_past_the_bounds_are_refused_naming_the_field_and_change_nothing(
    server: ThreadedServer, route: Route, data: st.DataObject, as_number: bool
) -> None:
    text = data.draw(outside(route.bounds), label=route.field)
    status, answer, before, after = send(server, route, text if route.query else fragment(text, as_number))
    assert status == (400 if route.query else 422), answer
    assert answer["code"] == 40010001 and answer["field"] == route.field, answer
    assert after == before


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
@pytest.mark.parametrize("zero", ["-0", "-0.0", "-0E-30", "0E+999999", "-0E-999999999"])
def test_negative_zero_is_zero(server: ThreadedServer, route: Route, zero: str) -> None:
    """Accepted as plain zero where zero is allowed (an account's cash), refused naming the field elsewhere."""
    status, answer, before, after = send(server, route, zero if route.query else fragment(zero, as_number=True))
    if route.field == "cash":
        assert status == 201 and Decimal(answer["cash"]) == 0 and not answer["cash"].startswith("-"), answer
    else:
        assert status in (400, 422) and answer["field"] == route.field, answer
        assert after == before


@pytest.mark.parametrize(
    ("route", "text", "shown"),
    [
        (ROUTES[0], "1.000000000000000", "1"),
        (ROUTES[12], "10.00000000000000000000", "10.00"),
        (ROUTES[13], "2.500000000000", "2.50"),
    ],
    ids=["qty", "cash", "deposit"],
)
def test_zeros_past_the_last_place_are_dropped(server: ThreadedServer, route: Route, text: str, shown: str) -> None:
    for as_number in (False, True):
        status, answer, _, _ = send(server, route, fragment(text, as_number))
        assert status == route.status and route.shown is not None and route.shown(answer) == shown, answer


def test_a_deposit_may_not_take_the_cash_past_the_bound(server: ThreadedServer) -> None:
    route = ROUTES[13]
    setup, path = server.run(prepare(server.engine, route))
    status, _ = server.call("POST", path, server.admin, body=b'{"amount": "999999999999.99"}')
    assert status == 201
    before = server.run(state(server.engine))
    status, answer = server.call("POST", path, server.admin, body=b'{"amount": "0.01"}')
    assert status == 422 and answer["field"] == "amount", answer
    assert server.run(state(server.engine)) == before
    assert setup.headers
