"""Routes: strategies (tradeloop's /v2/strategies) — definitions as data, their versions, activation and signals."""

from __future__ import annotations

import json
from typing import Annotated, Any, Final, Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradeloop.actors import wind_down
from tradeloop.codec import rfc3339, uuid_str
from tradeloop.core.strategies import (
    ActivateStrategy,
    CreateStrategy,
    DeactivateStrategy,
    DeleteStrategy,
    ReviseStrategy,
    Signal,
    Strategy,
    StrategyCommand,
    StrategyStatus,
    StrategyVersion,
)
from tradeloop.errors import (
    InvalidField,
    InvalidParameter,
    InvalidStrategy,
    MalformedJSON,
    NotFound,
    TradingHalted,
    Unavailable,
)
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_json, read_model, read_query
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import path_id
from tradeloop.http.shapes.strategies import SignalJson, StrategyJson, StrategyVersionJson
from tradeloop.http.times import QueryTime
from tradeloop.http.wire import json_response
from tradeloop.journal import SignalQuery
from tradeloop.strategy.definition import StrategyDefinition, canonical_json, parse_definition

routes = web.RouteTableDef()

TAG: Final = "strategies"
MAX_PATCH_DEPTH: Final = 64
"""Deeper than any definition nests (conditions nest 8 deep): a deeper patch is refused before it is merged."""


class StrategyPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    strategy_id: Annotated[UUID, Field(description="The strategy's id.")]


class StrategiesQuery(BaseModel):
    """GET /v2/strategies: which strategies to list."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    status: Literal["inactive", "active", "deleted", "all"] | None = Field(
        default=None, description="Only strategies in this status; left out: every strategy not deleted."
    )


class DefinitionPatch(BaseModel):
    """PATCH: a JSON merge patch (RFC 7396) of the definition: the keys to change, objects merged, null removes a key."""

    model_config = ConfigDict(extra="allow", frozen=True)


class DeactivateBody(BaseModel):
    """POST .../deactivate: what to do with what the strategy left in the market (an empty body does neither)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cancel_orders: bool = Field(default=False, description="Cancel the strategy's open orders.")
    close_positions: bool = Field(
        default=False,
        description="Sell, at market, the shares of each position the strategy entered and has not exited "
        "(its exit legs are canceled first, since they hold those shares).",
    )


class SignalsQuery(BaseModel):
    """GET .../signals: paged by the last signal id of the previous page."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    symbols: frozenset[str] | None = Field(default=None, description="Comma-separated symbols (any case).")
    after: QueryTime = Field(default=None, description="Only signals of bars starting after this time.")
    until: QueryTime = Field(default=None, description="Only signals of bars starting at or before this time.")
    direction: Literal["asc", "desc"] = "desc"
    limit: int = Field(default=100, ge=1, le=500)
    page_token: UUID | None = Field(default=None, description="The id of the last signal of the previous page.")

    @field_validator("symbols", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip().upper() for part in value.split(",") if part.strip()) or None
        return value


def strategy_json(strategy: Strategy) -> StrategyJson:
    """A strategy as it now stands, its current version's definition as a JSON object."""
    current = strategy.current
    return {
        "id": str(strategy.id),
        "name": current.name,
        "version": current.version,
        "status": str(strategy.status),
        "definition": json.loads(current.definition),
        "created_at": rfc3339(strategy.created_at),
        "updated_at": rfc3339(strategy.updated_at),
    }


def version_json(version: StrategyVersion) -> StrategyVersionJson:
    return {
        "version": version.version,
        "name": version.name,
        "definition": json.loads(version.definition),
        "created_at": rfc3339(version.created_at),
    }


def signal_json(signal: Signal) -> SignalJson:
    return {
        "id": str(signal.id),
        "strategy_id": str(signal.strategy_id),
        "version": signal.version,
        "symbol": signal.symbol,
        "bar_time": rfc3339(signal.bar_time),
        "created_at": rfc3339(signal.created_at),
        "rule": signal.rule,
        "side": str(signal.side),
        "values": dict(signal.values),
        "client_order_id": signal.client_order_id,
        "order_id": uuid_str(signal.order_id),
        "refusal": signal.refusal,
        "refusal_code": signal.refusal_code,
    }


