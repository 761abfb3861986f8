"""The Finnhub feed: trades from Finnhub's WebSocket, quotes polled over REST while trading is quiet.

Each trade becomes a synthetic one-tick quote and the trade itself (see
finnhub_ticks for how the quote is placed; its sizes are None, unlimited).
A symbol with no trade for a while is polled on /quote, and a newer price
there becomes a synthetic quote; /quote answering zeros means Finnhub does
not know the symbol, which is then logged and no longer polled. The stream
reconnects with exponential backoff and jitter, resubscribes every symbol,
and counts a connection that says nothing (not even a ping) for
`silence_s` as dead. A rejected API key is shown through `health` and
retried slowly rather than in a loop; a key refused on either channel (the
stream's handshake or a REST call) stays shown until that channel accepts it
again, whatever the other one does.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import aiohttp
import orjson
from yarl import URL

from tradeloop.config import Settings
from tradeloop.core.instruments import Asset
from tradeloop.core.marketdata import Trade
from tradeloop.market.feed import TickSink
from tradeloop.market.finnhub_rest import FinnhubError, FinnhubRest, KeyRejected
from tradeloop.market.finnhub_ticks import Ping, QuoteMaker, ServerError, TradeBatch, Unrecognized, parse_message
from tradeloop.market.health import FeedHealth
from tradeloop.market.throttle import Backoff

log = logging.getLogger(__name__)

RECONNECT_BASE_S: Final = 1.0
RECONNECT_CAP_S: Final = 60.0
KEY_RETRY_S: Final = 300.0
"""After Finnhub rejects the key, how long to wait before trying it again."""
POLL_CAP_S: Final = 120.0
"""Slowest polling of a symbol whose price stopped changing (a closed market)."""
UNKNOWN_EXCHANGE: Final = "OTC"


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """How the feed paces itself; every field is in seconds."""

    silence_s: float
    """A connection with no message at all for this long is dead."""
    poll_s: float
    """A symbol without a trade for this long is polled on /quote, and at most this often."""
    reconnect_base_s: float = RECONNECT_BASE_S
    reconnect_cap_s: float = RECONNECT_CAP_S
    key_retry_s: float = KEY_RETRY_S
    poll_cap_s: float = POLL_CAP_S


class _Dropped(Exception):
    """The stream ended; the message says how."""


@dataclass(slots=True)
class _Polling:
    """When one symbol is polled next, and how long it waits after an unchanged answer."""

    due_s: float = 0.0
    interval_s: float = 0.0


class FinnhubFeed:
    """Streams Finnhub trades for a set of symbols, with REST quotes filling the quiet times."""

    name: str = "finnhub"

    def __init__(
        self,
        symbols: Iterable[str],
        rest: FinnhubRest,
        *,
        api_key: str,
        ws_url: str,
        timing: Timing,
        health: FeedHealth | None = None,
    ) -> None:
        self.symbols = tuple(dict.fromkeys(symbols))
        self.health = health or FeedHealth()
        self.skipped: set[str] = set()
        """Symbols Finnhub answered zeros for: unknown there, never priced."""
        self._rest = rest
        self._api_key = api_key
        self._ws_url = URL(ws_url)
        self._timing = timing
        self._quotes = QuoteMaker()
        self._trade_ids = itertools.count(1)
        self._last_tick: dict[str, datetime] = {}
        """Exchange time of the newest tick emitted per symbol."""
        self._last_trade_s: dict[str, float] = {}
        """Loop time at which each symbol's last streamed trade arrived."""
        self._polling = {symbol: _Polling(interval_s=timing.poll_s) for symbol in self.symbols}
        self.connections = 0
        """Connections opened so far (for tests and logs)."""
        self._refused: set[str] = set()
        """The channels ("stream", "REST") whose last answer refused the key."""

    async def run(self, sink: TickSink) -> None:
        """Stream and poll until cancelled."""
        try:
            async with aiohttp.ClientSession() as session, asyncio.TaskGroup() as tasks:
                tasks.create_task(self._supervise("stream", lambda: self._stream(session, sink)), name="finnhub-stream")
                tasks.create_task(self._supervise("quote poller", lambda: self._poll(sink)), name="finnhub-quotes")
        finally:
            self._rest.close(wait=False)

    async def _supervise(self, what: str, body: Callable[[], Awaitable[None]]) -> None:
        """Restart a loop that failed unexpectedly, with backoff, so one bad message cannot end the feed."""
        backoff = Backoff(base_s=self._timing.reconnect_base_s, cap_s=self._timing.reconnect_cap_s)
        while True:
            try:
                await body()
                return
            except Exception:
                delay_s = backoff.next_delay_s()
                log.exception("finnhub %s failed; restarting it in %.1f s", what, delay_s)
                await asyncio.sleep(delay_s)

    # -- health -----------------------------------------------------------------

    def _key_rejected(self, channel: str) -> None:
        if channel not in self._refused:
            log.error("finnhub %s rejected the API key; retrying every %.0f s", channel, self._timing.key_retry_s)
        self._refused.add(channel)
        self.health.problem = "finnhub rejected the API key"

    def _key_works(self, channel: str) -> None:
        """One channel accepted the key; the feed is healthy once no channel refuses it."""
        if channel in self._refused:
            log.info("finnhub %s accepts the API key again", channel)
            self._refused.discard(channel)
        if not self._refused:
            self.health.problem = None

    # -- the stream ---------------------------------------------------------------

    async def _stream(self, session: aiohttp.ClientSession, sink: TickSink) -> None:
        backoff = Backoff(base_s=self._timing.reconnect_base_s, cap_s=self._timing.reconnect_cap_s)
        while True:
            try:
                await self._connect_once(session, sink, backoff)
                problem = "closed"
            except KeyRejected:
                self._key_rejected("stream")
                await asyncio.sleep(self._timing.key_retry_s)
                continue
            except _Dropped as exc:
                problem = str(exc)
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
                problem = type(exc).__name__  # never str(exc): it may carry the URL, and the URL the key
            delay_s = backoff.next_delay_s()
            log.warning("finnhub stream lost (%s); reconnecting in %.1f s", problem, delay_s)
            await asyncio.sleep(delay_s)

    async def _connect_once(self, session: aiohttp.ClientSession, sink: TickSink, backoff: Backoff) -> None:
        """Connect, subscribe every symbol and read until the connection ends.

        Raises:
            KeyRejected: the handshake answered 401. _Dropped: the connection ended or went silent.
        """
        url = self._ws_url.update_query(token=self._api_key)
        try:
            ws = await session.ws_connect(url, autoping=True, timeout=aiohttp.ClientWSTimeout(ws_close=5.0))
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status == 401:
                raise KeyRejected() from None
            raise _Dropped(f"handshake answered {exc.status}") from None
        self.connections += 1
        async with ws:
            for symbol in self.symbols:
                await ws.send_str(orjson.dumps({"type": "subscribe", "symbol": symbol}).decode())
            log.info("finnhub stream connected; subscribed to %d symbols", len(self.symbols))
            while True:
                try:
                    message = await ws.receive(timeout=self._timing.silence_s)
                except asyncio.TimeoutError:
                    raise _Dropped(f"silent for {self._timing.silence_s:g} s") from None
                if message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    await self._on_text(message.data, sink, backoff)
                elif message.type is aiohttp.WSMsgType.ERROR:
                    raise _Dropped(f"connection error {type(message.data).__name__}")
                else:
                    raise _Dropped(f"closed by finnhub (code {ws.close_code})")

    async def _on_text(self, raw: str | bytes, sink: TickSink, backoff: Backoff) -> None:
        match parse_message(raw, self._trade_ids):
            case TradeBatch(trades=trades):
                backoff.reset()  # only real traffic proves the connection; errors alone do not
                self._key_works("stream")
                for trade in trades:
                    if trade.symbol in self._polling:
                        await self._emit_trade(trade, sink)
            case Ping():
                backoff.reset()
                self._key_works("stream")
            case ServerError(message=text):
                log.warning("finnhub stream error: %s", text.replace(self._api_key, "***"))
            case Unrecognized(kind=kind):
                log.debug("ignoring a finnhub message of type %s", kind)

    async def _emit_trade(self, trade: Trade, sink: TickSink) -> None:
        self._last_trade_s[trade.symbol] = asyncio.get_running_loop().time()
        quote = self._quotes.quote(trade.symbol, trade.price, trade.timestamp)
        self._note_tick(trade.symbol, trade.timestamp)
        if quote is not None:
            await sink(quote)  # the quote first, so what the trade triggers fills at the new touch
        await sink(trade)

    def _note_tick(self, symbol: str, timestamp: datetime) -> None:
        last = self._last_tick.get(symbol)
        if last is None or timestamp > last:
            self._last_tick[symbol] = timestamp

    # -- the REST poller ----------------------------------------------------------

    async def _poll(self, sink: TickSink) -> None:
        """Poll every quiet symbol when due; the limiter in FinnhubRest keeps within the budget."""
        loop = asyncio.get_running_loop()
        while True:
            now_s = loop.time()
            for symbol, polling in self._polling.items():
                if symbol in self.skipped or now_s < polling.due_s:
                    continue
                quiet_since_s = self._last_trade_s.get(symbol)
                rechecking = "REST" in self._refused  # only a REST call can show that REST takes the key again
                if quiet_since_s is not None and now_s - quiet_since_s < self._timing.poll_s and not rechecking:
                    polling.due_s = quiet_since_s + self._timing.poll_s
                    continue
                await self._poll_one(symbol, polling, sink)
            due = [p.due_s for s, p in self._polling.items() if s not in self.skipped]
            await asyncio.sleep(max(min(due, default=now_s + self._timing.poll_cap_s) - loop.time(), 0.05))

    async def _poll_one(self, symbol: str, polling: _Polling, sink: TickSink) -> None:
        loop = asyncio.get_running_loop()
        try:
            answer = await self._rest.quote(symbol)
        except KeyRejected:
            self._key_rejected("REST")
            polling.due_s = loop.time() + self._timing.key_retry_s
            return
        except FinnhubError as exc:
            log.warning("finnhub quote for %s failed: %s", symbol, exc)
            polling.due_s = loop.time() + self._timing.poll_s
            return
        self._key_works("REST")
        if answer is None:
            log.warning("finnhub has no price for %s (it answered zeros); skipping the symbol", symbol)
            self.skipped.add(symbol)
            return
        last = self._last_tick.get(symbol)
        if last is not None and answer.timestamp <= last:
            polling.interval_s = min(polling.interval_s * 2, self._timing.poll_cap_s)  # nothing new: a closed market
        else:
            polling.interval_s = self._timing.poll_s
            quote = self._quotes.quote(
                symbol, answer.price, answer.timestamp, previous_close=answer.previous_close, refresh=True
            )
            self._note_tick(symbol, answer.timestamp)
            if quote is not None:
                await sink(quote)
        polling.due_s = loop.time() + polling.interval_s


