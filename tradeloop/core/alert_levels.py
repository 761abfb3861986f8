"""Where a price-like alert fires, as a price level and a side, and whether it may fire at the next price that reaches it.

The actors index these levels by symbol (`tradeloop.actors.alert_watch`), so a tick
costs nothing for the alerts it does not reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeloop.core.alerts import Alert, AlertKind
from tradeloop.core.money import ZERO


@dataclass(frozen=True, slots=True)
class Level:
    """Where a price-like alert fires: at or above `price` when rising, at or below it when falling."""

    price: Decimal
    rising: bool


def price_level(alert: Alert) -> Level | None:
    """The level of a price or percent_change alert (None for other kinds)."""
    terms = alert.terms
    if terms.kind is AlertKind.PRICE and terms.price is not None and terms.condition is not None:
        return Level(terms.price, terms.condition.rising)
    if terms.kind is AlertKind.PERCENT_CHANGE and terms.price is not None and terms.percent is not None:
        return Level(terms.price, terms.percent > ZERO)
    return None


def in_fire_region(level: Level, price: Decimal) -> bool:
    return price >= level.price if level.rising else price <= level.price


def armed_at_start(alert: Alert, level: Level, price: Decimal | None) -> bool:
    """Whether the alert may fire at the next price that reaches its level, or must first see a price on the other side.

    A crossing needs a price seen on the other side first; so does an alert that fired before (it fires again only
    when its condition is met anew). A fresh level alert (above, below, a percent or P&L reached) may fire at once.
    """
    if price is not None and not in_fire_region(level, price):
        return True
    condition = alert.terms.condition
    crossing = condition is not None and condition.crossing
    return not crossing and alert.trigger_count == 0
