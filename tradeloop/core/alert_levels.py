"""Where a price-like alert fires, as a price level and a side, and whether it may fire at the next price that reaches it.

A price alert's level is its price; a percent_change alert's, the price its percent makes of its reference; a
position alert's, the price at which the position's unrealized P&L reaches its target. An account alert's level
is an equity, watched through a band per held symbol.

The actors index these levels by symbol (`tradeloop.actors.alert_watch`), so a tick
costs nothing for the alerts it does not reach.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import assert_never

from tradeloop.core.alerts import AccountMetric, Alert, AlertKind
from tradeloop.core.money import HUNDRED, PCT_STEP, ZERO, cents
from tradeloop.core.positions import Position


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


def position_target(alert: Alert, position: Position) -> Decimal:
    """The unrealized P&L a position alert waits for: its amount, or its percent of the position's cost."""
    terms = alert.terms
    if terms.amount is not None:
        return terms.amount
    assert terms.percent is not None
    return position.cost_basis * terms.percent / HUNDRED


def position_level(alert: Alert, position: Position | None) -> Level | None:
    """The price at which the position's unrealized P&L reaches the alert's target (None while nothing is held).

    Worked out again whenever the position changes: the level moves with its size and cost.
    """
    if alert.terms.kind is not AlertKind.POSITION or position is None or position.qty <= ZERO:
        return None
    target = position_target(alert, position)
    return Level((position.cost_basis + target) / position.qty, rising=target > ZERO)


def unrealized_pl(position: Position | None, price: Decimal) -> Decimal | None:
    """The position's unrealized P&L at `price`, to the cent (None while nothing is held)."""
    if position is None or position.qty <= ZERO:
        return None
    return cents(position.qty * price - position.cost_basis)


def account_metric(metric: AccountMetric, *, equity: Decimal, last_equity: Decimal, peak: Decimal) -> Decimal:
    """What an account alert reads: the equity, the equity less the last session's closing equity, or the percent below
    the peak (4 places)."""
    match metric:
        case AccountMetric.EQUITY:
            return equity
        case AccountMetric.DAILY_PL:
            return equity - last_equity
        case AccountMetric.DRAWDOWN:
            if peak <= ZERO:
                return ZERO
            return max(ZERO, (peak - equity) * HUNDRED / peak).quantize(PCT_STEP)
        case _:
            assert_never(metric)


def equity_level(alert: Alert, *, last_equity: Decimal, peak: Decimal) -> Level | None:
    """The equity at which an account alert's metric meets its level, and the side of it where it fires.

    A drawdown rises as the equity falls: a drawdown above its level is the equity below the level's equity.
    """
    terms = alert.terms
    if terms.kind is not AlertKind.ACCOUNT or terms.metric is None or terms.condition is None or terms.level is None:
        return None
    match terms.metric:
        case AccountMetric.EQUITY:
            return Level(terms.level, terms.condition.rising)
        case AccountMetric.DAILY_PL:
            return Level(last_equity + terms.level, terms.condition.rising)
        case AccountMetric.DRAWDOWN:
            return Level(peak * (HUNDRED - terms.level) / HUNDRED, not terms.condition.rising)
        case _:
            assert_never(terms.metric)


def equity_bands(
    target: Decimal, *, rising: bool, equity: Decimal, holdings: Mapping[str, tuple[Decimal, Decimal]]
) -> dict[str, Decimal]:
    """Per held symbol (qty, price), the price past which the equity may have reached `target` from `equity`.

    The way to the target is shared evenly among the holdings: while every price stays short of its band, the
    equity has moved less than the whole way (the same reasoning as the risk watch's bands).
    """
    if not holdings:
        return {}
    share = (target - equity) / Decimal(len(holdings))
    if (share > ZERO) != rising and share != ZERO:
        return {}  # the equity is past the target already: nothing to wait for
    return {symbol: price + share / qty for symbol, (qty, price) in holdings.items()}
