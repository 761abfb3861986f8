"""Changing an account's configuration: checked, journaled on the account, then answered as it now stands."""

from __future__ import annotations

from uuid import UUID

from tradeloop.actors.engine import Engine
from tradeloop.core.configurations import AccountConfig, ConfigChanges
from tradeloop.core.events import AccountConfigured


async def configure_account(engine: Engine, account_id: UUID, changes: ConfigChanges) -> AccountConfig:
    """Set the fields `changes` sets, once journaled; the account's configuration after it.

    Only the changes are journaled, applied in the account's order: two owners' PATCHes of different
    fields both take effect, whichever lands first.

    Raises:
        InvalidField: a value the account cannot take (no_shorting false). NotFound: no such account.
    """
    changes.check()
    if changes != ConfigChanges():
        await engine.record(account_id, [AccountConfigured(account_id=account_id, changes=changes, timestamp=engine.clock())])
    return engine.account(account_id).config
