"""Deliveries outlive a restart: what was pending is sent after it, under the same webhook-id, and nothing twice."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.factories import auth_headers
from tests.webhooks.factories import ManualTime, receiving, served


async def test_a_restart_resumes_pending_deliveries_with_the_same_id_and_keeps_their_attempts(tmp_path: Path) -> None:
    time = ManualTime()
    async with receiving() as receiver:
        port = receiver.port
    async with served(tmp_path, clock=time) as app:  # the receiver is down
        credentials = await app.engine.open_account(Decimal(1_000))
        headers = auth_headers(credentials)
        response = await app.client.post("/v2/webhooks", headers=headers, json={"url": receiver.url, "events": ["*"]})
        made = await response.json()
        await app.engine.adjust_cash(credentials.account_id, Decimal(500), "deposit")
        await app.dispatcher.step()
        (failed,) = await (await app.client.get(f"/v2/webhooks/{made['id']}/deliveries", headers=headers)).json()
    time.advance(seconds=10)
    async with receiving(port) as back, served(tmp_path, clock=time) as app:
        await app.dispatcher.step()
        (request,) = await back.wait_for(1)
        assert request.message_id == failed["message_id"] and request.signed_by(made["secret"])
        attempts = await (await app.client.get(f"/v2/webhooks/{made['id']}/deliveries", headers=headers)).json()
        assert [(a["attempt"], a["status_code"]) for a in attempts] == [(2, 200), (1, None)]
        await app.engine.adjust_cash(credentials.account_id, Decimal(500), "another")
        await app.dispatcher.step()
        await back.wait_for(2)
    async with served(tmp_path, clock=time) as app:  # a third start finds nothing left to send
        async with receiving(port) as again:
            await app.dispatcher.step()
            assert again.received == []



async def test_a_new_delivery_store_starts_after_the_last_notification_journaled(tmp_path: Path) -> None:
    async with receiving() as receiver:
        async with served(tmp_path) as app:
            credentials = await app.engine.open_account(Decimal(1_000))
            headers = auth_headers(credentials)
            await app.client.post("/v2/webhooks", headers=headers, json={"url": receiver.url, "events": ["*"]})
            await app.engine.adjust_cash(credentials.account_id, Decimal(500), "deposit")
            await receiver.wait_for(1)
        for leftover in tmp_path.glob("webhooks.db*"):  # the store deleted by hand
            leftover.unlink()
        async with served(tmp_path) as app:
            await app.dispatcher.step()
            assert len(receiver.received) == 1  # the past is not sent again
            await app.engine.adjust_cash(credentials.account_id, Decimal(500), "another")
            _, new = await receiver.wait_for(2)
            assert new.body.startswith(b'{"type":"account.funds"') and new.message_id != receiver.received[0].message_id
