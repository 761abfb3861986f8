"""Administrative actions on the running engine, each recorded in the audit log."""

from __future__ import annotations

import asyncio
from dataclasses import fields
from decimal import Decimal
from typing import Final
from uuid import UUID

from tradeloop.actors.engine import Credentials, Engine
from tradeloop.actors.fees import set_fee_schedule
from tradeloop.core.events import CashAdjusted
from tradeloop.core.fees import FeeSchedule
from tradeloop.core.funding import rotate_keys, set_active
from tradeloop.core.risk_limits import LIMIT_NAMES, LimitChanges, RiskLimits, StateSource, TradingState
from tradeloop.journal import AuditEntry
from tradeloop.security import hash_secret, new_key_id, new_secret

ADMIN: Final = "admin"


async def audit(engine: Engine, action: str, target: str, **detail: str) -> None:
    """Append one admin action to the audit log, durably."""
    await engine.journal.audit(AuditEntry(at=engine.clock(), actor=ADMIN, action=action, target=target, detail=detail))


async def rotate_account_keys(engine: Engine, account_id: UUID) -> Credentials:
    """Give an account a new key pair; the old pair is refused from now on."""
    state = engine.account(account_id)
    old_key_id = state.key_id
    key_id, secret = new_key_id(), new_secret()
    rotated = rotate_keys(state, key_id=key_id, secret_hash=hash_secret(secret), now=engine.clock())
    try:
        await engine.record(account_id, [rotated])
    finally:
        if state.key_id == key_id:  # applied, even if the journal failed and keeps it to commit later
            engine.rekey(account_id, old_key_id, key_id)
    await audit(engine, "rotate_keys", str(account_id), old_key_id=old_key_id, new_key_id=key_id)
    return Credentials(account_id=account_id, key_id=key_id, secret_key=secret)


async def set_account_active(engine: Engine, account_id: UUID, active: bool) -> None:
    """Enable or disable trading for an account."""
    state = engine.account(account_id)
    await engine.record(account_id, [set_active(state, active, engine.clock())])
    await audit(engine, "enable_account" if active else "disable_account", str(account_id))


async def move_cash(engine: Engine, account_id: UUID, amount: Decimal, description: str) -> CashAdjusted:
    """Deposit (positive) or withdraw (negative) cash, recorded as an account activity."""
    event = await engine.adjust_cash(account_id, amount, description)
    action = "deposit" if amount > 0 else "withdraw"
    await audit(engine, action, str(account_id), amount=str(abs(amount)), activity_id=str(event.activity_id))
    return event


async def set_halted(engine: Engine, symbol: str, halted: bool, reason: str = "") -> None:
    """Halt or resume trading in a symbol (see `Engine.halt`), recorded in the audit log with its reason if given.

    Raises:
        NotFound: the symbol is not listed.
        JournalUnavailable: the journal cannot write (nothing is changed).
    """
    await engine.halt(symbol, halted, reason)
    await audit(engine, "halt" if halted else "resume", symbol, **({"reason": reason} if reason else {}))


async def set_risk(
    engine: Engine,
    account_id: UUID,
    *,
    limits: RiskLimits | LimitChanges | None,
    state: TradingState | None,
    reason: str | None,
) -> None:
    """Set an account's risk limits and/or trading state as an administrator, recorded in the audit log."""
    await engine.set_risk(account_id, limits=limits, state=state, reason=reason, source=StateSource.ADMIN)
    await audit(engine, "set_risk", str(account_id), **_risk_detail(limits, state, reason))


async def set_fees(engine: Engine, account_id: UUID, schedule: FeeSchedule) -> FeeSchedule:
    """Replace an account's fee schedule and slippage as an administrator, recorded in the audit log; the schedule now in force.

    Raises:
        InvalidField: a negative or out-of-bounds value, naming the field (nothing is changed or audited).
    """
    found = await set_fee_schedule(engine, account_id, schedule)
    await audit(engine, "set_fees", str(account_id), **{each.name: str(getattr(found, each.name)) for each in fields(found)})
    return found


async def set_risk_everywhere(
    engine: Engine,
    *,
    limits: RiskLimits | LimitChanges | None,
    state: TradingState | None,
    reason: str | None,
) -> int:
    """Set every account's risk limits and/or trading state at once (one audit entry); returns how many accounts."""
    accounts = [account.id for account in engine.accounts()]
    await asyncio.gather(
        *(
            engine.set_risk(account_id, limits=limits, state=state, reason=reason, source=StateSource.ADMIN)
            for account_id in accounts
        )
    )
    await audit(engine, "set_risk", "all accounts", accounts=str(len(accounts)), **_risk_detail(limits, state, reason))
    return len(accounts)


def _risk_detail(limits: RiskLimits | LimitChanges | None, state: TradingState | None, reason: str | None) -> dict[str, str]:
    detail: dict[str, str] = {}
    if isinstance(limits, LimitChanges):
        detail.update((name, str(value)) for name, value in limits.values.items())
    elif limits is not None:
        detail.update((name, str(getattr(limits, name))) for name in LIMIT_NAMES)
    if state is not None:
        detail["trading_state"] = str(state)
    if reason:
        detail["reason"] = reason
    return detail
