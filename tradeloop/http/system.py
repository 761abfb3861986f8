"""Routes: liveness and readiness."""

from __future__ import annotations

from aiohttp import web

from tradeloop.http.keys import ENGINE

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """200 while the process serves requests."""
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """200 once the engine is started and serving; 503 before."""
    if not request.app[ENGINE].started:
        return web.json_response({"status": "starting"}, status=503)
    return web.json_response({"status": "ready"})
