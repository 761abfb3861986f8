"""The engine's alerts: changing them through their account, telling it of a met indicator condition, reading them."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from uuid import UUID

from tradeloop.actors.alert_watch import AlertWatch
from tradeloop.actors.engine_base import EngineBase, new_reply
from tradeloop.actors.messages import ChangeAlert, IndicatorAlertMet
from tradeloop.core.alerts import Alert, AlertCommand, find


class AlertIntentions(EngineBase):
    """Alerts, decided by their account in its turn; their triggers indexed in one `AlertWatch` the markets read."""

    _alert_watch: AlertWatch

    async def change_alert(self, account_id: UUID, command: AlertCommand) -> Alert:
        """Create, revise or cancel an alert, decided by the account in its turn; the alert as the change left it, once
        journaled.

        Raises: NotFound for an alert the account does not have, InvalidField for terms its kind does not take.
        """
        reply: asyncio.Future[Alert] = new_reply()
        return await self._ask(account_id, ChangeAlert(command=command, reply=reply), reply)

    async def indicator_alert_met(
        self, account_id: UUID, alert_id: UUID, *, values: tuple[tuple[str, str], ...], price: Decimal | None
    ) -> None:
        """Tell an account that one of its indicator alerts' conditions held on a completed bar (it decides the rest)."""
        await self.account_actor(account_id).send(IndicatorAlertMet(alert_id=alert_id, values=values, price=price))

    def alerts(self, account_id: UUID) -> list[Alert]:
        """The account's alerts, active and recently ended, in the order they were made."""
        return list(self.account(account_id).alerts.values())

    def alert(self, account_id: UUID, alert_id: UUID) -> Alert:
        """One alert of the account. Raises: NotFound (another account's too)."""
        return find(self.account(account_id).alerts, alert_id)

    @property
    def alert_watch(self) -> AlertWatch:
        """The index of alert triggers the market actors read (a benchmark counts its lookups)."""
        return self._alert_watch