def merge_patch(target: Any, patch: Any, where: str = "") -> Any:
    """`patch` applied to `target` as RFC 7396 says: objects merge key by key, null removes a key, anything else replaces.

    Raises:
        InvalidStrategy: the patch nests objects deeper than any definition does (named by the pointer where it does).
    """
    if not isinstance(patch, dict):
        return patch
    if where.count("/") >= MAX_PATCH_DEPTH:
        raise InvalidStrategy(where, f"nests objects more than {MAX_PATCH_DEPTH} deep")
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            inner = f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}"
            merged[key] = merge_patch(merged.get(key), value, inner)
    return merged


async def _definition(request: web.Request) -> dict[str, Any]:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise MalformedJSON("request body must be a JSON object")
    return data


def _checked(request: web.Request, data: object) -> StrategyDefinition:
    """A definition as the schema and the market allow it.

    Raises:
        InvalidStrategy: the schema refuses it, or a symbol is not listed; named by JSON pointer.
    """
    definition = parse_definition(data)
    assets = request.app[ENGINE].assets
    for index, symbol in enumerate(definition.symbols):
        if symbol not in assets:
            raise InvalidStrategy(f"/symbols/{index}", f"{symbol} is not a listed symbol")
    return definition


async def _change(request: web.Request, command: StrategyCommand, status: int = 200) -> web.Response:
    changed = await request.app[ENGINE].change_strategy(account_id(request), command)
    return json_response(strategy_json(changed), status)


_CREATED: Final = example("strategies", "created")
_PATH: Final = {"strategy_id": _CREATED["id"]}
_ERRORS: Final = (NotFound,)


@routes.post("/v2/strategies")
@operation(
    tag=TAG, security=Security.KEYS, body=StrategyDefinition, responses={201: StrategyJson}, errors=(InvalidStrategy,),
    examples=[
        Example(name="sma_cross", summary="the SMA 10/30 crossover with an RSI exit, inactive until activated",
                body=example("strategies", "definition"), status=201, response=_CREATED),
    ],
)
async def create_strategy(request: web.Request) -> web.Response:
    """Create a strategy from its definition (`strategy/v1`): version 1, inactive.

    A definition the schema refuses is 422 naming the field by JSON pointer
    (`/entry/when/all/0/left: unknown indicator "fsat"`), and nothing is stored.
    """
    definition = _checked(request, await _definition(request))
    return await _change(request, CreateStrategy(name=definition.name, definition=canonical_json(definition)), 201)


@routes.get("/v2/strategies")
@operation(
    tag=TAG, security=Security.KEYS, query=StrategiesQuery, responses={200: list[StrategyJson]},
    examples=[Example(name="one", summary="one strategy", response=[_CREATED])],
)
async def list_strategies(request: web.Request) -> web.Response:
    """The account's strategies in the order they were created; deleted ones only when asked for by status."""
    wanted = read_query(request, StrategiesQuery).status
    found = request.app[ENGINE].strategies(account_id(request))
    if wanted is None:
        found = [each for each in found if each.status is not StrategyStatus.DELETED]
    elif wanted != "all":
        found = [each for each in found if each.status == wanted]
    return json_response([strategy_json(each) for each in found])


@routes.get("/v2/strategies/{strategy_id}")
@operation(
    tag=TAG, security=Security.KEYS, path=StrategyPath, responses={200: StrategyJson}, errors=_ERRORS,
    examples=[Example(name="one", path=_PATH, response=_CREATED)],
)
async def get_strategy(request: web.Request) -> web.Response:
    """One strategy, deleted ones included."""
    return json_response(strategy_json(request.app[ENGINE].strategy(account_id(request), path_id(request, "strategy"))))


@routes.patch("/v2/strategies/{strategy_id}")
@operation(
    tag=TAG, security=Security.KEYS, path=StrategyPath, body=DefinitionPatch, responses={200: StrategyJson},
    errors=(NotFound, InvalidStrategy),
    examples=[
        Example(name="faster", summary="a faster fast average: version 2", path=_PATH,
                body={"indicators": {"fast": {"period": 5}}}, response=example("strategies", "revised")),
    ],
)
async def revise_strategy(request: web.Request) -> web.Response:
    """Change a strategy's definition by a JSON merge patch (RFC 7396); a changed definition becomes a new version.

    The body is merged into the current definition (objects key by key, null
    removes a key, lists and values replace) and the result is checked as a
    whole. An active strategy switches to the new version at its next bar.
    """
    engine, account, strategy_id = request.app[ENGINE], account_id(request), path_id(request, "strategy")
    patch = await _definition(request)
    current = engine.strategy(account, strategy_id)
    definition = _checked(request, merge_patch(json.loads(current.current.definition), patch))
    command = ReviseStrategy(strategy_id=strategy_id, name=definition.name, definition=canonical_json(definition))
    return await _change(request, command)


