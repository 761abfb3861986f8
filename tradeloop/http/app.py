"""The aiohttp application: the root, which keeps what applies to every answer, its surfaces, and the engine's lifetime."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from tradeloop.actors.live import LiveEngine
from tradeloop.config import Settings
from tradeloop.http import backtests, dashboard, history, surfaces, system, webhooks
from tradeloop.http.admin.gate import ADMIN, AdminGate
from tradeloop.http.body_size import declared_size_middleware
from tradeloop.http.fill_history import FILL_HISTORY, FillHistory
from tradeloop.http.headers import security_headers
from tradeloop.http.keys import ENGINE, SETTINGS, STRATEGY_HOST
from tradeloop.http.problems import error_middleware
from tradeloop.http.ratelimit import LIMITER, RateLimiter
from tradeloop.http.reference import mount as mount_reference
from tradeloop.http.streams.mount import mount as mount_streams
from tradeloop.market.history import MarketHistory
from tradeloop.vault import Vault

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def create_app(
    live: LiveEngine,
    settings: Settings,
    admin_gate: AdminGate,
    *,
    market_history: MarketHistory | None = None,
    history_lifetime: CleanupContext | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    vault: Vault | None = None,
) -> web.Application:
    """Build the application around a ready (not yet started) engine, which `live` starts and stops with the app.

    The engine is built with everything it needs (its journal open, recovered state
    given): whatever opened the journal closes it after the app stops. `market_history`
    (else one in memory) records every tick; `history_lifetime` opens its store
    before the engine starts and closes it after. `monotonic` is the rate
    limiter's clock. `vault` seals the webhooks' secrets (the data directory's master key).
    """
    app = web.Application(
        middlewares=[error_middleware, declared_size_middleware],
        client_max_size=settings.max_body_bytes,
    )
    engine = live.engine
    app[ENGINE] = engine
    app[SETTINGS] = settings
    app[ADMIN] = admin_gate
    app[LIMITER] = RateLimiter(settings.rate_limit_per_min, monotonic)
    # A signal rather than a middleware: it also reaches the errors that error_middleware renders.
    app.on_response_prepare.append(security_headers(tls=settings.tls_cert is not None))
    app.add_routes(system.routes)  # the top level: health and readiness
    history.mount(app, engine, market_history or MarketHistory(max_ticks=settings.history_ticks), history_lifetime)
    app[STRATEGY_HOST] = live.run_strategies(app[history.MARKET_HISTORY])  # on the minutes the history completes
    backtests.mount(app, engine, app[history.MARKET_HISTORY])  # before the surfaces copy the root's state
    webhooks.mount(app, engine, settings, vault)
    mount_streams(app, engine, settings)  # its hub starts before the engine and stops after it
    app[FILL_HISTORY] = FillHistory(engine.journal)  # the fills and round trips the reports read, kept between requests
    surfaces.mount(app)  # /v2, /admin/v1 and the streams, each with its own middlewares, sharing the state set above
    app.cleanup_ctx.append(_engine_lifetime(live))
    app.cleanup_ctx.append(webhooks.lifetime)  # the dispatcher runs while the engine does
    dashboard.mount(app)  # /app, /admin and their files under /ui
    mount_reference(app)  # /openapi.json and /docs; the documents are built at start-up from every route
    return app


def _engine_lifetime(live: LiveEngine) -> CleanupContext:
    async def engine_lifetime(app: web.Application) -> AsyncIterator[None]:
        await live.start()
        yield
        await live.stop()

    return engine_lifetime
