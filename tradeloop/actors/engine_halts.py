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
"""The journal's named value holding the halts: a msgpack map of each halted symbol to its reason ("" for none)."""


def stored_halts(stored: bytes | None) -> dict[str, str]:
    """The halts, symbol to reason, as `halt` stored them under HALTED_META (None: nothing stored, nothing halted).

    A list of symbols, as halts were stored before they kept a reason, reads as halts without one.
    """
    found = {} if stored is None else msgpack.unpackb(stored)
    if isinstance(found, dict):
        return {str(symbol): str(reason) for symbol, reason in found.items()}
    return dict.fromkeys(map(str, found), "")


class HaltIntentions(EngineBase):
    """Halts: one map of halted symbols to their reasons, which `halt` alone writes and the market and account actors read."""

    _assets: dict[str, Asset]
    _halted: dict[str, str]
    _listeners: Listeners

    def is_halted(self, symbol: str) -> bool:
        return symbol in self._halted

    def halted_symbols(self) -> list[str]:
        """The halted symbols, sorted."""
        return sorted(self._halted)

    async def halt(self, symbol: str, halted: bool, reason: str = "") -> None:
        """Halt (with a reason, "" for none) or resume trading in a symbol; the halts are stored in order with the journal.

        A halt that begins or ends (not one repeated) is told to the halt listeners once stored.

        Raises:
            NotFound: the symbol is not listed.
            JournalUnavailable: the journal cannot write (nothing is changed).
        """
        if symbol not in self._assets:
            raise NotFound(f"asset not found for {symbol}")
        self.check_journal_writes()
        changed = (symbol in self._halted) != halted
        if halted:
            self._halted[symbol] = reason
        else:
            self._halted.pop(symbol, None)
        await self._journal.put_meta(HALTED_META, msgpack.packb(dict(sorted(self._halted.items()))))
        if changed:
            change = HaltChanged(symbol=symbol, halted=halted, timestamp=self._clock())
            for listener in self._listeners.halts:
                listener(change)
