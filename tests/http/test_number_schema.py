"""The reference's schema of request numbers says what the server takes: decimal text with a pattern, or a JSON number."""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Annotated, Any

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from tradeloop.core.money import MAX_AMOUNT, MONEY, PERCENT, PRICE, QUANTITY, Bounds
from tradeloop.http.numbers import bounded
from tradeloop.http.openapi import Security, build_openapi, operation
from tradeloop.http.schemas import ClosePositionQuery, PlaceOrderBody

KINDS = {"money": MONEY, "price": PRICE, "quantity": QUANTITY, "percent": PERCENT}


def field_schema(bounds: Bounds, *, optional: bool = False) -> dict[str, Any]:
    class Required(BaseModel):
        value: Annotated[Decimal, bounded(bounds)]

    class Optional(BaseModel):
        value: Annotated[Decimal | None, bounded(bounds, optional=True)]

    found: dict[str, Any] = (Optional if optional else Required).model_json_schema()["properties"]["value"]
    return found


@functools.cache
def holder(bounds: Bounds) -> type[BaseModel]:
    class Holder(BaseModel):
        value: Annotated[Decimal, bounded(bounds)]

    return Holder


def accepts(bounds: Bounds, value: object) -> bool:
    try:
        holder(bounds)(value=value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", KINDS)
def test_a_decimal_field_is_text_of_bounded_places_or_a_number_below_the_bound(name: str) -> None:
    bounds = KINDS[name]
    text, number = field_schema(bounds)["anyOf"]
    assert text["type"] == "string"
    assert text["pattern"] == rf"^-?[0-9]{{1,12}}(\.[0-9]{{1,{bounds.places}}})?$"
    assert number == {"type": "number", "exclusiveMinimum": -int(MAX_AMOUNT), "exclusiveMaximum": int(MAX_AMOUNT)}
    assert f"at most {bounds.places} decimal places" in field_schema(bounds)["description"]


def test_null_is_offered_only_where_the_field_takes_none() -> None:
    assert {"type": "null"} not in field_schema(MONEY)["anyOf"]
    assert {"type": "null"} in field_schema(MONEY, optional=True)["anyOf"]
    assert {"type": "null"} in PlaceOrderBody.model_json_schema()["properties"]["limit_price"]["anyOf"]


@pytest.mark.parametrize("name", KINDS)
@settings(max_examples=40)
@given(data=st.data())
def test_every_text_the_pattern_allows_is_taken(name: str, data: st.DataObject) -> None:
    bounds = KINDS[name]
    pattern = field_schema(bounds)["anyOf"][0]["pattern"]
    text = data.draw(st.from_regex(re.compile(pattern.replace(r"[0-9]", r"\d"), re.ASCII), fullmatch=True))
    assert accepts(bounds, text), text


@pytest.mark.parametrize("name", KINDS)
def test_what_the_pattern_refuses_past_the_bounds_is_refused_by_the_server_too(name: str) -> None:
    bounds = KINDS[name]
    pattern = re.compile(field_schema(bounds)["anyOf"][0]["pattern"])
    too_precise = "1." + "1" * (bounds.places + 1)
    too_large = "1" + "0" * 12
    for text in (too_precise, too_large):
        assert not pattern.match(text) and not accepts(bounds, text)
    assert accepts(bounds, 999_999_999_999) and not accepts(bounds, 10**12)


def test_a_query_parameter_of_a_decimal_offers_text_or_a_number_and_no_null_to_send() -> None:
    async def close(request: web.Request) -> web.Response:
        return web.Response(status=204)

    app = web.Application()
    app.router.add_delete("/positions", operation(tag="t", security=Security.NONE, query=ClosePositionQuery, responses={204: None})(close))
    parameters = build_openapi(app, title="t", version="1")["paths"]["/positions"]["delete"]["parameters"]
    qty = next(parameter for parameter in parameters if parameter["name"] == "qty")
    assert [option["type"] for option in qty["schema"]["anyOf"]] == ["string", "number"]
    assert "default" not in qty["schema"] and qty["required"] is False
