"""Risk checks: an order against the account's limits and trading state; the account's equity against its loss limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Final
from uuid import UUID

from tradeloop.core import orders
from tradeloop.core.events import PeakEquitySet, RiskEvent, RiskWarned, TradingStateChanged
from tradeloop.core.money import CENT, HUNDRED, ONE, ZERO, cents
from tradeloop.core.orders import OrderSide, OrderTerms, OrderType
from tradeloop.core.risk_limits import BreachAction, RiskLimits, RiskProfile, StateSource, TradingState
from tradeloop.errors import RiskLimitExceeded, TradingStateRefused

PEAK_STEP: Final = Decimal("0.001")
"""A rise of equity smaller than this share of the peak may go unseen between checks (see `watch_bands`)."""
_STRICTNESS: Final = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


def is_linked_exit(terms: OrderTerms) -> bool:
    """Whether an order is the exit of a linked group (a bracket's or OCO's leg): never blocked by a trading state."""
    return orders.is_linked_exit(terms)


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One limit an order was held to: the limit's value, the order's figure and what is left."""

    limit: str
    value: Decimal
    figure: Decimal

    @property
    def headroom(self) -> Decimal:
        return self.value - self.figure


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderContext:
    """What the checks need to know of the account and the market, read by the caller."""

    price: Decimal
    """The price the order would fill at now (the side of the quote it takes)."""
    position_qty: Decimal
    equity: Decimal
    open_orders: int
    orders_last_minute: int


def order_notional(terms: OrderTerms, price: Decimal) -> Decimal:
    """The order's value: its notional, or its qty at its limit (else stop, else the current) price."""
    if terms.notional is not None:
        return terms.notional
    limit = terms.limit_price if terms.type in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None
    reference = limit or (terms.stop_price if terms.type is OrderType.STOP else None) or price
    return cents((terms.qty or ZERO) * reference)


def reduces_position(terms: OrderTerms, position_qty: Decimal, price: Decimal) -> bool:
    """Whether the order only shrinks a long position (the only kind a cash account holds)."""
    if terms.side is not OrderSide.SELL or position_qty <= ZERO:
        return False
    qty = terms.qty if terms.qty is not None else (terms.notional or ZERO) / price
    return qty <= position_qty


