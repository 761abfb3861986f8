"""The engine's halts: which symbols do not trade, stored with the journal and told to the halt listeners."""

from __future__ import annotations

from typing import Final

import msgpack

from tradeloop.actors.engine_base import EngineBase
from tradeloop.actors.listeners import Listeners
from tradeloop.core.instruments import Asset
from tradeloop.core.marketdata import HaltChanged
from tradeloop.errors import NotFound

HALTED_META: Final = "halted_symbols"
"""The journal's named value holding the halted symbols (a sorted msgpack list)."""


def stored_halts(stored: bytes | None) -> frozenset[str]:
    """The halted symbols as `halt` stored them under HALTED_META (None: nothing stored, nothing halted)."""
    return frozenset() if stored is None else frozenset(msgpack.unpackb(stored))


class HaltIntentions(EngineBase):
    """Halts: one set, which `halt` alone writes and the market and account actors read."""

    _assets: dict[str, Asset]
    _halted: set[str]
    _listeners: Listeners

    def is_halted(self, symbol: str) -> bool:
        return symbol in self._halted

    def halted_symbols(self) -> list[str]:
        """The halted symbols, sorted."""
        return sorted(self._halted)

    async def halt(self, symbol: str, halted: bool) -> None:
        """Halt or resume trading in a symbol; the halt list is stored in order with the journal.

        A halt that begins or ends (not one repeated) is told to the halt listeners once stored.

        Raises:
            NotFound: the symbol is not listed.
            JournalUnavailable: the journal cannot write (nothing is changed).
        """
        if symbol not in self._assets:
            raise NotFound(f"asset not found for {symbol}")
        self.check_journal_writes()
        changed = (symbol in self._halted) != halted
        (self._halted.add if halted else self._halted.discard)(symbol)
        await self._journal.put_meta(HALTED_META, msgpack.packb(sorted(self._halted)))
        if changed:
            change = HaltChanged(symbol=symbol, halted=halted, timestamp=self._clock())
            for listener in self._listeners.halts:
                listener(change)
