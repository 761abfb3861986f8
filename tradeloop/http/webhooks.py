"""Routes: webhook endpoints (/v2/webhooks), journaled on the account, their secret shown once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Final
from uuid import UUID

from aiohttp import web
from cryptography.fernet import Fernet
from pydantic import BaseModel, ConfigDict, Field

from tradeloop.actors.engine import Engine
from tradeloop.codec import rfc3339
from tradeloop.config import Settings
from tradeloop.core.webhooks import MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH, WebhookEndpoint
from tradeloop.errors import InvalidField, NotFound
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_model, read_query
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import path_id
from tradeloop.http.shapes.webhooks import DeliveryAttemptJson, WebhookJson, WebhookTestJson, WebhookWithSecretJson
from tradeloop.http.wire import json_response
from tradeloop.vault import Vault
from tradeloop.webhooks.runtime import Webhooks
from tradeloop.webhooks.service import WithSecret
from tradeloop.webhooks.store import Attempt

routes = web.RouteTableDef()

TAG: Final = "webhooks"
WEBHOOKS: Final = web.AppKey("webhooks", Webhooks)

Url = Annotated[str, Field(min_length=1, max_length=MAX_URL_LENGTH)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION_LENGTH)]
Patterns = Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(min_length=1, max_length=50)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CreateBody(_Model):
    """POST /v2/webhooks: where to send, which notification types (`order.filled`, `order.*`, `*`), a description."""

    url: Url
    events: Patterns
    description: Description = ""


class UpdateBody(_Model):
    """PATCH: the fields to change (left out: kept); `enabled` turns deliveries off and on again."""

    url: Url | None = None
    events: Patterns | None = None
    description: Description | None = None
    enabled: bool | None = None


class DeliveriesQuery(BaseModel):
    """GET /v2/webhooks/{id}/deliveries: how many attempts, newest first."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    limit: Annotated[int, Field(ge=1, le=500)] = 50


class WebhookPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    webhook_id: Annotated[UUID, Field(description="The endpoint's id.")]


def webhook_json(endpoint: WebhookEndpoint) -> WebhookJson:
    until = endpoint.previous_until if endpoint.previous_secret_sealed is not None else None
    return {
        "id": str(endpoint.id),
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "status": endpoint.status.value,
        "disabled_reason": endpoint.disabled_reason,
        "previous_secret_expires_at": None if until is None else rfc3339(until),
        "created_at": rfc3339(endpoint.created_at),
        "updated_at": rfc3339(endpoint.updated_at),
    }


def _with_secret(made: WithSecret) -> WebhookWithSecretJson:
    return {**webhook_json(made.endpoint), "secret": made.secret}


_ID: Final = "0195f7a2-6c3d-7e4f-8a10-2b3c4d5e6f70"
_EXAMPLE: Final = {
    "id": _ID, "url": "https://hooks.example.com/tradeloop", "events": ["order.filled", "alert.*"],
    "description": "fills and alerts", "status": "enabled", "disabled_reason": None, "previous_secret_expires_at": None,
    "created_at": "2026-01-05T15:30:00.000000Z", "updated_at": "2026-01-05T15:30:00.000000Z",
}
_SECRET: Final = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
_ERRORS: Final = (NotFound,)
_CHANGE_ERRORS: Final = (NotFound, InvalidField)


@routes.post("/v2/webhooks")
@operation(tag=TAG, security=Security.KEYS, body=CreateBody, responses={201: WebhookWithSecretJson}, errors=(InvalidField,),
           examples=[Example(name="fills", status=201,
                             body={"url": _EXAMPLE["url"], "events": _EXAMPLE["events"], "description": "fills and alerts"},
                             response={**_EXAMPLE, "secret": _SECRET})])
async def create_webhook(request: web.Request) -> web.Response:
    """Add an endpoint; the answer holds its signing secret (`whsec_...`), shown this once."""
    body = await read_model(request, CreateBody)
    made = await request.app[WEBHOOKS].endpoints.create(account_id(request), body.url, body.events, body.description)
    return json_response(_with_secret(made), 201)


@routes.get("/v2/webhooks")
@operation(tag=TAG, security=Security.KEYS, responses={200: list[WebhookJson]},
           examples=[Example(name="one", response=[_EXAMPLE])])
async def get_webhooks(request: web.Request) -> web.Response:
    """The account's endpoints, in the order they were made (without their secrets)."""
    return json_response([webhook_json(each) for each in request.app[WEBHOOKS].endpoints.of_account(account_id(request))])


@routes.get("/v2/webhooks/{webhook_id}")
@operation(tag=TAG, security=Security.KEYS, path=WebhookPath, responses={200: WebhookJson}, errors=_ERRORS,
           examples=[Example(name="one", path={"webhook_id": _ID}, response=_EXAMPLE)])
async def get_webhook(request: web.Request) -> web.Response:
    """One endpoint (without its secret)."""
    return json_response(webhook_json(request.app[WEBHOOKS].endpoints.get(account_id(request), path_id(request, "webhook"))))


@routes.patch("/v2/webhooks/{webhook_id}")
@operation(tag=TAG, security=Security.KEYS, path=WebhookPath, body=UpdateBody, responses={200: WebhookJson},
           errors=_CHANGE_ERRORS,
           examples=[Example(name="all", path={"webhook_id": _ID}, body={"events": ["*"]}, response={**_EXAMPLE, "events": ["*"]})])
