"""Routes: the account and its positions (Alpaca v2 /v2/account, /v2/positions)."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from aiohttp import web

from tradeloop.actors import bulk
from tradeloop.actors.bulk import BulkResult
from tradeloop.actors.engine import Engine
from tradeloop.core.instruments import Asset
from tradeloop.core.positions import Position
from tradeloop.errors import (
    AccountDisabled,
    InsufficientQty,
    InvalidField,
    JournalUnavailable,
    NotFound,
    RiskLimitExceeded,
    StaleMarketData,
    TradingHalted,
    TradingStateRefused,
    Unavailable,
)
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_query
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import SymbolOrAssetPath
from tradeloop.http.problems import problem_body
from tradeloop.http.schemas import CloseAllQuery, ClosePositionQuery
from tradeloop.http.shapes.trading import AccountJson, CloseLineJson, OrderJson, PositionJson
from tradeloop.http.wire import (
    JsonDict,
    account_json,
    json_response,
    order_json,
    position_json,
)

routes = web.RouteTableDef()

ACCOUNT_TAG: Final = "account"
POSITIONS_TAG: Final = "positions"
_POSITIONS: Final = example("trading", "positions")


def _asset(engine: Engine, symbol_or_asset_id: str) -> Asset:
    """The asset a path names by symbol or by asset id; NotFound when it names none."""
    found = engine.assets.get(symbol_or_asset_id.upper())
    if found is not None:
        return found
    try:
        wanted = UUID(symbol_or_asset_id)
    except ValueError:
        raise NotFound("position does not exist") from None
    for asset in engine.assets.values():
        if asset.id == wanted:
            return asset
    raise NotFound("position does not exist")


def _position_json(engine: Engine, position: Position) -> PositionJson:
    asset = engine.assets[position.symbol]
    return position_json(
        position, asset, engine.board.last_price(position.symbol), engine.board.top(position.symbol).previous_close
    )


def _held(engine: Engine, account: UUID) -> list[Position]:
    positions = engine.account(account).positions.values()
    return sorted((p for p in positions if p.qty), key=lambda p: p.symbol)


def close_line(result: BulkResult, instance: str) -> JsonDict:
    """One line of a 207 close-all answer: the closing order, or the error met."""
    if result.order is not None:
        return {
            "symbol": str(result.id),
            "status": result.status,
            "order_id": str(result.order.terms.id),
            "body": order_json(result.order),
        }
    assert result.error is not None
    return {"symbol": str(result.id), "status": result.status, "body": problem_body(result.error, instance)}


@routes.get("/v2/account")
@operation(
    tag=ACCOUNT_TAG,
    security=Security.KEYS,
    responses={200: AccountJson},
    examples=[Example(name="new", summary="a new account with $100,000", response=example("trading", "account"))],
)
async def get_account(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    account = account_id(request)
    state = engine.account(account)
    return json_response(account_json(state, engine.valuation(account), blocked=not state.active))


@routes.get("/v2/positions")
@operation(
    tag=POSITIONS_TAG,
    security=Security.KEYS,
    responses={200: list[PositionJson]},
    examples=[Example(name="two", summary="2 AAPL and some SPY", response=_POSITIONS)],
)
async def list_positions(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    return json_response([_position_json(engine, p) for p in _held(engine, account_id(request))])


@routes.get("/v2/positions/{symbol_or_asset_id}")
@operation(
    tag=POSITIONS_TAG,
    security=Security.KEYS,
    path=SymbolOrAssetPath,
    responses={200: PositionJson},
    errors=(NotFound,),
    examples=[Example(name="aapl", summary="the AAPL position", path={"symbol_or_asset_id": "AAPL"}, response=_POSITIONS[0])],
)
async def get_position(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    asset = _asset(engine, request.match_info["symbol_or_asset_id"])
    position = engine.account(account_id(request)).positions.get(asset.symbol)
    if position is None or not position.qty:
        raise NotFound("position does not exist")
    return json_response(_position_json(engine, position))


@routes.delete("/v2/positions/{symbol_or_asset_id}")
@operation(
    tag=POSITIONS_TAG,
    security=Security.KEYS,
    path=SymbolOrAssetPath,
    query=ClosePositionQuery,
    responses={200: OrderJson},
    # InvalidField: qty and percentage both given, or more than is held.
    errors=(
        NotFound, InvalidField, InsufficientQty, AccountDisabled, TradingHalted, RiskLimitExceeded, TradingStateRefused,
        StaleMarketData, JournalUnavailable, Unavailable,
    ),
    examples=[
        Example(
            name="one",
            summary="sell 1 of 2 AAPL at market",
            path={"symbol_or_asset_id": "AAPL"},
            query={"qty": "1"},
            response=example("trading", "closing_order"),
        )
    ],
)
async def close_position(request: web.Request) -> web.Response:
    """Sell all of a position, or `qty` shares, or `percentage` of it, at market."""
    engine = request.app[ENGINE]
    query = read_query(request, ClosePositionQuery)
    asset = _asset(engine, request.match_info["symbol_or_asset_id"])
    order = await bulk.close_position(
        engine, account_id(request), asset.symbol, qty=query.qty, percentage=query.percentage
    )
    return json_response(order_json(order))


@routes.delete("/v2/positions")
@operation(
    tag=POSITIONS_TAG,
    security=Security.KEYS,
    query=CloseAllQuery,
    responses={207: list[CloseLineJson]},
    errors=(JournalUnavailable, Unavailable),
    examples=[Example(name="two", summary="AAPL and SPY sold", status=207, response=example("trading", "close_lines"))],
)
async def close_all_positions(request: web.Request) -> web.Response:
    """Close every position (optionally cancelling open orders first): 207, one line per symbol."""
    query = read_query(request, CloseAllQuery)
    results = await bulk.close_all_positions(
        request.app[ENGINE], account_id(request), cancel_orders=query.cancel_orders
    )
    return json_response([close_line(result, request.path) for result in results], status=207)
