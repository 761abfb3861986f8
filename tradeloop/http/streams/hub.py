"""The stream hub: who is connected and subscribed to what, and the fan-out of ticks, bars, statuses, trade updates and notifications.

Publishing runs inside the engine's listeners, so it never waits: it builds a
message once and puts it in the outbox of each connection that wants it, which
costs one step per subscriber of that symbol (plus wildcard subscribers).
Every one-minute bar sent also updates its symbol's bar for the day, which goes
out on dailyBars as a `d` message (see `daily_bars`); `d` messages are queued
like bars, never coalesced: at most one per symbol and minute, plus updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol
from uuid import UUID

from aiohttp import web

from tradeloop.actors.account import Committed
from tradeloop.actors.engine import Engine
from tradeloop.actors.listeners import Subscription
from tradeloop.config import Settings
from tradeloop.core.accounts import AccountState
from tradeloop.core.bars import Bar
from tradeloop.core.events import KeysRotated
from tradeloop.core.marketdata import HaltChanged, Tick, Trade
from tradeloop.errors import Unauthorized
from tradeloop.http.ratelimit import charge_failure
from tradeloop.http.streams.daily_bars import DailyBars, DaySource
from tradeloop.http.streams.frames import Message
from tradeloop.http.streams.market_messages import (
    StreamBar,
    bar_message,
    daily_bar_message,
    quote_message,
    status_message,
    trade_message,
)
from tradeloop.http.streams.minute_bars import DEFAULT_DELAY_S, MinuteBars, MinuteSource
from tradeloop.http.streams.notifications import NOTIFICATIONS, notification_messages
from tradeloop.http.streams.peer import Farewell, Peer
from tradeloop.http.streams.updates import TRADE_UPDATES, trade_updates

log = logging.getLogger(__name__)

WILDCARD: Final = "*"


class Channel(StrEnum):
    """Market data channels a client may subscribe to; lulds carries no data here.

    dailyBars carries the symbol's bar for the day so far each time one of its minutes goes out on bars or
    updatedBars. statuses carries the halts and resumptions administrators make, not a snapshot of the current status.
    """

    TRADES = "trades"
    QUOTES = "quotes"
    BARS = "bars"
    UPDATED_BARS = "updatedBars"
    DAILY_BARS = "dailyBars"
    STATUSES = "statuses"
    LULDS = "lulds"


class BarSource(MinuteSource, DaySource, Protocol):
    """Where the stream's bars come from: the market history."""


class StreamKind(StrEnum):
    """The two streams; each has its own connection limit per key."""

    MARKET = "market"
    TRADING = "trading"


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamLimits:
    """What one client may hold and how long it may lag or dawdle."""

    connections_per_key: int = 4
    symbols_per_connection: int = 1000
    outbox_size: int = 2000
    slow_client_s: float = 5.0
    auth_timeout_s: float = 10.0
    heartbeat_s: float = 30.0
    max_message_bytes: int = 1_048_576

    @classmethod
    def from_settings(cls, settings: Settings) -> StreamLimits:
        return cls(
            connections_per_key=settings.stream_max_connections_per_key,
            symbols_per_connection=settings.stream_max_symbols,
            outbox_size=settings.stream_outbox_size,
            slow_client_s=settings.stream_slow_client_s,
            auth_timeout_s=settings.stream_auth_timeout_s,
            heartbeat_s=settings.stream_heartbeat_s,
            max_message_bytes=settings.max_body_bytes,
        )


