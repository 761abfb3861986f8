"""Refuse a request whose declared body is over the limit before reading any of it."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from tradeloop.errors import PayloadTooLarge
from tradeloop.http.keys import SETTINGS


@web.middleware
async def declared_size_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """413 at once for a Content-Length over `max_body_bytes`, before authentication and before the body.

    aiohttp enforces the limit only while reading, so without this a client that
    declares 10 GB and sends nothing holds its handler until it gives up.
    """
    declared = request.content_length
    if declared is not None:
        limit = request.app[SETTINGS].max_body_bytes
        if declared > limit:
            raise PayloadTooLarge(f"request body is too large: {declared} bytes declared, at most {limit} accepted")
    return await handler(request)
