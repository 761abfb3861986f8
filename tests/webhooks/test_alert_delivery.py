"""An alert set through the API fires once when the admin moves the price across its level: one signed request arrives,
and the same notification is on the trading stream and in GET /v2/notifications."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.factories import auth_headers, set_price
from tests.http.streams_client import connect, frame, send
from tests.webhooks.factories import receiving, served
from tradeloop.core.notifications import NotificationType
from tradeloop.journal import NotificationQuery


async def test_a_price_alert_that_fires_reaches_the_receiver_once_signed_under_its_notification_id(tmp_path: Path) -> None:
    async with receiving() as receiver, served(tmp_path) as app:
        credentials = await app.engine.open_account(Decimal(10_000))
        headers = auth_headers(credentials)
        made = await (await app.client.post("/v2/webhooks", headers=headers, json={"url": receiver.url, "events": ["alert.*"]})).json()
        ws = await connect(app.client, "/stream")
        auth = {"action": "authenticate", "data": {"key_id": credentials.key_id, "secret_key": credentials.secret_key}}
        await send(ws, auth)
        assert (await frame(ws))["stream"] == "authorization"
        await send(ws, {"action": "listen", "data": {"streams": ["notifications"]}})
        assert (await frame(ws))["stream"] == "listening"
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
        streamed = await frame(ws)
        assert streamed["stream"] == "notifications" and streamed["data"]["id"] == request.message_id
        listed = await (await app.client.get("/v2/notifications", headers=headers, params={"types": "alert.triggered"})).json()
        assert [each["id"] for each in listed["notifications"]] == [request.message_id]
        assert listed["notifications"][0]["data"] == {
            key: value for key, value in payload["data"].items() if key not in ("notification_id", "account_id")
        }
        await ws.close()
        await app.dispatcher.step()
        assert len(receiver.received) == 1
