"""What one commit of the journal holds: rows by statement, the callers waiting on it, the order records it changed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, Final
from uuid import UUID

from tradeloop.codec import rfc3339
from tradeloop.core.events import OrderFilled
from tradeloop.core.notifications import Notification, NotificationsRead
from tradeloop.core.orders import Order
from tradeloop.core.strategies import Signal
from tradeloop.snapshots.codec import encode


@dataclass(slots=True)
class Batch:
    """Rows for one commit, by statement name, in the order statements first appeared."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    compact_for_accounts: int | None = None
    committed: asyncio.Future[None] | None = None
    """Set once a write in it is answered as kept (the journal in trouble): resolves when the batch is committed after all."""
    orders: dict[UUID, tuple[Order, UUID, int]] = field(default_factory=dict)
    """Order records changed by this batch's writes: the record, its account and the last write's position.

    Encoded once when the batch closes to further writes, however many of its
    writes touched the record: its row would be replaced by the last of them anyway.
    """

    def add(self, statement: str, row: tuple[Any, ...]) -> None:
        self.rows.setdefault(statement, []).append(row)

    @property
    def empty(self) -> bool:
        return not self.rows and not self.orders and self.compact_for_accounts is None

    def seal(self) -> None:
        """Turn the changed order records into rows as they stand now: after this batch's writes, before any later one's."""
        if not self.orders:
            return
        rows = self.rows.setdefault("order", [])
        for order, account_id, seq in self.orders.values():
            rows.append(
                (
                    str(order.terms.id),
                    str(account_id),
                    order.terms.symbol,
                    order.status.value,
                    rfc3339(order.terms.created_at),
                    rfc3339(order.updated_at),
                    encode(order),
                    seq,
                )
            )
        self.orders.clear()

    @property
    def last_record(self) -> tuple[int, bytes] | None:
        """The position and hash of its last journal record, if it holds any."""
        journal = self.rows.get("journal")
        return (journal[-1][0], journal[-1][4]) if journal else None

    @property
    def records(self) -> int:
        """How many journal records it holds."""
        return len(self.rows.get("journal", ()))


def settle(batch: Batch) -> None:
    """Tell everyone waiting on `batch` that it is committed."""
    for waiter in batch.waiters:
        if not waiter.done():
            waiter.set_result(None)
    if batch.committed is not None and not batch.committed.done():
        batch.committed.set_result(None)


def fill_row(fill: OrderFilled, seq: int) -> tuple[str, str, str, str, str, str, str, str, str, int]:
    """The fills table's row of a fill recorded at position `seq`."""
    return (
        str(fill.fill_id),
        str(fill.account_id),
        str(fill.order_id),
        fill.symbol,
        fill.side.value,
        str(fill.qty),
        str(fill.price),
        str(fill.cash),
        rfc3339(fill.timestamp) or "",
        seq,
    )


def signal_row(account_id: UUID, signal: Signal, part: bytes, seq: int) -> tuple[str, str, str, str, str, bytes, int]:
    """The signals table's row of a signal recorded at position `seq`; `part` is its event's encoding."""
    return (
        str(signal.id),
        str(account_id),
        str(signal.strategy_id),
        signal.symbol,
        rfc3339(signal.bar_time.astimezone(UTC)),
        part,
        seq,
    )


NotificationRow = tuple[str, str, str, str, bytes, int, int]
LATEST: Final = "9999-12-31T23:59:59.999999Z"
"""Later than any time the notifications table holds: a read of all notifications with no time bound."""


def notification_row(account_id: UUID, made: Notification, seq: int, place: int) -> NotificationRow:
    """The notifications table's row of the `place`th notification of the record at position `seq`."""
    return (
        str(made.id),
        str(account_id),
        made.type.value,
        rfc3339(made.created_at.astimezone(UTC)),
        encode(made),
        seq,
        place,
    )


def read_rows(read: NotificationsRead, seq: int) -> tuple[str, list[tuple[Any, ...]]]:
    """The statement and rows that set the read flag a read event asks for, recorded at position `seq`.

    A read of all covers only the notifications made before it (by position), never one made later at the same time.
    """
    at = rfc3339(read.at.astimezone(UTC))
    account = str(read.account_id)
    if read.ids:
        return "notification_read", [(at, str(notification_id), account) for notification_id in read.ids]
    until = LATEST if read.until is None else rfc3339(read.until.astimezone(UTC))
    return "notifications_read", [(at, account, seq, until)]
