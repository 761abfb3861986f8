"""Delivery to a real receiver on loopback: signed per Standard Webhooks, filtered by type, retried, disabled, tested, logged."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.factories import HttpClient, auth_headers, order_body, place, set_price
from tests.webhooks.factories import ManualTime, Receiver, receiving, served
from tradeloop.core.notifications import NotificationType
from tradeloop.journal import NotificationQuery
from tradeloop.webhooks.dispatcher import CONCURRENCY
from tradeloop.webhooks.schedule import MAX_ATTEMPTS


async def create(client: HttpClient, headers: dict[str, str], url: str, events: list[str]) -> dict[str, Any]:
    response = await client.post("/v2/webhooks", headers=headers, json={"url": url, "events": events})
    assert response.status == 201, await response.text()
    made: dict[str, Any] = await response.json()
    return made


async def deliveries(client: HttpClient, headers: dict[str, str], webhook_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v2/webhooks/{webhook_id}/deliveries", headers=headers)
    assert response.status == 200
    found: list[dict[str, Any]] = await response.json()
    return found


async def test_a_fill_reaches_the_receiver_once_signed_and_verifies_with_the_secret(tmp_path: Path) -> None:
    async with receiving() as receiver, served(tmp_path) as app:
        client, engine = app.client, app.engine
        account = await engine.open_account(Decimal(100_000))
        headers = auth_headers(account)
        made = await create(client, headers, receiver.url, ["order.filled"])
        await set_price(engine, "AAPL", "190.00")
        order = await place(client, headers, order_body(qty="2"))
        (request,) = await receiver.wait_for(1)
        payload = request.verified(made["secret"])
        assert payload["type"] == "order.filled"
        assert payload["data"]["order_id"] == order["id"] and payload["data"]["qty"] == "2"
        assert payload["data"]["account_id"] == str(account.account_id)
        (notification,) = await engine.journal.notifications(
            NotificationQuery(account_id=account.account_id, types=frozenset({NotificationType.ORDER_FILLED}))
        )
        assert request.message_id == str(notification.notification.id) == payload["data"]["notification_id"]
        await app.dispatcher.step()
        assert len(receiver.received) == 1
        (attempt,) = await deliveries(client, headers, made["id"])
        assert (attempt["message_id"], attempt["status_code"], attempt["attempt"], attempt["error"]) == (
            request.message_id, 200, 1, None
        )


async def test_only_enabled_endpoints_whose_patterns_take_the_type_get_it(tmp_path: Path) -> None:
    async with receiving() as funds, receiving() as orders, receiving() as paused, served(tmp_path) as app:
        account = await app.engine.open_account(Decimal(1_000))
        headers = auth_headers(account)
        await create(app.client, headers, funds.url, ["account.*"])
        await create(app.client, headers, orders.url, ["order.*"])
        off = await create(app.client, headers, paused.url, ["*"])
        await app.client.patch(f"/v2/webhooks/{off['id']}", headers=headers, json={"enabled": False})
        await app.engine.adjust_cash(account.account_id, Decimal(500), "deposit")
        (request,) = await funds.wait_for(1)
        await app.dispatcher.step()
        assert request.body.startswith(b'{"type":"account.funds"')
        assert orders.received == [] and paused.received == []


async def test_a_receiver_down_is_retried_on_schedule_with_the_same_id_until_it_answers(tmp_path: Path) -> None:
    time = ManualTime()
    async with receiving() as receiver, served(tmp_path, clock=time) as app:
        account = await app.engine.open_account(Decimal(1_000))
        headers = auth_headers(account)
        made = await create(app.client, headers, receiver.url, ["account.funds"])
        port = receiver.port
        await receiver.stop()  # down: nothing listens
        await app.engine.adjust_cash(account.account_id, Decimal(500), "deposit")
        await app.dispatcher.step()
        (failed,) = await deliveries(app.client, headers, made["id"])
        assert failed["status_code"] is None and failed["error"]
        time.advance(seconds=4)  # the second attempt waits 5 s (give or take 10%)
        await app.dispatcher.step()
        assert len(await deliveries(app.client, headers, made["id"])) == 1
        back = Receiver(port)
        await back.start()
        try:
            back.answer(503, headers={"Retry-After": "600"})  # up, but asks for ten minutes
            time.advance(seconds=2)
            await app.dispatcher.step()
            (first,) = await back.wait_for(1)
            time.advance(minutes=6)  # the schedule's 5 minutes have passed, the receiver's 10 have not
            await app.dispatcher.step()
            assert len(back.received) == 1
            time.advance(minutes=5)
            await app.dispatcher.step()
            first, second = await back.wait_for(2)
        finally:
            await back.stop()
        assert first.message_id == second.message_id
        assert first.signed_by(made["secret"]) and second.signed_by(made["secret"])
        assert first.body == second.body
        attempts = await deliveries(app.client, headers, made["id"])
        assert [(a["attempt"], a["status_code"]) for a in attempts] == [(3, 200), (2, 503), (1, None)]
        time.advance(hours=48)
        await app.dispatcher.step()
        assert len(back.received) == 2


async def test_every_attempt_failing_gives_up_after_the_last_retry(tmp_path: Path) -> None:
    time = ManualTime()
    async with receiving() as receiver, served(tmp_path, clock=time) as app:
        account = await app.engine.open_account(Decimal(1_000))
        headers = auth_headers(account)
        made = await create(app.client, headers, receiver.url, ["account.funds"])
        receiver.answer(*[500] * (MAX_ATTEMPTS + 1))
        # a test message: its failures, unlike a notification's, say nothing of the endpoint's health
        await app.client.post(f"/v2/webhooks/{made['id']}/test", headers=headers)
        await app.dispatcher.step()
        for _ in range(MAX_ATTEMPTS + 2):
            time.advance(hours=30)
            await app.dispatcher.step()
        assert len(receiver.received) == MAX_ATTEMPTS
        endpoint = await (await app.client.get(f"/v2/webhooks/{made['id']}", headers=headers)).json()
        assert endpoint["status"] == "enabled"


async def test_410_disables_the_endpoint_and_tells_the_owner(tmp_path: Path) -> None:
    async with receiving() as gone, receiving() as watcher, served(tmp_path) as app:
        account = await app.engine.open_account(Decimal(1_000))
        headers = auth_headers(account)
        made = await create(app.client, headers, gone.url, ["account.*"])
        watch = await create(app.client, headers, watcher.url, ["webhook.*"])
        gone.answer(410)
        await app.engine.adjust_cash(account.account_id, Decimal(500), "deposit")
        await gone.wait_for(1)
        await app.dispatcher.step()
        endpoint = await (await app.client.get(f"/v2/webhooks/{made['id']}", headers=headers)).json()
        assert (endpoint["status"], endpoint["disabled_reason"]) == ("disabled", "the endpoint answered 410 Gone")
        (told,) = await watcher.wait_for(1)
        payload = told.verified(watch["secret"])
        assert payload["type"] == "webhook.disabled" and payload["data"]["webhook_id"] == made["id"]
        listed = await (await app.client.get("/v2/notifications", headers=headers, params={"types": "webhook.disabled"})).json()
        assert [each["id"] for each in listed["notifications"]] == [told.message_id]
        await app.engine.adjust_cash(account.account_id, Decimal(500), "another")
        await app.dispatcher.step()
        assert len(gone.received) == 1


async def test_an_endpoint_failing_for_over_a_day_is_disabled_and_the_owner_told(tmp_path: Path) -> None:
    time = ManualTime()
    async with receiving() as failing, served(tmp_path, clock=time) as app:
        account = await app.engine.open_account(Decimal(1_000))
        headers = auth_headers(account)
        made = await create(app.client, headers, failing.url, ["account.funds"])
        failing.answer(*[500] * 10)
        await app.engine.adjust_cash(account.account_id, Decimal(500), "deposit")
        await app.dispatcher.step()
        time.advance(hours=23)
        await app.dispatcher.step()
        endpoint = await (await app.client.get(f"/v2/webhooks/{made['id']}", headers=headers)).json()
        assert endpoint["status"] == "enabled" and len(failing.received) == 2
        time.advance(hours=2)
        await app.dispatcher.step()
        endpoint = await (await app.client.get(f"/v2/webhooks/{made['id']}", headers=headers)).json()
        assert endpoint["status"] == "disabled" and endpoint["disabled_reason"].startswith("every delivery failed since")
        (told,) = await app.engine.journal.notifications(
            NotificationQuery(account_id=account.account_id, types=frozenset({NotificationType.WEBHOOK_DISABLED}))
        )
        assert told.notification.data["webhook_id"] == made["id"]


async def test_after_a_rotation_both_secrets_sign_for_a_day_then_only_the_new_one(tmp_path: Path) -> None:
    time = ManualTime()
    async with receiving() as receiver, served(tmp_path, clock=time) as app:
        account = await app.engine.open_account(Decimal(1_000))
        headers = auth_headers(account)
        made = await create(app.client, headers, receiver.url, ["account.funds"])
        rotated = await (await app.client.post(f"/v2/webhooks/{made['id']}/rotate_secret", headers=headers)).json()
        await app.engine.adjust_cash(account.account_id, Decimal(500), "deposit")
        await app.dispatcher.step()
        (during,) = await receiver.wait_for(1)
        assert len(during.headers["webhook-signature"].split(" ")) == 2
        assert during.verified(made["secret"]) == during.verified(rotated["secret"])
        time.advance(hours=24, seconds=1)
        await app.engine.adjust_cash(account.account_id, Decimal(500), "another")
        await app.dispatcher.step()
        _, after = await receiver.wait_for(2)
        assert after.signed_by(rotated["secret"]) and not after.signed_by(made["secret"])


async def test_a_test_message_goes_to_that_endpoint_only_and_shows_in_its_deliveries(tmp_path: Path) -> None:
    async with receiving() as tested, receiving() as other, served(tmp_path) as app:
        account = await app.engine.open_account(Decimal(1_000))
        headers = auth_headers(account)
        made = await create(app.client, headers, tested.url, ["order.filled"])
        await create(app.client, headers, other.url, ["*"])
        response = await app.client.post(f"/v2/webhooks/{made['id']}/test", headers=headers)
        assert response.status == 202
        queued = await response.json()
        (request,) = await tested.wait_for(1)
        payload = request.verified(made["secret"])
        assert payload["type"] == "webhook.test" and request.message_id == queued["message_id"]
        await app.dispatcher.step()
        assert other.received == []
        (attempt,) = await deliveries(app.client, headers, made["id"])
        assert (attempt["type"], attempt["status_code"]) == ("webhook.test", 200)


async def test_another_accounts_deliveries_and_test_are_not_found(tmp_path: Path) -> None:
    async with served(tmp_path) as app:
        owner = auth_headers(await app.engine.open_account(Decimal(1_000)))
        other = auth_headers(await app.engine.open_account(Decimal(1_000)))
        made = await create(app.client, owner, "http://127.0.0.1:9/hooks", ["*"])
        assert (await app.client.get(f"/v2/webhooks/{made['id']}/deliveries", headers=other)).status == 404
        assert (await app.client.post(f"/v2/webhooks/{made['id']}/test", headers=other)).status == 404



async def test_requests_in_flight_are_bounded_and_a_receiver_that_never_answers_holds_up_no_trading(tmp_path: Path) -> None:
    async with receiving() as receiver, served(tmp_path) as app:
        account = await app.engine.open_account(Decimal(100_000))
        headers = auth_headers(account)
        await create(app.client, headers, receiver.url, ["account.funds", "order.filled"])
        receiver.holding = True
        for n in range(CONCURRENCY + 4):
            await app.engine.adjust_cash(account.account_id, Decimal(1), f"deposit {n}")
        await receiver.wait_for(CONCURRENCY)
        await set_price(app.engine, "AAPL", "190.00")
        order = await place(app.client, headers, order_body(qty="1"))  # trading goes on while every slot waits
        assert order["status"] == "filled"
        await asyncio.sleep(0.2)  # time enough for a request beyond the bound to arrive, were one sent
        assert len(receiver.received) == CONCURRENCY
        receiver.release()
        await receiver.wait_for(CONCURRENCY + 5)  # the deposits, then the fill
        assert len({each.message_id for each in receiver.received}) == CONCURRENCY + 5
