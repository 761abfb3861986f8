"""Reading the history tables (activities, orders, the audit log) on a connection of their own, beside the journal's writing.

The journal flushes before reading activities and orders, so what was acknowledged is visible.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import aiosqlite

from tradeloop.codec import parse_rfc3339, rfc3339
from tradeloop.core.events import OrderFilled
from tradeloop.core.notifications import Notification, NotificationEntry
from tradeloop.core.orders import TERMINAL, Order
from tradeloop.core.strategies import Signal, StrategySignalled
from tradeloop.core.trades import Fill
from tradeloop.journal import (
    Activity,
    ActivityKey,
    ActivityQuery,
    AuditEntry,
    FillQuery,
    NotificationQuery,
    OrderQuery,
    SignalQuery,
    bad_page_token,
    fill_of,
)
from tradeloop.snapshots.codec import DecodeError, decode

_CLOSED: Final = sorted(status.value for status in TERMINAL)
_ORDER_PAGE: Final = 200
"""Rows decoded at a time when a listing filters by side, which is not a column."""
_DECODED_INLINE: Final = 1_000
"""Activities decoded on the event loop; more go to a worker thread (a thousand take a few milliseconds)."""
_IDS_PER_READ: Final = 500
"""Order ids asked for in one statement (SQLite allows 32,766 parameters; far fewer keep each statement short)."""
"""Rows decoded at a time when a listing filters by side, which is not a column."""


def _activities_where(query: ActivityQuery) -> tuple[str, list[Any]]:
    """The WHERE clause selecting a query's activities (its account, kinds and bounds), and its arguments."""
    where = "account_id = ?"
    args: list[Any] = [str(query.account_id)]
    if query.kinds:
        where += f" AND kind IN ({','.join('?' * len(query.kinds))})"
        args += sorted(query.kinds)
    if query.after is not None:
        where += " AND timestamp > ?"
        args.append(rfc3339(query.after))
    if query.until is not None:
        where += " AND timestamp < ?"
        args.append(rfc3339(query.until))
    return where, args


