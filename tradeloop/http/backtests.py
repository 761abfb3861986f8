"""Routes: backtests (/v2/backtests): queue one (202), watch it, read its result, cancel it.

A backtest runs a strategy (a definition, or a stored strategy's version) with the real
engine over the stored one-minute bars, in a worker process (`tradeloop.backtest`).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Final, Literal
from uuid import UUID, uuid5

import orjson
from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tradeloop.actors.engine import Engine
from tradeloop.actors.ids import random_id
from tradeloop.backtest.manager import Backtest, BacktestManager
from tradeloop.backtest.metrics import RANKABLE
from tradeloop.backtest.spec import BarInput, Commission, Fill, RunSpec, StoredBars
from tradeloop.codec import rfc3339
from tradeloop.core.bars import MINUTE, BarRow
from tradeloop.core.money import MONEY, PERCENT, PRICE, ZERO
from tradeloop.errors import InvalidField, InvalidParameter, NotFound, ResultNotReady, UnknownSymbol
from tradeloop.http.auth import account_id
from tradeloop.http.backtest_report import backtest_page
from tradeloop.http.bodies import read_model, read_query
from tradeloop.http.history import MARKET_HISTORY
from tradeloop.http.keys import ENGINE
from tradeloop.http.numbers import bounded
from tradeloop.http.openapi import Example, Reply, Security, operation
from tradeloop.http.paths import path_id
from tradeloop.http.shapes.backtests import BacktestJson, BacktestResultJson
from tradeloop.http.times import clamp
from tradeloop.http.wire import json_response
from tradeloop.market.history import EARLIEST, MarketHistory
from tradeloop.snapshots.bars import BarStore, bar_row
from tradeloop.strategy.definition import canonical_json, parse_definition, with_parameters

routes = web.RouteTableDef()

TAG: Final = "backtests"
BACKTESTS: Final = web.AppKey("backtests", BacktestManager)
MAX_RUNS: Final = 100
"""Points a parameter grid may have."""
DEFINITIONS: Final = UUID("6f1c2b0e-3d4a-5b6c-8d7e-9f0a1b2c3d4e")
"""Namespace of the ids given to definitions backtested without being stored (uuid5 of their canonical JSON)."""
Cash = Annotated[Decimal, bounded(MONEY)]
Fee = Annotated[Decimal, bounded(MONEY), Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CommissionBody(_Model):
    """Fees per fill: per share, per order (on its first fill) and a percent of the fill's value."""

    per_share: Annotated[Decimal, bounded(PRICE), Field(ge=0)] = ZERO
    per_order: Fee = ZERO
    percent: Annotated[Decimal, bounded(PERCENT), Field(ge=0)] = ZERO


BodyTime = Annotated[datetime, AfterValidator(clamp)]
"""A time in the body: RFC 3339 or a date; without an offset it is UTC, as in query strings."""


class BacktestBody(_Model):
    """POST /v2/backtests: a strategy (a `strategy/v1` definition, or `{id, version}` of a stored one) and the span."""

    strategy: dict[str, Any]
    symbols: list[str] | None = None
    start: BodyTime
    end: BodyTime
    initial_cash: Cash = Decimal(100_000)
    fill: Fill = Fill.NEXT_BAR_OPEN
    slippage_bps: Annotated[Decimal, bounded(PERCENT), Field(ge=0, le=1000)] = ZERO
    commission: CommissionBody = CommissionBody()
    parameters: dict[str, list[int | float | str]] | None = None
    rank_by: Literal[
        "total_return", "cagr", "max_drawdown", "sharpe", "sortino", "calmar", "win_rate", "profit_factor", "trades",
        "net_profit",
    ] = "sharpe"  # fmt: skip


class BacktestPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    backtest_id: Annotated[UUID, Field(description="The backtest's id.")]


def backtest_json(backtest: Backtest) -> BacktestJson:
    return {
        "id": str(backtest.id),
        "status": backtest.status.value,
        "progress": backtest.progress,
        "runs": backtest.runs,
        "rank_by": backtest.rank_by,
        "created_at": rfc3339(backtest.created_at),
        "finished_at": None if backtest.finished_at is None else rfc3339(backtest.finished_at),
        "error": backtest.error,
        "request": dict(backtest.request),
    }


