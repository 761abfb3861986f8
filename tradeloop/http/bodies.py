"""Reading request bodies and query strings into pydantic models, with clear refusals."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from tradeloop.errors import InvalidParameter, MalformedJSON, PayloadTooLarge
from tradeloop.http.problems import from_validation

ModelT = TypeVar("ModelT", bound=BaseModel)


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
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedJSON(f"request body is not valid JSON: {exc}") from None


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
