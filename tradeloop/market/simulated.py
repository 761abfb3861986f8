"""The simulated feed: a seeded random walk for every asset, paced in real time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from tradeloop.core.instruments import Asset
from tradeloop.market.feed import TickSink
from tradeloop.market.randomwalk import RandomWalk


class SimulatedFeed:
    """Emits a quote then a trade for every asset, ticks_per_sec times a second."""

    name: str = "simulated"

    def __init__(
        self,
        assets: Iterable[Asset],
        seed: int,
        ticks_per_sec: Decimal,
        clock: Callable[[], datetime],
    ) -> None:
        """Set up one walk per asset, starting at its reference price.

        Raises:
            ValueError: if ticks_per_sec is not positive.
        """
        if not ticks_per_sec.is_finite() or ticks_per_sec <= 0:
            raise ValueError(f"ticks_per_sec must be positive, got {ticks_per_sec}")
        self._interval_s = float(1 / ticks_per_sec)
        self._clock = clock
        self._seed = seed
        self._ticks_per_sec = ticks_per_sec
        self._walks = tuple(
            RandomWalk(asset.symbol, asset.reference_price, seed, steps_per_sec=ticks_per_sec)
            for asset in assets
        )

    def resume(self, prices: Mapping[str, Decimal]) -> None:
        """Start the walks of the symbols named from these prices (the last closes on record), before run."""
        self._walks = tuple(
            RandomWalk(walk.symbol, prices[walk.symbol], self._seed, steps_per_sec=self._ticks_per_sec)
            if walk.symbol in prices
            else walk
            for walk in self._walks
        )

    @property
    def symbols(self) -> tuple[str, ...]:
        """The symbols this feed prices, in emission order."""
        return tuple(walk.symbol for walk in self._walks)

    async def run(self, sink: TickSink) -> None:
        """Emit a round at once, then one per interval on a fixed schedule, until cancelled."""
        loop = asyncio.get_running_loop()
        next_round_s = loop.time()
        while True:
            await self._emit_round(sink)
            next_round_s += self._interval_s
            delay_s = next_round_s - loop.time()
            if delay_s < 0:
                # Fell behind (slow sink or stalled loop): drop missed rounds, no burst.
                next_round_s = loop.time()
                delay_s = 0.0
            await asyncio.sleep(delay_s)

    async def _emit_round(self, sink: TickSink) -> None:
        now = self._clock()
        for walk in self._walks:
            trade, quote = walk.step(now)
            await sink(quote)  # the quote first, so a triggered stop fills at the new bid or ask
            await sink(trade)
