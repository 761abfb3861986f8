"""The alerts side of an account actor: registers its alerts' trigger prices in the `AlertWatch`, and decides, when a
price reaches one, whether it fires.

An alert is either armed (the next price that reaches its level fires it) or arming
(it must first see a price on the other side of its level: a crossing, or an alert
that fired and fires again only when its condition is met anew). Either way one
trigger in the watch stands for it, so a tick that reaches none costs nothing here.
Whether an alert is armed is not journaled: on start it is worked out again from the
price then (`armed_at_start`), which never fires a crossing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final
from uuid import UUID

from tradeloop.actors.alert_watch import AlertWatch, Trigger
from tradeloop.actors.prices import PriceBoard
from tradeloop.core.accounts import AccountState
from tradeloop.core.alert_levels import (
    Level,
    armed_at_start,
    in_fire_region,
    position_level,
    price_level,
    unrealized_pl,
)
from tradeloop.core.alerts import (
    Alert,
    AlertCanceled,
    AlertCreated,
    AlertEvent,
    AlertExpired,
    AlertKind,
    AlertRevised,
    AlertTriggered,
    decide_expiry,
    decide_reached,
)
from tradeloop.core.events import AccountEvent, OrderFilled

_CHANGES: Final = frozenset({AlertCreated, AlertRevised, AlertCanceled, AlertExpired, AlertTriggered})


class AccountAlerts:
    """Held by one account actor; reads its state, never changes it (the actor applies the events returned)."""

    def __init__(self, state: AccountState, *, board: PriceBoard, watch: AlertWatch) -> None:
        self._state = state
        self._board = board
        self._watch = watch
        self._armed: dict[UUID, bool] = {}
        self._positional: dict[str, set[UUID]] = {}
        """Active position alerts by symbol: watched afresh whenever a fill changes the position."""

    def watch_all(self) -> list[UUID]:
        """Register every active alert (on start); the ids of those whose condition holds at the price of now."""
        return [alert.id for alert in self._state.alerts.values() if alert.active and self._start(alert)]

    def after(self, events: Sequence[AccountEvent]) -> list[UUID]:
        """Watch again the alerts a write changed; the ids of those whose condition holds at the price of now."""
        now_due: list[UUID] = []
        alerts = self._state.alerts
        for event in events:
            if type(event) is OrderFilled:
                assert isinstance(event, OrderFilled)
                positional = self._positional.get(event.symbol)
                if positional:  # the position moved: so did the level of each of its alerts
                    now_due.extend(alert_id for alert_id in list(positional) if self._start(alerts[alert_id]))
                continue
            if type(event) not in _CHANGES:
                continue
            assert isinstance(event, AlertCreated | AlertRevised | AlertCanceled | AlertExpired | AlertTriggered)
            alert_id = event.alert.id if isinstance(event, AlertCreated | AlertTriggered) else event.alert_id
            alert = alerts.get(alert_id)
            if alert is None or not alert.active:
                self.forget(alert_id)
            elif isinstance(event, AlertCreated | AlertRevised) and self._start(alert):
                now_due.append(alert.id)
        return now_due

    def forget(self, alert_id: UUID) -> None:
        self._watch.forget(alert_id)
        self._armed.pop(alert_id, None)
        for positional in self._positional.values():
            positional.discard(alert_id)

    def reached(self, alert_ids: Iterable[UUID], price: Decimal | None, now: datetime) -> list[AlertEvent]:
        """What the alerts a price (or, with None, the clock) reached call for; each is watched again as it then stands."""
        found: list[AlertEvent] = []
        account_id = self._state.id
        for alert_id in alert_ids:
            alert = self._state.alerts.get(alert_id)
            if alert is None or not alert.active:
                self.forget(alert_id)
                continue
            expired = decide_expiry(alert, account_id=account_id, now=now)
            if expired is not None:
                self.forget(alert_id)
                found.append(expired)
                continue
            level = self._level(alert)
            if level is None or alert.symbol is None:
                continue
            if price is None:  # the clock reached it, not a price: watched as before
                if alert_id not in self._watch:
                    self._register(alert, level, self._armed.get(alert_id, False))
                continue
            if not in_fire_region(level, price):  # seen on the other side: the next reach fires it
                self._armed[alert_id] = True
                self._register(alert, level, True)
                continue
            if not self._armed.get(alert_id, False):
                self._register(alert, level, False)
                continue
            value = None
            if alert.terms.kind is AlertKind.POSITION:
                value = unrealized_pl(self._state.positions.get(alert.symbol), price)
            event = decide_reached(alert, account_id=account_id, price=price, value=value, now=now)
            if isinstance(event, AlertTriggered) and event.ends:
                self.forget(alert_id)
            else:  # fires again (or, cooling down, fires) only once met anew
                self._armed[alert_id] = False
                self._register(alert, level, False)
            if event is not None:
                found.append(event)
        return found

    def _start(self, alert: Alert) -> bool:
        """Register an alert afresh; True when its condition holds at the price of now."""
        self._watch.expire_at(self._state.id, alert.id, alert.terms.expires_at)
        if alert.terms.kind is AlertKind.POSITION and alert.symbol is not None:
            self._positional.setdefault(alert.symbol, set()).add(alert.id)
        level = self._level(alert)
        if level is None or alert.symbol is None:
            self._watch.register(self._state.id, alert.id, ())
            return False
        price = self._board.last_price(alert.symbol)
        armed = self._armed[alert.id] = armed_at_start(alert, level, price)
        self._register(alert, level, armed)  # even if it fires now: the next tick reaches it, should the actor not
        return armed and price is not None and in_fire_region(level, price)

    def _level(self, alert: Alert) -> Level | None:
        """Where the alert fires now (None: nowhere yet, as a position alert while nothing is held)."""
        if alert.terms.kind is AlertKind.POSITION:
            return position_level(alert, self._state.positions.get(alert.symbol or ""))
        return price_level(alert)

    def _register(self, alert: Alert, level: Level, armed: bool) -> None:
        assert alert.symbol is not None
        if armed:
            trigger = Trigger(alert.symbol, level.price, level.rising)
        else:  # arming: reached by a price strictly on the other side
            trigger = Trigger(alert.symbol, level.price, not level.rising, strict=True)
        self._watch.register(self._state.id, alert.id, (trigger,))
