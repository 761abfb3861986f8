"""Routes: watchlists (Alpaca's /v2/watchlists), by id and by name (`:by_name?name=`), journaled on the account."""

from __future__ import annotations

from typing import Annotated, Final
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from tradeloop.actors import watchlists
from tradeloop.actors.engine import Engine
from tradeloop.codec import rfc3339
from tradeloop.core.watchlists import MAX_NAME_LENGTH, Watchlist
from tradeloop.errors import InvalidField, NotFound
from tradeloop.http.assets import asset_json
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_model, read_query
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import path_id
from tradeloop.http.shapes.watchlists import WatchlistJson
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TAG: Final = "watchlists"
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CreateBody(_Model):
    """POST /v2/watchlists: a name no other watchlist of the account has, and its symbols in order."""

    name: Name
    symbols: list[str] = Field(default_factory=list)


class UpdateBody(_Model):
    """PUT: a new name and/or the whole list of symbols (null or left out: kept)."""

    name: Name | None = None
    symbols: list[str] | None = None


class AddBody(_Model):
    """POST to a watchlist: one symbol to add at its end."""

    symbol: Annotated[str, Field(min_length=1)]


class WatchlistPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    watchlist_id: Annotated[UUID, Field(description="The watchlist's id.")]


class WatchlistSymbolPath(WatchlistPath):
    symbol: Annotated[str, Field(description="A symbol in the watchlist (any case).", examples=["AAPL"])]


class SymbolOnlyPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    symbol: Annotated[str, Field(description="A symbol in the watchlist (any case).", examples=["AAPL"])]


class ByNameQuery(BaseModel):
    """The `:by_name` routes: the watchlist's name."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: Name


def watchlist_json(engine: Engine, watchlist: Watchlist, *, with_assets: bool = True) -> WatchlistJson:
    """A watchlist as Alpaca sends it: with its assets, in order, unless listed among all of them."""
    found: WatchlistJson = {
        "id": str(watchlist.id),
        "account_id": "",
        "name": watchlist.name,
        "created_at": rfc3339(watchlist.created_at),
        "updated_at": rfc3339(watchlist.updated_at),
    }
    if with_assets:
        found["assets"] = [asset_json(engine.assets[symbol]) for symbol in watchlist.symbols if symbol in engine.assets]
    return found


def _answer(request: web.Request, watchlist: Watchlist, status: int = 200) -> web.Response:
    body = watchlist_json(request.app[ENGINE], watchlist)
    body["account_id"] = str(account_id(request))
    return json_response(body, status)


def _by_name(request: web.Request) -> str:
    return read_query(request, ByNameQuery).name


_ID: Final = "0195f7a2-5b3c-7d4e-9f10-2a3b4c5d6e7f"
_ACCOUNT: Final = "0195f7a0-1111-7222-8333-444455556666"
_AAPL: Final = {
    "id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415", "class": "us_equity", "exchange": "NASDAQ", "symbol": "AAPL",
    "name": "Apple Inc.", "status": "active", "tradable": True, "marginable": False, "shortable": False,
    "easy_to_borrow": False, "fractionable": True, "maintenance_margin_requirement": 100, "attributes": [],
}
_EXAMPLE: Final = {
    "id": _ID, "account_id": _ACCOUNT, "name": "tech", "created_at": "2026-01-05T15:30:00.000000Z",
    "updated_at": "2026-01-05T15:30:00.000000Z", "assets": [_AAPL],
}
_LISTED: Final = {key: value for key, value in _EXAMPLE.items() if key != "assets"}
_ERRORS: Final = (NotFound,)
_CHANGE_ERRORS: Final = (NotFound, InvalidField)


@routes.get("/v2/watchlists")
@operation(tag=TAG, security=Security.KEYS, responses={200: list[WatchlistJson]},
           examples=[Example(name="one", summary="one watchlist (the list leaves assets out)", response=[_LISTED])])
async def get_watchlists(request: web.Request) -> web.Response:
    """The account's watchlists, in the order they were created, without their assets."""
    engine, account = request.app[ENGINE], account_id(request)
    answer = []
    for each in watchlists.watchlists(engine, account):
        body = watchlist_json(engine, each, with_assets=False)
        body["account_id"] = str(account)
        answer.append(body)
    return json_response(answer)


@routes.post("/v2/watchlists")
@operation(tag=TAG, security=Security.KEYS, body=CreateBody, responses={200: WatchlistJson}, errors=(InvalidField,),
           examples=[Example(name="tech", body={"name": "tech", "symbols": ["AAPL"]}, response=_EXAMPLE)])
async def create_watchlist(request: web.Request) -> web.Response:
    """Create a watchlist: a name no other of the account's watchlists has (at most 64 characters) and listed symbols."""
    body = await read_model(request, CreateBody)
    created = await watchlists.create(request.app[ENGINE], account_id(request), body.name, tuple(body.symbols))
    return _answer(request, created)


@routes.get("/v2/watchlists/{watchlist_id}")
@operation(tag=TAG, security=Security.KEYS, path=WatchlistPath, responses={200: WatchlistJson}, errors=_ERRORS,
           examples=[Example(name="tech", path={"watchlist_id": _ID}, response=_EXAMPLE)])
async def get_watchlist(request: web.Request) -> web.Response:
    """One watchlist with its assets, in order."""
    return _answer(request, watchlists.watchlist(request.app[ENGINE], account_id(request), path_id(request, "watchlist")))


@routes.put("/v2/watchlists/{watchlist_id}")
@operation(tag=TAG, security=Security.KEYS, path=WatchlistPath, body=UpdateBody, responses={200: WatchlistJson},
           errors=_CHANGE_ERRORS,
           examples=[Example(name="replace", path={"watchlist_id": _ID}, body={"symbols": ["AAPL"]}, response=_EXAMPLE)])
