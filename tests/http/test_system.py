from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from tests.factories import all_orders, auth_headers, limit_body, make_app, make_engine, place, set_price
from tests.snapshots.factories import allow_writes, open_journal, refuse_writes, until


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
    assert before.status == 503 and isinstance(before.body, bytes) and b'"starting"' in before.body
    assert not engine.started
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/readyz")
        assert response.status == 200 and await response.json() == {"status": "ready"}
        assert engine.started
    after = await readyz()
    assert after.status == 503 and not engine.started


async def test_readyz_is_503_naming_the_journals_trouble_until_it_writes_again_by_itself(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    async with open_journal(path, checkpoint_every_s=3600.0) as writer:  # no checkpoint: the WAL only grows
        engine = make_engine(journal=writer)
        async with TestClient(TestServer(make_app(engine))) as client:
            headers = auth_headers(await engine.open_account(Decimal(100_000)))
            await set_price(engine, "AAPL", "100")
            assert writer.pid is not None
            pid = writer.pid
            refuse_writes(path, pid)

            failed = await place(client, headers, limit_body("90", qty="1"), status=503)
            assert failed["code"] == 50310002 and failed["title"] == "Service Unavailable"
            assert "storage is failing" in failed["message"] and "settled when it recovers" in failed["message"]
            response = await client.get("/readyz")
            assert response.status == 503
            body = await response.json()
            assert body["status"] == "unavailable" and body["reason"].startswith("journal: I/O error")
            refused = await place(client, headers, limit_body("80", qty="1"), status=503)
            assert refused["code"] == 50310002 and "nothing was changed" in refused["message"]
            assert (await client.get("/healthz")).status == 200  # alive all along

            allow_writes(pid)
            await until(lambda: engine.journal_trouble is None)
            response = await client.get("/readyz")
            assert response.status == 200 and await response.json() == {"status": "ready"}
            placed = await place(client, headers, limit_body("70", qty="1"))
            prices = sorted(order["limit_price"] for order in await all_orders(client, headers))
            assert prices == ["70", "90"] and placed["limit_price"] == "70"  # the failed batch's order was settled, once


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