class HistoryReader:
    """Queries of the history tables, through one aiosqlite connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        self._db = await aiosqlite.connect(self.path)

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def activities(self, query: ActivityQuery) -> list[Activity]:
        """Fills, cash movements and risk notices of one account."""
        where, args = _activities_where(query)
        sql = f"SELECT payload FROM activities WHERE {where}"
        order = "DESC" if query.newest_first else "ASC"
        sql += f" ORDER BY timestamp {order}, id {order} LIMIT ?"
        args.append(query.limit)
        payloads = [payload for (payload,) in await self._read(sql, args)]
        if len(payloads) > _DECODED_INLINE:  # a statement's year of activity: decoded without holding the loop
            return await asyncio.to_thread(_decode_all, payloads)
        return _decode_all(payloads)

    async def activity_page(
        self, query: ActivityQuery, after: ActivityKey | None
    ) -> tuple[list[Activity], ActivityKey | None]:
        """One page of a query's activities, oldest first, keyed by (timestamp, id) so each page is one indexed read."""
        where, args = _activities_where(query)
        sql = f"SELECT payload, timestamp, id FROM activities WHERE {where}"
        if after is not None:
            sql += " AND (timestamp > ? OR (timestamp = ? AND id > ?))"
            args += [after[0], after[0], after[1]]
        sql += " ORDER BY timestamp ASC, id ASC LIMIT ?"
        args.append(query.limit)
        rows = await self._read(sql, args)
        key = (rows[-1][1], rows[-1][2]) if len(rows) == query.limit else None
        return [decode(payload) for payload, *_ in rows], key

    async def order(self, account_id: UUID, order_id: UUID) -> Order | None:
        """One order's latest record."""
        rows = await self._read(
            "SELECT payload FROM orders WHERE id = ? AND account_id = ?", [str(order_id), str(account_id)]
        )
        return _decode_order(rows[0][0]) if rows else None

    async def orders(self, query: OrderQuery) -> list[Order]:
        """The latest records of the orders a query selects.

        The side is not a column: with a side, rows are read a page at a time (each
        page after the last row of the one before) and decoded until `limit` of
        them are on that side or none are left.
        """
        if query.side is None:
            sql, args = _orders_sql(query)
            return [_decode_order(payload) for payload, *_ in await self._read(sql, args, query.limit)]
        found: list[Order] = []
        page = max(query.limit, _ORDER_PAGE)
        after: tuple[str, str] | None = None
        while len(found) < query.limit:
            sql, args = _orders_sql(query, after)
            rows = await self._read(sql, args, page)
            for payload, _, _ in rows:
                order = _decode_order(payload)
                if order.terms.side is query.side:
                    found.append(order)
            if len(rows) < page:
                break
            after = rows[-1][1], rows[-1][2]
        return found[: query.limit]

    async def fills(self, query: FillQuery) -> list[Fill]:
        """One account's fills in the order they were recorded (the activities table's), with their orders' strategies.

        The activities table holds every fill (the fills table has no index by account), and its
        ids follow the account's writes, so they give the order in which the account applied them.
        """
        return (await self.fills_after(query, 0))[0]

    async def fills_after(self, query: FillQuery, place: int) -> tuple[list[Fill], int]:
        """The fills recorded after an activities row id, and the id of the last row read (else `place`).

        Rows are decoded in a worker thread: a history of 100,000 fills takes long enough
        to decode that doing it on the event loop would hold up every other request.
        """
        account = str(query.account_id)
        rows = await self._read(
            "SELECT id, payload FROM activities WHERE account_id = ? AND kind = 'FILL' AND id > ? ORDER BY id",
            [account, place],
        )
        events, order_ids = await asyncio.to_thread(_fill_events, [payload for _, payload in rows], query.symbols)
        orders = await self._order_payloads(account, order_ids)
        fills = await asyncio.to_thread(_with_strategies, events, orders)
        return fills, rows[-1][0] if rows else place

    async def _order_payloads(self, account: str, order_ids: Sequence[str]) -> list[bytes]:
        """The records of the account's orders named."""
        payloads: list[bytes] = []
        for start in range(0, len(order_ids), _IDS_PER_READ):
            chosen = order_ids[start : start + _IDS_PER_READ]
            payloads += [payload for (payload,) in await self._read(orders_by_id_sql(len(chosen)), [account, *chosen])]
        return payloads

    async def signals(self, query: SignalQuery) -> list[Signal]:
        """One account's signals, by bar time then id, a page at a time.

        Raises:
            InvalidField: the page token names no signal the query could list.
        """
        where = "account_id = ?"
        scope: list[Any] = [str(query.account_id)]
        if query.strategy_id is not None:
            where += " AND strategy_id = ?"
            scope.append(str(query.strategy_id))
        sql, args = f"SELECT payload FROM signals WHERE {where}", list(scope)
        if query.page_token is not None:
            found = await self._read(f"SELECT bar_time FROM signals WHERE {where} AND id = ?", [*scope, str(query.page_token)])
            if not found:
                raise bad_page_token()
            sql += f" AND (bar_time, id) {'<' if query.direction == 'desc' else '>'} (?, ?)"
            args += [found[0][0], str(query.page_token)]
        if query.symbols is not None:
            sql += f" AND symbol IN ({','.join('?' * len(query.symbols))})"
            args += sorted(query.symbols)
        if query.after is not None:
            sql += " AND bar_time > ?"
            args.append(rfc3339(query.after.astimezone(UTC)))
        if query.until is not None:
            sql += " AND bar_time <= ?"
            args.append(rfc3339(query.until.astimezone(UTC)))
        direction = "DESC" if query.direction == "desc" else "ASC"
        sql += f" ORDER BY bar_time {direction}, id {direction}"
        return [_decode_signal(payload) for (payload,) in await self._read(sql, args, query.limit)]

    async def notifications(self, query: NotificationQuery) -> list[NotificationEntry]:
        """One account's notifications, in the order they were made (or its reverse), a page at a time.

        Raises:
            InvalidField: the page token names no notification of the account.
        """
        account = str(query.account_id)
        sql, args = "SELECT payload, read_at FROM notifications WHERE account_id = ?", [account]
        descending = query.direction == "desc"
        if query.page_token is not None:
            found = await self._read(
                "SELECT seq, place FROM notifications WHERE account_id = ? AND id = ?", [account, str(query.page_token)]
            )
            if not found:
                raise bad_page_token("notification")
            sql += f" AND (seq, place) {'<' if descending else '>'} (?, ?)"
            args += found[0]
        if query.types is not None:
            sql += f" AND type IN ({','.join('?' * len(query.types))})"
            args += sorted(kind.value for kind in query.types)
        if query.after is not None:
            sql += " AND created_at > ?"
            args.append(rfc3339(query.after.astimezone(UTC)))
        if query.until is not None:
            sql += " AND created_at <= ?"
            args.append(rfc3339(query.until.astimezone(UTC)))
        if query.unread:
            sql += " AND read_at IS NULL"
        direction = "DESC" if descending else "ASC"
        sql += f" ORDER BY seq {direction}, place {direction}"
        return [_notification_entry(*row) for row in await self._read(sql, args, query.limit)]

    async def notification(self, account_id: UUID, notification_id: UUID) -> NotificationEntry | None:
        rows = await self._read(
            "SELECT payload, read_at FROM notifications WHERE account_id = ? AND id = ?",
            [str(account_id), str(notification_id)],
        )
        return _notification_entry(*rows[0]) if rows else None

    async def unread_notifications(self, account_id: UUID) -> int:
        rows = await self._read(
            "SELECT COUNT(*) FROM notifications WHERE account_id = ? AND read_at IS NULL", [str(account_id)]
        )
        count: int = rows[0][0]
        return count

    async def audit_log(
        self, limit: int, *, until: datetime | None = None, before: int | None = None
    ) -> list[tuple[int, AuditEntry]]:
        """Newest first by id, the order entries were written in; `at` is RFC 3339 text of one width, so it compares as the times do."""
        sql = "SELECT id, at, actor, action, target, detail FROM audit WHERE 1"
        args: list[Any] = []
        if until is not None:
            sql += " AND at <= ?"
            args.append(rfc3339(until.astimezone(UTC)))
        if before is not None:
            sql += " AND id < ?"
            args.append(before)
        rows = await self._read(sql + " ORDER BY id DESC", args, limit)
        return [
            (number, AuditEntry(at=parse_rfc3339(at), actor=actor, action=action, target=target, detail=decode(detail)))
            for number, at, actor, action, target, detail in rows
        ]

    async def _read(self, sql: str, args: Sequence[Any], limit: int | None = None) -> list[tuple[Any, ...]]:
        """Run a query and fetch every row in one step on the reading connection.

        One step, so that no cursor is left open between two: on SQLite an open
        statement holds its read snapshot, and a read that ran while it was open
        would see the database as it stood before writes it had waited for.
        """
        assert self._db is not None, "history is not open"
        if limit is not None:
            sql, args = sql + " LIMIT ?", [*args, limit]
        return [tuple(row) for row in await self._db.execute_fetchall(sql, args)]