@routes.get("/v2/strategies/{strategy_id}/versions")
@operation(
    tag=TAG, security=Security.KEYS, path=StrategyPath, responses={200: list[StrategyVersionJson]}, errors=_ERRORS,
    examples=[Example(name="two", path=_PATH, response=example("strategies", "versions"))],
)
async def list_versions(request: web.Request) -> web.Response:
    """Every version of a strategy, oldest first."""
    found = request.app[ENGINE].strategy(account_id(request), path_id(request, "strategy"))
    return json_response([version_json(each) for each in found.versions])


@routes.delete("/v2/strategies/{strategy_id}")
@operation(
    tag=TAG, security=Security.KEYS, path=StrategyPath, responses={204: None}, errors=_ERRORS,
    examples=[Example(name="delete", path=_PATH, status=204)],
)
async def delete_strategy(request: web.Request) -> web.Response:
    """Delete a strategy: it stops trading and leaves the list; it, its versions and its signals stay readable by id."""
    await request.app[ENGINE].change_strategy(account_id(request), DeleteStrategy(strategy_id=path_id(request, "strategy")))
    return web.Response(status=204)


@routes.post("/v2/strategies/{strategy_id}/activate")
@operation(
    tag=TAG, security=Security.KEYS, path=StrategyPath, responses={200: StrategyJson}, errors=_ERRORS,
    examples=[Example(name="activate", path=_PATH, response=example("strategies", "active"))],
)
async def activate_strategy(request: web.Request) -> web.Response:
    """Start trading: the strategy acts on the next completed bar of its timeframe, its indicators warmed from stored bars."""
    return await _change(request, ActivateStrategy(strategy_id=path_id(request, "strategy")))


@routes.post("/v2/strategies/{strategy_id}/deactivate")
@operation(
    tag=TAG, security=Security.KEYS, path=StrategyPath, body=DeactivateBody, responses={200: StrategyJson},
    errors=(NotFound, TradingHalted, Unavailable),
    examples=[
        Example(name="flatten", summary="stop, cancel its orders and sell what it holds", path=_PATH,
                body={"cancel_orders": True, "close_positions": True}, response=example("strategies", "deactivated")),
    ],
)
async def deactivate_strategy(request: web.Request) -> web.Response:
    """Stop trading; optionally cancel the strategy's open orders and close the positions it opened.

    The strategy is inactive before any order is canceled or placed, so it
    places nothing meanwhile. A cancel or a sale that fails is answered with
    its error once the others have been tried; the strategy stays inactive,
    and the call can be repeated.
    """
    body = await read_model(request, DeactivateBody) if request.can_read_body else DeactivateBody()
    engine, account, strategy_id = request.app[ENGINE], account_id(request), path_id(request, "strategy")
    changed = await engine.change_strategy(account, DeactivateStrategy(strategy_id=strategy_id, reason="user"))
    await wind_down.wind_down(
        engine, account, changed, cancel_orders=body.cancel_orders, close_positions=body.close_positions
    )
    return json_response(strategy_json(changed))


@routes.get("/v2/strategies/{strategy_id}/signals")
@operation(
    tag=TAG, security=Security.KEYS, path=StrategyPath, query=SignalsQuery, responses={200: list[SignalJson]},
    errors=(NotFound, InvalidParameter),
    examples=[Example(name="entry", summary="the newest signal", path=_PATH, query={"limit": "1"},
                      response=example("strategies", "signals"))],
)
async def list_signals(request: web.Request) -> web.Response:
    """The bars on which the strategy's rules fired, newest first unless asked otherwise.

    Each holds the operands' values that made the rule fire, and the order
    placed or why none was. Pass the last id of a page as `page_token` for the next.
    """
    query = read_query(request, SignalsQuery)
    engine, account = request.app[ENGINE], account_id(request)
    strategy = engine.strategy(account, path_id(request, "strategy"))
    wanted = SignalQuery(
        account_id=account, strategy_id=strategy.id, symbols=query.symbols, after=query.after, until=query.until,
        limit=query.limit, direction=query.direction, page_token=query.page_token,
    )
    try:
        found = await engine.signals(wanted)
    except InvalidField as exc:  # a page token this listing never gave: a bad query parameter, as elsewhere
        raise InvalidParameter(exc.field, exc.message.removeprefix(f"invalid {exc.field}: ")) from None
    return json_response([signal_json(each) for each in found])