# -- building it from settings ------------------------------------------------------


def poll_interval_s(stale_after_s: float) -> float:
    """Poll a quiet symbol often enough that a live price never goes stale for want of asking."""
    return min(max(stale_after_s / 3, 1.0), 20.0)


def rest_client(settings: Settings) -> FinnhubRest:
    """A REST client for the configured key and endpoint.

    Raises:
        ValueError: no Finnhub API key is configured.
    """
    if settings.finnhub_api_key is None:
        raise ValueError("finnhub needs an API key")
    return FinnhubRest(settings.finnhub_api_key, rest_url=settings.finnhub_rest_url)


def open_feed(settings: Settings, assets: Sequence[Asset]) -> FinnhubFeed:
    """Check the API key with one REST call (blocking: before the loop runs), then build the feed.

    Raises:
        KeyRejected: Finnhub refused the key. Other failures are logged: the feed keeps trying.
    """
    rest, api_key = rest_client(settings), settings.finnhub_api_key or ""
    symbols = [asset.symbol for asset in assets]
    try:
        if symbols:
            rest.quote_blocking(symbols[0], retry=False)  # an unreachable Finnhub must not hold up start-up
    except KeyRejected:
        rest.close()
        raise
    except FinnhubError as exc:
        log.warning("could not check the finnhub API key (%s); starting anyway", exc)
    timing = Timing(silence_s=float(settings.finnhub_silence_s), poll_s=poll_interval_s(float(settings.stale_after_s)))
    return FinnhubFeed(symbols, rest, api_key=api_key, ws_url=settings.finnhub_ws_url, timing=timing)


