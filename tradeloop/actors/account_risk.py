"""The risk side of an account actor: pre-trade checks, the order rate, equity reviews and the account's watch bands."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tradeloop.actors.prices import PriceBoard
from tradeloop.actors.risk_watch import RiskWatch
from tradeloop.core.accounts import AccountState, valuation
from tradeloop.core.events import PeakEquitySet, RiskEvent, RiskLimitsSet, TradingStateChanged
from tradeloop.core.money import ZERO, cents
from tradeloop.core.orders import OrderSide, OrderTerms
from tradeloop.core.risk import Check, OrderContext, check_order, check_state_change, review_equity, watch_bands
from tradeloop.core.risk_limits import ORDER_WINDOW, LimitChanges, RiskLimits, StateSource, TradingState


class AccountRisk:
    """Held by one account actor; reads its state, never changes it (the actor applies the events returned)."""

    def __init__(self, state: AccountState, *, board: PriceBoard, watch: RiskWatch) -> None:
        self._state = state
        self._board = board
        self._watch = watch

    def check(self, terms: OrderTerms, now: datetime, *, replacing: bool = False) -> list[Check]:
        """Hold an accepted order (or a replacement) to the trading state and limits.

        Raises: TradingStateRefused, RiskLimitExceeded.
        """
        state = self._state
        board = self._board
        price = (board.buy_price if terms.side is OrderSide.BUY else board.sell_price)(terms.symbol)
        position = state.positions.get(terms.symbol)
        context = OrderContext(
            price=price if price is not None else (terms.limit_price or terms.stop_price or ZERO),
            position_qty=position.qty if position is not None else ZERO,
            equity=valuation(state, board.last_price).equity,
            open_orders=len(state.orders) - (1 if replacing else 0),
            orders_last_minute=state.risk.orders_since(now - ORDER_WINDOW),
        )
        return check_order(state.risk, terms, context)

    def review(self, now: datetime) -> list[RiskEvent]:
        """The events the account's equity now calls for (none without loss limits)."""
        state = self._state
        if not state.risk.limits.watches_equity:
            return []
        equity = valuation(state, self._board.last_price).equity
        return review_equity(
            state.risk, account_id=state.id, equity=equity, start_equity=state.last_equity, now=now
        )

    def rewatch(self) -> None:
        """Register the prices inside which the account needs no review (after each change of it)."""
        state = self._state
        if not state.risk.limits.watches_equity:
            self._watch.forget(state.id)
            return
        price_of = self._board.last_price
        holdings: dict[str, tuple[Decimal, Decimal]] = {}
        for symbol, position in state.positions.items():
            price = price_of(symbol)
            if position.qty > ZERO and price is not None:
                holdings[symbol] = (position.qty, price)
        equity = valuation(state, price_of).equity
        self._watch.register(
            state.id,
            watch_bands(state.risk, holdings=holdings, equity=equity, start_equity=state.last_equity),
        )

    def setting(
        self,
        *,
        limits: RiskLimits | LimitChanges | None,
        trading_state: TradingState | None,
        reason: str | None,
        source: StateSource,
        now: datetime,
    ) -> list[RiskEvent]:
        """The events of an owner's or administrator's change of limits or state.

        Setting ACTIVE by hand measures drawdown afresh from the equity now. Changes of some limits
        apply to the limits as they are now, here in the actor, so two changes never undo each other.

        Raises:
            TradingStateRefused: an owner may not lift a state the daily loss limit or an administrator set.
        """
        state = self._state
        if trading_state is not None:
            check_state_change(state.risk, trading_state, source)
        found: list[RiskEvent] = []
        if isinstance(limits, LimitChanges):
            limits = limits.applied_to(state.risk.limits)
        if limits is not None:
            found.append(RiskLimitsSet(account_id=state.id, limits=limits, source=source, timestamp=now))
        if trading_state is not None:
            found.append(
                TradingStateChanged(
                    account_id=state.id,
                    state=trading_state,
                    reason=reason or f"set by {source}",
                    source=source,
                    timestamp=now,
                )
            )
            if trading_state is TradingState.ACTIVE:
                equity = cents(valuation(state, self._board.last_price).equity)
                found.append(PeakEquitySet(account_id=state.id, peak_equity=equity, timestamp=now))
        return found

    def session_began(self, now: datetime) -> list[RiskEvent]:
        """A state set by the daily loss limit lasts until the next session."""
        state = self._state
        if state.risk.source is not StateSource.DAILY_LOSS:
            return []
        return [
            TradingStateChanged(
                account_id=state.id,
                state=TradingState.ACTIVE,
                reason="a new session began",
                source=StateSource.SESSION,
                timestamp=now,
            )
        ]
