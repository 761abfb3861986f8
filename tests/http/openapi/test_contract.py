"""The contract check: every answer held to the document, a mismatch answered as a 500 naming the operation."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.factories import make_app, make_settings
from tests.http.openapi.tiny import THING, THING_ID, ThingJson, ThingPath, ThingQuery, decorated_get_thing, tiny_app
from tradeloop.config import Settings, load_settings
from tradeloop.errors import NotFound
from tradeloop.http.openapi import Security, build_openapi, operation
from tradeloop.http.openapi.contract import VIOLATION, contract_middleware, install
from tradeloop.http.reference import REFERENCE

Client = TestClient[web.Request, web.Application]
ClientFactory = Callable[[web.Application], Awaitable[Client]]
Handler = Callable[[web.Request], Awaitable[web.Response]]


def checked(get: Handler | None = None) -> web.Application:
    """The tiny application with the contract check on, its document built at start-up as the server's is."""
    app = tiny_app(get=get)
    check = install(app)

    async def load(app: web.Application) -> None:
        check.load(build_openapi(app, title="tiny", version="1"))

    app.on_startup.append(load)
    return app


def documented_as_get_thing(handler: Handler) -> Handler:
    """`handler` documented as GET /v9/things/{thing_id}: a ThingJson, or NotFound."""
    described = operation(
        tag="things", security=Security.NONE, path=ThingPath, query=ThingQuery, responses={200: ThingJson}, errors=(NotFound,),
        operation_id="get_thing",
    )
    return described(handler)


def answering(response: Callable[[], web.Response]) -> Handler:
    async def get_thing(request: web.Request) -> web.Response:
        return response()

    return documented_as_get_thing(get_thing)


async def test_an_answer_that_keeps_the_contract_goes_out_unchanged(aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(checked(decorated_get_thing()))
    response = await client.get(f"/v9/things/{THING_ID}")
    assert response.status == 200 and await response.json() == THING


@pytest.mark.parametrize(
    ("answer", "mismatch"),
    [
        (lambda: web.json_response({**THING, "price": 1.5}), "200 application/json body at price: 1.5 is not valid"),
        (lambda: web.json_response({"id": THING_ID}), '"price" is a required property'),
        (lambda: web.json_response(THING, status=418), "status 418 is not documented"),
        (lambda: web.Response(text="a thing"), "media type text/plain is not documented for 200"),
        (lambda: web.json_response({**THING, "made_at": "yesterday"}), 'made_at: "yesterday" is not a "date-time"'),
    ],
    ids=["a number for decimal text", "a field missing", "an undocumented status", "another media type", "not a time"],
)
async def test_an_answer_that_breaks_the_contract_is_a_500_naming_the_operation_and_the_mismatch(
    aiohttp_client: ClientFactory,
    contract_violations: list[logging.LogRecord],
    answer: Callable[[], web.Response],
    mismatch: str,
) -> None:
    client = await aiohttp_client(checked(answering(answer)))
    response = await client.get(f"/v9/things/{THING_ID}")
    body = await response.json()
    assert response.status == 500 and response.content_type == "application/problem+json"
    assert body["message"].startswith(f"{VIOLATION}: GET /v9/things/{{thing_id}} (get_thing): ")
    assert mismatch in body["message"]
    assert [record.getMessage() for record in contract_violations] == [body["message"]]
    contract_violations.clear()  # provoked on purpose: the run does not fail on it


async def test_a_documented_error_and_an_undocumented_route_pass(aiohttp_client: ClientFactory) -> None:
    async def missing(request: web.Request) -> web.Response:
        return web.json_response({"code": 40410000, "message": "no", "type": "t", "title": "Not Found", "status": 404, "detail": "no"},
                                 status=404, content_type="application/problem+json")

    client = await aiohttp_client(checked(documented_as_get_thing(missing)))
    assert (await client.get(f"/v9/things/{THING_ID}")).status == 404
    assert (await client.get("/plain")).status == 200  # not in the reference: the equality test speaks of it
    assert (await client.get("/nowhere")).status == 404


def test_the_check_is_off_unless_turned_on() -> None:
    assert Settings().contract_check is False
    assert load_settings([], {}).contract_check is False
    assert load_settings([], {"TRADELOOP_CONTRACT_CHECK": "true"}).contract_check is True
    assert load_settings(["--contract-check", "false"], {"TRADELOOP_CONTRACT_CHECK": "1"}).contract_check is False
    assert contract_middleware not in make_app(settings=make_settings(contract_check=False)).middlewares


async def test_the_tests_app_checks_every_answer_against_the_served_document(aiohttp_client: ClientFactory) -> None:
    app = make_app()
    assert app.middlewares[0] is contract_middleware
    client = await aiohttp_client(app)
    assert (await client.get("/openapi.json")).status == 200
    assert app[REFERENCE].openapi  # the document the check holds answers to is the one served
