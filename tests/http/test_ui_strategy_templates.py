"""The dashboard's strategy templates (the JSON file its strategies view fetches) are each accepted by the server."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import orjson
import pytest

from tests.factories import HttpClient
from tradeloop.strategy.definition import parse_definition


def templates() -> list[dict[str, Any]]:
    """The templates as the package ships them (the file the browser loads)."""
    text = files("tradeloop.http").joinpath("ui/js/views/strategies_templates.json").read_bytes()
    found: list[dict[str, Any]] = orjson.loads(text)["templates"]
    return found


def test_there_are_three_templates_each_with_an_id_a_title_and_a_description() -> None:
    found = templates()
    assert len(found) == 3
    assert len({template["id"] for template in found}) == 3
    for template in found:
        assert template["title"] and template["description"], template["id"]


@pytest.mark.parametrize("template", templates(), ids=lambda template: str(template["id"]))
async def test_each_template_is_created_as_a_version_1_inactive_strategy(
    client: HttpClient, headers: dict[str, str], template: dict[str, Any]
) -> None:
    response = await client.post("/v2/strategies", json=template["definition"], headers=headers)
    created = await response.json()
    assert response.status == 201, created
    assert (created["name"], created["version"], created["status"]) == (template["definition"]["name"], 1, "inactive")
    stored = parse_definition(template["definition"]).model_dump(mode="json", by_alias=True, exclude_none=True)
    assert created["definition"] == stored


@pytest.mark.parametrize("template", templates(), ids=lambda template: str(template["id"]))
async def test_each_template_is_accepted_for_a_backtest(
    client: HttpClient, headers: dict[str, str], template: dict[str, Any]
) -> None:
    body = {"strategy": template["definition"], "start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"}
    response = await client.post("/v2/backtests", json=body, headers=headers)
    assert response.status == 202, await response.text()
