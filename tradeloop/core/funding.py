"""Administrative decisions on an account: deposits and withdrawals, key rotation, enabling and disabling it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from tradeloop.core.accounts import AccountState
from tradeloop.core.events import AccountStatusChanged, CashAdjusted, KeysRotated
from tradeloop.core.money import MAX_AMOUNT, MONEY, ZERO, OutOfBounds
from tradeloop.errors import InsufficientBuyingPower, InvalidField


def adjust_cash(
    state: AccountState, amount: Decimal, *, activity_id: UUID, description: str, now: datetime
) -> CashAdjusted:
    """Decide a deposit (amount > 0) or withdrawal (amount < 0).

    Raises:
        InvalidField: zero, outside the bounds of money, or a deposit that would take the cash to them.
        InsufficientBuyingPower: a withdrawal above what is free.
    """
    if amount == ZERO:
        raise InvalidField("amount", "must be a non-zero amount in whole cents")
    try:
        MONEY.check(amount)
    except OutOfBounds as exc:
        raise InvalidField("amount", str(exc)) from None
    if amount > ZERO and state.cash + amount >= MAX_AMOUNT:
        raise InvalidField("amount", f"would take the cash to {state.cash + amount}; cash stays below {MAX_AMOUNT:f}")
    if amount < ZERO and -amount > state.buying_power:
        raise InsufficientBuyingPower(
            f"cannot withdraw {-amount}: only {state.buying_power} is free of open orders",
            buying_power=str(state.buying_power),
        )
    return CashAdjusted(
        account_id=state.id, activity_id=activity_id, amount=amount, description=description, timestamp=now
    )


def rotate_keys(state: AccountState, *, key_id: str, secret_hash: str, now: datetime) -> KeysRotated:
    return KeysRotated(account_id=state.id, key_id=key_id, secret_hash=secret_hash, timestamp=now)


def set_active(state: AccountState, active: bool, now: datetime) -> AccountStatusChanged:
    return AccountStatusChanged(account_id=state.id, active=active, timestamp=now)
