"""The feed interface: a long-running source that pushes ticks into a sink."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from tradeloop.core.marketdata import Tick

TickSink = Callable[[Tick], Awaitable[None]]
"""Receives each tick; awaiting it applies backpressure to the feed."""


class Feed(Protocol):
    """A source of quotes and trades."""

    name: str

    async def run(self, sink: TickSink) -> None:
        """Await sink(tick) for every tick until cancelled."""
        ...
