"""Incremental indicators over TA-Lib's stateful streams: O(1) per bar, the same values as TA-Lib's batch functions.

An indicator buffers its first bars until its stream can open (TA-Lib needs
the lookback plus one bar of history), then feeds one bar at a time. Values
are floats: they are signals, not money. A value TA-Lib reports as NaN reads
as None, as does every value while its indicator warms up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Final

import numpy as np
import talib
from talib import stream

from tradeloop.core.bars import Bar
from tradeloop.strategy.definition import (
    COMPONENTS,
    Adx,
    Atr,
    Bbands,
    IndicatorSpec,
    Macd,
    MovingAverage,
    Obv,
    Rsi,
    Stoch,
    Vwap,
)

BarInputs = Sequence[float]
"""A bar as the floats indicators read, by INPUT_INDEX: open, high, low, close, volume, hlc3."""
INPUT_INDEX: Final = {"open": 0, "high": 1, "low": 2, "close": 3, "volume": 4, "hlc3": 5}
HLC3: Final = INPUT_INDEX["hlc3"]
_FIELDS: Final = ("open", "high", "low", "close", "volume")
_THREE: Final = 3.0


def bar_inputs(bar: Bar) -> list[float]:
    """The floats a bar offers to indicators and conditions; hlc3 is TA-Lib's typical price, (high + low + close) / 3."""
    high, low, close = float(bar.high), float(bar.low), float(bar.close)
    return [float(bar.open), high, low, close, float(bar.volume), (high + low + close) / _THREE]


InputReader = Callable[[Bar, list[float]], None]


def input_reader(needed: Iterable[int]) -> InputReader:
    """Writes into a list of six the floats of a bar that are `needed` (others left as they were).

    Turning a Decimal into a float costs about as much as an indicator's update, so a run converts only what it reads.
    """
    wanted = set(needed)
    if HLC3 in wanted:
        wanted |= {INPUT_INDEX["high"], INPUT_INDEX["low"], INPUT_INDEX["close"]}
    fields = tuple((name, INPUT_INDEX[name]) for name in _FIELDS if INPUT_INDEX[name] in wanted)
    typical = HLC3 in wanted
    if fields == (("close", INPUT_INDEX["close"]),):
        close_index = INPUT_INDEX["close"]

        def read_close(bar: Bar, into: list[float]) -> None:
            into[close_index] = float(bar.close)

        return read_close

    def read(bar: Bar, into: list[float]) -> None:
        for name, index in fields:
            into[index] = float(getattr(bar, name))
        if typical:
            into[HLC3] = (into[1] + into[2] + into[3]) / _THREE

    return read


@dataclass(frozen=True, slots=True)
class Plan:
    """How one indicator maps to TA-Lib: the function, the bar inputs it reads, its parameters and its outputs."""

    function: str
    inputs: tuple[int, ...]
    parameters: Mapping[str, Any]
    outputs: tuple[str, ...]
    lookback: int
    """TA-Lib's lookback: bars before the first value (the stream opens on lookback + 1)."""

    def open_stream(self, history: Sequence[Sequence[float]]) -> Any:
        """A TA-Lib stream opened on this history, one list per input. Raises talib.InsufficientHistory."""
        arrays = [np.asarray(series, dtype=np.float64) for series in history]
        return getattr(stream, self.function)(*arrays, **self.parameters)

    def batch(self, history: Sequence[Sequence[float]]) -> tuple[Any, ...]:
        """TA-Lib's batch function over the same history: one array per output (for checks, not the live path)."""
        arrays = [np.asarray(series, dtype=np.float64) for series in history]
        result = getattr(talib, self.function)(*arrays, **self.parameters)
        return tuple(result) if isinstance(result, tuple) else (result,)