def check_order(risk: RiskProfile, terms: OrderTerms, context: OrderContext) -> list[Check]:
    """Hold an accepted order to the trading state and every limit; return the checks it passed.

    Raises:
        TradingStateRefused: the state refuses it. RiskLimitExceeded: it would pass a limit.
    """
    if is_linked_exit(terms):
        return []
    reducing = reduces_position(terms, context.position_qty, context.price)
    why = f" ({risk.reason})" if risk.reason else ""
    if risk.state is TradingState.HALTED:
        raise TradingStateRefused(f"trading state is HALTED{why}: new orders are refused; cancels pass", state=risk.state)
    if risk.state is TradingState.REDUCING and not reducing:
        raise TradingStateRefused(
            f"trading state is REDUCING{why}: only orders that reduce a position are accepted", state=risk.state
        )
    limits = risk.limits
    notional = order_notional(terms, context.price)
    checks: list[Check] = []
    _hold(checks, "max_order_notional", limits.max_order_notional, notional, "the order's notional")
    if not reducing and terms.side is OrderSide.BUY:
        after = cents(context.position_qty * context.price) + notional
        _hold(checks, "max_position_notional", limits.max_position_notional, after, "the position's notional after it")
        if limits.max_position_percent_of_equity is not None and context.equity > ZERO:
            percent = (after / context.equity * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
            _hold(
                checks,
                "max_position_percent_of_equity",
                limits.max_position_percent_of_equity,
                percent,
                "the position's percent of equity after it",
            )
    count = Decimal(context.open_orders + 1)
    _hold(checks, "max_open_orders", _count(limits.max_open_orders), count, "the open orders with it")
    rate = Decimal(context.orders_last_minute + 1)
    _hold(checks, "max_orders_per_minute", _count(limits.max_orders_per_minute), rate, "the orders in the last minute with it")
    return checks


def _count(limit: int | None) -> Decimal | None:
    return None if limit is None else Decimal(limit)


def _hold(checks: list[Check], limit: str, value: Decimal | None, figure: Decimal, what: str) -> None:
    if value is None:
        return
    if figure > value:
        raise RiskLimitExceeded(
            f"{limit} is {value}: {what} would be {figure}", limit=limit, value=str(value), figure=str(figure)
        )
    checks.append(Check(limit=limit, value=value, figure=figure))


def check_state_change(risk: RiskProfile, target: TradingState, source: StateSource) -> None:
    """An owner may make the state stricter, or lift one they or a drawdown set; not one the daily loss limit
    set (it lasts until the next session) nor one an administrator set.

    Raises:
        TradingStateRefused: the owner may not loosen this state.
    """
    if source is not StateSource.USER or _STRICTNESS[target] >= _STRICTNESS[risk.state]:
        return
    if risk.source in (StateSource.DAILY_LOSS, StateSource.ADMIN):
        lasts = "until the next session" if risk.source is StateSource.DAILY_LOSS else "until an administrator lifts it"
        raise TradingStateRefused(
            f"trading state is {risk.state}, set by {risk.source} ({risk.reason}): it lasts {lasts}", state=risk.state
        )


# -- equity ------------------------------------------------------------------------


def warn_share(limits: RiskLimits) -> Decimal:
    """The share of a loss limit at which a warning is given (its warn_at_percent as a fraction)."""
    return limits.warn_at_percent / HUNDRED


def daily_loss_allowed(limits: RiskLimits, start_equity: Decimal) -> Decimal | None:
    """The loss the session may reach: the tighter of the amount and the percent of the starting equity."""
    allowed = [limits.daily_loss_limit] if limits.daily_loss_limit is not None else []
    if limits.daily_loss_limit_percent is not None:
        allowed.append(cents(start_equity * limits.daily_loss_limit_percent / HUNDRED))
    return min(allowed) if allowed else None


def drawdown_percent(peak: Decimal, equity: Decimal) -> Decimal:
    """How far equity stands below the peak, in percent (0 at or above it)."""
    if peak <= ZERO or equity >= peak:
        return ZERO
    return ((peak - equity) / peak * HUNDRED).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def review_equity(
    risk: RiskProfile, *, account_id: UUID, equity: Decimal, start_equity: Decimal, now: datetime
) -> list[RiskEvent]:
    """The events a valuation of the account calls for: a new peak, warnings, a breach's state change.

    The daily loss is `start_equity - equity`, exactly; reaching the limit is a breach.
    """
    limits = risk.limits
    found: list[RiskEvent] = []
    peak = risk.peak_equity
    if limits.max_drawdown_percent is not None and (peak is None or equity > peak):
        peak = cents(equity)
        found.append(PeakEquitySet(account_id=account_id, peak_equity=peak, timestamp=now))
    state = risk.state
    allowed = daily_loss_allowed(limits, start_equity)
    if allowed is not None:
        loss = start_equity - equity
        if loss >= allowed and risk.source is not StateSource.DAILY_LOSS:
            target = TradingState.REDUCING if limits.daily_loss_action is BreachAction.REDUCE else TradingState.HALTED
            if _STRICTNESS[target] > _STRICTNESS[state] or risk.source is StateSource.DRAWDOWN:
                state = target
                found.append(
                    TradingStateChanged(
                        account_id=account_id,
                        state=target,
                        reason=f"daily_loss_limit {allowed} reached: the session's loss is {cents(loss)}",
                        source=StateSource.DAILY_LOSS,
                        timestamp=now,
                        flatten=limits.daily_loss_action is BreachAction.HALT_AND_FLATTEN,
                    )
                )
        elif loss >= allowed * warn_share(limits) and loss < allowed and "daily_loss_limit" not in risk.warned:
            found.append(
                RiskWarned(
                    account_id=account_id,
                    limit="daily_loss_limit",
                    message=f"daily_loss_limit {allowed}: the session's loss is {cents(loss)}",
                    timestamp=now,
                )
            )
    if limits.max_drawdown_percent is not None and peak is not None:
        drawn = drawdown_percent(peak, equity)
        if drawn >= limits.max_drawdown_percent and state is TradingState.ACTIVE:
            found.append(
                TradingStateChanged(
                    account_id=account_id,
                    state=TradingState.REDUCING,
                    reason=f"max_drawdown_percent {limits.max_drawdown_percent} reached: equity {cents(equity)} "
                    f"is {drawn}% below the peak {peak}",
                    source=StateSource.DRAWDOWN,
                    timestamp=now,
                )
            )
        elif drawn >= limits.max_drawdown_percent * warn_share(limits) and drawn < limits.max_drawdown_percent:
            if "max_drawdown_percent" not in risk.warned:
                found.append(
                    RiskWarned(
                        account_id=account_id,
                        limit="max_drawdown_percent",
                        message=f"max_drawdown_percent {limits.max_drawdown_percent}: equity is {drawn}% below "
                        f"the peak {peak}",
                        timestamp=now,
                    )
                )
    return found


def equity_floor(risk: RiskProfile, start_equity: Decimal) -> Decimal | None:
    """The highest equity below which a valuation calls for an event (a warning or a breach); None: none can."""
    limits = risk.limits
    floors: list[Decimal] = []
    warn_at = warn_share(limits)
    allowed = daily_loss_allowed(limits, start_equity)
    if allowed is not None and risk.source is not StateSource.DAILY_LOSS:
        share = warn_at if "daily_loss_limit" not in risk.warned else ONE
        floors.append(start_equity - allowed * share)
    if limits.max_drawdown_percent is not None and risk.peak_equity is not None:
        if risk.state is TradingState.ACTIVE:
            share = warn_at if "max_drawdown_percent" not in risk.warned else ONE
            floors.append(risk.peak_equity * (ONE - limits.max_drawdown_percent * share / HUNDRED))
    return max(floors) if floors else None


Band = tuple[Decimal, Decimal | None]
"""Prices of one held symbol between which the account needs no check: (low, high); high None: no bound above."""


def watch_bands(
    risk: RiskProfile, *, holdings: dict[str, tuple[Decimal, Decimal]], equity: Decimal, start_equity: Decimal
) -> dict[str, Band]:
    """Per held symbol (qty, price), the prices inside which no valuation can call for an event.

    The room above the equity floor is shared evenly among the positions: while every price stays
    above its low, the equity lost is below the room. A drawdown limit also watches rises, so a new
    peak is seen within PEAK_STEP of it.
    """
    floor = equity_floor(risk, start_equity)
    watch_rise = risk.limits.max_drawdown_percent is not None
    if (floor is None and not watch_rise) or not holdings:
        return {}
    share = Decimal(len(holdings))
    room = max(equity - floor, ZERO) if floor is not None else None
    peak = risk.peak_equity if risk.peak_equity is not None else equity
    rise = max(peak - equity, ZERO) + max(peak * PEAK_STEP, CENT)
    bands: dict[str, Band] = {}
    for symbol, (qty, price) in holdings.items():
        low = price - room / share / qty if room is not None else ZERO
        high = price + rise / share / qty if watch_rise else None
        bands[symbol] = (low, high)
    return bands
