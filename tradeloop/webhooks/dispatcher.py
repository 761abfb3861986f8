"""The webhook dispatcher: journaled notifications into an outbox, and the outbox to the endpoints, at least once.

It runs beside the actors as one task and never in them: an actor never waits on
a receiver. Each turn it reads the notifications journaled after its cursor,
records a delivery for every enabled endpoint whose patterns take the type (the
cursor moving in the same transaction), then starts the deliveries that are due,
at most `concurrency` at a time. A delivery is marked delivered only once its
endpoint answered 2xx, so a crash at any point repeats at most the requests whose
answer it had not recorded, each under the same `webhook-id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections.abc import Callable
from datetime import datetime
from typing import Final
from uuid import UUID, uuid4

import orjson

from tradeloop.actors.engine import Engine
from tradeloop.codec import rfc3339
from tradeloop.core.notifications import Notification
from tradeloop.core.webhooks import DisableWebhook, WebhookEndpoint, WebhookStatus
from tradeloop.errors import TradeloopError
from tradeloop.vault import Vault
from tradeloop.webhooks.feed import NotificationFeed
from tradeloop.webhooks.schedule import FAILING_FOR, next_attempt
from tradeloop.webhooks.sender import Answer, Sender
from tradeloop.webhooks.signing import signed_headers
from tradeloop.webhooks.store import START, Attempt, Delivery, DeliveryStatus, DeliveryStore, NewDelivery

log = logging.getLogger(__name__)

CONCURRENCY: Final = 8
"""Requests in flight at once, over every endpoint."""
IDLE_S: Final = 1.0
"""The longest the dispatcher sleeps when nothing wakes it (a notification it was not told of, a retry coming due)."""
TEST_TYPE: Final = "webhook.test"
GONE: Final = "the endpoint answered 410 Gone"


def body_of(notification: Notification) -> bytes:
    """The request body: Standard Webhooks' `{type, timestamp, data}`, the data with the notification's id and account."""
    data = {"notification_id": str(notification.id), "account_id": str(notification.account_id), **notification.data}
    return orjson.dumps({"type": notification.type.value, "timestamp": rfc3339(notification.created_at), "data": data})


class Dispatcher:
    """Moves notifications from the journal to the endpoints; `run` is its task, `step` one whole turn (for tests)."""

    def __init__(
        self,
        engine: Engine,
        vault: Vault,
        *,
        store: DeliveryStore,
        feed: NotificationFeed,
        sender: Sender,
        clock: Callable[[], datetime],
        draw: Callable[[], float] = random.random,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self._engine = engine
        self._vault = vault
        self.store = store
        self._feed = feed
        self._sender = sender
        self._clock = clock
        self._draw = draw
        self._concurrency = concurrency
        self._sending: dict[int, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._turn = asyncio.Lock()
        self._halted = False

    def wake(self) -> None:
        """Look for new notifications and due deliveries now rather than at the next idle timeout."""
        self._wake.set()

    async def run(self) -> None:
        """Take turns until halted; a turn that fails (the store, the feed) is logged and the next one tries again."""
        while not self._halted:
            self._wake.clear()
            try:
                await self._take_turn()
                wait = await self._until_next_due()
            except Exception:  # the task must outlive a failing turn: deliveries are kept and retried
                log.exception("webhook dispatcher turn failed")
                wait = IDLE_S
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can turn a cancellation that meets
            # its timeout into a TimeoutError, and the loop would never end.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    def halt(self) -> None:
        """End `run` after the turn it is taking."""
        self._halted = True
        self._wake.set()

    async def begin(self) -> None:
        """On a new store, start after the last notification journaled: none made before it is owed to an endpoint.

        Endpoints exist only once the store does (it opens as the server starts), so a new store
        skips nothing owed; one deleted by hand forgets what was pending rather than resend every past notification.
        """
        if await self.store.cursor() is None:
            await self.store.record([], due_s=0.0, cursor=await self._feed.end())  # no delivery: nothing is due

    async def step(self) -> None:
        """One whole turn: record deliveries for new notifications, send what is due, and wait for every request sent."""
        await self._take_turn()
        while self._sending:
            await asyncio.gather(*self._sending.values())
            await self._take_turn()  # a slot freed may let more due deliveries start

    async def stop(self) -> None:
        """Abandon the requests in flight: they were not recorded as delivered, so they are sent again after a restart."""
        for task in self._sending.values():
            task.cancel()
        await asyncio.gather(*self._sending.values(), return_exceptions=True)
        self._sending.clear()

    async def send_test(self, account_id: UUID, endpoint: WebhookEndpoint) -> str:
        """Queue a `webhook.test` message to this endpoint only (disabled or not); its message id."""
        now = self._clock()
        message_id = str(uuid4())
        data = {"webhook_id": str(endpoint.id), "account_id": str(account_id), "message": "a test from tradeloop"}
        body = orjson.dumps({"type": TEST_TYPE, "timestamp": rfc3339(now), "data": data})
        made = NewDelivery(
            account_id=account_id, webhook_id=endpoint.id, message_id=message_id, type=TEST_TYPE, body=body, made_at=now,
            forced=True,
        )
        await self.store.record([made], due_s=now.timestamp())
        self.wake()
        return message_id

    async def _take_turn(self) -> None:
        async with self._turn:
            while await self._record_new():
                pass
            await self._start_due()

    async def _record_new(self) -> bool:
        """Record deliveries for the notifications after the cursor, one page; whether there was any."""
        found = await self._feed.after(await self.store.cursor() or START)
        if not found:
            return False
        made: list[NewDelivery] = []
        for _, notification in found:
            made += self._deliveries_of(notification)
        due_s = self._clock().timestamp() if made else 0.0  # no reading of the clock for nothing to send
        await self.store.record(made, due_s=due_s, cursor=found[-1][0])
        return True

    def _deliveries_of(self, notification: Notification) -> list[NewDelivery]:
        """One delivery per enabled endpoint of the account, made before the notification, taking its type."""
        try:
            endpoints = self._engine.account(notification.account_id).webhooks
        except TradeloopError:  # an account this server does not hold
            return []
        kind = notification.type.value
        chosen = [
            each
            for each in endpoints.values()
            if each.status is WebhookStatus.ENABLED and each.created_at <= notification.created_at and each.takes(kind)
        ]
        if not chosen:
            return []
        body = body_of(notification)
        return [
            NewDelivery(
                account_id=notification.account_id, webhook_id=each.id, message_id=str(notification.id), type=kind,
                body=body, made_at=notification.created_at,
            )
            for each in chosen
        ]

    async def _start_due(self) -> None:
        room = self._concurrency - len(self._sending)
        if room <= 0 or await self.store.next_due_s(besides=list(self._sending)) is None:
            return  # the clock is read only when something waits: an idle dispatcher takes no readings from it
        for delivery in await self.store.due(self._clock().timestamp(), room, besides=list(self._sending)):
            task = asyncio.create_task(self._deliver(delivery), name=f"webhook-delivery-{delivery.id}")
            self._sending[delivery.id] = task
            task.add_done_callback(functools.partial(self._done, delivery.id))

    def _done(self, delivery_id: int, _: asyncio.Task[None]) -> None:
        self._sending.pop(delivery_id, None)
        self.wake()

    async def _until_next_due(self) -> float:
        """How long to sleep: until the next delivery not being sent comes due, at most IDLE_S (a request ending wakes it)."""
        if len(self._sending) >= self._concurrency:
            return IDLE_S
        next_due_s = await self.store.next_due_s(besides=list(self._sending))
        if next_due_s is None:
            return IDLE_S
        return min(max(next_due_s - self._clock().timestamp(), 0.0), IDLE_S)

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            await self._attempt(delivery)
        except Exception:  # logged and left pending: the next turn tries it again
            log.exception("webhook delivery %s to %s failed", delivery.message_id, delivery.webhook_id)

    async def _attempt(self, delivery: Delivery) -> None:
        endpoint = self._endpoint(delivery)
        if endpoint is None or (endpoint.status is WebhookStatus.DISABLED and not delivery.forced):
            await self.store.settle(delivery, DeliveryStatus.CANCELED)
            return
        now = self._clock()
        secrets = [self._vault.open(sealed) for sealed in endpoint.sealed_secrets(now)]
        headers = signed_headers(secrets, delivery.message_id, int(now.timestamp()), delivery.body)
        answer = await self._sender.post(endpoint.url, headers, delivery.body, now)
        attempt = Attempt(
            message_id=delivery.message_id, type=delivery.type, attempt=delivery.attempts + 1, at=now,
            status_code=answer.status_code, latency_ms=answer.latency_ms, error=answer.error,
        )
        if answer.delivered:
            await self.store.attempted(delivery, attempt, status=DeliveryStatus.DELIVERED)
            await self.store.succeeded(endpoint.id)
            return
        await self._failed(delivery, endpoint, attempt, answer)

    async def _failed(self, delivery: Delivery, endpoint: WebhookEndpoint, attempt: Attempt, answer: Answer) -> None:
        now = attempt.at
        if answer.status_code == 410:
            await self.store.attempted(delivery, attempt, status=DeliveryStatus.FAILED)
            await self._disable(delivery.account_id, endpoint, GONE)
            return
        retry_at = next_attempt(attempt.attempt, now, answer.retry_after, self._draw)
        if retry_at is None:
            await self.store.attempted(delivery, attempt, status=DeliveryStatus.FAILED)
        else:
            await self.store.attempted(delivery, attempt, status=DeliveryStatus.PENDING, next_attempt_s=retry_at.timestamp())
        if delivery.forced:
            return  # a test the owner asked for says nothing about the endpoint's health
        since = await self.store.failing_since(endpoint.id, now)
        if now - since >= FAILING_FOR:
            await self._disable(delivery.account_id, endpoint, f"every delivery failed since {rfc3339(since)}")

    def _endpoint(self, delivery: Delivery) -> WebhookEndpoint | None:
        try:
            return self._engine.account(delivery.account_id).webhooks.get(delivery.webhook_id)
        except TradeloopError:
            return None

    async def _disable(self, account_id: UUID, endpoint: WebhookEndpoint, reason: str) -> None:
        """Disable the endpoint on its account (which notifies the owner: `webhook.disabled`)."""
        log.warning("webhook %s of account %s disabled: %s", endpoint.id, account_id, reason)
        try:
            await self._engine.change_webhook(account_id, DisableWebhook(webhook_id=endpoint.id, reason=reason))
        except TradeloopError as exc:  # deleted meanwhile, or the journal refuses for now: the next failure tries again
            log.warning("webhook %s could not be disabled: %s", endpoint.id, exc)