_HLC: Final = (INPUT_INDEX["high"], INPUT_INDEX["low"], INPUT_INDEX["close"])
# talib re-exports it under an __all__ it computes at import time, which mypy cannot read
INSUFFICIENT_HISTORY: Final[type[Exception]] = talib.InsufficientHistory  # type: ignore[attr-defined]


def plan_of(spec: IndicatorSpec) -> Plan:
    """The TA-Lib plan of an indicator spec; lookbacks are TA-Lib's own formulas (checked against it in the tests)."""
    match spec:
        case MovingAverage(type=kind, period=period, source=source):
            return Plan(kind.upper(), (INPUT_INDEX[source],), {"timeperiod": period}, ("",), period - 1)
        case Rsi(period=period, source=source):
            return Plan("RSI", (INPUT_INDEX[source],), {"timeperiod": period}, ("",), period)
        case Macd(fast_period=fast, slow_period=slow, signal_period=signal, source=source):
            periods = {"fastperiod": fast, "slowperiod": slow, "signalperiod": signal}
            return Plan("MACD", (INPUT_INDEX[source],), periods, COMPONENTS["macd"], slow - 1 + signal - 1)
        case Bbands(period=period, nbdev_up=up, nbdev_down=down, source=source):
            bands = {"timeperiod": period, "nbdevup": up, "nbdevdn": down, "matype": 0}
            return Plan("BBANDS", (INPUT_INDEX[source],), bands, COMPONENTS["bbands"], period - 1)
        case Atr(period=period):
            return Plan("ATR", _HLC, {"timeperiod": period}, ("",), period)
        case Adx(period=period):
            return Plan("ADX", _HLC, {"timeperiod": period}, ("",), 2 * period - 1)
        case Stoch(fastk_period=fastk, slowk_period=slowk, slowd_period=slowd):
            stoch = {
                "fastk_period": fastk,
                "slowk_period": slowk,
                "slowk_matype": 0,
                "slowd_period": slowd,
                "slowd_matype": 0,
            }
            return Plan("STOCH", _HLC, stoch, COMPONENTS["stoch"], fastk - 1 + slowk - 1 + slowd - 1)
        case Obv(source=source):
            return Plan("OBV", (INPUT_INDEX[source], INPUT_INDEX["volume"]), {}, ("",), 0)
        case Vwap():
            return Plan("VWAP", (*_HLC, INPUT_INDEX["volume"]), {}, ("",), 0)
    raise AssertionError(f"no plan for {spec!r}")  # pragma: no cover: the spec union is closed


Step = Callable[[BarInputs, list[float | None]], None]
"""Feeds one bar to an indicator and writes its values (None for NaN or while warming) into the bank's slots."""


def _streaming_step(handle: Any, inputs: tuple[int, ...], slot: int, outputs: int) -> Step:
    """The per-bar update of an open stream, specialised by shape: this is the whole live cost of an indicator."""
    update = handle.update
    if len(inputs) == 1:
        index = inputs[0]
        if outputs == 1:

            def step(bar: BarInputs, now: list[float | None]) -> None:
                value = update(bar[index])
                now[slot] = value if value == value else None  # NaN is the only value unequal to itself

            return step

        def step_many(bar: BarInputs, now: list[float | None]) -> None:
            for position, value in enumerate(update(bar[index]), slot):
                now[position] = value if value == value else None

        return step_many
    pick = itemgetter(*inputs)
    if outputs == 1:

        def step_picked(bar: BarInputs, now: list[float | None]) -> None:
            value = update(*pick(bar))
            now[slot] = value if value == value else None

        return step_picked

    def step_picked_many(bar: BarInputs, now: list[float | None]) -> None:
        for position, value in enumerate(update(*pick(bar)), slot):
            now[position] = value if value == value else None

    return step_picked_many


