"""An in-memory journal for tests, demos and the engine without a data directory."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from tradeloop.core.accounts import AccountState
from tradeloop.core.charges import fee_activity
from tradeloop.core.events import AccountEvent, OrderFilled
from tradeloop.core.notifications import NotificationEntry, NotificationsCreated, NotificationsRead
from tradeloop.core.orders import Order
from tradeloop.core.strategies import Signal, StrategySignalled
from tradeloop.core.trades import Fill
from tradeloop.journal import (
    ACTIVITY_EVENTS,
    Activity,
    ActivityKey,
    ActivityQuery,
    AuditEntry,
    ChainReport,
    FillQuery,
    NotificationQuery,
    OrderQuery,
    SignalQuery,
    fill_of,
    select_activities,
    select_notifications,
    select_orders,
    select_signals,
)


class MemoryJournal:
    """Keeps everything in lists; commits at once. For tests and the in-memory engine."""

    trouble: str | None = None
    """Never set: memory does not fail."""

    def __init__(self) -> None:
        self.records: list[tuple[UUID, AccountEvent]] = []
        self.snapshots: dict[UUID, int] = {}
        """Per account, how many records the last snapshot covered."""
        self.meta: dict[str, bytes] = {}
        self.audit_entries: list[AuditEntry] = []
        self._activities: list[Activity] = []
        self._signals: list[tuple[UUID, Signal]] = []
        self._orders: dict[UUID, dict[UUID, Order]] = {}
        self._notifications: dict[UUID, dict[UUID, NotificationEntry]] = {}
        """Per account, its notifications by id, in the order they were made."""
        """Per account, each order's record as last handed over (a copy: the account goes on changing its own)."""

    def write(
        self, account_id: UUID, events: Sequence[AccountEvent], orders: Sequence[Order] = ()
    ) -> asyncio.Future[None]:
        self.records.extend((account_id, event) for event in events)
        for event in events:
            if isinstance(event, ACTIVITY_EVENTS):
                self._activities.append(event)
                if isinstance(event, OrderFilled) and event.fee:
                    self._activities.append(fee_activity(event))
        self._signals.extend((account_id, e.signal) for e in events if isinstance(e, StrategySignalled))
        for event in events:
            if isinstance(event, NotificationsCreated | NotificationsRead):
                self._project(account_id, event)
        if orders:
            history = self._orders.setdefault(account_id, {})
            for order in orders:
                history[order.terms.id] = order.copy()
        return _done()

    def snapshot(self, account_id: UUID, state: AccountState, taken_at: datetime) -> asyncio.Future[None]:
        self.snapshots[account_id] = len(self.records)
        return _done()

    def compact(self, account_count: int) -> asyncio.Future[None]:
        return _done()

    def put_meta(self, key: str, value: bytes) -> asyncio.Future[None]:
        self.meta[key] = value
        return _done()

    def audit(self, entry: AuditEntry) -> asyncio.Future[None]:
        self.audit_entries.append(entry)
        return _done()

    @property
    def events_written(self) -> int:
        return len(self.records)

    @property
    def position(self) -> int:
        return len(self.records)

    async def activities(self, query: ActivityQuery) -> list[Activity]:
        return select_activities(self._activities, query)

    async def activity_page(
        self, query: ActivityQuery, after: ActivityKey | None
    ) -> tuple[list[Activity], ActivityKey | None]:
        """One page of activities oldest first; the key's number is how many rows came before (the list only grows)."""
        skip = 0 if after is None else after[1]
        everything = select_activities(self._activities, replace(query, newest_first=False, limit=len(self._activities)))
        page = everything[skip : skip + query.limit]
        more = skip + len(page) < len(everything)
        return page, (page[-1].timestamp.isoformat(), skip + len(page)) if more and page else None

    async def order(self, account_id: UUID, order_id: UUID) -> Order | None:
        found = self._orders.get(account_id, {}).get(order_id)
        return None if found is None else found.copy()

    async def orders(self, query: OrderQuery) -> list[Order]:
        return [order.copy() for order in select_orders(self._orders.get(query.account_id, {}).values(), query)]

    async def audit_log(
        self, limit: int, *, until: datetime | None = None, before: int | None = None
    ) -> list[tuple[int, AuditEntry]]:
        numbered = list(enumerate(self.audit_entries, start=1))[: None if before is None else max(before - 1, 0)]
        chosen = [(number, entry) for number, entry in reversed(numbered) if until is None or entry.at <= until]
        return chosen[:limit]

    async def fills(self, query: FillQuery) -> list[Fill]:
        return (await self.fills_after(query, 0))[0]

    async def fills_after(self, query: FillQuery, place: int) -> tuple[list[Fill], int]:
        """A place is one past the activity's index in the order they were written."""
        orders = self._orders.get(query.account_id, {})
        found: list[Fill] = []
        for index in range(place, len(self._activities)):
            event = self._activities[index]
            if (
                isinstance(event, OrderFilled)
                and event.account_id == query.account_id
                and (query.symbols is None or event.symbol in query.symbols)
            ):
                order = orders.get(event.order_id)
                found.append(fill_of(event, None if order is None else order.terms.strategy_id))
                place = index + 1
        return found, place

    async def signals(self, query: SignalQuery) -> list[Signal]:
        return select_signals(self._signals, query)

    async def notifications(self, query: NotificationQuery) -> list[NotificationEntry]:
        return select_notifications(list(self._notifications.get(query.account_id, {}).values()), query)

    async def notification(self, account_id: UUID, notification_id: UUID) -> NotificationEntry | None:
        return self._notifications.get(account_id, {}).get(notification_id)

    async def unread_notifications(self, account_id: UUID) -> int:
        return sum(entry.read_at is None for entry in self._notifications.get(account_id, {}).values())

    def _project(self, account_id: UUID, event: NotificationsCreated | NotificationsRead) -> None:
        """Keep notifications and their read flags as the journal's notifications table does."""
        held = self._notifications.setdefault(account_id, {})
        if isinstance(event, NotificationsCreated):
            for made in event.notifications:
                held.setdefault(made.id, NotificationEntry(notification=made))
            return
        chosen = event.ids if event.ids else list(held)
        for notification_id in chosen:
            entry = held.get(notification_id)
            if entry is None or entry.read_at is not None:
                continue
            if not event.ids and event.until is not None and entry.notification.created_at > event.until:
                continue
            held[notification_id] = replace(entry, read_at=event.at)

    async def verify(self) -> ChainReport:
        return ChainReport(ok=True, records=len(self.records), first_seq=1, last_seq=len(self.records))


def _done() -> asyncio.Future[None]:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    done.set_result(None)
    return done