def resolve_assets(settings: Settings, symbols: Sequence[str], builtin: Mapping[str, Asset]) -> tuple[Asset, ...]:
    """Assets for the configured symbols: built-in ones as they are, others described by Finnhub.

    Raises:
        FinnhubError: Finnhub refused the key, could not be reached, or knows some symbols not at all
            (the message names them, with Finnhub's suggestions).
    """
    unknown = [symbol for symbol in symbols if symbol not in builtin]
    if not unknown:
        return tuple(builtin[symbol] for symbol in symbols)
    rest = rest_client(settings)
    try:
        found: dict[str, Asset] = {}
        missing: list[str] = []
        for symbol in unknown:
            quote = rest.quote_blocking(symbol)
            if quote is None:
                suggestions = [s for s in rest.lookup_blocking(symbol) if s != symbol]
                missing.append(f"{symbol} (did you mean {', '.join(suggestions)}?)" if suggestions else symbol)
                continue
            profile = rest.profile_blocking(symbol)  # ETFs have none on the free plan
            found[symbol] = Asset(
                symbol=symbol,
                name=profile.name if profile is not None else symbol,
                exchange=profile.exchange if profile is not None else UNKNOWN_EXCHANGE,
                reference_price=quote.price,
            )
    finally:
        rest.close()
    if missing:
        raise FinnhubError(f"unknown symbols: {'; '.join(missing)}")
    return tuple(builtin[symbol] if symbol in builtin else found[symbol] for symbol in symbols)
