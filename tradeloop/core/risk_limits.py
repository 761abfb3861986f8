"""Risk limits and trading states: what an account's owner (or an administrator) allows it to do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final


class TradingState(StrEnum):
    """What orders an account may place (the names NautilusTrader uses)."""

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    """Only orders that reduce a position; cancels always pass."""
    HALTED = "HALTED"
    """No new orders; cancels pass."""


class BreachAction(StrEnum):
    """What a breached daily loss limit does."""

    HALT = "halt"
    REDUCE = "reduce"
    HALT_AND_FLATTEN = "halt_and_flatten"
    """Halt, cancel the open orders and close every position."""


class StateSource(StrEnum):
    """Who or what set the trading state; a state set by a breach of the daily loss limit ends with the session."""

    USER = "user"
    ADMIN = "admin"
    DAILY_LOSS = "daily_loss_limit"
    DRAWDOWN = "max_drawdown_percent"
    SESSION = "session"


DEFAULT_WARN_AT_PERCENT: Final = Decimal("80")
"""A loss reaching this percent of its limit is warned of, unless the account sets another."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskLimits:
    """An account's limits; None means no limit."""

    max_order_notional: Decimal | None = None
    max_position_notional: Decimal | None = None
    max_position_percent_of_equity: Decimal | None = None
    max_open_orders: int | None = None
    max_orders_per_minute: int | None = None
    daily_loss_limit: Decimal | None = None
    """Loss in the session, in dollars, measured on equity (unrealized P&L included) against the session's start."""
    daily_loss_limit_percent: Decimal | None = None
    """The same loss as a percent of the session's starting equity; the tighter of the two applies."""
    daily_loss_action: BreachAction = BreachAction.HALT
    max_drawdown_percent: Decimal | None = None
    """Fall from the peak equity (a high-water mark that only rises), in percent."""
    warn_at_percent: Decimal = DEFAULT_WARN_AT_PERCENT
    """The percent of the daily loss or drawdown limit at which a warning is given (in (0, 100]); records written
    before it existed decode with the default."""

    @property
    def watches_equity(self) -> bool:
        """Whether a price move can breach these limits (so the account's equity is watched)."""
        return (
            self.daily_loss_limit is not None
            or self.daily_loss_limit_percent is not None
            or self.max_drawdown_percent is not None
        )


NO_LIMITS: Final = RiskLimits()
ORDER_WINDOW: Final = timedelta(minutes=1)
"""The window of max_orders_per_minute."""
LIMIT_NAMES: Final = tuple(f.name for f in fields(RiskLimits))


@dataclass(frozen=True, slots=True)
class LimitChanges:
    """Some limits to set (a None value removes that limit), the others kept as they are when it is applied."""

    values: Mapping[str, Decimal | int | BreachAction | None]

    def __post_init__(self) -> None:
        unknown = set(self.values) - set(LIMIT_NAMES)
        if unknown:
            raise ValueError(f"not risk limits: {sorted(unknown)}")

    def applied_to(self, limits: RiskLimits) -> RiskLimits:
        return replace(limits, **self.values)  # type: ignore[arg-type]

WARNINGS_KEPT: Final = 20
"""How many recent risk notices an account keeps in memory for GET /v2/risk (the journal keeps them all)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskNotice:
    """A state change or warning, as GET /v2/risk lists it."""

    kind: str
    """"state_changed", "limits_set" or "warning"."""
    message: str
    timestamp: datetime


@dataclass(slots=True, kw_only=True)
class RiskProfile:
    """The risk side of an account: its limits, its trading state and the peak equity; changed only by events."""

    limits: RiskLimits = NO_LIMITS
    state: TradingState = TradingState.ACTIVE
    reason: str | None = None
    source: StateSource | None = None
    changed_at: datetime | None = None
    peak_equity: Decimal | None = None
    """The highest equity seen at a check (None until the first check with a drawdown limit)."""
    warned: list[str] = field(default_factory=list)
    """Limits already warned of in this session (a warning is given once per session)."""
    notices: list[RiskNotice] = field(default_factory=list)
    """The latest state changes and warnings, newest last."""
    placed_at: list[datetime] = field(default_factory=list)
    """When the latest orders were accepted, while max_orders_per_minute is set: at most that many, within a
    minute of the newest. Counted as acceptances are applied, so replaying the journal counts them again."""

    def count_order(self, at: datetime) -> None:
        """Count an order accepted at `at` towards max_orders_per_minute (nothing is kept without that limit)."""
        limit = self.limits.max_orders_per_minute
        placed = self.placed_at
        if limit is None:
            placed.clear()
            return
        placed.append(at)
        start = at - ORDER_WINDOW
        old = next((index for index, when in enumerate(placed) if when > start), len(placed))
        del placed[: max(old, len(placed) - limit)]

    def orders_since(self, start: datetime) -> int:
        """The orders counted that were accepted after `start`."""
        return sum(1 for when in self.placed_at if when > start)

    def note(self, notice: RiskNotice) -> None:
        """Keep a notice, dropping the oldest past WARNINGS_KEPT."""
        self.notices.append(notice)
        del self.notices[:-WARNINGS_KEPT]
