"""The journal's interface and its query and record types: what the actors need from storage and the store provides."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal, Protocol
from uuid import UUID

from tradeloop.core.accounts import AccountState
from tradeloop.core.charges import FeeCharged
from tradeloop.core.events import AccountEvent, CashAdjusted, OrderFilled, RiskWarned, TradingStateChanged
from tradeloop.core.money import ZERO
from tradeloop.core.notifications import NotificationEntry, NotificationType
from tradeloop.core.orders import Order, OrderSide
from tradeloop.core.strategies import Signal
from tradeloop.core.trades import Fill
from tradeloop.errors import InvalidField, JournalUnavailable

Activity = OrderFilled | CashAdjusted | TradingStateChanged | RiskWarned | FeeCharged
"""Account activities: fills, cash movements, risk state changes and warnings (events), and the fees fills were charged."""
ACTIVITY_EVENTS: Final = (OrderFilled, CashAdjusted, TradingStateChanged, RiskWarned)
"""The classes of events that are activities, for isinstance (a fill charged a fee adds its `FeeCharged` after it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One administrative action: who did what to what, and when."""

    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainReport:
    """The outcome of walking the journal's hash chain."""

    ok: bool
    records: int
    first_seq: int
    last_seq: int
    problem: str | None = None
    problem_seq: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityQuery:
    account_id: UUID
    kinds: frozenset[str] = frozenset()
    """'FILL', 'CSD', 'CSW', 'FEE', 'RISK'; empty means all."""
    after: datetime | None = None
    until: datetime | None = None
    newest_first: bool = True
    limit: int = 100


ActivityKey = tuple[str, int]
"""Where a page of activities ended: the last row's time (RFC 3339) and its place in the store's order at that time."""


def activity_kind(activity: Activity) -> str:
    """Alpaca's activity type of an event (RISK, ours, for risk state changes and warnings)."""
    if isinstance(activity, OrderFilled):
        return "FILL"
    if isinstance(activity, CashAdjusted):
        return "CSD" if activity.amount > 0 else "CSW"
    if isinstance(activity, FeeCharged):
        return "FEE"
    return "RISK"  # our own type: a trading state change or a warning of a risk limit


def select_activities(activities: Sequence[Activity], query: ActivityQuery) -> list[Activity]:
    """Filter, order and cut activities as a query asks (shared by every store)."""
    chosen = [
        a
        for a in activities
        if a.account_id == query.account_id
        and (not query.kinds or activity_kind(a) in query.kinds)
        and (query.after is None or a.timestamp > query.after)
        and (query.until is None or a.timestamp < query.until)
    ]
    chosen.sort(key=lambda a: a.timestamp)
    if query.newest_first:
        chosen.reverse()  # activities at the same time: the one recorded last comes first
    return chosen[: query.limit]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderQuery:
    """A listing of one account's orders, as GET /v2/orders asks for it."""

    account_id: UUID
    status: Literal["open", "closed", "all"] = "open"
    after: datetime | None = None
    """Submitted strictly after."""
    until: datetime | None = None
    """Submitted at or before."""
    newest_first: bool = True
    limit: int = 50
    side: OrderSide | None = None
    symbols: frozenset[str] | None = None


def order_sort_key(order: Order) -> tuple[datetime, UUID]:
    """Orders list by submission time; orders submitted at the same moment, by id (as every store sorts them)."""
    return order.terms.created_at, order.terms.id


def select_orders(orders: Iterable[Order], query: OrderQuery) -> list[Order]:
    """Filter, order and cut orders as a query asks (shared by every store)."""
    chosen = [
        order
        for order in orders
        if (terms := order.terms).account_id == query.account_id
        and (query.status == "all" or order.is_open is (query.status == "open"))
        and (query.after is None or terms.created_at > query.after)
        and (query.until is None or terms.created_at <= query.until)
        and (query.side is None or terms.side is query.side)
        and (query.symbols is None or terms.symbol in query.symbols)
    ]
    chosen.sort(key=order_sort_key, reverse=query.newest_first)
    return chosen[: query.limit]


@dataclass(frozen=True, slots=True, kw_only=True)
class FillQuery:
    """Every fill of one account (of some symbols), in the order the account applied them: what round trips are made of."""

    account_id: UUID
    symbols: frozenset[str] | None = None
    """None: every symbol."""


def fill_of(event: OrderFilled, strategy_id: UUID | None) -> Fill:
    """A journaled fill as trade history reads it, with the strategy of its order."""
    return Fill(
        fill_id=event.fill_id,
        order_id=event.order_id,
        symbol=event.symbol,
        side=event.side,
        qty=event.qty,
        price=event.price,
        cash=event.cash,
        timestamp=event.timestamp,
        fee=event.fee or ZERO,
        strategy_id=strategy_id,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalQuery:
    """A page of one account's signals, as GET /v2/strategies/{id}/signals asks for it.

    Signals list by bar time, then id; `page_token`, the id of the last signal of
    the page before, continues after it in the same direction.
    """

    account_id: UUID
    strategy_id: UUID | None = None
    """None: every strategy of the account."""
    symbols: frozenset[str] | None = None
    after: datetime | None = None
    """Bar time strictly after."""
    until: datetime | None = None
    """Bar time at or before."""
    limit: int = 100
    direction: Literal["asc", "desc"] = "asc"
    page_token: UUID | None = None


def signal_sort_key(signal: Signal) -> tuple[datetime, UUID]:
    """Signals list by bar time; signals of one bar, by id (as every store sorts them)."""
    return signal.bar_time, signal.id


def select_signals(signals: Iterable[tuple[UUID, Signal]], query: SignalQuery) -> list[Signal]:
    """Filter, order and cut signals, given with their account's id, as a query asks (shared by every store).

    Raises:
        InvalidField: the page token names no signal the query could list.
    """
    chosen = [
        signal
        for account_id, signal in signals
        if account_id == query.account_id and (query.strategy_id is None or signal.strategy_id == query.strategy_id)
    ]
    newest_first = query.direction == "desc"
    if query.page_token is not None:
        last = next((signal for signal in chosen if signal.id == query.page_token), None)
        if last is None:
            raise bad_page_token()
        mark = signal_sort_key(last)
        chosen = [s for s in chosen if (signal_sort_key(s) < mark if newest_first else signal_sort_key(s) > mark)]
    chosen = [
        signal
        for signal in chosen
        if (query.symbols is None or signal.symbol in query.symbols)
        and (query.after is None or signal.bar_time > query.after)
        and (query.until is None or signal.bar_time <= query.until)
    ]
    chosen.sort(key=signal_sort_key, reverse=newest_first)
    return chosen[: query.limit]


def bad_page_token(what: str = "signal") -> InvalidField:
    return InvalidField("page_token", f"names no {what} of this listing")


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationQuery:
    """A page of one account's notifications, as GET /v2/notifications asks for it.

    Notifications list in the order they were made (their journal write, then
    their place in it); `page_token`, the id of the last one of the page before,
    continues after it in the same direction.
    """

    account_id: UUID
    types: frozenset[NotificationType] | None = None
    after: datetime | None = None
    """Made strictly after."""
    until: datetime | None = None
    """Made at or before."""
    unread: bool = False
    """Only those not read yet."""
    limit: int = 50
    direction: Literal["asc", "desc"] = "desc"
    page_token: UUID | None = None


def select_notifications(made: Sequence[NotificationEntry], query: NotificationQuery) -> list[NotificationEntry]:
    """Filter, order and cut one account's notifications, given in the order they were made, as a query asks.

    Raises:
        InvalidField: the page token names no notification of the account.
    """
    newest_first = query.direction == "desc"
    chosen = list(reversed(made)) if newest_first else list(made)
    if query.page_token is not None:
        place = next((i for i, entry in enumerate(chosen) if entry.notification.id == query.page_token), None)
        if place is None:
            raise bad_page_token("notification")
        chosen = chosen[place + 1 :]
    return [entry for entry in chosen if notification_selected(entry, query)][: query.limit]


def notification_selected(entry: NotificationEntry, query: NotificationQuery) -> bool:
    """Whether a notification of the query's account passes its filters (the page token aside)."""
    made = entry.notification
    return (
        (query.types is None or made.type in query.types)
        and (query.after is None or made.created_at > query.after)
        and (query.until is None or made.created_at <= query.until)
        and (not query.unread or entry.read_at is None)
    )


class Journal(Protocol):
    """Durable, ordered storage of events and what hangs off them; write futures resolve once committed."""

    def write(
        self, account_id: UUID, events: Sequence[AccountEvent], orders: Sequence[Order] = ()
    ) -> asyncio.Future[None]:
        """Journal one actor step's events; `orders` are the records they changed, for the history table."""
        ...

    def snapshot(self, account_id: UUID, state: AccountState, taken_at: datetime) -> asyncio.Future[None]:
        """Store the account's state as of its last written record (encoded before returning)."""
        ...

    def compact(self, account_count: int) -> asyncio.Future[None]:
        """Drop records that every account's snapshot covers."""
        ...

    def put_meta(self, key: str, value: bytes) -> asyncio.Future[None]:
        """Store a named value in order with the journal."""
        ...

    def audit(self, entry: AuditEntry) -> asyncio.Future[None]: ...

    @property
    def events_written(self) -> int:
        """Events handed to the journal since it opened."""
        ...

    @property
    def trouble(self) -> str | None:
        """Why the journal cannot write now (it retries by itself), or None while it writes.

        While it is set, nothing new may be applied: the engine refuses commands with `refusal`
        and the markets stop matching, so memory never gets ahead of what the journal will hold.
        """
        ...

    @property
    def position(self) -> int:
        """The position of the last record handed to the journal."""
        ...

    async def activities(self, query: ActivityQuery) -> list[Activity]: ...

    async def activity_page(
        self, query: ActivityQuery, after: ActivityKey | None
    ) -> tuple[list[Activity], ActivityKey | None]:
        """Up to query.limit activities oldest first, after the key a page before returned; the next key, None at the end."""
        ...

    async def order(self, account_id: UUID, order_id: UUID) -> Order | None:
        """The latest record of one order of the account (None when the account has no such order)."""
        ...

    async def orders(self, query: OrderQuery) -> list[Order]:
        """The latest records of the account's orders a query selects, as `select_orders` selects them."""
        ...

    async def audit_log(
        self, limit: int, *, until: datetime | None = None, before: int | None = None
    ) -> list[tuple[int, AuditEntry]]:
        """Up to `limit` admin actions newest first, each with its number (1 for the first ever written, then upwards).

        `until` keeps those done at or before it; `before`, those numbered below it (the next page after that number).
        """
        ...

    async def fills(self, query: FillQuery) -> list[Fill]:
        """Every fill of the account a query selects, oldest first, each with its order's strategy."""
        ...

    async def fills_after(self, query: FillQuery, place: int) -> tuple[list[Fill], int]:
        """The fills a query selects recorded after `place` (0: from the first), and the place of the last (else `place`).

        A place is where a fill stands in the store's order: a reader that keeps it reads only the fills since.
        """
        ...

    async def signals(self, query: SignalQuery) -> list[Signal]:
        """The account's signals a query selects, as `select_signals` selects them.

        Raises:
            InvalidField: the page token names no signal the query could list.
        """
        ...

    async def notifications(self, query: NotificationQuery) -> list[NotificationEntry]:
        """The account's notifications a query selects, in the order they were made (newest first for "desc").

        Raises:
            InvalidField: the page token names no notification of the account.
        """
        ...

    async def notification(self, account_id: UUID, notification_id: UUID) -> NotificationEntry | None:
        """One notification of the account (None when the account has no such notification)."""
        ...

    async def unread_notifications(self, account_id: UUID) -> int:
        """How many of the account's notifications are not read yet."""
        ...

    async def verify(self) -> ChainReport: ...


def refusal(trouble: str) -> JournalUnavailable:
    """The answer to a command refused, before anything was applied, because the journal cannot write."""
    return JournalUnavailable(f"storage is failing ({trouble}): nothing was changed; try again once it recovers")
