"""Alerts as account state: what the owner asked to be told of, the commands that change them, and their firing.

An alert watches one thing (a symbol's price, a position's unrealized P&L, the
account's equity, an indicator on bars) and fires when its condition is met:
`AlertTriggered` is journaled with the `alert.triggered` notification it makes.
A `once` alert then ends (`triggered`); an `every` alert fires again each time
the condition is met anew, never within `cooldown_s` of its last firing.

Where a price-like alert fires, as a price level and a side, is worked out by
`tradeloop.core.alert_levels`: the actors index those levels by symbol, so that a
tick costs nothing for the alerts it does not reach. The terms, their vocabulary and
their check are `tradeloop.core.alert_terms` (imported here under the same names).
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final, assert_never
from uuid import UUID

from tradeloop.core.alert_terms import MAX_COOLDOWN_S as MAX_COOLDOWN_S
from tradeloop.core.alert_terms import MAX_NOTE_LENGTH as MAX_NOTE_LENGTH
from tradeloop.core.alert_terms import AccountMetric as AccountMetric
from tradeloop.core.alert_terms import AlertCondition as AlertCondition
from tradeloop.core.alert_terms import AlertKind as AlertKind
from tradeloop.core.alert_terms import AlertTerms as AlertTerms
from tradeloop.core.alert_terms import PercentReference as PercentReference
from tradeloop.core.alert_terms import Repeat as Repeat
from tradeloop.core.alert_terms import check_terms as check_terms
from tradeloop.errors import InvalidField, NotFound

MAX_ACTIVE_ALERTS: Final = 1000
"""Active alerts an account may hold at once."""
MAX_ENDED_KEPT: Final = 500
"""Ended alerts (triggered, expired, canceled) an account keeps readable; older ones are dropped as others end."""


class AlertStatus(StrEnum):
    ACTIVE = "active"
    TRIGGERED = "triggered"
    EXPIRED = "expired"
    CANCELED = "canceled"


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    id: UUID
    terms: AlertTerms
    status: AlertStatus
    created_at: datetime
    updated_at: datetime
    triggered_at: datetime | None = None
    """When it last fired."""
    trigger_count: int = 0

    @property
    def symbol(self) -> str | None:
        return self.terms.symbol

    @property
    def active(self) -> bool:
        return self.status is AlertStatus.ACTIVE

    def cooling(self, now: datetime) -> bool:
        """Whether an `every` alert fired less than `cooldown_s` ago."""
        fired = self.triggered_at
        return fired is not None and now < fired + timedelta(seconds=self.terms.cooldown_s)


# -- events -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertCreated:
    account_id: UUID
    alert: Alert


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRevised:
    """The owner changed an active alert: its terms from now on."""

    account_id: UUID
    alert_id: UUID
    terms: AlertTerms
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertCanceled:
    account_id: UUID
    alert_id: UUID
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertExpired:
    account_id: UUID
    alert_id: UUID
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertTriggered:
    """An alert fired: the alert as it stood, the price (or value) that fired it, and its count of firings with this one."""

    account_id: UUID
    alert: Alert
    count: int
    price: Decimal | None = None
    value: Decimal | None = None
    """What the condition read: the unrealized P&L, the account metric (None for a price)."""
    values: tuple[tuple[str, str], ...] = ()
    """Every operand an indicator condition read, by name, as strings."""
    at: datetime

    def __post_init__(self) -> None:
        # the journal's codec gives tuples back as lists
        object.__setattr__(self, "values", tuple((str(name), str(value)) for name, value in self.values))

    @property
    def ends(self) -> bool:
        """Whether this firing ends the alert (a `once` alert)."""
        return self.alert.terms.repeat is Repeat.ONCE


AlertEvent = AlertCreated | AlertRevised | AlertCanceled | AlertExpired | AlertTriggered

# -- commands ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateAlert:
    alert_id: UUID
    """Chosen by the caller: the core draws no random numbers."""
    terms: AlertTerms


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviseAlert:
    """New terms for an active alert, checked as a new one's are (its kind and symbol stay)."""

    alert_id: UUID
    terms: AlertTerms


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelAlert:
    alert_id: UUID


AlertCommand = CreateAlert | ReviseAlert | CancelAlert