async def runs_of(engine: Engine, history: MarketHistory, account: UUID, body: BacktestBody) -> list[RunSpec]:
    """The runs a request asks for, checked before anything is queued.

    Raises:
        InvalidStrategy: a bad definition, or a parameter that makes one. InvalidField, UnknownSymbol: a bad field.
        NotFound: a stored strategy (or version) the account does not have.
    """
    if body.end <= body.start:
        raise InvalidField("end", "must be after start")
    if body.initial_cash <= ZERO:
        raise InvalidField("initial_cash", "must be positive")
    if set(body.strategy) <= {"id", "version"} and "id" in body.strategy:
        try:
            strategy_id = UUID(str(body.strategy["id"]))
        except ValueError:
            raise NotFound("strategy not found") from None
        stored = engine.strategy(account, strategy_id)
        number = body.strategy.get("version")
        if number is not None and not isinstance(number, int):
            raise InvalidField("strategy.version", "must be a whole number")
        version = stored.version_of(number) if number is not None else stored.current
        definition = parse_definition(orjson.loads(version.definition))
        name, number = version.name, version.version
    else:
        definition = parse_definition(body.strategy)
        strategy_id = uuid5(DEFINITIONS, canonical_json(definition))
        name, number = definition.name, 1
    symbols = tuple(body.symbols) if body.symbols else tuple(definition.symbols)
    for symbol in symbols:
        if symbol not in engine.assets:
            raise UnknownSymbol(f"unknown symbol {symbol}", field="symbols")
    grid = _grid(body.parameters)
    made = [(combo, with_parameters(definition, dict(combo)) if combo else definition) for combo in grid]
    bars = await _bars(history, symbols, body.end)
    commission = Commission(
        per_share=body.commission.per_share, per_order=body.commission.per_order, percent=body.commission.percent
    )
    return [
        RunSpec(
            strategy_id=strategy_id, version=number, name=name, definition=canonical_json(each),
            symbols=symbols, assets=tuple(engine.assets[s] for s in symbols), start=body.start, end=body.end,
            initial_cash=body.initial_cash, fill=body.fill, slippage_bps=body.slippage_bps, commission=commission,
            bars=bars, parameters=combo,
        )
        for combo, each in made
    ]


def _grid(parameters: dict[str, list[int | float | str]] | None) -> list[tuple[tuple[str, object], ...]]:
    if not parameters:
        return [()]
    names = list(parameters)
    for name in names:
        if not parameters[name]:
            raise InvalidField(f"parameters.{name}", "must list at least one value")
    size = 1
    for name in names:
        size *= len(parameters[name])
    if size > MAX_RUNS:
        raise InvalidField("parameters", f"the grid has {size} points; at most {MAX_RUNS}")
    return [tuple(zip(names, values)) for values in itertools.product(*(parameters[n] for n in names))]


async def _bars(history: MarketHistory, symbols: tuple[str, ...], end: datetime) -> BarInput:
    """The store's file when the server has one (its queued bars committed first), else the completed minutes in memory."""
    archive = history.archive
    if isinstance(archive, BarStore):
        await archive.flush()
        return StoredBars(archive.path)
    rows: list[BarRow] = []
    for symbol in symbols:
        found, _ = await history.bars(symbol, MINUTE, start=EARLIEST, end=end, limit=1_000_000, check_more=False)
        current = history.minute_in_progress(symbol)
        rows.extend(bar_row(bar) for bar in found if current is None or bar.timestamp < current.timestamp)
    return tuple(rows)


_ID: Final = "0195f7a2-5b3c-7d4e-9f10-2a3b4c5d6e7f"
_DEFINITION: Final = {
    "name": "sma 10/30", "symbols": ["AAPL"], "timeframe": "5Min",
    "indicators": {"fast": {"type": "sma", "period": 10, "source": "close"},
                   "slow": {"type": "sma", "period": 30, "source": "close"}},
    "entry": {"side": "buy", "when": {"all": [{"op": "cross_above", "left": "fast", "right": "slow"}]}},
    "exit": {"when": {"any": [{"op": "cross_below", "left": "fast", "right": "slow"}]}},
    "sizing": {"type": "percent_equity", "value": "10"},
    "orders": {"type": "market", "time_in_force": "day"},
}
_REQUEST: Final = {
    "strategy": _DEFINITION, "start": "2026-01-05T00:00:00Z", "end": "2026-01-10T00:00:00Z",
    "initial_cash": "100000", "fill": "next_bar_open", "slippage_bps": "2",
    "commission": {"per_share": "0.005", "per_order": "0", "percent": "0"},
}
_QUEUED: Final = {
    "id": _ID, "status": "queued", "progress": 0.0, "runs": 1, "rank_by": None,
    "created_at": "2026-01-12T15:30:00.000000Z", "finished_at": None, "error": None, "request": _REQUEST,
}
_DONE: Final = {**_QUEUED, "status": "done", "progress": 1.0, "finished_at": "2026-01-12T15:30:04.000000Z"}
_RESULT: Final = {
    "strategy": {"id": "5b1e0c33-52c0-5b6e-a3a8-3f0b9a6f2d11", "version": 1, "name": "sma 10/30"},
    "parameters": {}, "symbols": ["AAPL"], "start": "2026-01-05T00:00:00.000000Z",
    "end": "2026-01-10T00:00:00.000000Z", "initial_cash": "100000", "fill": "next_bar_open", "slippage_bps": "2",
    "commission": {"per_share": "0.005", "per_order": "0", "percent": "0"},
    "metrics": {"days_per_year": 365, "total_return": 0.0042, "cagr": 0.3582, "volatility": 0.0402, "sharpe": 1.84,
                "sortino": 2.9, "calmar": 115.5, "max_drawdown": -0.0031, "max_drawdown_duration_seconds": 86400.0,
                "exposure": 0.6, "payoff_ratio": 1.5, "win_rate": 0.5, "profit_factor": 1.5, "expectancy": "210.00",
                "trades": 2, "final_equity": "100420.00", "net_profit": "420.00", "fees": "0.34"},
    "orders": [], "fills": [], "signals": [], "round_trips": [],
    "equity_curve": [{"timestamp": "2026-01-05T00:00:00.000000Z", "equity": "100000"}],
}
_ERRORS: Final = (NotFound,)