def _orders_sql(query: OrderQuery, after: tuple[str, str] | None = None) -> tuple[str, list[Any]]:
    """The SELECT of the payloads a query selects, with their sort keys, newest or oldest first, without the side and the limit.

    `after`, the sort keys of the last row read, continues a listing after it.

    `created_at` is RFC 3339 text of one width, so comparing and sorting the
    text is comparing and sorting the times; `id` sorts as the UUIDs do.
    """
    sql = "SELECT payload, created_at, id FROM orders WHERE account_id = ?"
    args: list[Any] = [str(query.account_id)]
    if query.status != "all":
        sql += f" AND status {'NOT ' if query.status == 'open' else ''}IN ({','.join('?' * len(_CLOSED))})"
        args += _CLOSED
    if query.after is not None:
        sql += " AND created_at > ?"
        args.append(rfc3339(query.after.astimezone(UTC)))
    if query.until is not None:
        sql += " AND created_at <= ?"
        args.append(rfc3339(query.until.astimezone(UTC)))
    if query.symbols is not None:
        sql += f" AND symbol IN ({','.join('?' * len(query.symbols))})"
        args += sorted(query.symbols)
    if after is not None:
        sql += f" AND (created_at, id) {'<' if query.newest_first else '>'} (?, ?)"
        args += after
    direction = "DESC" if query.newest_first else "ASC"
    return sql + f" ORDER BY created_at {direction}, id {direction}", args


def orders_by_id_sql(count: int) -> str:
    """The SELECT of the records of `count` orders of an account, by their ids.

    `+account_id` keeps SQLite from choosing the account's index, which it would
    scan whole for each list of ids (quadratic in the account's orders); by the
    ids it is one lookup each.
    """
    return f"SELECT payload FROM orders WHERE +account_id = ? AND id IN ({','.join('?' * count)})"


def _decode_all(payloads: Sequence[bytes]) -> list[Activity]:
    return [decode(payload) for payload in payloads]


def _fill_events(payloads: Sequence[bytes], symbols: frozenset[str] | None) -> tuple[list[OrderFilled], list[str]]:
    """Decode fill activities, keeping those of the symbols asked for (None: all), and their orders' ids; blocking."""
    events: list[OrderFilled] = []
    for payload in payloads:
        event = decode(payload)
        if not isinstance(event, OrderFilled):
            raise DecodeError(f"a fill activity holds a {type(event).__name__}")
        if symbols is None or event.symbol in symbols:
            events.append(event)
    return events, sorted({str(event.order_id) for event in events})


def _with_strategies(events: Sequence[OrderFilled], order_payloads: Sequence[bytes]) -> list[Fill]:
    """The fills as trade history reads them, each with the strategy of its order (None: placed by hand); blocking."""
    strategies: dict[UUID, UUID | None] = {}
    for payload in order_payloads:
        terms = _decode_order(payload).terms
        strategies[terms.id] = terms.strategy_id
    return [fill_of(event, strategies.get(event.order_id)) for event in events]


def _decode_order(payload: bytes) -> Order:
    order = decode(payload)
    if not isinstance(order, Order):
        raise DecodeError(f"an order record holds a {type(order).__name__}")
    return order


def _decode_signal(payload: bytes) -> Signal:
    event = decode(payload)
    if not isinstance(event, StrategySignalled):
        raise DecodeError(f"a signal record holds a {type(event).__name__}")
    return event.signal


def _notification_entry(payload: bytes, read_at: str | None) -> NotificationEntry:
    made = decode(payload)
    if not isinstance(made, Notification):
        raise DecodeError(f"a notification record holds a {type(made).__name__}")
    return NotificationEntry(notification=made, read_at=None if read_at is None else parse_rfc3339(read_at))
