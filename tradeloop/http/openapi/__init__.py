"""The API reference's machinery: `@operation` on each route handler, and the OpenAPI 3.1 document built from them.

A route gets into the reference by decorating its handler with its models:

    @routes.post("/v2/orders")
    @operation(tag="orders", security=Security.KEYS, body=PlaceOrderBody, responses={200: OrderJson},
               errors=(InsufficientBuyingPower, UnknownSymbol))
    async def place_order(request: web.Request) -> web.Response: ...

`build_openapi(app, ...)` walks the application's routes (sub-applications
included) and renders the document; `undocumented(app)` lists the routes
without an `@operation`.
"""

from tradeloop.http.openapi.document import DocumentError, build_openapi
from tradeloop.http.openapi.operation import Example, Operation, Reply, Security, operation, operation_of
from tradeloop.http.openapi.problem import Problem
from tradeloop.http.openapi.routes import Route, served_routes, undocumented

__all__ = [
    "DocumentError",
    "Example",
    "Operation",
    "Problem",
    "Reply",
    "Route",
    "Security",
    "build_openapi",
    "operation",
    "operation_of",
    "served_routes",
    "undocumented",
]
