"""Reading request bodies and query strings into pydantic models, with clear refusals."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any, Final, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from tradeloop.errors import InvalidParameter, MalformedJSON, PayloadTooLarge
from tradeloop.http.problems import from_validation

ModelT = TypeVar("ModelT", bound=BaseModel)
_BEYOND_DOUBLE: Final = "number is infinity when parsed as double"
"""orjson's words for a JSON number too large for a double, which JSON itself allows."""


def decode_json(raw: bytes) -> Any:
    """JSON with exact numbers: an amount, price or quantity is never read through a double.

    orjson reads a number with a fraction or an exponent (or past 64 bits) as a
    double, which drops digits after the 17th and refuses 1e400; a body holding
    such a number is read again by the standard library, each of them a Decimal.

    Raises:
        MalformedJSON: not JSON (NaN and Infinity are not JSON either).
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if _BEYOND_DOUBLE not in str(exc):
            raise MalformedJSON(f"request body is not valid JSON: {exc}") from None
    else:
        if not _holds_float(data):
            return data
    try:
        return json.loads(raw, parse_float=_exact_number, parse_constant=_not_json)
    except (ValueError, RecursionError) as exc:
        raise MalformedJSON(f"request body is not valid JSON: {exc}") from None


def _exact_number(text: str) -> Decimal | str:
    """A JSON number as a Decimal; one past even Decimal's exponents stays text, for its field's check to refuse."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def _holds_float(data: Any) -> bool:
    """Whether a float is anywhere in decoded JSON; walked without recursion, however deep the nesting."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, float):
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


async def read_json(request: web.Request) -> Any:
    """Parse the body as JSON.

    Raises:
        PayloadTooLarge: over the server's body limit. MalformedJSON: not JSON.
    """
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise PayloadTooLarge("request body is too large") from None
    if not raw:
        raise MalformedJSON("request body is empty; a JSON object is expected")
    return decode_json(raw)


async def read_model(request: web.Request, model: type[ModelT]) -> ModelT:
    """Parse and validate the body; an error names the offending field."""
    data = await read_json(request)
    if not isinstance(data, dict):
        raise MalformedJSON("request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc) from None


def read_query(request: web.Request, model: type[ModelT]) -> ModelT:
    """Validate the query string; an error names the offending parameter (400)."""
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        error = from_validation(exc)
        field = getattr(error, "field", "query")
        raise InvalidParameter(str(field), error.message.removeprefix(f"invalid {field}: ")) from None