def decide_alert(
    alerts: dict[UUID, Alert], command: AlertCommand, *, account_id: UUID, listed: Container[str], now: datetime
) -> tuple[UUID, AlertEvent | None]:
    """The id of the alert the command is about and the event it calls for (None: nothing changes).

    Raises:
        NotFound: the account has no alert with that id.
        InvalidField: terms a kind does not take, or missing what it needs; too many active alerts; revising an alert
            that ended.
    """
    if isinstance(command, CreateAlert):
        terms = check_terms(command.terms, listed, now=now)
        if command.alert_id in alerts:
            raise InvalidField("id", "an alert with this id exists already")
        if sum(each.active for each in alerts.values()) >= MAX_ACTIVE_ALERTS:
            raise InvalidField("kind", f"an account holds at most {MAX_ACTIVE_ALERTS} active alerts")
        alert = Alert(id=command.alert_id, terms=terms, status=AlertStatus.ACTIVE, created_at=now, updated_at=now)
        return alert.id, AlertCreated(account_id=account_id, alert=alert)
    found = find(alerts, command.alert_id)
    match command:
        case ReviseAlert():
            if not found.active:
                raise InvalidField("status", f"the alert is {found.status}: only an active alert changes")
            if (command.terms.kind, command.terms.symbol) != (found.terms.kind, found.terms.symbol):
                raise InvalidField("kind", "an alert's kind and symbol stay as made")
            terms = check_terms(command.terms, listed, now=now)
            if terms == found.terms:
                return found.id, None
            return found.id, AlertRevised(account_id=account_id, alert_id=found.id, terms=terms, at=now)
        case CancelAlert():
            if not found.active:
                return found.id, None
            return found.id, AlertCanceled(account_id=account_id, alert_id=found.id, at=now)
        case _:
            assert_never(command)


def decide_reached(
    alert: Alert,
    *,
    account_id: UUID,
    price: Decimal | None,
    value: Decimal | None,
    values: tuple[tuple[str, str], ...] = (),
    now: datetime,
) -> AlertEvent | None:
    """What an alert whose condition was just met calls for: it fires, or expires, or (cooling down) nothing."""
    if not alert.active:
        return None
    expires_at = alert.terms.expires_at
    if expires_at is not None and now >= expires_at:
        return AlertExpired(account_id=account_id, alert_id=alert.id, at=now)
    if alert.cooling(now):
        return None
    return AlertTriggered(
        account_id=account_id, alert=alert, count=alert.trigger_count + 1, price=price, value=value, values=values, at=now
    )


def decide_expiry(alert: Alert, *, account_id: UUID, now: datetime) -> AlertExpired | None:
    """An active alert past its expiry expires."""
    expires_at = alert.terms.expires_at
    if alert.active and expires_at is not None and now >= expires_at:
        return AlertExpired(account_id=account_id, alert_id=alert.id, at=now)
    return None


def apply_alert_event(alerts: dict[UUID, Alert], event: AlertEvent) -> None:
    """Change an account's alerts as the event says; a changed alert is a new object, never the old one changed."""
    if isinstance(event, AlertCreated):
        alerts[event.alert.id] = event.alert
        return
    alert_id = event.alert.id if isinstance(event, AlertTriggered) else event.alert_id
    found = alerts.get(alert_id)
    if found is None:
        return
    match event:
        case AlertRevised():
            alerts[found.id] = replace(found, terms=event.terms, updated_at=event.at)
        case AlertCanceled():
            alerts[found.id] = replace(found, status=AlertStatus.CANCELED, updated_at=event.at)
        case AlertExpired():
            alerts[found.id] = replace(found, status=AlertStatus.EXPIRED, updated_at=event.at)
        case AlertTriggered():
            status = AlertStatus.TRIGGERED if event.ends else found.status
            alerts[found.id] = replace(
                found, status=status, triggered_at=event.at, trigger_count=event.count, updated_at=event.at
            )
        case _:
            assert_never(event)
    if not alerts[found.id].active:
        _drop_oldest_ended(alerts)


def _drop_oldest_ended(alerts: dict[UUID, Alert]) -> None:
    ended = [each for each in alerts.values() if not each.active]
    if len(ended) > MAX_ENDED_KEPT:
        ended.sort(key=lambda each: each.updated_at)
        for each in ended[: len(ended) - MAX_ENDED_KEPT]:
            del alerts[each.id]


def find(alerts: dict[UUID, Alert], alert_id: UUID) -> Alert:
    """Raises: NotFound when the account has no alert with that id."""
    found = alerts.get(alert_id)
    if found is None:
        raise NotFound("alert not found")
    return found
