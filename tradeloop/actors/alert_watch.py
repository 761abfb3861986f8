"""Which alerts a price reaches: an index of the alerts' trigger prices by symbol, and of their expiries by time.

Each watched alert registers one or more triggers: a symbol, a price, and a side
(at or above it when rising, at or below it when falling; `strict` leaves the
price itself out). A tick looks only at the top of its symbol's two heaps: the
alerts it reaches are handed back (and dropped until they register again); the
others cost nothing. So a tick's cost does not grow with the number of alerts,
only with the alerts it actually reaches, as with `RiskWatch` and the order book.

Written by account actors (`register`, `forget`, `expire_at`) and read by market
actors (`crossed`, `due`) on one event loop, one message at a time, so no lock.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final
from uuid import UUID

_COMPACT_AT: Final = 2
"""Rebuild a symbol's heaps once they grew to this many times their size after the last rebuild (amortized O(1))."""

Reached = tuple[UUID, UUID]
"""(account id, alert id) of an alert a price reached or a time expired."""


@dataclass(frozen=True, slots=True)
class Trigger:
    """Reached by a price of `symbol` at or above `price` (rising) or at or below it (falling); `strict`: past it only."""

    symbol: str
    price: Decimal
    rising: bool
    strict: bool = False


_Entry = tuple[Decimal, bool, int, UUID, UUID]
"""(price, or its negation in the falling heap; strict; generation; alert id; account id)."""


class _SymbolTriggers:
    __slots__ = ("rising", "falling", "kept")

    def __init__(self) -> None:
        self.rising: list[_Entry] = []
        """Min-heap of rising triggers; among equal prices the inclusive ones first."""
        self.falling: list[_Entry] = []
        """Max-heap (negated prices) of falling triggers; among equal prices the inclusive ones first."""
        self.kept = 0


class AlertWatch:
    """Triggers of the watched alerts by symbol, and their expiries; `crossed` and `due` answer which were reached."""

    def __init__(self) -> None:
        self._symbols: dict[str, _SymbolTriggers] = {}
        self._generation: dict[UUID, int] = {}
        """Each registered alert's current registration; heap entries of an older one are ignored."""
        self._expiries: list[tuple[datetime, int, UUID, UUID]] = []
        self._expiry_generation: dict[UUID, int] = {}
        self._counter = 0
        self.lookups = 0
        """Heap entries looked at by `crossed` (how a test counts cost without timing it)."""

    def __len__(self) -> int:
        return len(self._generation)

    def __contains__(self, alert_id: object) -> bool:
        return alert_id in self._generation

    @property
    def expiring(self) -> bool:
        """Whether any alert waits for its expiry (else `due` need not be asked, nor the clock read)."""
        return bool(self._expiry_generation)

    def register(self, account_id: UUID, alert_id: UUID, triggers: Iterable[Trigger]) -> None:
        """Replace the alert's triggers (none: it is not watched by price)."""
        self._generation.pop(alert_id, None)
        self._counter += 1
        generation = self._counter
        for trigger in triggers:
            self._generation[alert_id] = generation
            entry = self._symbols.get(trigger.symbol)
            if entry is None:
                entry = self._symbols[trigger.symbol] = _SymbolTriggers()
            if trigger.rising:
                heapq.heappush(entry.rising, (trigger.price, trigger.strict, generation, alert_id, account_id))
            else:
                heapq.heappush(entry.falling, (-trigger.price, trigger.strict, generation, alert_id, account_id))
            if len(entry.rising) + len(entry.falling) > _COMPACT_AT * entry.kept + 64:
                self._compact(entry)

    def forget(self, alert_id: UUID) -> None:
        """Stop watching the alert, by price and by time (its entries are dropped lazily)."""
        self._generation.pop(alert_id, None)
        self._expiry_generation.pop(alert_id, None)

    def crossed(self, symbol: str, price: Decimal) -> list[Reached]:
        """The alerts whose trigger in `symbol` the price reaches; they are no longer watched by price until they register."""
        entry = self._symbols.get(symbol)
        if entry is None:
            return []
        found: list[Reached] = []
        generations = self._generation
        rising, falling = entry.rising, entry.falling
        while rising and (rising[0][0] < price or (rising[0][0] == price and not rising[0][1])):
            self.lookups += 1
            _, _, generation, alert_id, account_id = heapq.heappop(rising)
            if generations.get(alert_id) == generation:
                del generations[alert_id]
                found.append((account_id, alert_id))
        while falling and (-falling[0][0] > price or (-falling[0][0] == price and not falling[0][1])):
            self.lookups += 1
            _, _, generation, alert_id, account_id = heapq.heappop(falling)
            if generations.get(alert_id) == generation:
                del generations[alert_id]
                found.append((account_id, alert_id))
        self.lookups += 1  # the look at each heap's top that found no trigger reached
        return found

    def expire_at(self, account_id: UUID, alert_id: UUID, when: datetime | None) -> None:
        """Have `due` hand the alert back at `when` (None: it does not expire)."""
        self._expiry_generation.pop(alert_id, None)
        if when is None:
            return
        self._counter += 1
        self._expiry_generation[alert_id] = self._counter
        heapq.heappush(self._expiries, (when, self._counter, alert_id, account_id))

    def due(self, now: datetime) -> list[Reached]:
        """The alerts whose expiry is at or before `now`; each is handed back once."""
        expiries = self._expiries
        found: list[Reached] = []
        while expiries and expiries[0][0] <= now:
            _, generation, alert_id, account_id = heapq.heappop(expiries)
            if self._expiry_generation.get(alert_id) == generation:
                del self._expiry_generation[alert_id]
                found.append((account_id, alert_id))
        return found

    def _compact(self, entry: _SymbolTriggers) -> None:
        generations = self._generation
        entry.rising = [item for item in entry.rising if generations.get(item[3]) == item[2]]
        entry.falling = [item for item in entry.falling if generations.get(item[3]) == item[2]]
        heapq.heapify(entry.rising)
        heapq.heapify(entry.falling)
        entry.kept = len(entry.rising) + len(entry.falling)