async def update_webhook(request: web.Request) -> web.Response:
    """Change an endpoint's URL, types or description; `enabled` false stops deliveries, true starts them again."""
    webhook_id = path_id(request, "webhook")
    body = await read_model(request, UpdateBody)
    changed = await request.app[WEBHOOKS].endpoints.update(
        account_id(request), webhook_id, url=body.url, events=body.events, description=body.description, enabled=body.enabled
    )
    return json_response(webhook_json(changed))


@routes.delete("/v2/webhooks/{webhook_id}")
@operation(tag=TAG, security=Security.KEYS, path=WebhookPath, responses={204: None}, errors=_ERRORS,
           examples=[Example(name="delete", path={"webhook_id": _ID}, status=204)])
async def delete_webhook(request: web.Request) -> web.Response:
    """Delete an endpoint; what was still to be sent to it is not sent."""
    await request.app[WEBHOOKS].endpoints.delete(account_id(request), path_id(request, "webhook"))
    return web.Response(status=204)


@routes.post("/v2/webhooks/{webhook_id}/rotate_secret")
@operation(tag=TAG, security=Security.KEYS, path=WebhookPath, responses={200: WebhookWithSecretJson}, errors=_ERRORS,
           examples=[Example(name="rotate", path={"webhook_id": _ID},
                             response={**_EXAMPLE, "previous_secret_expires_at": "2026-01-06T15:30:00.000000Z",
                                       "secret": _SECRET})])
async def rotate_webhook_secret(request: web.Request) -> web.Response:
    """A new signing secret, shown this once; for 24 hours requests carry a signature by the old one too."""
    made = await request.app[WEBHOOKS].endpoints.rotate_secret(account_id(request), path_id(request, "webhook"))
    return json_response(_with_secret(made))


@routes.post("/v2/webhooks/{webhook_id}/test")
@operation(tag=TAG, security=Security.KEYS, path=WebhookPath, responses={202: WebhookTestJson}, errors=_ERRORS,
           examples=[Example(name="test", path={"webhook_id": _ID}, status=202,
                             response={"message_id": "5b1d3c0e-8f5a-4a51-9a47-0c6a1d2b3e4f", "type": "webhook.test"})])
async def test_webhook(request: web.Request) -> web.Response:
    """Send a `webhook.test` message to this endpoint only, signed as every delivery is; its attempts show in deliveries."""
    webhooks = request.app[WEBHOOKS]
    account = account_id(request)
    endpoint = webhooks.endpoints.get(account, path_id(request, "webhook"))
    message_id = await webhooks.dispatcher.send_test(account, endpoint)
    answer: WebhookTestJson = {"message_id": message_id, "type": "webhook.test"}
    return json_response(answer, 202)


def attempt_json(attempt: Attempt) -> DeliveryAttemptJson:
    return {
        "message_id": attempt.message_id,
        "type": attempt.type,
        "attempt": attempt.attempt,
        "attempted_at": rfc3339(attempt.at),
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "error": attempt.error,
    }


_ATTEMPT: Final = {
    "message_id": "5b1d3c0e-8f5a-4a51-9a47-0c6a1d2b3e4f", "type": "order.filled", "attempt": 2,
    "attempted_at": "2026-01-05T15:30:05.120000Z", "status_code": 200, "latency_ms": 84, "error": None,
}
_FAILED: Final = {**_ATTEMPT, "attempt": 1, "attempted_at": "2026-01-05T15:30:00.010000Z", "status_code": 503,
                  "latency_ms": 12, "error": "answered 503 Service Unavailable"}


@routes.get("/v2/webhooks/{webhook_id}/deliveries")
@operation(tag=TAG, security=Security.KEYS, path=WebhookPath, query=DeliveriesQuery, responses={200: list[DeliveryAttemptJson]},
           errors=_ERRORS,
           examples=[Example(name="retried", path={"webhook_id": _ID}, query={"limit": "2"}, response=[_ATTEMPT, _FAILED])])
async def get_webhook_deliveries(request: web.Request) -> web.Response:
    """The endpoint's delivery attempts, newest first: when, its status code, how long it took, what went wrong."""
    webhooks = request.app[WEBHOOKS]
    endpoint = webhooks.endpoints.get(account_id(request), path_id(request, "webhook"))
    query = read_query(request, DeliveriesQuery)
    return json_response([attempt_json(each) for each in await webhooks.store.attempts(endpoint.id, query.limit)])


def mount(app: web.Application, engine: Engine, settings: Settings, vault: Vault | None) -> None:
    """Give the root the webhooks (before the surfaces copy its state); `lifetime` runs them once the engine runs.

    Without a vault (an app with no data directory, in tests) secrets are sealed with a key that lives as long as the app.
    """
    vault = vault if vault is not None else Vault(Fernet.generate_key())
    app[WEBHOOKS] = Webhooks(engine, vault, allow_private=settings.webhook_allow_private)


async def lifetime(app: web.Application) -> AsyncIterator[None]:
    """The dispatcher runs while the engine does: started after it, stopped before it."""
    webhooks = app[WEBHOOKS]
    await webhooks.start()
    yield
    await webhooks.stop()


__all__ = ("WEBHOOKS", "lifetime", "mount", "routes", "webhook_json")
