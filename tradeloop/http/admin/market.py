"""Routes: the market under /admin/v1/market: trading halts, and prices and whole bars set by hand."""

from __future__ import annotations

from datetime import timezone
from decimal import Decimal
from typing import Annotated, Final

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from tradeloop.actors import administration
from tradeloop.config import MarketMode
from tradeloop.core.bars import BAR_TICK_OFFSETS, Bar, bar_ticks
from tradeloop.core.money import PRICE, QUANTITY
from tradeloop.errors import Forbidden, InvalidField, JournalUnavailable, NotFound, Unavailable, UnknownSymbol
from tradeloop.http.bodies import read_model
from tradeloop.http.examples import example
from tradeloop.http.history import MARKET_HISTORY, bar_json
from tradeloop.http.keys import ENGINE, SETTINGS, STRATEGY_HOST
from tradeloop.http.marketdata import latest_json
from tradeloop.http.numbers import Price, Quantity, bounded
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import HaltedSymbolPath
from tradeloop.http.shapes.admin import HaltsJson, MarketStateJson
from tradeloop.http.shapes.market import LatestBarJson, LatestJson
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


class BarPost(BaseModel):
    """Body of POST /admin/v1/market/bars: one completed minute of a symbol."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    symbol: str
    timestamp: AwareDatetime
    """The start of the minute (seconds zero), with its time zone (Z for UTC)."""
    open: Annotated[Decimal, bounded(PRICE)]
    high: Annotated[Decimal, bounded(PRICE)]
    low: Annotated[Decimal, bounded(PRICE)]
    close: Annotated[Decimal, bounded(PRICE)]
    volume: Annotated[Decimal, bounded(QUANTITY)]


_POSTED_BAR: Final = {
    "symbol": "AAPL",
    "timestamp": "2026-12-03T14:30:00Z",
    "open": "190.00",
    "high": "190.40",
    "low": "189.80",
    "close": "190.25",
    "volume": "12000",
}


class HaltBody(BaseModel):
    """Body of POST /admin/v1/market/halts; the reason goes to the audit log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    symbol: str
    reason: str = Field(default="", max_length=200)


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


@routes.post("/admin/v1/market/bars")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    body=BarPost,
    responses={201: LatestBarJson},
    errors=(UnknownSymbol, Forbidden, Unavailable),
    examples=[
        Example(
            name="aapl",
            summary="AAPL's 14:30 minute",
            body=_POSTED_BAR,
            status=201,
            response={
                "symbol": "AAPL",
                "bar": {
                    "t": "2026-12-03T14:30:00.000000Z", "o": 190.0, "h": 190.4, "l": 189.8, "c": 190.25,
                    "v": 12000, "n": 4, "vw": 190.25,
                },
            },
        )
    ],
)
async def post_bar(request: web.Request) -> web.Response:
    """Trade a whole minute through the markets (manual market): its open, the extreme nearer the open, the other
    extreme, its close; store the bar as that minute; complete it at once, so strategies evaluate it now.

    Answers once the strategies have acted on it and every order it filled or triggered is applied.

    Raises:
        Forbidden: the server does not run the manual market. UnknownSymbol: the symbol is not listed.
        InvalidField: a minute not aligned, before the symbol's newest one, or prices that are no bar.
    """
    body = await read_model(request, BarPost)
    app = request.app
    engine, history = app[ENGINE], app[MARKET_HISTORY]
    if app[SETTINGS].market is not MarketMode.MANUAL:
        raise Forbidden("bars can be posted only on the manual market (--market manual)")
    symbol = body.symbol.strip().upper()
    if symbol not in engine.assets:
        raise UnknownSymbol(f"unknown symbol {symbol}", field="symbol")
    bar = _posted_bar(symbol, body)
    async with history.posting(symbol):  # one post at a time; the clock does not complete this minute meanwhile
        refusal = history.posting_refusal(symbol, bar.timestamp)
        if refusal is not None:
            raise InvalidField("timestamp", refusal)
        for tick in bar_ticks(bar):
            await engine.ingest(tick)
        await engine.quiesce()
        history.complete_minute(bar)  # the strategy host hears of it as a bar listener
    await history.flush()  # stored before it is acknowledged: warm-ups after a crash read it
    await app[STRATEGY_HOST].idle()
    await engine.quiesce()
    await administration.audit(engine, "post_bar", symbol, timestamp=bar.timestamp.isoformat(), close=str(bar.close))
    answer: LatestBarJson = {"symbol": symbol, "bar": bar_json(bar)}
    return json_response(answer, status=201)


def _posted_bar(symbol: str, body: BarPost) -> Bar:
    """Raises: InvalidField naming the first field that does not make a bar."""
    moment = body.timestamp.astimezone(timezone.utc)
    if moment.second or moment.microsecond:
        raise InvalidField("timestamp", "must be the start of a minute (seconds zero)")
    for name in ("open", "high", "low", "close"):
        if getattr(body, name) <= 0:
            raise InvalidField(name, "must be positive")
    if body.high < max(body.open, body.close, body.low):
        raise InvalidField("high", "must be at least the open, the close and the low")
    if body.low > min(body.open, body.close):
        raise InvalidField("low", "must be at most the open and the close")
    if body.volume < 0:
        raise InvalidField("volume", "must not be negative")
    return Bar(
        symbol=symbol,
        timestamp=moment,
        open=body.open,
        high=body.high,
        low=body.low,
        close=body.close,
        volume=body.volume,
        trade_count=len(BAR_TICK_OFFSETS),  # the trades `bar_ticks` makes of it
        notional=body.close * body.volume,  # so its vwap is its close
    )


@routes.get("/admin/v1/market")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    responses={200: MarketStateJson},
    examples=[Example(name="manual", summary="the manual market, TSLA halted", response={"mode": "manual", "halted": ["TSLA"]})],
)
async def market_state(request: web.Request) -> web.Response:
    """Where prices come from (`manual`: only from the admin API) and the halted symbols, so a console knows what it may do."""
    state: MarketStateJson = {"mode": request.app[SETTINGS].market.value, "halted": request.app[ENGINE].halted_symbols()}
    return json_response(state)


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
    examples=[
        Example(
            name="tsla",
            summary="halt TSLA",
            body={"symbol": "TSLA", "reason": "pending news"},
            status=201,
            response={"halted": ["TSLA"]},
        )
    ],
)
async def halt(request: web.Request) -> web.Response:
    """Halt trading in a symbol: orders in it are refused and nothing fills until resumed."""
    body = await read_model(request, HaltBody)
    await administration.set_halted(request.app[ENGINE], body.symbol.strip().upper(), True, body.reason.strip())
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
