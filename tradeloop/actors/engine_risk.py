"""The engine's risk settings: an account's limits and trading state, changed through the account."""

from __future__ import annotations

import asyncio
from uuid import UUID

from tradeloop.actors.engine_base import EngineBase, new_reply
from tradeloop.actors.messages import SetRisk
from tradeloop.core.risk_limits import LimitChanges, RiskLimits, StateSource, TradingState


class RiskIntentions(EngineBase):
    """Risk limits and trading state, decided by the account in its turn (a breach's flatten is the engine's)."""

    async def set_risk(
        self,
        account_id: UUID,
        *,
        limits: RiskLimits | LimitChanges | None,
        state: TradingState | None,
        reason: str | None,
        source: StateSource,
    ) -> None:
        """Replace (or change some of) an account's risk limits and/or set its trading state; returns once journaled."""
        reply: asyncio.Future[None] = new_reply()
        await self._ask(
            account_id, SetRisk(limits=limits, state=state, reason=reason, source=source, reply=reply), reply
        )
