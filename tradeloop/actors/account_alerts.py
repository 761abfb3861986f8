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
from tradeloop.core.accounts import AccountState, valuation
from tradeloop.core.alert_levels import (
    Level,
    account_metric,
    armed_at_start,
    equity_bands,
    equity_level,
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
from tradeloop.core.money import ZERO

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
        self._accountwide: set[UUID] = set()
        """Active account alerts: looked at again after every write (cash, fills, a session's close move the equity)."""

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
        if self._accountwide and events:
            now_due.extend(self._review_accountwide(skip=now_due))
        return now_due

    def forget(self, alert_id: UUID) -> None:
        self._watch.forget(alert_id)
        self._armed.pop(alert_id, None)
        self._accountwide.discard(alert_id)
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
            if alert.terms.kind is AlertKind.ACCOUNT:
                reached = self._reached_accountwide(alert, now)
                if reached is not None:
                    found.append(reached)
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

    def indicator_met(
        self, alert_id: UUID, values: tuple[tuple[str, str], ...], price: Decimal | None, now: datetime
    ) -> list[AlertEvent]:
        """An indicator alert's condition held on a completed bar (the strategy host says so): it fires, unless it ended,
        expired or cools down."""
        alert = self._state.alerts.get(alert_id)
        if alert is None or not alert.active or alert.terms.kind is not AlertKind.INDICATOR:
            return []
        event = decide_reached(alert, account_id=self._state.id, price=price, value=None, values=values, now=now)
        if isinstance(event, AlertExpired) or (isinstance(event, AlertTriggered) and event.ends):
            self.forget(alert_id)
        return [] if event is None else [event]

    def _start(self, alert: Alert) -> bool:
        """Register an alert afresh; True when its condition holds at the price of now."""
        self._watch.expire_at(self._state.id, alert.id, alert.terms.expires_at)
        if alert.terms.kind is AlertKind.ACCOUNT:
            self._accountwide.add(alert.id)
            at_equity = self._equity_level(alert)
            equity = self._equity()
            armed = self._armed[alert.id] = armed_at_start(alert, at_equity, equity)
            self._register_accountwide(alert, at_equity, armed, equity)
            return armed and in_fire_region(at_equity, equity)
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

    # -- account alerts: an equity level, watched through a band per held symbol --------------

    def _equity(self) -> Decimal:
        return valuation(self._state, self._board.last_price).equity

    def _equity_level(self, alert: Alert) -> Level:
        state = self._state
        peak = state.risk.peak_equity if state.risk.peak_equity is not None else state.last_equity
        level = equity_level(alert, last_equity=state.last_equity, peak=peak)
        assert level is not None, "an account alert has a metric, a condition and a level"
        return level

    def _metric(self, alert: Alert, equity: Decimal) -> Decimal:
        state = self._state
        assert alert.terms.metric is not None
        peak = state.risk.peak_equity if state.risk.peak_equity is not None else state.last_equity
        return account_metric(alert.terms.metric, equity=equity, last_equity=state.last_equity, peak=peak)

    def _register_accountwide(self, alert: Alert, level: Level, armed: bool, equity: Decimal) -> None:
        """Watch the prices of the held symbols for the equity reaching the side of the level the alert waits for."""
        rising = level.rising if armed else not level.rising
        holdings: dict[str, tuple[Decimal, Decimal]] = {}
        for symbol, position in self._state.positions.items():
            price = self._board.last_price(symbol)
            if position.qty > ZERO and price is not None:
                holdings[symbol] = (position.qty, price)
        bands = equity_bands(level.price, rising=rising, equity=equity, holdings=holdings)
        # arming waits for the equity strictly past the level: a band at the price of now is then not reached by it
        triggers = [Trigger(symbol, price, rising, strict=not armed) for symbol, price in bands.items()]
        self._watch.register(self._state.id, alert.id, triggers)

    def _reached_accountwide(self, alert: Alert, now: datetime) -> AlertEvent | None:
        """A band of the alert was reached: value the account, fire if the equity is past the level, else watch again."""
        level = self._equity_level(alert)
        equity = self._equity()
        armed = self._armed.get(alert.id, False)
        if not in_fire_region(level, equity):
            self._armed[alert.id] = True
            self._register_accountwide(alert, level, True, equity)
            return None
        if not armed:
            self._register_accountwide(alert, level, False, equity)
            return None
        event = decide_reached(alert, account_id=self._state.id, price=None, value=self._metric(alert, equity), now=now)
        if isinstance(event, AlertTriggered) and event.ends:
            self.forget(alert.id)
        else:
            self._armed[alert.id] = False
            self._register_accountwide(alert, level, False, equity)
        return event

    def _review_accountwide(self, skip: Sequence[UUID]) -> list[UUID]:
        """After a write: the account alerts whose equity level it reached (they fire in a turn of their own); the
        others are watched again from the equity it left."""
        due: list[UUID] = []
        equity = self._equity()
        for alert_id in list(self._accountwide):
            if alert_id in skip:
                continue
            alert = self._state.alerts[alert_id]
            level = self._equity_level(alert)
            armed = self._armed.get(alert_id, False)
            if not in_fire_region(level, equity):
                armed = self._armed[alert_id] = True
            elif armed:
                due.append(alert_id)
            self._register_accountwide(alert, level, armed, equity)
        return due