class _Indicator:
    """One indicator: buffered history until its stream opens, then the stream; `step` feeds it one bar."""

    __slots__ = ("step", "_plan", "_first_slot", "_history", "_open_at", "opened")

    @property
    def inputs(self) -> tuple[int, ...]:
        return self._plan.inputs

    def __init__(self, plan: Plan, first_slot: int) -> None:
        self._plan = plan
        self._first_slot = first_slot
        self._history: list[list[float]] = [[] for _ in plan.inputs]
        self._open_at = plan.lookback + 1
        self.opened = False
        """True once the stream is open: the indicator has warmed up."""
        self.step: Step = self._warming

    def _warming(self, inputs: BarInputs, now: list[float | None]) -> None:
        """Buffer the bar; open the stream once the history is long enough, then hand over to the stream's step."""
        history, plan = self._history, self._plan
        for series, index in zip(history, plan.inputs, strict=True):
            series.append(inputs[index])
        handle: Any = None
        if len(history[0]) >= self._open_at:
            try:
                handle = plan.open_stream(history)
            except INSUFFICIENT_HISTORY:
                self._open_at += 1  # a seeding that needs more than the lookback: try again next bar
        if handle is None:
            for offset in range(len(plan.outputs)):
                now[self._first_slot + offset] = None
            return
        self._history = []
        self.opened = True
        self.step = _streaming_step(handle, plan.inputs, self._first_slot, len(plan.outputs))
        values = handle.value
        for offset, value in enumerate(values if isinstance(values, tuple) else (values,)):
            now[self._first_slot + offset] = None if math.isnan(value) else value


class IndicatorBank:
    """A strategy's indicators on one symbol, updated together bar by bar; values addressed as `name` or `name.k`."""

    __slots__ = ("lookback", "ready", "_indicators", "_slots", "_now", "_before")

    def __init__(self, indicators: Mapping[str, IndicatorSpec]) -> None:
        self._indicators: list[_Indicator] = []
        self._slots: dict[str, int] = {}
        lookback = 0
        for name, spec in indicators.items():
            plan = plan_of(spec)
            first = len(self._slots)
            for offset, component in enumerate(plan.outputs):
                self._slots[f"{name}.{component}" if component else name] = first + offset
            self._indicators.append(_Indicator(plan, first))
            lookback = max(lookback, plan.lookback + 1)
        self.lookback: int = lookback
        """Bars needed before every indicator has a value."""
        self._now: list[float | None] = [None] * len(self._slots)
        self._before: list[float | None] = [None] * len(self._slots)
        self.ready: bool = not self._indicators
        """True once every indicator has warmed up (a value may still be None where TA-Lib reports NaN)."""

    def update(self, bar: Bar) -> None:
        """Feed one completed bar to every indicator."""
        self.update_inputs(bar_inputs(bar))

    def update_inputs(self, inputs: BarInputs) -> None:
        """Feed one completed bar, already read as floats (those in `inputs_read` at least)."""
        now = self._now
        self._before[:] = now  # in place: compiled rules hold these very lists
        for indicator in self._indicators:
            indicator.step(inputs, now)
        if not self.ready:
            self.ready = all(indicator.opened for indicator in self._indicators)

    @property
    def inputs_read(self) -> frozenset[int]:
        """The INPUT_INDEX entries the indicators read."""
        return frozenset(index for indicator in self._indicators for index in indicator.inputs)

    def slot(self, ref: str) -> int:
        """The index of a value in `now` and `before`.

        Raises:
            KeyError: no such indicator or component.
        """
        return self._slots[ref]

    @property
    def now(self) -> Sequence[float | None]:
        """Every value after the last bar, by slot; the same sequence from bar to bar, updated in place."""
        return self._now

    @property
    def before(self) -> Sequence[float | None]:
        """Every value after the bar before the last, by slot; the same sequence from bar to bar, updated in place."""
        return self._before


    def value(self, ref: str) -> float | None:
        """The value after the last bar; None while warming."""
        return self._now[self._slots[ref]]

    def previous(self, ref: str) -> float | None:
        """The value after the bar before the last; None while warming."""
        return self._before[self._slots[ref]]

