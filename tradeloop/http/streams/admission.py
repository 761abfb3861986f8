"""How many stream connections may wait to authenticate, per client address and in all.

An unauthenticated connection holds about 28 KB until its auth timeout, so
without a cap a few thousand idle upgrades take hundreds of MB. The check runs
before the WebSocket upgrade: a refused client costs one HTTP answer, 429 when
its address holds its share (as Alpaca answers a handshake over its connection
limit, which alpaca-py's streams retry with back-off), 503 when every slot is
taken; both with Retry-After, the auth timeout, within which a slot frees.
"""

from __future__ import annotations

import math
from typing import Final

from aiohttp import web

from tradeloop.config import Settings
from tradeloop.errors import RateLimited, StreamsBusy


class Slot:
    """One connection's place among those waiting to authenticate; releasing it twice is harmless."""

    __slots__ = ("_waiting", "_address")

    def __init__(self, waiting: Waiting, address: str) -> None:
        self._waiting: Waiting | None = waiting
        self._address = address

    def release(self) -> None:
        """Leave the waiting count: the connection authenticated or ended."""
        if self._waiting is not None:
            self._waiting.leave(self._address)
            self._waiting = None


class Waiting:
    """The stream connections that have not authenticated yet, counted per client address and in all."""

    def __init__(self, *, per_address: int, total: int, retry_after_s: int) -> None:
        self.per_address = per_address
        self.total = total
        self.retry_after_s = retry_after_s
        self._by_address: dict[str, int] = {}
        self._count = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> Waiting:
        return cls(
            per_address=settings.stream_max_unauthenticated_per_address,
            total=settings.stream_max_unauthenticated,
            retry_after_s=max(1, math.ceil(settings.stream_auth_timeout_s)),
        )

    def __len__(self) -> int:
        return self._count

    def held_by(self, address: str) -> int:
        return self._by_address.get(address, 0)

    def enter(self, address: str) -> Slot:
        """Take a slot for a new connection from `address`, before it is upgraded.

        Raises:
            RateLimited: the address holds its share of waiting connections.
            StreamsBusy: every waiting slot of the server is taken.
        """
        held = self._by_address.get(address, 0)
        if held >= self.per_address:
            raise RateLimited(
                f"too many stream connections waiting to authenticate from this address (at most {self.per_address})",
                retry_after_s=self.retry_after_s,
            )
        if self._count >= self.total:
            raise StreamsBusy(
                f"too many stream connections waiting to authenticate (at most {self.total}); try again later",
                retry_after_s=self.retry_after_s,
            )
        self._by_address[address] = held + 1
        self._count += 1
        return Slot(self, address)

    def leave(self, address: str) -> None:
        held = self._by_address[address] - 1
        if held:
            self._by_address[address] = held
        else:
            del self._by_address[address]
        self._count -= 1


WAITING: Final = web.AppKey("stream_waiting", Waiting)