async def update_watchlist(request: web.Request) -> web.Response:
    """Rename a watchlist and/or replace its symbols."""
    body = await read_model(request, UpdateBody)
    symbols = None if body.symbols is None else tuple(body.symbols)
    changed = await watchlists.update(
        request.app[ENGINE], account_id(request), path_id(request, "watchlist"), name=body.name, symbols=symbols
    )
    return _answer(request, changed)


@routes.post("/v2/watchlists/{watchlist_id}")
@operation(tag=TAG, security=Security.KEYS, path=WatchlistPath, body=AddBody, responses={200: WatchlistJson},
           errors=_CHANGE_ERRORS,
           examples=[Example(name="add", path={"watchlist_id": _ID}, body={"symbol": "AAPL"}, response=_EXAMPLE)])
async def add_to_watchlist(request: web.Request) -> web.Response:
    """Add a symbol at the end of a watchlist; one already in it stays where it is."""
    body = await read_model(request, AddBody)
    return _answer(request, await watchlists.add_symbol(request.app[ENGINE], account_id(request), path_id(request, "watchlist"), body.symbol))


@routes.delete("/v2/watchlists/{watchlist_id}")
@operation(tag=TAG, security=Security.KEYS, path=WatchlistPath, responses={204: None}, errors=_ERRORS,
           examples=[Example(name="delete", path={"watchlist_id": _ID}, status=204)])
async def delete_watchlist(request: web.Request) -> web.Response:
    """Delete a watchlist."""
    await watchlists.delete(request.app[ENGINE], account_id(request), path_id(request, "watchlist"))
    return web.Response(status=204)


@routes.delete("/v2/watchlists/{watchlist_id}/{symbol}")
@operation(tag=TAG, security=Security.KEYS, path=WatchlistSymbolPath, responses={200: WatchlistJson}, errors=_ERRORS,
           examples=[Example(name="remove", path={"watchlist_id": _ID, "symbol": "MSFT"}, response=_EXAMPLE)])
async def remove_from_watchlist(request: web.Request) -> web.Response:
    """Remove a symbol from a watchlist; answers the watchlist as it now stands."""
    engine, account = request.app[ENGINE], account_id(request)
    found = await watchlists.remove_symbol(engine, account, path_id(request, "watchlist"), request.match_info["symbol"])
    return _answer(request, found)


@routes.get("/v2/watchlists:by_name")
@operation(tag=TAG, security=Security.KEYS, query=ByNameQuery, responses={200: WatchlistJson}, errors=_ERRORS,
           examples=[Example(name="tech", query={"name": "tech"}, response=_EXAMPLE)])
async def get_watchlist_by_name(request: web.Request) -> web.Response:
    """One watchlist, named by its name."""
    return _answer(request, watchlists.watchlist(request.app[ENGINE], account_id(request), _by_name(request)))


@routes.put("/v2/watchlists:by_name")
@operation(tag=TAG, security=Security.KEYS, query=ByNameQuery, body=UpdateBody, responses={200: WatchlistJson},
           errors=_CHANGE_ERRORS,
           examples=[Example(name="replace", query={"name": "tech"}, body={"symbols": ["AAPL"]}, response=_EXAMPLE)])
async def update_watchlist_by_name(request: web.Request) -> web.Response:
    """Rename a watchlist named by its name and/or replace its symbols."""
    name = _by_name(request)
    body = await read_model(request, UpdateBody)
    symbols = None if body.symbols is None else tuple(body.symbols)
    changed = await watchlists.update(request.app[ENGINE], account_id(request), name, name=body.name, symbols=symbols)
    return _answer(request, changed)


@routes.post("/v2/watchlists:by_name")
@operation(tag=TAG, security=Security.KEYS, query=ByNameQuery, body=AddBody, responses={200: WatchlistJson},
           errors=_CHANGE_ERRORS,
           examples=[Example(name="add", query={"name": "tech"}, body={"symbol": "AAPL"}, response=_EXAMPLE)])
async def add_to_watchlist_by_name(request: web.Request) -> web.Response:
    """Add a symbol at the end of a watchlist named by its name."""
    name = _by_name(request)
    body = await read_model(request, AddBody)
    return _answer(request, await watchlists.add_symbol(request.app[ENGINE], account_id(request), name, body.symbol))


@routes.delete("/v2/watchlists:by_name")
@operation(tag=TAG, security=Security.KEYS, query=ByNameQuery, responses={204: None}, errors=_ERRORS,
           examples=[Example(name="delete", query={"name": "tech"}, status=204)])
async def delete_watchlist_by_name(request: web.Request) -> web.Response:
    """Delete a watchlist named by its name."""
    await watchlists.delete(request.app[ENGINE], account_id(request), _by_name(request))
    return web.Response(status=204)


@routes.delete("/v2/watchlists:by_name/{symbol}")
@operation(tag=TAG, security=Security.KEYS, query=ByNameQuery, path=SymbolOnlyPath, responses={200: WatchlistJson},
           errors=_ERRORS,
           examples=[Example(name="remove", query={"name": "tech"}, path={"symbol": "MSFT"}, response=_EXAMPLE)])
async def remove_from_watchlist_by_name(request: web.Request) -> web.Response:
    """Remove a symbol from a watchlist named by its name."""
    engine, account = request.app[ENGINE], account_id(request)
    found = await watchlists.remove_symbol(engine, account, _by_name(request), request.match_info["symbol"])
    return _answer(request, found)
