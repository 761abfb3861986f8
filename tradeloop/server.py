"""Server entry point: prepare from Settings, open the storage, build the engine and app on it, serve until a signal."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import signal
import socket
import ssl
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Final, NoReturn

import pyotp
from aiohttp import web

from tradeloop.actors.engine import Credentials, Engine
from tradeloop.actors.live import LiveEngine
from tradeloop.bar_history import history_lifetime
from tradeloop.clock import utc_now
from tradeloop.config import MarketMode, Settings
from tradeloop.core.instruments import ASSETS_BY_SYMBOL, UNIVERSE, Asset
from tradeloop.errors import StartupFailure
from tradeloop.http.access_log import AccessLogger
from tradeloop.http.admin.gate import AdminGate
from tradeloop.http.app import create_app
from tradeloop.http.edge import EdgeAppRunner
from tradeloop.http.keys import ENGINE
from tradeloop.http.system import FEED_HEALTH
from tradeloop.market import finnhub
from tradeloop.market.backfill import Backfill
from tradeloop.market.feed import Feed
from tradeloop.market.finnhub_rest import FinnhubError
from tradeloop.market.history import MarketHistory
from tradeloop.market.manual import ManualFeed
from tradeloop.market.simulated import SimulatedFeed
from tradeloop.snapshots.bars import BarStore
from tradeloop.snapshots.bars import database_path as bars_database_path
from tradeloop.snapshots.recovery import CorruptData
from tradeloop.storage import AdminSecrets, JournalFailed, Storage

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S: Final = 10.0
KEEPALIVE_TIMEOUT_S: Final = 75.0
"""How long an idle HTTP connection stays open; `web.run_app`'s default."""
STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)
_RULE: Final = "=" * 72


class StartupError(StartupFailure):
    """The server cannot start as configured; the message says why, without a traceback."""


def select_assets(settings: Settings) -> tuple[Asset, ...]:
    """The built-in universe, or the configured subset of it.

    Raises:
        StartupError: a configured symbol is not in the built-in universe.
    """
    if settings.symbols is None:
        return UNIVERSE
    unknown = [symbol for symbol in settings.symbols if symbol not in ASSETS_BY_SYMBOL]
    if unknown and settings.market is MarketMode.FINNHUB:
        try:  # Finnhub prices symbols beyond the built-in set: ask it about the others
            return finnhub.resolve_assets(settings, settings.symbols, ASSETS_BY_SYMBOL)
        except FinnhubError as exc:
            raise StartupError(str(exc)) from None
    if unknown:
        known = ", ".join(sorted(ASSETS_BY_SYMBOL))
        raise StartupError(f"unknown symbols: {', '.join(unknown)} (available: {known})")
    return tuple(ASSETS_BY_SYMBOL[symbol] for symbol in settings.symbols)


def make_feed(settings: Settings, assets: Sequence[Asset]) -> Feed:
    """The market data feed the settings ask for.

    Raises:
        StartupError: the feed is not available.
    """
    if settings.market is MarketMode.SIMULATED:
        return SimulatedFeed(assets, settings.seed, settings.sim_ticks_per_sec, utc_now)
    if settings.market is MarketMode.MANUAL:
        return ManualFeed()
    if settings.market is MarketMode.FINNHUB:
        try:
            return finnhub.open_feed(settings, assets)
        except FinnhubError as exc:
            raise StartupError(str(exc)) from None
    raise StartupError(f"{settings.market.value} feed is not available yet")


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepared:
    """What start-up decides before the event loop runs: settings, assets, feed, data directory, admin gate."""

    settings: Settings
    assets: tuple[Asset, ...]
    feed: Feed
    storage: Storage
    admin: AdminSecrets
    gate: AdminGate


def prepare(settings: Settings) -> Prepared:
    """Resolve what the settings name: the data directory (created), the assets, the feed, the admin secrets.

    Raises:
        StartupFailure: the settings name something that cannot be served (a StartupError),
            or the master key is missing or wrong (a VaultError).
    """
    data_dir = settings.data_dir.expanduser().resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(f"cannot create the data directory {data_dir}: {exc.strerror}") from None
    settings = dataclasses.replace(settings, data_dir=data_dir)
    assets = select_assets(settings)
    feed = make_feed(settings, assets)
    storage = Storage(settings)  # a VaultError, if the master key is missing or wrong, stops start-up
    admin = storage.admin_secrets()
    gate = AdminGate(admin_key_hash=admin.key_digest, totp=pyotp.TOTP(admin.totp_secret), clock=utc_now)
    return Prepared(settings=settings, assets=assets, feed=feed, storage=storage, admin=admin, gate=gate)


