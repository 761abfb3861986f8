"""An alert's terms: what it watches (a kind and the fields that kind takes), how often it fires, and their check.

`check_terms` is the one place that says which fields a kind takes and needs; the terms an
alert keeps are the terms it returned.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final, TypeVar, assert_never

from tradeloop.core.money import HUNDRED, ZERO, quantize_price
from tradeloop.errors import InvalidField

_T = TypeVar("_T")

MAX_NOTE_LENGTH: Final = 500
MAX_COOLDOWN_S: Final = 30 * 24 * 3600


class AlertKind(StrEnum):
    PRICE = "price"
    PERCENT_CHANGE = "percent_change"
    POSITION = "position"
    INDICATOR = "indicator"
    ACCOUNT = "account"


class AlertCondition(StrEnum):
    """Crossing fires when the value passes the level from the other side; above and below whenever it is there."""

    CROSSES_ABOVE = "crosses_above"
    CROSSES_BELOW = "crosses_below"
    ABOVE = "above"
    BELOW = "below"

    @property
    def rising(self) -> bool:
        return self in (AlertCondition.CROSSES_ABOVE, AlertCondition.ABOVE)

    @property
    def crossing(self) -> bool:
        return self in (AlertCondition.CROSSES_ABOVE, AlertCondition.CROSSES_BELOW)


class Repeat(StrEnum):
    ONCE = "once"
    EVERY = "every"


class AccountMetric(StrEnum):
    EQUITY = "equity"
    DAILY_PL = "daily_pl"
    """Equity less the equity at the last session's close."""
    DRAWDOWN = "drawdown"
    """Percent below the peak equity."""


class PercentReference(StrEnum):
    SESSION_OPEN = "session_open"
    CREATED = "created"
    """The price when the alert was made."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertTerms:
    """What the owner asked for; which fields a kind takes is checked by `check_terms`."""

    kind: AlertKind
    symbol: str | None = None
    condition: AlertCondition | None = None
    price: Decimal | None = None
    """The level of a price alert; of a percent_change alert, the level its percent makes of its reference."""
    percent: Decimal | None = None
    """percent_change: the move from the reference (negative: down); position: the unrealized P&L in percent of cost."""
    reference: PercentReference | None = None
    reference_price: Decimal | None = None
    amount: Decimal | None = None
    """position: the unrealized P&L in money (negative: a loss)."""
    metric: AccountMetric | None = None
    level: Decimal | None = None
    """account: the level of the metric."""
    indicator: str | None = None
    """indicator: the canonical JSON of its condition, indicators and timeframe."""
    repeat: Repeat = Repeat.ONCE
    cooldown_s: int = 0
    expires_at: datetime | None = None
    note: str = ""


# -- checks -----------------------------------------------------------------------

_TAKES: Final[dict[AlertKind, frozenset[str]]] = {
    AlertKind.PRICE: frozenset({"symbol", "condition", "price"}),
    AlertKind.PERCENT_CHANGE: frozenset({"symbol", "percent", "reference", "reference_price", "price"}),
    AlertKind.POSITION: frozenset({"symbol", "amount", "percent"}),
    AlertKind.ACCOUNT: frozenset({"metric", "condition", "level"}),
    AlertKind.INDICATOR: frozenset({"symbol", "indicator"}),
}
"""The kind-specific fields each kind takes; the others must be left out."""
_KIND_FIELDS: Final = ("symbol", "condition", "price", "percent", "reference", "reference_price", "amount", "metric",
                       "level", "indicator")  # fmt: skip


def check_terms(terms: AlertTerms, listed: Container[str], *, now: datetime) -> AlertTerms:
    """The terms as kept (symbol upper-cased, a percent_change's level worked out), or the field that is wrong.

    Raises:
        InvalidField: naming the first field the kind does not take, or needs and lacks, or has out of range.
    """
    takes = _TAKES[terms.kind]
    for name in _KIND_FIELDS:
        if name not in takes and getattr(terms, name) is not None:
            raise InvalidField(name, f"a {terms.kind} alert does not take {name}")
    if "symbol" in takes:
        if not terms.symbol or not terms.symbol.strip():
            raise InvalidField("symbol", f"a {terms.kind} alert needs a symbol")
        symbol = terms.symbol.strip().upper()
        if symbol not in listed:
            raise InvalidField("symbol", f"unknown symbol {symbol!r}")
        terms = replace(terms, symbol=symbol)
    match terms.kind:
        case AlertKind.PRICE:
            _need(terms.condition, "condition", terms.kind)
            _positive(_need(terms.price, "price", terms.kind), "price")
        case AlertKind.PERCENT_CHANGE:
            percent = _need(terms.percent, "percent", terms.kind)
            if percent == ZERO or percent <= -HUNDRED:
                raise InvalidField("percent", "must be non-zero and above -100")
            reference_price = _positive(_need(terms.reference_price, "reference", terms.kind), "reference")
            level = quantize_price(reference_price * (HUNDRED + percent) / HUNDRED)
            terms = replace(terms, reference=terms.reference or PercentReference.CREATED, price=level)
        case AlertKind.POSITION:
            if (terms.amount is None) == (terms.percent is None):
                raise InvalidField("amount", "a position alert takes either amount or percent")
            if (terms.amount if terms.amount is not None else terms.percent) == ZERO:
                raise InvalidField("amount" if terms.amount is not None else "percent", "must not be zero")
            if terms.percent is not None and terms.percent <= -HUNDRED:
                raise InvalidField("percent", "a loss is at most 100 percent")
        case AlertKind.ACCOUNT:
            metric = _need(terms.metric, "metric", terms.kind)
            _need(terms.condition, "condition", terms.kind)
            level = _need(terms.level, "level", terms.kind)
            if metric is AccountMetric.DRAWDOWN and not ZERO < level < HUNDRED:
                raise InvalidField("level", "a drawdown is a percent above 0 and below 100")
            if metric is AccountMetric.EQUITY and level < ZERO:
                raise InvalidField("level", "an equity is not negative")
        case AlertKind.INDICATOR:
            _need(terms.indicator, "indicator", terms.kind)
        case _:
            assert_never(terms.kind)
    if not 0 <= terms.cooldown_s <= MAX_COOLDOWN_S:
        raise InvalidField("cooldown_s", f"must be between 0 and {MAX_COOLDOWN_S}")
    if terms.repeat is Repeat.ONCE and terms.cooldown_s:
        raise InvalidField("cooldown_s", "only an alert that repeats (repeat: every) cools down")
    if terms.expires_at is not None and terms.expires_at <= now:
        raise InvalidField("expires_at", "must be in the future")
    if len(terms.note) > MAX_NOTE_LENGTH:
        raise InvalidField("note", f"must be at most {MAX_NOTE_LENGTH} characters")
    return terms


def _need(value: _T | None, name: str, kind: AlertKind) -> _T:
    if value is None:
        raise InvalidField(name, f"a {kind} alert needs {name}")
    return value


def _positive(value: Decimal, name: str) -> Decimal:
    if value <= ZERO:
        raise InvalidField(name, "must be above zero")
    return value
