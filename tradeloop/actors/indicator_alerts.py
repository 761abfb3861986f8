"""Indicator alerts, evaluated by the strategy host on the completed bars of their timeframe.

Each active indicator alert gets its own bars of its timeframe (`Frame`), its
indicators (`IndicatorBank`, TA-Lib's streams, as strategies use) and its
condition compiled as a strategy's rule is (`Rule`): the same language, the
same evaluator. It is warmed up from stored bars when taken up, so it can fire
on its first live bar. A `once` alert fires on the first completed bar on which
its condition holds; an `every` alert on each bar on which it holds having not
held on the bar before. The host calls `on_minute` in its own turn; which alerts
run follows the accounts' committed alert changes, taken up at the next minute.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from tradeloop.actors.account import Committed, EventListener
from tradeloop.actors.engine import Engine
from tradeloop.actors.listeners import Subscription
from tradeloop.actors.strategy_frames import ONE_MINUTE, Frame
from tradeloop.core.alerts import (
    Alert,
    AlertCanceled,
    AlertCreated,
    AlertExpired,
    AlertKind,
    AlertRevised,
    AlertTriggered,
    Repeat,
)
from tradeloop.core.bars import MINUTE, Bar, TimeFrame, parse_timeframe
from tradeloop.errors import TradeloopError
from tradeloop.strategy.conditions import Operand, Rule, constant_operand
from tradeloop.strategy.definition import CONSTANT, Condition, IndicatorSpec, StrategyDefinition
from tradeloop.strategy.indicators import INPUT_INDEX, IndicatorBank, InputReader, input_reader

log = logging.getLogger(__name__)


class BarSource(Protocol):
    """Where stored bars come from, for warming alerts up (the strategy host's source)."""

    async def recent_bars(self, symbol: str, timeframe: TimeFrame, before: datetime, count: int) -> list[Bar]:
        """Up to `count` completed bars of the timeframe ending at or before `before`, oldest first."""
        ...


@dataclass(slots=True, eq=False)
class _Watched:
    """One indicator alert's bars, indicators and compiled condition."""

    account_id: UUID
    alert: Alert
    frame: Frame[None]
    bank: IndicatorBank
    rule: Rule
    bar_now: list[float]
    bar_before: list[float]
    read_bar: InputReader
    held_before: bool | None = None

    def feed(self, bar: Bar) -> bool:
        """Take in a completed bar of the timeframe; whether the condition holds after it."""
        self.bar_before[:] = self.bar_now
        self.read_bar(bar, self.bar_now)
        self.bank.update_inputs(self.bar_now)
        return self.bank.ready and self.rule.fires()


def _compiled(alert: Alert) -> tuple[TimeFrame, IndicatorBank, Rule, list[float], list[float], InputReader]:
    """The alert's timeframe, indicators and condition as a strategy run would hold them."""
    stored = json.loads(alert.terms.indicator or "{}")
    indicators: dict[str, IndicatorSpec] = StrategyDefinition.model_validate(
        {"name": "alert", "symbols": ["SPY"], "timeframe": stored["timeframe"], "indicators": stored["indicators"],
         "entry": {"when": stored["condition"]}, "sizing": {"type": "notional", "value": "1"}}
    ).indicators  # fmt: skip
    bank = IndicatorBank(indicators)
    now: list[float] = [math.nan] * len(INPUT_INDEX)
    before: list[float] = [math.nan] * len(INPUT_INDEX)
    reads: set[int] = set(bank.inputs_read)

    def resolve(ref: str) -> Operand:
        if CONSTANT.match(ref):
            return constant_operand(ref)
        if ref in INPUT_INDEX:
            reads.add(INPUT_INDEX[ref])
            return Operand(ref, now, before, INPUT_INDEX[ref])
        return Operand(ref, bank.now, bank.before, bank.slot(ref))

    rule = Rule(Condition.model_validate(stored["condition"]), resolve)
    return parse_timeframe(stored["timeframe"]), bank, rule, now, before, input_reader(reads)


class IndicatorAlerts:
    """The indicator alerts of every account, for the strategy host to evaluate on each completed minute."""

    def __init__(self, engine: Engine, source: BarSource) -> None:
        self._engine = engine
        self._source = source
        self._by_symbol: dict[str, dict[UUID, _Watched]] = {}
        self._dirty: set[tuple[UUID, UUID]] | None = None
        """Alerts changed since the last minute, to take up or drop then (None: every account's, as at start)."""
        self._subscription: Subscription[EventListener] | None = None

    def start(self) -> None:
        self._dirty = None
        self._subscription = self._engine.subscribe_events(self._on_committed)

    def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    def watched(self) -> list[tuple[UUID, UUID, str]]:
        """The alerts evaluated now: (account id, alert id, symbol), for inspection."""
        return [(each.account_id, alert_id, symbol) for symbol, held in self._by_symbol.items() for alert_id, each in held.items()]

    def _on_committed(self, told: Committed) -> None:
        for event in told.events:
            if isinstance(event, AlertCreated | AlertRevised | AlertCanceled | AlertExpired | AlertTriggered):
                if isinstance(event, AlertTriggered) and not event.ends:
                    continue  # it goes on as it is
                alert_id = event.alert.id if isinstance(event, AlertCreated | AlertTriggered) else event.alert_id
                if self._dirty is not None:
                    self._dirty.add((told.account_id, alert_id))

    async def on_minute(self, minute: Bar) -> None:
        """A completed minute (once each, in time order): take up changed alerts, then feed the alerts on its symbol."""
        if self._dirty is None or self._dirty:
            await self._sync(minute)
        held = self._by_symbol.get(minute.symbol)
        if not held:
            return
        for alert_id, watched in list(held.items()):
            for bar in watched.frame.add(minute):
                try:
                    holds = watched.feed(bar)
                except Exception:  # one alert's failure must not stop the others
                    log.exception("indicator alert %s failed on the %s bar of %s", alert_id, bar.timestamp, minute.symbol)
                    continue
                fires = holds and (watched.alert.terms.repeat is Repeat.ONCE or watched.held_before is not True)
                watched.held_before = holds
                if fires:
                    await self._fire(watched, bar)
                    if watched.alert.terms.repeat is Repeat.ONCE:
                        held.pop(alert_id, None)
                        break

    async def _fire(self, watched: _Watched, bar: Bar) -> None:
        values = tuple(watched.rule.values().items())
        try:
            await self._engine.indicator_alert_met(watched.account_id, watched.alert.id, values=values, price=bar.close)
        except TradeloopError as exc:
            log.error("indicator alert %s: not told to its account: %s", watched.alert.id, exc)

    async def _sync(self, minute: Bar) -> None:
        dirty, self._dirty = self._dirty, set()
        wanted: list[tuple[UUID, Alert]] = []
        if dirty is None:
            self._by_symbol.clear()
            for state in self._engine.accounts():
                wanted.extend((state.id, alert) for alert in state.alerts.values() if _runs(alert))
        else:
            for account_id, alert_id in dirty:
                for held in self._by_symbol.values():
                    held.pop(alert_id, None)
                try:
                    alert = self._engine.alert(account_id, alert_id)
                except TradeloopError:
                    continue
                if _runs(alert):
                    wanted.append((account_id, alert))
        for account_id, alert in wanted:
            try:
                await self._take_up(account_id, alert, minute.timestamp)
            except Exception:  # stored terms were valid when stored; a newer rule may differ
                log.exception("indicator alert %s cannot run", alert.id)

    async def _take_up(self, account_id: UUID, alert: Alert, before: datetime) -> None:
        """Build the alert's evaluation, warmed up from the stored bars before `before`."""
        assert alert.symbol is not None
        timeframe, bank, rule, now, previous, read_bar = _compiled(alert)
        watched = _Watched(account_id, alert, Frame[None](alert.symbol, timeframe), bank, rule, now, previous, read_bar)
        start = timeframe.bucket_start(before)
        for bar in await self._source.recent_bars(alert.symbol, timeframe, start, bank.lookback + 1):
            watched.held_before = watched.feed(bar)
        if start < before:  # the minutes of the bucket so far
            count = (before - start) // ONE_MINUTE
            for minute in await self._source.recent_bars(alert.symbol, MINUTE, before, count):
                if minute.timestamp >= start:
                    watched.frame.add(minute)
        if alert.trigger_count == 0:
            watched.held_before = None  # a fresh alert may fire on its first bar, whatever the warm-up saw
        self._by_symbol.setdefault(alert.symbol, {})[alert.id] = watched


def _runs(alert: Alert) -> bool:
    return alert.active and alert.terms.kind is AlertKind.INDICATOR and alert.symbol is not None


__all__: Sequence[str] = ("IndicatorAlerts",)
