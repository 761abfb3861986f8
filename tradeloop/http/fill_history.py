"""Each account's fills and round trips, kept between requests: a request reads only the fills journaled since the last.

An account with 100,000 fills takes the journal a second or more to read and
decode, and pairing them into round trips as long again; trade history, the
portfolio history and the reports each need them all. So the fills read are
kept, with the place in the journal's order of the last one: the next request
reads only the fills after it and appends them. Round trips are paired again
(in a worker thread, so the event loop keeps serving) only when new fills came.

What is kept is never stale: the journal flushes before every read, so a fill
acknowledged before a request is in its answer. It is memory, not a second
source of truth: a restarted server starts empty and reads the journal again.
The accounts asked about least recently are forgotten first.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Final
from uuid import UUID

from aiohttp import web

from tradeloop.core.trades import Fill, RoundTrip, round_trips
from tradeloop.journal import FillQuery, Journal

KEPT_ACCOUNTS: Final = 8
"""Accounts whose fills are kept at once: 100,000 fills take some 50 MB, so a few of the busiest."""


@dataclass(slots=True)
class _Kept:
    """One account's fills up to a place in the journal's order, and their round trips once paired."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    place: int = 0
    fills: tuple[Fill, ...] = ()
    trips: tuple[RoundTrip, ...] | None = None


class FillHistory:
    """The fills and round trips of the accounts asked about, brought up to date from the journal on each request."""

    def __init__(self, journal: Journal, *, accounts: int = KEPT_ACCOUNTS) -> None:
        self._journal = journal
        self._accounts = accounts
        self._kept: OrderedDict[UUID, _Kept] = OrderedDict()

    async def fills(self, account_id: UUID) -> tuple[Fill, ...]:
        """Every fill of the account, in the order it applied them (as `Journal.fills` gives them)."""
        kept = self._entry(account_id)
        async with kept.lock:
            await self._catch_up(account_id, kept)
            return kept.fills

    async def round_trips(self, account_id: UUID) -> tuple[RoundTrip, ...]:
        """Every round trip of the account's fills, by exit time (as `core.trades.round_trips` pairs them)."""
        return (await self.fills_and_trips(account_id))[1]

    async def fills_and_trips(self, account_id: UUID) -> tuple[tuple[Fill, ...], tuple[RoundTrip, ...]]:
        """The account's fills and their round trips, of one read."""
        kept = self._entry(account_id)
        async with kept.lock:
            await self._catch_up(account_id, kept)
            if kept.trips is None:
                kept.trips = tuple(await asyncio.to_thread(round_trips, kept.fills))
            return kept.fills, kept.trips

    def clear(self) -> None:
        """Forget every account, as a restart does: each is read from the journal again when next asked about."""
        self._kept.clear()

    def _entry(self, account_id: UUID) -> _Kept:
        kept = self._kept.get(account_id)
        if kept is None:
            kept = self._kept[account_id] = _Kept()
            while len(self._kept) > self._accounts:
                self._kept.popitem(last=False)  # a request holding it still finishes with what it read
        self._kept.move_to_end(account_id)
        return kept

    async def _catch_up(self, account_id: UUID, kept: _Kept) -> None:
        """Append the fills journaled since the last read (the lock held, so none is read twice)."""
        new, place = await self._journal.fills_after(FillQuery(account_id=account_id), kept.place)
        if new:
            kept.fills, kept.trips = kept.fills + tuple(new), None
        kept.place = place


FILL_HISTORY: Final = web.AppKey("fill_history", FillHistory)