class StreamHub:
    """Every stream connection of the server, indexed for fan-out."""

    def __init__(self, engine: Engine, limits: StreamLimits, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.limits = limits
        self.clock = clock
        self.peers: set[Peer] = set()
        self._index: dict[Channel, dict[str, set[Peer]]] = {channel: {} for channel in Channel}
        self._subscriptions: dict[Peer, dict[Channel, dict[str, None]]] = {}
        self._accounts: dict[tuple[UUID, StreamKind], set[Peer]] = {}
        self._listening: dict[str, dict[UUID, set[Peer]]] = {TRADE_UPDATES: {}, NOTIFICATIONS: {}}
        """By stream (trade updates, notifications), the connections listening to each account's."""
        self._sweeper: asyncio.Task[None] | None = None
        self._engine_subscriptions: list[Subscription[Any]] = []
        self._minutes: MinuteBars | None = None
        self._days: DailyBars | None = None

    # -- lifetime -------------------------------------------------------------

    def start(self) -> None:
        """Listen to the engine and start watching for clients that stay behind."""
        self._engine_subscriptions = [
            self.engine.subscribe_ticks(self.publish_tick),
            self.engine.subscribe_halts(self.publish_status),
            self.engine.subscribe_events(self.publish_events),
        ]
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="stream-sweeper")

    async def stop(self) -> None:
        """Stop listening to the engine and watching the clients."""
        for subscription in self._engine_subscriptions:
            subscription.close()
        self._engine_subscriptions = []
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self._days is not None:
            await self._days.close()

    def close_all(self, farewell: Farewell) -> None:
        """Ask every connection to end; each handler closes its own."""
        for peer in list(self.peers):
            peer.end(farewell)

    async def _sweep(self) -> None:
        """Once a second (or more often for a short grace period): close laggards, send bars whose minute ended."""
        interval = min(1.0, self.limits.slow_client_s / 2)
        while True:
            await asyncio.sleep(interval)
            try:
                self._close_laggards(self.clock())
                if self._minutes is not None:
                    self._minutes.tick(self.engine.clock())
            except Exception:
                log.exception("stream sweep failed")

    def _close_laggards(self, now: float) -> None:
        for peer in list(self.peers):
            if peer.outbox.behind_for(now) > self.limits.slow_client_s:
                log.info("closing a stream client that stayed behind: %d messages waiting", len(peer.outbox))
                peer.end(peer.farewells.slow)

    # -- connections ----------------------------------------------------------

    def join(self, peer: Peer) -> None:
        self.peers.add(peer)

    def authenticate(self, request: web.Request, key_id: str, secret_key: str) -> AccountState | None:
        """The account of a stream's credentials, or None; only failures are counted, as for REST calls.

        Right credentials are never refused for others' failures; see auth_middleware.

        Raises:
            RateLimited: the credentials are wrong and the address or key id has no failure left.
        """
        try:
            return self.engine.authenticate(key_id, secret_key)
        except Unauthorized:
            charge_failure(request, key_id)
            return None

    def admit(self, peer: Peer, account_id: UUID, kind: StreamKind) -> bool:
        """Count an authenticated connection against its key's limit; False when the limit is reached."""
        held = self._accounts.setdefault((account_id, kind), set())
        if len(held) >= self.limits.connections_per_key:
            return False
        held.add(peer)
        peer.account_id = account_id
        return True

    def leave(self, peer: Peer, kind: StreamKind) -> None:
        """Forget a connection that ended: its subscriptions, its place in its key's count."""
        self.peers.discard(peer)
        for channel, symbols in self._subscriptions.pop(peer, {}).items():
            self._unindex(peer, channel, symbols)
        if peer.account_id is not None:
            key = (peer.account_id, kind)
            held = self._accounts.get(key)
            if held is not None:
                held.discard(peer)
                if not held:
                    del self._accounts[key]
            for stream in self._listening:
                self.listen(peer, False, stream)

    def connections(self, account_id: UUID, kind: StreamKind) -> int:
        return len(self._accounts.get((account_id, kind), ()))

    # -- market data ----------------------------------------------------------

    def subscriptions(self, peer: Peer) -> dict[Channel, dict[str, None]]:
        """A connection's subscribed symbols by channel, in the order they were added (read only)."""
        return self._subscriptions.get(peer, {})

    def subscribe(self, peer: Peer, changes: dict[Channel, list[str]]) -> bool:
        """Add symbols to a connection's subscriptions; False (and nothing changed) past the symbol limit."""
        current = self._subscriptions.setdefault(peer, {channel: {} for channel in Channel})
        distinct = {symbol for symbols in current.values() for symbol in symbols}
        distinct.update(symbol for symbols in changes.values() for symbol in symbols)
        if len(distinct) > self.limits.symbols_per_connection:
            return False
        for channel, symbols in changes.items():
            added = [symbol for symbol in symbols if symbol not in current[channel]]
            current[channel].update(dict.fromkeys(added))
            for symbol in added:
                self._index[channel].setdefault(symbol, set()).add(peer)
        return True

    def unsubscribe(self, peer: Peer, changes: dict[Channel, list[str]]) -> None:
        """Remove symbols from a connection's subscriptions; symbols it does not have are ignored."""
        current = self._subscriptions.get(peer)
        if current is None:
            return
        for channel, symbols in changes.items():
            removed = [symbol for symbol in symbols if symbol in current[channel]]
            for symbol in removed:
                del current[channel][symbol]
            self._unindex(peer, channel, removed)

    def _unindex(self, peer: Peer, channel: Channel, symbols: Iterable[str]) -> None:
        index = self._index[channel]
        for symbol in symbols:
            subscribers = index.get(symbol)
            if subscribers is not None:
                subscribers.discard(peer)
                if not subscribers:
                    del index[symbol]

    def follow_bars(self, source: BarSource, *, delay_s: float = DEFAULT_DELAY_S) -> None:
        """Send the one-minute bars `source` builds from the trades (the market history), as they complete.

        Each also sends its symbol's bar for the day so far on dailyBars.
        """
        self._minutes = MinuteBars(source, self._publish_minute, delay_s=delay_s)
        self._days = DailyBars(source, self.publish_daily_bar)

    def _publish_minute(self, bar: Bar, updated: bool) -> None:
        self.publish_bar(bar, updated)
        if self._days is not None:
            self._days.minute(bar)

    def publish_tick(self, tick: Tick) -> None:
        """Send a trade or quote to its subscribers (an engine tick listener, so it must not raise)."""
        try:
            self._publish_tick(tick)
            if self._minutes is not None and isinstance(tick, Trade):
                self._minutes.traded(tick.symbol)
        except Exception:
            log.exception("a %s tick was not streamed", tick.symbol)

    def _publish_tick(self, tick: Tick) -> None:
        channel = Channel.TRADES if isinstance(tick, Trade) else Channel.QUOTES
        index = self._index[channel]
        exact = index.get(tick.symbol)
        wild = index.get(WILDCARD)
        if not exact and not wild:
            return
        asset = self.engine.assets.get(tick.symbol)
        venue = asset.exchange if asset is not None else ""
        message = trade_message(tick, venue) if isinstance(tick, Trade) else quote_message(tick, venue)
        self._fan_out(message, exact, wild)

    def publish_bar(self, bar: StreamBar, updated: bool = False) -> None:
        """Send a finished one-minute bar to its subscribers, or on updatedBars one a late trade changed."""
        index = self._index[Channel.UPDATED_BARS if updated else Channel.BARS]
        exact = index.get(bar.symbol)
        wild = index.get(WILDCARD)
        if exact or wild:
            self._fan_out(bar_message(bar, updated=updated), exact, wild)

    def publish_daily_bar(self, bar: StreamBar) -> None:
        """Send a symbol's bar for the day so far to its dailyBars subscribers."""
        index = self._index[Channel.DAILY_BARS]
        exact = index.get(bar.symbol)
        wild = index.get(WILDCARD)
        if exact or wild:
            self._fan_out(daily_bar_message(bar), exact, wild)

    def publish_status(self, change: HaltChanged) -> None:
        """Send a halt or resumption to its subscribers (an engine halt listener, so it must not raise)."""
        try:
            index = self._index[Channel.STATUSES]
            exact = index.get(change.symbol)
            wild = index.get(WILDCARD)
            if exact or wild:
                asset = self.engine.assets.get(change.symbol)
                self._fan_out(status_message(change, asset.exchange if asset is not None else ""), exact, wild)
        except Exception:
            log.exception("a %s trading status was not streamed", change.symbol)

    def _fan_out(self, message: Message, exact: set[Peer] | None, wild: set[Peer] | None) -> None:
        now = self.clock()
        if wild:
            for peer in wild:
                peer.deliver(message, now)
        if exact:
            for peer in exact:
                if not wild or peer not in wild:
                    peer.deliver(message, now)

    # -- trade updates --------------------------------------------------------

    def listen(self, peer: Peer, on: bool, stream: str = TRADE_UPDATES) -> None:
        """Start or stop sending an authenticated connection its account's trade updates (or notifications)."""
        assert peer.account_id is not None
        accounts = self._listening[stream]
        listening = accounts.setdefault(peer.account_id, set())
        if on:
            listening.add(peer)
        else:
            listening.discard(peer)
        if not listening:
            del accounts[peer.account_id]

    def publish_events(self, committed: Committed) -> None:
        """Send an account's committed write to its listening connections (an engine listener).

        Its trade updates go to the connections listening to trade_updates, then its
        notifications to those listening to notifications, each in order.
        """
        account_id = committed.account_id
        try:
            if any(isinstance(event, KeysRotated) for event in committed.events):
                self._revoke(account_id)
            now = self.clock()
            for stream, messages in ((TRADE_UPDATES, trade_updates), (NOTIFICATIONS, notification_messages)):
                listening = self._listening[stream].get(account_id)
                if listening:
                    for message in messages(committed):
                        for peer in list(listening):
                            peer.deliver(message, now)
        except Exception:
            log.exception("trade updates and notifications of account %s were not sent", account_id)

    def _revoke(self, account_id: UUID) -> None:
        """End every connection authenticated with an account's old key."""
        for kind in StreamKind:
            for peer in list(self._accounts.get((account_id, kind), ())):
                peer.end(peer.farewells.revoked)


HUB: Final = web.AppKey("stream_hub", StreamHub)
