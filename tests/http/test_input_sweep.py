"""A sweep of generated queries and bodies over the routes that read times and numbers: never a 500."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta, timezone
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import auth_headers, make_app, set_price
from tests.http.threaded import ThreadedServer
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce

Headers = dict[str, str]
SWEEP: Final = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

printable = st.characters(exclude_categories=["Cs"])
words = st.text(printable, max_size=24)
offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda minutes: timezone(timedelta(minutes=minutes)))
times = (
    st.sampled_from(
        ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59.999999Z",
         "1969-12-31T23:59:59Z", "2024-02-30", "2024-03-04T10:00:00 05:00", "1700000000", "-1", ""]
    )
    | st.datetimes(timezones=st.none() | offsets).map(lambda moment: moment.isoformat())
    | st.dates().map(str)
)
numbers = (
    st.sampled_from(["1e400", "-1e400", "1e308", "9" * 40, "1e27", "1e999999999", "1e-999999999", "NaN", "-0", "1e12",
                     "999999999999.999999999", "0.0001", "0.00001", "Infinity", "1e999999999999999999999"])
    | st.decimals(allow_nan=False, allow_infinity=False).map(str)
    | st.integers().map(str)
)
tokens = (
    st.builds(lambda stamp, tail: f"{stamp}::{tail}", st.integers(0, 10**20), words)
    | st.binary(max_size=40).map(lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("="))
    | st.builds(
        lambda kind, symbol, key: base64.urlsafe_b64encode(f"{kind}\x1f{symbol}\x1f{key}".encode()).decode().rstrip("="),
        st.sampled_from(["bars/1Min", "bars/12Month", "trades", "quotes"]),
        st.sampled_from(["AAPL", "KO", "ZZZZ"]),
        st.integers(0, 10**40),
    )
)
values = times | numbers | tokens | words | st.sampled_from(
    ["asc", "desc", "all", "open", "closed", "1Min", "12Month", "59Min", "0Min", "AAPL,KO", "FILL,CSD", "buy", "true"]
)
PARAMETERS: Final = (
    "date", "after", "until", "start", "end", "page_token", "page_size", "limit", "direction", "sort", "timeframe",
    "symbols", "activity_types", "status", "side", "nested", "feed", "currency", "asof", "adjustment",
)
QUERY_ROUTES: Final = (
    "/v2/account/activities", "/v2/account/activities/FILL", "/v2/account/activities/CSW", "/v2/orders",
    "/v2/stocks/AAPL/bars", "/v2/stocks/bars", "/v2/stocks/AAPL/trades", "/v2/stocks/trades", "/v2/stocks/AAPL/quotes",
    "/v2/stocks/quotes", "/v2/stocks/bars/latest", "/v2/stocks/AAPL/snapshot", "/v2/stocks/snapshots",
    "/v2/stocks/trades/latest", "/admin/v1/audit",
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | words | numbers,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
    max_leaves=6,
)
BODY_ROUTES: Final = {
    ("POST", "/v2/orders"): {"symbol": "AAPL", "qty": "1", "side": "buy", "type": "limit", "time_in_force": "day",
                             "limit_price": "1"},
    ("PATCH", "/v2/orders/{order_id}"): {"qty": "2", "limit_price": "2"},
    ("POST", "/admin/v1/accounts"): {"cash": "100"},
    ("POST", "/admin/v1/accounts/{account_id}/deposits"): {"amount": "1"},
    ("POST", "/admin/v1/accounts/{account_id}/withdrawals"): {"amount": "1"},
    ("POST", "/admin/v1/market/prices"): {"symbol": "KO", "price": "60", "bid": "59.9", "ask": "60.1", "size": "5"},
}
FIELDS: Final = sorted({name for fields in BODY_ROUTES.values() for name in fields} | {
    "notional", "stop_price", "trail_price", "trail_percent", "trail", "client_order_id", "extended_hours",
    "position_intent", "description",
})


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(make_app) as running:
        running.run(set_price(running.engine, "AAPL", "100"))
        yield running


@pytest.fixture(scope="module")
def account(server: ThreadedServer) -> tuple[UUID, Headers]:
    """An account with cash, a share and an open order: something for every listing to find."""
    engine = server.engine
    credentials = server.run(engine.open_account(Decimal(1_000_000)))

    for kind, limit in ((OrderType.MARKET, None), (OrderType.LIMIT, Decimal(1))):
        request = OrderRequest(symbol="AAPL", side=OrderSide.BUY, type=kind, time_in_force=TimeInForce.DAY,
                               qty=Decimal(1), limit_price=limit)
        server.run(engine.place_order(credentials.account_id, request))
    server.run(engine.adjust_cash(credentials.account_id, Decimal(5), "deposit"))
    return credentials.account_id, auth_headers(credentials)


@SWEEP
@given(path=st.sampled_from(QUERY_ROUTES), params=st.dictionaries(st.sampled_from(PARAMETERS), values, max_size=6))
def test_no_query_is_a_server_error(
    server: ThreadedServer, account: tuple[UUID, Headers], path: str, params: dict[str, str]
) -> None:
    headers = server.admin if path.startswith("/admin") else account[1]
    status, answer = server.call("GET", path, headers, params=params)
    assert status < 500, answer


def render(value: Any, raw_number: bool) -> str:
    """A JSON value; a number drawn as text goes out bare where JSON's grammar allows, so huge exponents are sent too."""
    if raw_number and isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return json.dumps(value)
        return value
    return json.dumps(value)


def changes_of(route: tuple[str, str]) -> st.SearchStrategy[dict[str, tuple[Any, bool]]]:
    """New values (mostly numbers) for a few fields, mostly the route's own; each may go out as a bare JSON number."""
    names = st.sampled_from(sorted(BODY_ROUTES[route])) | st.sampled_from(FIELDS)
    return st.dictionaries(names, st.tuples(numbers | json_values, st.booleans()), max_size=4)


@SWEEP
@given(
    route_and_changes=st.sampled_from(sorted(BODY_ROUTES)).flatmap(lambda route: st.tuples(st.just(route), changes_of(route))),
    dropped=st.sets(st.sampled_from(FIELDS), max_size=2),
)
def test_no_body_is_a_server_error(
    server: ThreadedServer,
    account: tuple[UUID, Headers],
    route_and_changes: tuple[tuple[str, str], dict[str, tuple[Any, bool]]],
    dropped: set[str],
) -> None:
    account_id, headers = account
    route, changes = route_and_changes
    method, path = route
    order_id = ""
    if "{order_id}" in path:
        request = OrderRequest(symbol="AAPL", side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.DAY,
                               qty=Decimal(1), limit_price=Decimal(1))
        order_id = str(server.run(server.engine.place_order(account_id, request)).terms.id)
    fields = {name: json.dumps(value) for name, value in BODY_ROUTES[route].items() if name not in dropped}
    fields.update({name: render(value, raw) for name, (value, raw) in changes.items()})
    body = ("{" + ",".join(f"{json.dumps(name)}:{text}" for name, text in fields.items()) + "}").encode()
    path = path.format(order_id=order_id, account_id=account_id)
    status, answer = server.call(method, path, server.admin if path.startswith("/admin") else headers, body=body)
    assert status < 500, answer
