"""Webhooks while the server runs: the endpoints' service and the dispatcher, built on the engine's journal.

With the journal in SQLite, the delivery store is `webhooks.db` beside its
database and the dispatcher reads the journal's notifications table; with the
in-memory journal both live in memory, as everything else then does.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tradeloop.actors.account import Committed, EventListener
from tradeloop.actors.engine import Engine
from tradeloop.actors.listeners import Subscription
from tradeloop.core.notifications import NotificationsCreated
from tradeloop.snapshots.journal import JournalWriter
from tradeloop.vault import Vault
from tradeloop.webhooks.dispatcher import CONCURRENCY, Dispatcher
from tradeloop.webhooks.feed import HeardNotifications, NotificationFeed, StoredNotifications
from tradeloop.webhooks.sender import TIMEOUT_S, Sender
from tradeloop.webhooks.service import Endpoints
from tradeloop.webhooks.store import FILE_NAME, DeliveryStore


class Webhooks:
    """The endpoints' service and the dispatcher; `start` after the engine starts, `stop` before it stops."""

    def __init__(
        self,
        engine: Engine,
        vault: Vault,
        *,
        allow_private: bool,
        concurrency: int = CONCURRENCY,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self._engine = engine
        journal = engine.journal
        database: Path | None = journal.path if isinstance(journal, JournalWriter) else None
        self._heard: HeardNotifications | None = None
        feed: NotificationFeed = StoredNotifications(database) if database is not None else HeardNotifications()
        if isinstance(feed, HeardNotifications):
            self._heard = feed
        self.endpoints = Endpoints(engine, vault, allow_private=allow_private)
        self.store = DeliveryStore(None if database is None else database.parent / FILE_NAME)
        self._feed = feed
        self._sender = Sender(allow_private=allow_private, concurrency=concurrency, timeout_s=timeout_s)
        self.dispatcher = Dispatcher(
            engine, vault, store=self.store, feed=feed, sender=self._sender, clock=engine.clock, concurrency=concurrency
        )
        self._task: asyncio.Task[None] | None = None
        self._subscription: Subscription[EventListener] | None = None

    async def start(self) -> None:
        """Open the store, the feed and the client session, listen for committed notifications, start the dispatcher."""
        await self.store.open()
        await self._feed.open()
        await self._sender.open()
        await self.dispatcher.begin()
        self._subscription = self._engine.subscribe_events(self._heard_of)
        self._task = asyncio.create_task(self.dispatcher.run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        """Stop the dispatcher (requests in flight are sent again after a restart), then close what it used."""
        if self._subscription is not None:
            self._subscription.close()
        self.dispatcher.halt()
        if self._task is not None:
            await self._task  # the turn it is taking ends soon: it waits on no receiver
        await self.dispatcher.stop()
        await self._sender.close()
        await self._feed.close()
        await self.store.close()

    def _heard_of(self, committed: Committed) -> None:
        if self._heard is not None:
            self._heard.hear(committed)
        if any(isinstance(event, NotificationsCreated) for event in committed.events):
            self.dispatcher.wake()
