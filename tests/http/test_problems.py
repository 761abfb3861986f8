"""Validation failures name the field and say what is wrong in the validator's own words."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.factories import order_body

Client = TestClient[web.Request, web.Application]


async def test_a_validator_message_reaches_the_client_without_pydantic_wording(
    client: Client, headers: dict[str, str]
) -> None:
    response = await client.post("/v2/orders", json=order_body(qty="lots"), headers=headers)
    body = await response.json()
    assert response.status == 422 and body["field"] == "qty"
    assert body["message"] == body["detail"] == "invalid qty: must be a finite number"


async def test_a_query_validator_message_is_clean_too(client: Client, headers: dict[str, str]) -> None:
    response = await client.delete("/v2/positions/AAPL", params={"qty": "abc"}, headers=headers)
    body = await response.json()
    assert response.status == 400 and body["field"] == "qty"
    assert body["message"] == "invalid qty: must be a finite number"
