"""An alert set through the API fires once when the admin moves the price across its level: one signed request arrives."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.factories import auth_headers, set_price
from tests.webhooks.factories import receiving, served
from tradeloop.core.notifications import NotificationType
from tradeloop.journal import NotificationQuery


async def test_a_price_alert_that_fires_reaches_the_receiver_once_signed_under_its_notification_id(tmp_path: Path) -> None:
    async with receiving() as receiver, served(tmp_path) as app:
        credentials = await app.engine.open_account(Decimal(10_000))
        headers = auth_headers(credentials)
        made = await (await app.client.post("/v2/webhooks", headers=headers, json={"url": receiver.url, "events": ["alert.*"]})).json()
        await set_price(app.engine, "AAPL", "100.00")
        body = {"kind": "price", "symbol": "AAPL", "condition": "crosses_above", "price": "105.00"}
        response = await app.client.post("/v2/alerts", headers=headers, json=body)
        assert response.status == 201, await response.text()
        alert = await response.json()
        await set_price(app.engine, "AAPL", "104.99")
        await app.dispatcher.step()
        assert receiver.received == []
        for price in ("105.50", "104.00", "106.00"):
            await set_price(app.engine, "AAPL", price)
        (request,) = await receiver.wait_for(1)
        payload = request.verified(made["secret"])
        assert payload["type"] == "alert.triggered" and payload["data"]["alert_id"] == alert["id"]
        (told,) = await app.engine.journal.notifications(
            NotificationQuery(account_id=credentials.account_id, types=frozenset({NotificationType.ALERT_TRIGGERED}))
        )
        assert request.message_id == str(told.notification.id)
        await app.dispatcher.step()
        assert len(receiver.received) == 1
