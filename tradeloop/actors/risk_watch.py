"""Which accounts a price move may take past a risk limit: an index of each account's bands by symbol.

Each account with loss limits registers, per symbol it holds, the prices inside which no
valuation can call for a risk event (`core.risk.watch_bands`). A tick looks only at the
top of its symbol's two heaps: the accounts whose band it leaves are handed back (and
dropped until they register again); the others cost nothing. So a tick's cost does not
grow with the number of accounts, only with the accounts it actually moves past a band.

Written by account actors (`register`, `forget`) and read by market actors (`crossed`) on
one event loop, one message at a time, so no lock.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from decimal import Decimal
from typing import Final
from uuid import UUID

from tradeloop.core.risk import Band

_COMPACT_AT: Final = 2
"""Rebuild a symbol's heaps once they grew to this many times their size after the last rebuild (amortized O(1))."""


class _SymbolBands:
    __slots__ = ("lows", "highs", "kept")

    def __init__(self) -> None:
        self.lows: list[tuple[Decimal, int, UUID]] = []
        """Max-heap of lows (negated): a price at or below an account's low calls for its check."""
        self.highs: list[tuple[Decimal, int, UUID]] = []
        """Min-heap of highs: a price at or above an account's high calls for its check."""
        self.kept = 0
        """Entries after the last rebuild: stale ones (of older registrations) pile up beside them."""


class RiskWatch:
    """Bands of the watched accounts by symbol; `crossed` answers which accounts a price calls to check."""

    def __init__(self) -> None:
        self._symbols: dict[str, _SymbolBands] = {}
        self._generation: dict[UUID, int] = {}
        """Each registered account's current registration; heap entries of an older one are ignored."""
        self._counter = 0
        self.lookups = 0
        """Heap entries looked at by `crossed` (how a test counts cost without timing it)."""

    def __len__(self) -> int:
        return len(self._generation)

    def register(self, account_id: UUID, bands: Mapping[str, Band]) -> None:
        """Replace the account's bands (none: the account is not watched)."""
        self.forget(account_id)
        if not bands:
            return
        self._counter += 1
        generation = self._counter
        self._generation[account_id] = generation
        for symbol, (low, high) in bands.items():
            entry = self._symbols.get(symbol)
            if entry is None:
                entry = self._symbols[symbol] = _SymbolBands()
            heapq.heappush(entry.lows, (-low, generation, account_id))
            if high is not None:
                heapq.heappush(entry.highs, (high, generation, account_id))
            if len(entry.lows) + len(entry.highs) > _COMPACT_AT * entry.kept + 64:
                self._compact(entry)

    def forget(self, account_id: UUID) -> None:
        """Stop watching the account (its entries are dropped lazily)."""
        self._generation.pop(account_id, None)

    def crossed(self, symbol: str, price: Decimal) -> list[UUID]:
        """The accounts whose band in `symbol` the price leaves; they are no longer watched until they register."""
        entry = self._symbols.get(symbol)
        if entry is None:
            return []
        found: list[UUID] = []
        generations = self._generation
        lows, highs = entry.lows, entry.highs
        while lows and -lows[0][0] >= price:
            self.lookups += 1
            _, generation, account_id = heapq.heappop(lows)
            if generations.get(account_id) == generation:
                del generations[account_id]
                found.append(account_id)
        while highs and highs[0][0] <= price:
            self.lookups += 1
            _, generation, account_id = heapq.heappop(highs)
            if generations.get(account_id) == generation:
                del generations[account_id]
                found.append(account_id)
        self.lookups += 1  # the look at each heap's top that found it inside every band
        return found

    def _compact(self, entry: _SymbolBands) -> None:
        generations = self._generation
        entry.lows = [item for item in entry.lows if generations.get(item[2]) == item[1]]
        entry.highs = [item for item in entry.highs if generations.get(item[2]) == item[1]]
        heapq.heapify(entry.lows)
        heapq.heapify(entry.highs)
        entry.kept = len(entry.lows) + len(entry.highs)
