"""Routes: the market under /admin/v1/market: trading halts, and prices set by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Final

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from tradeloop.actors import administration
from tradeloop.core.money import PRICE
from tradeloop.errors import InvalidField, JournalUnavailable, NotFound, Unavailable, UnknownSymbol
from tradeloop.http.bodies import read_model
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.marketdata import latest_json
from tradeloop.http.numbers import Price, Quantity, bounded
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import HaltedSymbolPath
from tradeloop.http.shapes.admin import HaltsJson
from tradeloop.http.shapes.market import LatestJson
from tradeloop.http.wire import json_response
from tradeloop.market.manual import InvalidAdminTick, admin_ticks

routes = web.RouteTableDef()

TAG: Final = "admin"


class PriceUpdate(BaseModel):
    """Body of POST /admin/v1/market/prices; bid and ask default to price, size to unlimited."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    symbol: str
    price: Annotated[Decimal, bounded(PRICE)]
    bid: Price = None
    ask: Price = None
    size: Quantity = None


class HaltBody(BaseModel):
    """Body of POST /admin/v1/market/halts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    symbol: str


@routes.post("/admin/v1/market/prices")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    body=PriceUpdate,
    responses={200: LatestJson},
    errors=(UnknownSymbol, Unavailable),
    examples=[
        Example(
            name="aapl", summary="AAPL at 190.00", body={"symbol": "AAPL", "price": "190.00"}, response=example("admin", "price_set")
        )
    ],
)
async def set_price(request: web.Request) -> web.Response:
    """Feed a quote then a trade through the markets, as the feed would, and show the result.

    Raises:
        UnknownSymbol: the symbol is not listed. InvalidField: a number is not positive, or bid > ask.
    """
    body = await read_model(request, PriceUpdate)
    engine = request.app[ENGINE]
    symbol = body.symbol.strip().upper()
    if symbol not in engine.assets:
        raise UnknownSymbol(f"unknown symbol {symbol}", field="symbol")
    try:
        trade, quote = admin_ticks(symbol, body.price, body.bid, body.ask, body.size, engine.clock())
    except InvalidAdminTick as exc:
        raise InvalidField(exc.field, str(exc).removeprefix(f"{exc.field}: ")) from None
    await engine.ingest(quote)  # the quote first, so a triggered stop fills at the new bid or ask
    await engine.ingest(trade)
    await engine.quiesce()
    await administration.audit(
        engine, "set_price", symbol, price=str(body.price), bid=str(quote.bid), ask=str(quote.ask)
    )
    return json_response(latest_json(engine, symbol))


@routes.get("/admin/v1/market/halts")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    responses={200: HaltsJson},
    examples=[Example(name="one", summary="TSLA halted", response={"halted": ["TSLA"]})],
)
async def list_halts(request: web.Request) -> web.Response:
    """The halted symbols, in alphabetical order."""
    halts: HaltsJson = {"halted": request.app[ENGINE].halted_symbols()}
    return json_response(halts)


@routes.post("/admin/v1/market/halts")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    body=HaltBody,
    responses={201: HaltsJson},
    errors=(NotFound, JournalUnavailable, Unavailable),
    examples=[Example(name="tsla", summary="halt TSLA", body={"symbol": "TSLA"}, status=201, response={"halted": ["TSLA"]})],
)
async def halt(request: web.Request) -> web.Response:
    """Halt trading in a symbol: orders in it are refused and nothing fills until resumed."""
    body = await read_model(request, HaltBody)
    await administration.set_halted(request.app[ENGINE], body.symbol.strip().upper(), True)
    halts: HaltsJson = {"halted": request.app[ENGINE].halted_symbols()}
    return json_response(halts, status=201)


@routes.delete("/admin/v1/market/halts/{symbol}")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    path=HaltedSymbolPath,
    responses={200: HaltsJson},
    errors=(NotFound, JournalUnavailable, Unavailable),
    examples=[Example(name="tsla", summary="resume TSLA", path={"symbol": "TSLA"}, response={"halted": []})],
)
async def resume(request: web.Request) -> web.Response:
    """Resume trading in a halted symbol."""
    await administration.set_halted(request.app[ENGINE], request.match_info["symbol"].upper(), False)
    halts: HaltsJson = {"halted": request.app[ENGINE].halted_symbols()}
    return json_response(halts)
