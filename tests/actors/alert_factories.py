"""Builders for tests of alerts: alerts made through the engine, and the alert.triggered notifications the journal holds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from tradeloop.actors.engine import Engine
from tradeloop.core.alerts import Alert, AlertCondition, AlertKind, AlertTerms, CreateAlert
from tradeloop.core.notifications import Notification, NotificationType
from tradeloop.journal import NotificationQuery


async def make_alert(engine: Engine, account_id: UUID, **terms: Any) -> Alert:
    """An alert made as the API makes it (a price alert on AAPL unless told otherwise)."""
    values: dict[str, Any] = {"kind": AlertKind.PRICE, "symbol": "AAPL"}
    values.update(terms)
    return await engine.change_alert(account_id, CreateAlert(alert_id=uuid4(), terms=AlertTerms(**values)))


async def price_alert(engine: Engine, account_id: UUID, condition: AlertCondition, price: str, **more: Any) -> Alert:
    return await make_alert(engine, account_id, condition=condition, price=Decimal(price), **more)


async def alert_notifications(engine: Engine, account_id: UUID) -> list[Notification]:
    """The account's alert.triggered notifications, oldest first."""
    entries = await engine.journal.notifications(
        NotificationQuery(account_id=account_id, types=frozenset({NotificationType.ALERT_TRIGGERED}), direction="asc")
    )
    return [entry.notification for entry in entries]
