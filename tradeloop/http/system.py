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
    """200 once the engine is started and serving; 503 before, while the journal cannot write, or while the feed cannot deliver prices."""
    engine = request.app[ENGINE]
    if not engine.started:
        return web.json_response({"status": "starting"}, status=503)
    trouble = engine.journal_trouble
    if trouble is not None:
        return web.json_response({"status": "unavailable", "reason": f"journal: {trouble}"}, status=503)
    health = request.app.get(FEED_HEALTH)
    if health is not None and health.problem is not None:
        return web.json_response({"status": "unavailable", "reason": health.problem}, status=503)
    return web.json_response({"status": "ready"})
