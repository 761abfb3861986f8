"""When a one-minute bar goes out on the stream: once its minute is over, and again if a late trade changes it.

The bars themselves come from the market history (the ones the REST API
serves); this only watches each symbol's minute in progress after every trade.
A minute is over when a trade of a later minute arrives, or when the clock is
`delay_s` past its end, whichever comes first, and its bar is sent once on
`bars`. A late trade that still lands in a minute already sent sends the
changed bar on `updatedBars`, as Alpaca does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final, Protocol

from tradeloop.core.bars import Bar

MINUTE: Final = timedelta(minutes=1)
DEFAULT_DELAY_S: Final = 2.0
"""How long after a minute ends its bar waits for late trades before it is sent anyway."""


class MinuteSource(Protocol):
    """Where the bar of each symbol's newest minute is kept."""

    def minute_in_progress(self, symbol: str) -> Bar | None: ...


class MinuteBars:
    """Decides when each symbol's one-minute bars are sent."""

    def __init__(
        self,
        source: MinuteSource,
        publish: Callable[[Bar, bool], None],
        *,
        delay_s: float = DEFAULT_DELAY_S,
    ) -> None:
        """`publish(bar, updated)` sends a bar; `updated` marks a bar sent before and changed since."""
        self._source = source
        self._publish = publish
        self._delay = timedelta(seconds=delay_s)
        self._seen: dict[str, Bar] = {}
        self._sent: dict[str, datetime] = {}

    def traded(self, symbol: str) -> None:
        """Look at a symbol's minute after the history has recorded one of its trades."""
        current = self._source.minute_in_progress(symbol)
        if current is None:
            return
        seen = self._seen.get(symbol)
        self._seen[symbol] = current
        sent = self._sent.get(symbol)
        if seen is not None and current.timestamp > seen.timestamp:
            if sent is None or sent < seen.timestamp:
                self._send(seen)
        elif sent is not None and current.timestamp == sent:
            self._publish(current, True)

    def tick(self, now: datetime) -> None:
        """Send the bars of minutes that ended `delay_s` ago or more and are not sent yet."""
        for symbol, seen in self._seen.items():
            sent = self._sent.get(symbol)
            if (sent is None or sent < seen.timestamp) and seen.timestamp + MINUTE + self._delay <= now:
                self._send(seen)

    def _send(self, bar: Bar) -> None:
        self._sent[bar.symbol] = bar.timestamp
        self._publish(bar, False)