@asynccontextmanager
async def open_app(prepared: Prepared) -> AsyncIterator[web.Application]:
    """The whole server, not yet started: storage opened and recovered first, then the engine built on what it holds.

    Start-up then runs in this order: lock, recovery, journal open (here), the engine built with
    the recovered accounts and halts (here), the engine started and the demo account opened (as
    the app starts). Shutdown: the engine stops with the app, then the journal closes and the
    lock is released on the way out of this context.

    Raises:
        StartupFailure: the database is locked by another server or damaged.
        JournalFailed: on the way out, when the journal could not write at the end.
    """
    settings, feed = prepared.settings, prepared.feed
    async with prepared.storage.open(prepared.gate) as stored:
        engine = Engine(
            assets=prepared.assets,
            journal=stored.journal,
            accounts=stored.accounts,
            halted=stored.halted,
            # Real prices age; simulated and manual ones never do.
            stale_after_s=float(settings.stale_after_s) if isinstance(feed, finnhub.FinnhubFeed) else None,
            queue_size=settings.queue_size,
        )
        live = LiveEngine(
            engine,
            feed=feed,
            snapshot_every_events=settings.snapshot_every,
            snapshot_every_s=float(settings.snapshot_seconds),
        )
        history, history_context = _market_history(settings, prepared.assets, feed)
        app = create_app(
            live,
            settings,
            prepared.gate,
            market_history=history,
            history_lifetime=history_context,
            vault=prepared.storage.vault,
        )
        if isinstance(feed, finnhub.FinnhubFeed):
            app[FEED_HEALTH] = feed.health
        app.cleanup_ctx.append(_demo_account(settings, prepared.admin))  # after the engine's own start
        yield app


def _market_history(
    settings: Settings, assets: Sequence[Asset], feed: Feed
) -> tuple[MarketHistory, Callable[[web.Application], AsyncIterator[None]]]:
    """Recent ticks in memory and minute bars in the data directory; a simulated market backfills them."""
    store = BarStore(bars_database_path(settings.data_dir))
    history = MarketHistory(max_ticks=settings.history_ticks, archive=store)
    simulated = feed if isinstance(feed, SimulatedFeed) else None
    plan = None
    if simulated is not None and settings.backfill_days > 0:
        plan = Backfill(assets=assets, seed=settings.seed, days=settings.backfill_days, end=utc_now())
    symbols = [asset.symbol for asset in assets]
    resume = simulated.resume if simulated is not None else None
    return history, history_lifetime(store, history, symbols=symbols, plan=plan, resume=resume)


def _demo_account(settings: Settings, admin: AdminSecrets) -> Callable[[web.Application], AsyncIterator[None]]:
    async def demo_account(app: web.Application) -> AsyncIterator[None]:
        engine = app[ENGINE]
        credentials = await _open_demo_account(engine, settings)
        lines = []
        if credentials is not None:
            lines += _demo_banner(settings, credentials)
        if admin.generated_key is not None:
            lines += _admin_banner(admin.generated_key, admin.totp_secret)
        if lines:
            print("\n".join([_RULE, *lines, _RULE]), flush=True)
        yield

    return demo_account


async def _open_demo_account(engine: Engine, settings: Settings) -> Credentials | None:
    """Open the demo account on first start; return its credentials only when generated (to show them)."""
    if settings.demo_key_id is None or settings.demo_secret_key is None:
        if engine.accounts():
            return None  # not a first start: the demo account, if any, already exists
        return await engine.open_account(settings.demo_cash)
    if any(state.key_id == settings.demo_key_id for state in engine.accounts()):
        return None
    if engine.accounts():
        # Not a first start: the configured key was rotated away (or came later); reviving it would undo a rotation.
        log.warning(
            "demo key id %s is not in use and accounts exist already: no demo account opened", settings.demo_key_id
        )
        return None
    credentials = await engine.open_account(
        settings.demo_cash, key_id=settings.demo_key_id, secret_key=settings.demo_secret_key
    )
    log.info("demo account opened with key id %s", credentials.key_id)
    return None


def _demo_banner(settings: Settings, credentials: Credentials) -> list[str]:
    base_url = _url(_reachable_host(settings.host), settings.port, tls=settings.tls_cert is not None)
    return [
        "Demo account (generated; shown only this once, keep it somewhere safe)",
        f"  APCA-API-KEY-ID:     {credentials.key_id}",
        f"  APCA-API-SECRET-KEY: {credentials.secret_key}",
        "  Try it:",
        (
            f"  curl -s {base_url}/v2/account -H 'APCA-API-KEY-ID: {credentials.key_id}'"
            f" -H 'APCA-API-SECRET-KEY: {credentials.secret_key}'"
        ),
    ]


def _admin_banner(key: str, totp_secret: str) -> list[str]:
    uri = pyotp.TOTP(totp_secret).provisioning_uri(name="admin", issuer_name="tradeloop")
    return [
        "Admin credentials (generated; shown only this once, keep them somewhere safe)",
        f"  Admin key:   {key}",
        f"  TOTP secret: {totp_secret}",
        f"  TOTP URI:    {uri}",
    ]


