"""The served document covers the application: every route it serves is in the document and nothing else is."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from tests.http.reference_checks import example_failures
from tradeloop.http.openapi import served_routes, undocumented

Client = TestClient[web.Request, web.Application]


async def document_of(client: Client) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status == 200
    found: dict[str, Any] = await response.json()
    return found


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


async def test_the_routes_served_and_the_operations_documented_are_the_same_both_ways(client: Client) -> None:
    document = await document_of(client)
    served = {(route.method, route.path) for route in served_routes(client.app)}
    assert served - operations(document) == set(), "served but not documented"
    assert operations(document) - served == set(), "documented but not served"
    assert [(route.method, route.path) for route in undocumented(client.app)] == []


async def test_the_document_is_valid_openapi_and_its_examples_match_their_schemas(client: Client) -> None:
    document = await document_of(client)
    validate(document)
    assert example_failures(document) == []


async def test_every_operation_has_a_request_and_an_answer_example(client: Client) -> None:
    document = await document_of(client)
    missing: list[str] = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            body = op.get("requestBody")
            if body is not None and not body["content"]["application/json"].get("examples"):
                missing.append(f"{where}: no request body example")
            parameters = [parameter for parameter in op.get("parameters", ()) if parameter["required"]]
            if any(not parameter.get("examples") for parameter in parameters):
                missing.append(f"{where}: a required parameter without an example")
            answers = [
                content
                for status, answer in op["responses"].items()
                if status.startswith(("1", "2"))
                for media_type, content in answer.get("content", {}).items()
                if media_type == "application/json"  # a page, a script or an icon is shown by its own route
            ]
            if answers and not any(content.get("examples") for content in answers):
                missing.append(f"{where}: no answer example")
    assert missing == []