@routes.post("/v2/backtests")
@operation(tag=TAG, security=Security.KEYS, body=BacktestBody, responses={202: BacktestJson},
           errors=(InvalidField, UnknownSymbol, NotFound),
           examples=[Example(name="sma", summary="an SMA crossover over five days", body=_REQUEST, status=202,
                             response=_QUEUED)])
async def create_backtest(request: web.Request) -> web.Response:
    """Queue a backtest: the strategy run by the engine over the stored bars in [start, end), in a worker process.

    `strategy` is a `strategy/v1` definition or `{"id", "version"}` of one of the account's strategies (the current
    version without `version`). `parameters` (`{"fast.period": [5, 10]}`) sweeps the grid, ranked by `rank_by`.
    """
    body = await read_model(request, BacktestBody)
    account = account_id(request)
    runs = await runs_of(request.app[ENGINE], request.app[MARKET_HISTORY], account, body)
    backtest = await request.app[BACKTESTS].submit(
        random_id(), account, runs, rank_by=body.rank_by if body.parameters else None,
        request=body.model_dump(mode="json", exclude_none=True),
    )
    return json_response(backtest_json(backtest), 202)


@routes.get("/v2/backtests/{backtest_id}")
@operation(tag=TAG, security=Security.KEYS, path=BacktestPath, responses={200: BacktestJson}, errors=_ERRORS,
           examples=[Example(name="done", path={"backtest_id": _ID}, response=_DONE)])
async def get_backtest(request: web.Request) -> web.Response:
    """A backtest's status (queued, running, done, failed, canceled) and progress from 0 to 1."""
    found = await request.app[BACKTESTS].get(account_id(request), path_id(request, "backtest"))
    return json_response(backtest_json(found))


class ResultQuery(BaseModel):
    """GET /v2/backtests/{backtest_id}/result: the format."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: Literal["json", "html"] = Field(
        default="json", description="json, or html (the performance report's page for the run, its charts drawn in it)."
    )


@routes.get("/v2/backtests/{backtest_id}/result")
@operation(tag=TAG, security=Security.KEYS, path=BacktestPath, query=ResultQuery,
           responses={200: [Reply(shape=BacktestResultJson, description="format=json;"),
                            Reply(content_type="text/html", description="format=html: the performance report's "
                                  "self-contained page for the run (a sweep: its best run), its charts inline SVG.")]},
           errors=(NotFound, ResultNotReady, InvalidParameter),
           examples=[Example(name="done", path={"backtest_id": _ID}, response=_RESULT)])
async def get_backtest_result(request: web.Request) -> web.Response:
    """A done backtest's result: metrics, orders, fills, signals, round trips and the equity curve (a sweep: every
    run's parameters and metrics, best first, and the best run's result). The same request gives the same bytes.

    `format=html` gives the performance report's page for the run: its figures, equity and drawdown, monthly returns
    and P&L by symbol.
    """
    query = read_query(request, ResultQuery)
    body = request.app[BACKTESTS].result(account_id(request), path_id(request, "backtest"))
    if query.format == "html":
        return web.Response(text=backtest_page(request, body), content_type="text/html")
    return web.Response(body=body, content_type="application/json")


@routes.delete("/v2/backtests/{backtest_id}")
@operation(tag=TAG, security=Security.KEYS, path=BacktestPath, responses={200: BacktestJson}, errors=_ERRORS,
           examples=[Example(name="canceled", path={"backtest_id": _ID},
                             response={**_QUEUED, "status": "canceled", "finished_at": "2026-01-12T15:30:01.000000Z"})])
async def cancel_backtest(request: web.Request) -> web.Response:
    """Cancel a queued or running backtest; a finished one is answered as it is."""
    found = await request.app[BACKTESTS].cancel(account_id(request), path_id(request, "backtest"))
    return json_response(backtest_json(found))


def mount(app: web.Application, engine: Engine, history: MarketHistory) -> None:
    """Give the root the backtest manager (before the surfaces copy its state); stopped with the app.

    Results go to the data directory when the server has one (its bar store lives there).
    """
    archive = history.archive
    data_dir = archive.path.parent if isinstance(archive, BarStore) else None
    manager = BacktestManager(data_dir=data_dir, clock=engine.clock)
    app[BACKTESTS] = manager

    async def lifetime(_: web.Application) -> AsyncIterator[None]:
        yield
        await manager.close()

    app.cleanup_ctx.append(lifetime)


__all__ = ("BACKTESTS", "RANKABLE", "backtest_json", "mount", "routes", "runs_of")
