"""Routes: liveness and readiness."""

from __future__ import annotations

from typing import Final

from aiohttp import web

from tradeloop.http.keys import ENGINE
from tradeloop.market.health import FeedHealth

routes = web.RouteTableDef()

FEED_HEALTH: Final = web.AppKey("feed_health", FeedHealth)
"""Set when the feed can report trouble (finnhub); /readyz shows its problem."""


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """200 while the process serves requests."""
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """200 once the engine is started and serving; 503 before, or while the feed cannot deliver prices."""
    if not request.app[ENGINE].started:
        return web.json_response({"status": "starting"}, status=503)
    health = request.app.get(FEED_HEALTH)
    if health is not None and health.problem is not None:
        return web.json_response({"status": "unavailable", "reason": health.problem}, status=503)
    return web.json_response({"status": "ready"})
