"""Path parameters of the routes, as the API reference documents them.

The handlers read an id with `path_id` (an id that is no UUID names nothing:
404); these models only tell the reference, and clients generated from it, what
each parameter is.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from tradeloop.errors import NotFound


def path_id(request: web.Request, noun: str) -> UUID:
    """The path's `<noun>_id`; one that is not a UUID names no such thing, so it is 404 like an unknown id."""
    try:
        return UUID(request.match_info[f"{noun}_id"])
    except ValueError:
        raise NotFound(f"{noun} not found") from None


class _Path(BaseModel):
    model_config = ConfigDict(frozen=True)


class OrderPath(_Path):
    order_id: Annotated[UUID, Field(description="The order's id.")]


class SymbolOrAssetPath(_Path):
    symbol_or_asset_id: Annotated[str, Field(description="A symbol (any case) or an asset id.", examples=["AAPL"])]


class SymbolPath(_Path):
    symbol: Annotated[str, Field(description="A listed symbol (any case); any other is 422 UnknownSymbol.", examples=["AAPL"])]


class ActivityTypePath(_Path):
    activity_type: Annotated[
        str,
        Field(
            description="FILL, CSD, CSW or RISK (tradeloop's risk notices), or several comma-separated (any case); any other is 400.",
            examples=["FILL"],
        ),
    ]


class AccountPath(_Path):
    account_id: Annotated[UUID, Field(description="The account's id.")]


class HaltedSymbolPath(_Path):
    symbol: Annotated[str, Field(description="The halted symbol (any case).", examples=["TSLA"])]
