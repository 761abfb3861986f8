"""Webhook endpoints over the API: create (secret shown once, kept sealed), list, read, change, rotate, delete, refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import jsonschema
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import ClientFactory
from tests.factories import HttpClient, auth_headers, make_app, make_settings
from tradeloop.actors.engine import Engine
from tradeloop.actors.memory_journal import MemoryJournal
from tradeloop.core.notifications import Notification, NotificationType
from tradeloop.snapshots.codec import encode
from tradeloop.webhooks.dispatcher import body_of

URL = "http://127.0.0.1:9/hooks"


@pytest.fixture
async def client(aiohttp_client: ClientFactory, engine: Engine) -> TestClient[web.Request, web.Application]:
    """The app as the tests run it: webhooks may go to loopback over plain http (a receiver on this machine)."""
    return await aiohttp_client(make_app(engine, make_settings(webhook_allow_private=True)))


async def call(client: HttpClient, headers: dict[str, str], method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = await client.request(method, path, headers=headers, **kwargs)
    return response.status, (await response.json() if response.status != 204 else None)


async def test_create_read_change_rotate_and_delete(client: HttpClient, headers: dict[str, str]) -> None:
    status, made = await call(client, headers, "POST", "/v2/webhooks", json={"url": URL, "events": ["order.*"], "description": "fills"})
    assert status == 201
    assert made["secret"].startswith("whsec_") and made["status"] == "enabled" and made["events"] == ["order.*"]
    assert made["previous_secret_expires_at"] is None and made["disabled_reason"] is None
    shown = {key: value for key, value in made.items() if key != "secret"}
    path = f"/v2/webhooks/{made['id']}"
    assert await call(client, headers, "GET", "/v2/webhooks") == (200, [shown])
    assert await call(client, headers, "GET", path) == (200, shown)
    status, changed = await call(client, headers, "PATCH", path, json={"events": ["*"], "enabled": False})
    assert (status, changed["events"], changed["status"], changed["url"]) == (200, ["*"], "disabled", URL)
    assert changed["disabled_reason"] == "disabled by the owner"
    status, changed = await call(client, headers, "PATCH", path, json={"enabled": True, "description": "all"})
    assert (changed["status"], changed["description"], changed["disabled_reason"]) == ("enabled", "all", None)
    status, rotated = await call(client, headers, "POST", f"{path}/rotate_secret")
    assert status == 200 and rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    assert rotated["previous_secret_expires_at"] is not None
    assert "secret" not in (await call(client, headers, "GET", path))[1]
    assert (await call(client, headers, "DELETE", path))[0] == 204
    assert (await call(client, headers, "GET", path))[0] == 404
    assert await call(client, headers, "GET", "/v2/webhooks") == (200, [])


async def test_the_secret_is_journaled_sealed_never_in_clear(client: HttpClient, headers: dict[str, str], engine: Engine) -> None:
    _, made = await call(client, headers, "POST", "/v2/webhooks", json={"url": URL, "events": ["*"]})
    _, rotated = await call(client, headers, "POST", f"/v2/webhooks/{made['id']}/rotate_secret")
    journal = engine.journal
    assert isinstance(journal, MemoryJournal)
    written = b"".join(encode(event) for _, event in journal.records)
    for secret in (made["secret"], rotated["secret"]):
        assert secret.encode() not in written and secret.removeprefix("whsec_").encode() not in written
    state = engine.account(next(iter(engine.accounts())).id).webhooks
    assert len(state) == 1


async def test_another_accounts_endpoint_is_not_found(client: HttpClient, headers: dict[str, str], engine: Engine) -> None:
    _, made = await call(client, headers, "POST", "/v2/webhooks", json={"url": URL, "events": ["*"]})
    other = auth_headers(await engine.open_account(Decimal(1_000)))
    path = f"/v2/webhooks/{made['id']}"
    for method, suffix, body in (("GET", "", None), ("PATCH", "", {"description": "x"}), ("DELETE", "", None),
                                 ("POST", "/rotate_secret", None)):
        status, problem = await call(client, other, method, path + suffix, json=body)
        assert status == 404 and problem["code"] == 40410000
    assert await call(client, other, "GET", "/v2/webhooks") == (200, [])
    assert (await call(client, headers, "GET", path))[0] == 200
    assert (await call(client, headers, "GET", "/v2/webhooks/not-a-uuid"))[0] == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://h.example/", "events": ["*"]}, "url"),
        ({"url": URL, "events": []}, "events"),
        ({"url": URL, "events": ["order.fild"]}, "events/0"),
        ({"url": URL, "events": ["*"], "description": "x" * 257}, "description"),
        ({"url": URL, "events": ["*"], "secret": "whsec_mine"}, "secret"),
    ],
)
async def test_bad_bodies_are_422_naming_the_field_and_change_nothing(
    client: HttpClient, headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    status, problem = await call(client, headers, "POST", "/v2/webhooks", json=body)
    assert status == 422 and field in problem["message"]
    assert await call(client, headers, "GET", "/v2/webhooks") == (200, [])


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.example.com/in", "https"),
        ("https://127.0.0.1/in", "127.0.0.1 is not a public address"),
        ("https://[::1]/in", "::1 is not a public address"),
        ("https://10.1.2.3/in", "not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),
        ("https://[::ffff:127.0.0.1]/in", "not a public address"),
        ("https://localhost/in", "loopback"),
        ("https://api.localhost./in", "loopback"),
    ],
)
async def test_without_the_operators_leave_only_public_https_urls_are_taken(
    aiohttp_client: ClientFactory, engine: Engine, url: str, says: str
) -> None:
    client = await aiohttp_client(make_app(engine, make_settings()))
    headers = auth_headers(await engine.open_account(Decimal(1_000)))
    status, problem = await call(client, headers, "POST", "/v2/webhooks", json={"url": url, "events": ["*"]})
    assert status == 422 and says in problem["message"] and "TRADELOOP_WEBHOOK_ALLOW_PRIVATE" in problem["message"]
    _, made = await call(client, headers, "POST", "/v2/webhooks", json={"url": "https://93.184.215.14/in", "events": ["*"]})
    status, problem = await call(client, headers, "PATCH", f"/v2/webhooks/{made['id']}", json={"url": url})
    assert status == 422 and says in problem["message"]


async def test_the_reference_describes_the_request_an_endpoint_gets(client: HttpClient) -> None:
    document = await (await client.get("/openapi.json")).json()
    sent = document["webhooks"]["notification"]["post"]
    assert [p["name"] for p in sent["parameters"]] == ["webhook-id", "webhook-timestamp", "webhook-signature"]
    content = sent["requestBody"]["content"]["application/json"]
    notification = Notification(
        id=uuid4(), type=NotificationType.ACCOUNT_FUNDS, created_at=datetime(2026, 1, 5, 15, 30, tzinfo=UTC),
        account_id=uuid4(), data={"amount": "500.00"},
    )
    for body in (orjson.loads(body_of(notification)), content["examples"]["funds"]["value"]):
        jsonschema.validate(body, content["schema"])
