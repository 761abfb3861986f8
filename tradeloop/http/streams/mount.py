"""Mount the streams' hub on the application, with its start and stop (their routes are surfaces: http/surfaces.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from tradeloop.actors.engine import Engine
from tradeloop.config import Settings
from tradeloop.http.history import MARKET_HISTORY
from tradeloop.http.streams.admission import WAITING, Waiting
from tradeloop.http.streams.hub import HUB, StreamHub, StreamLimits
from tradeloop.http.streams.peer import GOING_AWAY


def mount(app: web.Application, engine: Engine, settings: Settings) -> StreamHub:
    """Add the hub, which streams the market history's bars when one is mounted.

    Call after the history is mounted (its tick listener must see a trade before the hub
    does) and before the engine's lifetime is added (the hub starts first and stops last).
    """
    hub = StreamHub(engine, StreamLimits.from_settings(settings))
    history = app.get(MARKET_HISTORY)
    if history is not None:
        hub.follow_bars(history)
    app[HUB] = hub
    app[WAITING] = Waiting.from_settings(settings)
    app.cleanup_ctx.append(_hub_lifetime)
    app.on_shutdown.append(_close_streams)
    return hub


async def _hub_lifetime(app: web.Application) -> AsyncIterator[None]:
    hub = app[HUB]
    hub.start()
    yield
    await hub.stop()


async def _close_streams(app: web.Application) -> None:
    """Tell every stream client the server is going away, before aiohttp waits for the handlers."""
    app[HUB].close_all(GOING_AWAY)
