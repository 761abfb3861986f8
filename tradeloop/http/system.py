"""Routes: liveness and readiness."""

from __future__ import annotations

from typing import Final

from aiohttp import web

from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Reply, Security, operation
from tradeloop.http.shapes.admin import HealthJson
from tradeloop.market.health import FeedHealth

routes = web.RouteTableDef()

TAG: Final = "health"

FEED_HEALTH: Final = web.AppKey("feed_health", FeedHealth)
"""Set when the feed can report trouble (finnhub); /readyz shows its problem."""


@routes.get("/healthz")
@operation(
    tag=TAG,
    security=Security.NONE,
    responses={200: HealthJson},
    examples=[Example(name="ok", summary="serving", response={"status": "ok"})],
)
async def healthz(request: web.Request) -> web.Response:
    """200 while the process serves requests."""
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
@operation(
    tag=TAG,
    security=Security.NONE,
    responses={
        200: HealthJson,
        503: Reply(shape=HealthJson, description="Not ready: starting, or the journal or the feed in trouble (`reason`)."),
    },
    examples=[
        Example(name="ready", summary="ready", response={"status": "ready"}),
        Example(
            name="journal",
            summary="the journal cannot write",
            status=503,
            response={"status": "unavailable", "reason": "journal: disk I/O error"},
        ),
    ],
)
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
