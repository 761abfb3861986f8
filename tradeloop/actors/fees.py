"""Setting an account's fee schedule: checked, journaled on the account, then answered as it now stands."""

from __future__ import annotations

from uuid import UUID

from tradeloop.actors.engine import Engine
from tradeloop.core.events import FeeScheduleSet
from tradeloop.core.fees import FeeSchedule


async def set_fee_schedule(engine: Engine, account_id: UUID, schedule: FeeSchedule) -> FeeSchedule:
    """Replace the account's fee schedule and slippage, once journaled; the schedule in force after it.

    Fees apply to fills the account records after this write; slippage, to orders accepted after it.

    Raises:
        InvalidField: a negative or out-of-bounds value, naming the field (nothing is changed). NotFound: no such account.
    """
    checked = schedule.check()
    await engine.record(account_id, [FeeScheduleSet(account_id=account_id, schedule=checked, timestamp=engine.clock())])
    return engine.account(account_id).fees