def _reachable_host(host: str) -> str:
    """A host a local client can connect to, for a server bound to a wildcard address."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def _url(host: str, port: int, *, tls: bool) -> str:
    scheme = "https" if tls else "http"
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The server's TLS context (TLS 1.2 or later) when a certificate and key are configured.

    Raises:
        StartupError: the certificate or key cannot be read or do not match.
    """
    cert, key = settings.tls_cert, settings.tls_key
    if cert is None or key is None:
        return None
    for what, path in (("certificate", cert), ("key", key)):
        if not path.is_file():
            raise StartupError(f"cannot read the TLS {what} {path}: no such file")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key, password=_no_password)
    except ssl.SSLError as exc:
        raise StartupError(f"cannot load the TLS certificate {cert} with the key {key}: {_tls_problem(exc)}") from None
    except OSError as exc:
        raise StartupError(f"cannot read the TLS certificate {cert} or key {key}: {exc.strerror or exc}") from None
    return context


def _tls_problem(exc: ssl.SSLError) -> str:
    if not exc.reason:  # OpenSSL's PEM reader says no more than "PEM lib"
        return "not a PEM certificate chain and private key"
    if exc.reason == "KEY_VALUES_MISMATCH":
        return "the key does not belong to the certificate"
    return str(exc.reason).lower().replace("_", " ")


def _no_password() -> str:
    """Refuse an encrypted key rather than prompt for its password on the terminal."""
    raise StartupError("the TLS key is encrypted; give an unencrypted key file")


def _listen(host: str, port: int) -> socket.socket:
    """Bind and listen now, so port 0 resolves to a real port before start-up.

    Raises:
        StartupError: the address cannot be bound.
    """
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


GC_THRESHOLDS: Final = (20_000, 50, 100)
"""The cyclic collector's thresholds while serving (Python's are 700, 10, 10).

Every order allocates a few dozen short-lived objects, so with Python's
thresholds the youngest generation is collected every few orders and the
oldest, which holds every account's state, every few thousand: about a fifth
of the event loop's time under load, and pauses that grow with the state. Our
objects rarely form cycles; what does is still collected, less often.
"""


def tune_collector() -> None:
    """Collect less often while serving (see GC_THRESHOLDS)."""
    gc.set_threshold(*GC_THRESHOLDS)


async def freeze_startup_objects(app: web.Application) -> None:
    """Once recovery and start-up are done, leave what they built out of every later collection."""
    gc.collect()
    gc.freeze()


def configure_logging(level: str) -> None:
    """Log to stderr at the configured level; secrets are never passed to a logger."""
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )


def run(settings: Settings) -> None:
    """Run the server until SIGINT or SIGTERM; a bad configuration or a corrupt data directory exits with status 2.

    Stopped while the journal cannot write, it exits with status 1.
    """
    configure_logging(settings.log_level)
    try:
        ssl_context = tls_context(settings)
        sock = _listen(settings.host, settings.port)
        port = int(sock.getsockname()[1])
        try:
            prepared = prepare(dataclasses.replace(settings, port=port))
        except BaseException:
            sock.close()
            raise
    except StartupFailure as exc:
        _refuse(exc)
    url = _url(settings.host, port, tls=ssl_context is not None)
    line = f"tradeloop serving on {url} (market: {settings.market.value})"

    def announce() -> None:
        print(line, flush=True)

    tune_collector()
    try:
        asyncio.run(serve(prepared, sock, ssl_context, announce))
    except StartupFailure as exc:  # raised by the storage's start-up: its lock, then recovery
        _refuse(exc)
    except JournalFailed:  # the journal's closing said what was lost, in one line
        raise SystemExit(1) from None
    log.info("tradeloop stopped")


async def serve(
    prepared: Prepared, sock: socket.socket, ssl_context: ssl.SSLContext | None, announce: Callable[[], None]
) -> None:
    """Open the storage and the app on it, serve it on `sock` until SIGINT or SIGTERM, then shut both down.

    What `web.run_app` does, through an EdgeAppRunner: run_app cannot be given
    a runner, and only that runner answers malformed requests as problems.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in STOP_SIGNALS:  # before start-up, as run_app: a signal during recovery stops the server once it is done
        loop.add_signal_handler(sig, stop.set)
    try:
        async with open_app(prepared) as app:
            app.on_startup.append(freeze_startup_objects)  # after the cleanup contexts: the engine, the demo account
            runner = EdgeAppRunner(
                app,
                access_log_class=AccessLogger,
                keepalive_timeout=KEEPALIVE_TIMEOUT_S,
                shutdown_timeout=SHUTDOWN_TIMEOUT_S,
            )
            await runner.setup()
            try:
                if not stop.is_set():
                    await web.SockSite(runner, sock, ssl_context=ssl_context).start()
                    announce()
                    await stop.wait()
            finally:
                await runner.cleanup()
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


def _refuse(exc: StartupFailure) -> NoReturn:
    """Say why the server cannot start, without a traceback, and exit with status 2."""
    hint = "; restore the data directory from a backup" if isinstance(exc, CorruptData) else ""
    print(f"tradeloop: error: {exc}{hint}", file=sys.stderr, flush=True)
    raise SystemExit(2) from None
