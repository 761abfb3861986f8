from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from tests.factories import make_app, make_engine


async def test_healthz_answers_ok(client: TestClient[web.Request, web.Application]) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_answers_ready_once_started(client: TestClient[web.Request, web.Application]) -> None:
    response = await client.get("/readyz")
    assert response.status == 200


async def test_readyz_is_503_until_the_app_starts_the_engine_and_again_once_it_stopped() -> None:
    engine = make_engine()
    app = make_app(engine)

    async def readyz() -> web.Response:
        """/readyz answered without a server: before start-up and after shutdown nothing listens."""
        request = make_mocked_request("GET", "/readyz", app=app)
        response = await (await app.router.resolve(request)).handler(request)
        assert isinstance(response, web.Response) and isinstance(response.body, bytes)
        return response

    before = await readyz()
    assert before.status == 503 and b'"starting"' in before.body and not engine.started
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/readyz")
        assert response.status == 200 and await response.json() == {"status": "ready"}
        assert engine.started
    after = await readyz()
    assert after.status == 503 and not engine.started


async def test_v2_without_keys_is_401_with_alpaca_and_problem_fields(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.get("/v2/account")
    assert response.status == 401
    body = await response.json()
    assert body["code"] == 40110000
    assert body["status"] == 401 and body["title"] == "Unauthorized"
    assert "message" in body and "detail" in body and "type" in body


async def test_unknown_route_is_404_problem(client: TestClient[web.Request, web.Application]) -> None:
    response = await client.get("/nope")
    assert response.status == 404
    assert (await response.json())["code"] == 40410000
