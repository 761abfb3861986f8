"""A tiny application for the reference builder's tests: decorated routes under nested sub-applications, one not."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Final
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict
from typing_extensions import TypedDict

from tradeloop.errors import NotFound, UnknownSymbol
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.openapi.fields import DecimalText, Timestamp

THING_ID: Final = "0b0e0b0e-0000-4000-8000-000000000000"
Handler = Callable[[web.Request], Awaitable[web.Response]]


class ThingPath(BaseModel):
    thing_id: UUID


class OtherPath(BaseModel):
    """A path model of another path."""

    other: str


class ThingQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    symbols: frozenset[str] | None = None
    limit: int = 10


class NewThing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    price: DecimalText


class ThingJson(TypedDict):
    """A thing as the tiny API sends it."""

    id: str
    price: DecimalText | None
    made_at: Timestamp


THING: Final = {"id": THING_ID, "price": "1.50", "made_at": "2024-05-06T14:30:00.000000Z"}


def guarded(handler: Handler) -> Handler:
    """A guarding decorator that wraps the handler."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.Response:
        return await handler(request)

    return wrapper


def get_thing() -> Handler:
    """A fresh handler each time: @operation marks the function it is given."""

    async def get_thing(request: web.Request) -> web.Response:
        """One thing by id.

        Things are kept forever.

        Raises:
            NotFound: no such thing.
        """
        return web.json_response(THING)

    return get_thing


def make_thing() -> Handler:
    async def make_thing(request: web.Request) -> web.Response:
        return web.json_response(THING, status=201)

    return make_thing


async def plain(request: web.Request) -> web.Response:
    return web.Response(text="not in the reference")


def decorated_get_thing() -> Handler:
    return operation(
        tag="things",
        security=Security.KEYS,
        path=ThingPath,
        query=ThingQuery,
        responses={200: ThingJson},
        errors=(NotFound,),
        examples=[Example(name="one", summary="a thing", path={"thing_id": THING_ID}, query={"limit": "1"}, response=THING)],
    )(get_thing())


def decorated_make_thing() -> Handler:
    return guarded(
        operation(
            tag="things",
            security=Security.ADMIN,
            body=NewThing,
            responses={201: ThingJson},
            errors=(UnknownSymbol,),
            examples=[Example(name="new", body={"name": "x", "price": "1.50"}, status=201, response=THING)],
        )(make_thing())
    )


def tiny_app(*, get: Handler | None = None, make: Handler | None = None) -> web.Application:
    """Root: /plain (undocumented); sub-application /v9: GET /things/{thing_id}; under it /v9/admin: POST /things."""
    root = web.Application()
    root.router.add_get("/plain", plain)
    api = web.Application()
    api.router.add_get("/things/{thing_id}", get or decorated_get_thing())
    admin = web.Application()
    admin.router.add_post("/things", make or decorated_make_thing())
    api.add_subapp("/admin", admin)
    root.add_subapp("/v9", api)
    return root
