"""Routes: orders — place, list, look up, replace and cancel (Alpaca v2 /v2/orders)."""

from __future__ import annotations

from typing import Final

from aiohttp import web

from tradeloop.actors import bulk
from tradeloop.actors.bulk import BulkResult
from tradeloop.core.exits import nest
from tradeloop.core.orders import Order
from tradeloop.errors import (
    AccountDisabled,
    DuplicateClientOrderId,
    InsufficientBuyingPower,
    InsufficientQty,
    JournalUnavailable,
    NotCancelable,
    NotFound,
    NotReplaceable,
    RiskLimitExceeded,
    StaleMarketData,
    TradingHalted,
    TradingStateRefused,
    Unavailable,
    UnknownSymbol,
)
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_model, read_query
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import OrderPath, path_id
from tradeloop.http.problems import problem_body
from tradeloop.http.schemas import (
    ByClientOrderIdQuery,
    OrdersQuery,
    PlaceOrderBody,
    ReplaceOrderBody,
)
from tradeloop.http.shapes.trading import OrderJson, OrderLineJson
from tradeloop.http.wire import JsonDict, json_response, order_json

routes = web.RouteTableDef()

TAG: Final = "orders"
_PLACE_ERRORS: Final = (
    InsufficientBuyingPower, InsufficientQty, AccountDisabled, TradingHalted, RiskLimitExceeded, TradingStateRefused,
    DuplicateClientOrderId, UnknownSymbol, StaleMarketData, JournalUnavailable, Unavailable,
)
_ORDER: Final = example("trading", "order")
_LIMIT: Final = example("trading", "limit_order")


async def _answer(request: web.Request, order: Order) -> web.Response:
    """An order as Alpaca answers it: a group's first order with its legs nested."""
    legs = await request.app[ENGINE].legs(account_id(request), order)
    return json_response(order_json(order, legs=legs))


def bulk_line(result: BulkResult, instance: str) -> JsonDict:
    """One line of a 207 answer: the order made, or the error met, under `body`."""
    body: OrderJson | JsonDict | None = order_json(result.order) if result.order is not None else None
    if result.error is not None:
        body = problem_body(result.error, instance)
    return {"id": str(result.id), "status": result.status, "body": body}


@routes.post("/v2/orders")
@operation(
    tag=TAG,
    security=Security.KEYS,
    body=PlaceOrderBody,
    responses={200: OrderJson},
    errors=_PLACE_ERRORS,
    examples=[
        Example(
            name="market",
            summary="buy 2 AAPL at market",
            body={"symbol": "AAPL", "qty": "2", "side": "buy", "type": "market", "time_in_force": "day"},
            response=_ORDER,
        ),
        Example(
            name="limit",
            summary="buy 1 MSFT at 100.00 or less, until canceled",
            body={
                "symbol": "MSFT", "qty": "1", "side": "buy", "type": "limit", "time_in_force": "gtc",
                "limit_price": "100.00", "client_order_id": "my-limit-1",
            },
            response=_LIMIT,
        ),
        Example(
            name="notional",
            summary="buy $500 of SPY",
            body={"symbol": "SPY", "notional": "500", "side": "buy", "type": "market", "time_in_force": "day"},
            response=example("trading", "notional_order"),
        ),
    ],
)
async def place_order(request: web.Request) -> web.Response:
    """Place an order; the answer shows it after the market's first look (maybe filled)."""
    body = await read_model(request, PlaceOrderBody)
    order = await request.app[ENGINE].place_order(account_id(request), body.to_request())
    return await _answer(request, order)


@routes.get("/v2/orders")
@operation(
    tag=TAG,
    security=Security.KEYS,
    query=OrdersQuery,
    responses={200: list[OrderJson]},
    errors=(Unavailable,),
    examples=[
        Example(
            name="all",
            summary="the newest two orders, open or closed",
            query={"status": "all", "limit": "2"},
            response=example("trading", "orders"),
        )
    ],
)
async def list_orders(request: web.Request) -> web.Response:
    query = read_query(request, OrdersQuery)
    orders = await request.app[ENGINE].orders(query.to_query(account_id(request)))
    if query.nested:  # each group's legs under its first order, as Alpaca's nested=true
        return json_response([order_json(order, legs=legs if legs else None) for order, legs in nest(orders)])
    return json_response([order_json(order) for order in orders])


@routes.get("/v2/orders:by_client_order_id")
@operation(
    tag=TAG,
    security=Security.KEYS,
    query=ByClientOrderIdQuery,
    responses={200: OrderJson},
    errors=(NotFound, Unavailable),
    examples=[Example(name="limit", summary="the order placed as my-limit-1", query={"client_order_id": "my-limit-1"}, response=_LIMIT)],
)
async def get_order_by_client_order_id(request: web.Request) -> web.Response:
    query = read_query(request, ByClientOrderIdQuery)
    order = await request.app[ENGINE].order_by_client_order_id(account_id(request), query.client_order_id)
    return await _answer(request, order)


@routes.get("/v2/orders/{order_id}")
@operation(
    tag=TAG,
    security=Security.KEYS,
    path=OrderPath,
    responses={200: OrderJson},
    errors=(NotFound, Unavailable),
    examples=[Example(name="filled", summary="the market order, filled", path={"order_id": _ORDER["id"]}, response=_ORDER)],
)
async def get_order(request: web.Request) -> web.Response:
    order = await request.app[ENGINE].order(account_id(request), path_id(request, "order"))
    return await _answer(request, order)


@routes.patch("/v2/orders/{order_id}")
@operation(
    tag=TAG,
    security=Security.KEYS,
    path=OrderPath,
    body=ReplaceOrderBody,
    responses={200: OrderJson},
    errors=(NotFound, NotReplaceable, *_PLACE_ERRORS),
    examples=[
        Example(
            name="limit",
            summary="raise the limit to 101.00",
            path={"order_id": _LIMIT["id"]},
            body={"limit_price": "101.00"},
            response=example("trading", "replacement"),
        )
    ],
)
async def replace_order(request: web.Request) -> web.Response:
    """Replace an open order; the answer is the new order, the old one becomes `replaced`."""
    order_id = path_id(request, "order")
    body = await read_model(request, ReplaceOrderBody)
    order = await request.app[ENGINE].replace_order(account_id(request), order_id, body.to_request())
    return await _answer(request, order)


@routes.delete("/v2/orders/{order_id}")
@operation(
    tag=TAG,
    security=Security.KEYS,
    path=OrderPath,
    responses={204: None},
    errors=(NotFound, NotCancelable, JournalUnavailable, Unavailable),
    examples=[Example(name="open", summary="cancel an open order", path={"order_id": _LIMIT["id"]}, status=204)],
)
async def cancel_order(request: web.Request) -> web.Response:
    """Cancel an open order: 204 with no body."""
    await request.app[ENGINE].cancel_order(account_id(request), path_id(request, "order"))
    return web.Response(status=204)


@routes.delete("/v2/orders")
@operation(
    tag=TAG,
    security=Security.KEYS,
    responses={207: list[OrderLineJson]},
    errors=(JournalUnavailable, Unavailable),
    examples=[Example(name="one", summary="one open order, canceled", status=207, response=example("trading", "cancel_lines"))],
)
async def cancel_all_orders(request: web.Request) -> web.Response:
    """Cancel every open order: 207 with one line per order."""
    results = await bulk.cancel_all_orders(request.app[ENGINE], account_id(request))
    return json_response([bulk_line(result, request.path) for result in results], status=207)
