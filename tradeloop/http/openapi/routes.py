"""What an aiohttp application serves: every method and path, sub-applications included, and which are documented."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import PrefixedSubAppResource

from tradeloop.http.openapi.operation import Operation, operation_of


@dataclass(frozen=True, slots=True)
class Route:
    """One method on one path, as the reference names it (`/v2/orders/{order_id}`), with its handler."""

    method: str
    path: str
    handler: Any

    @property
    def operation(self) -> Operation | None:
        return operation_of(self.handler)


def served_routes(app: web.Application) -> list[Route]:
    """Every route the application serves, its sub-applications' at their full paths; in the router's order.

    The HEAD route aiohttp adds beside each GET is left out: it answers as the GET does, without a body.
    """
    return list(_walk(app))


def undocumented(app: web.Application) -> list[Route]:
    """The routes whose handler carries no `@operation`, so the reference would leave them out."""
    return [route for route in served_routes(app) if route.operation is None]


def _walk(app: web.Application) -> Iterator[Route]:
    for resource in app.router.resources():
        if isinstance(resource, PrefixedSubAppResource):
            # add_subapp prefixes the sub-application's resources itself, so their paths are already whole.
            yield from _walk(resource.get_info()["app"])
            continue
        path = resource.canonical
        for route in resource:
            if route.method != hdrs.METH_HEAD:
                yield Route(route.method, path, route.handler)
