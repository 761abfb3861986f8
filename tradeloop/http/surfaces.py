"""The sub-applications under the root, one per surface, each with the middlewares of its own authentication.

    /v2                  trading and market data: the key headers (auth), the key's call budget (ratelimit)
    /admin/v1/sessions   admin login: the admin key and a TOTP code, checked by the route itself
    /admin/v1            administration: an admin session token (admin.sessions)
    /v2/iex, /v2/sip     the market data streams  } authenticated inside their protocol,
    /stream              the trading stream       } each also with a trailing slash

The root keeps what applies to every answer (error rendering, the declared body
size, the security headers), serves the top-level routes (health, readiness)
and holds the state every surface shares. aiohttp resolves the longest matching prefix first, so each stream path is a
surface of its own ahead of /v2, and it answers its own 404 and 405. Route
tables name whole paths (`/v2/orders`); `surface` mounts them under their prefix.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Middleware

from tradeloop.http import (
    activities,
    alerts,
    assets,
    backtests,
    calendar,
    configurations,
    fees,
    history,
    marketdata,
    notifications,
    orders,
    performance,
    portfolio,
    portfolio_history,
    risk,
    statements,
    strategies,
    trades,
    watchlists,
    webhooks,
)
from tradeloop.http.admin import accounts, audit, journal, market, sessions
from tradeloop.http.admin import fees as admin_fees
from tradeloop.http.admin import risk as admin_risk
from tradeloop.http.auth import auth_middleware
from tradeloop.http.ratelimit import rate_limit_headers, rate_limit_middleware
from tradeloop.http.streams import market_stream, trading_stream

V2: Final = "/v2"
ADMIN_LOGIN: Final = "/admin/v1/sessions"
ADMIN_V1: Final = "/admin/v1"


def surface(prefix: str, routes: Iterable[web.AbstractRouteDef], middlewares: Iterable[Middleware] = ()) -> web.Application:
    """A sub-application to mount at `prefix`, serving `routes` (which name whole paths) under it.

    Raises:
        ValueError: a route lies outside the prefix, or is not a plain route.
    """
    rebased: list[web.AbstractRouteDef] = []
    for route in routes:
        if not isinstance(route, web.RouteDef):
            raise ValueError(f"{route!r} is not a plain route")
        if route.path != prefix and not route.path.startswith(f"{prefix}/"):
            raise ValueError(f"route {route.method} {route.path} lies outside {prefix}")
        # A RouteDef registers as the table would (a GET answers HEAD too).
        rebased.append(web.RouteDef(route.method, route.path.removeprefix(prefix), route.handler, route.kwargs))
    app = web.Application(middlewares=middlewares)
    app.add_routes(rebased)
    return app


def trading() -> web.Application:
    """/v2: every call names its account by the key headers and spends the key's budget, which every answer tells."""
    tables = (
        orders.routes, risk.routes, portfolio.routes, activities.routes, assets.routes, calendar.routes,
        configurations.routes, watchlists.routes, backtests.routes, strategies.routes, marketdata.routes, history.routes,
        webhooks.routes,
        alerts.routes,
        notifications.routes,
        trades.routes,
        fees.routes,
        statements.routes,
        performance.routes,
        portfolio_history.routes,
    )
    app = surface(V2, _all(tables), [auth_middleware, rate_limit_middleware])
    app.on_response_prepare.append(rate_limit_headers)  # a signal: errors rendered at the root get the headers too
    return app


def admin() -> web.Application:
    """/admin/v1: every route asks for a live admin session."""
    tables = (accounts.routes, admin_risk.routes, admin_fees.routes, market.routes, journal.routes, audit.routes)
    return surface(ADMIN_V1, _all(tables), [sessions.session_middleware])


def mount(root: web.Application) -> None:
    """Mount every surface under the root, sharing the root's state as it is now: call it once that state is set.

    Each surface holds the same objects under the same keys, so handlers read
    `request.app[KEY]` directly: `request.config_dict`, which looks through the
    sub-application to the root, costs about 1 µs more per lookup (a miss raises
    KeyError), some 10 µs a /v2 call.
    """
    mounted: list[tuple[str, web.Application]] = []
    for route in (*market_stream.routes, *trading_stream.routes):
        assert isinstance(route, web.RouteDef)
        # Some clients connect at /stream/ and, answered 404, retry without end: each stream serves both spellings.
        slashed = web.RouteDef(route.method, f"{route.path}/", route.handler, route.kwargs)
        mounted.append((route.path, surface(route.path, [route, slashed])))
    mounted += [(V2, trading()), (ADMIN_LOGIN, surface(ADMIN_LOGIN, sessions.routes)), (ADMIN_V1, admin())]
    for prefix, app in mounted:
        app.update(root)
        root.add_subapp(prefix, app)


def _all(tables: Iterable[web.RouteTableDef]) -> list[web.AbstractRouteDef]:
    return [route for table in tables for route in table]
