"""Who the engine tells of what happened: committed writes, ticks, halts; each listener by its subscription."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Generic, TypeVar

from tradeloop.actors.account import EventListener
from tradeloop.core.marketdata import HaltChanged, Tick

L = TypeVar("L")

TickListener = Callable[[Tick], None]
"""Told of every tick of a listed symbol as it arrives (bars, streams); must not block."""
HaltListener = Callable[[HaltChanged], None]
"""Told when a halt begins or ends, once it is stored (streams); must not block."""


class Subscription(Generic[L]):
    """One listener's place in a list of listeners; `close` takes it out (closing twice is harmless)."""

    __slots__ = ("_listeners", "_listener")

    def __init__(self, listeners: list[L], listener: L) -> None:
        self._listeners = listeners
        self._listener = listener
        listeners.append(listener)

    def close(self) -> None:
        """Stop telling this listener; it may still be told of what is being told right now."""
        with contextlib.suppress(ValueError):
            self._listeners.remove(self._listener)


class Listeners:
    """The engine's listeners by kind; lists changed only through subscriptions, read by the engine and its actors."""

    __slots__ = ("events", "ticks", "halts")

    def __init__(self) -> None:
        self.events: list[EventListener] = []
        self.ticks: list[TickListener] = []
        self.halts: list[HaltListener] = []
