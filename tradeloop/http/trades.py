"""Routes: trade history (tradeloop's /v2/account/trades) — the account's round trips and their summary.

Round trips are made from the journal's fills (`tradeloop.core.trades`), kept
between requests and paired again when new fills came (`fill_history`), so
they always agree with the account's fills and its realized P&L; the filters
then select among them in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradeloop.codec import rfc3339
from tradeloop.core.money import PCT_STEP, cents, fmt, fmt_qty
from tradeloop.core.trade_stats import TradeStats, summarize, summarize_by_symbol
from tradeloop.core.trades import RoundTrip
from tradeloop.errors import InvalidParameter
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_query
from tradeloop.http.fill_history import FILL_HISTORY
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.shapes.trades import (
    SymbolTradeStatsJson,
    TradeJson,
    TradePageJson,
    TradeStatsJson,
    TradeSummaryJson,
)
from tradeloop.http.times import QueryTime
from tradeloop.http.wire import average_price, json_response

routes = web.RouteTableDef()

TAG: Final = "trades"


class TradeFilters(BaseModel):
    """Which round trips: of some symbols, closed within a period, of a strategy, winners or losers."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    symbols: frozenset[str] | None = Field(default=None, description="Comma-separated symbols (any case).")
    after: QueryTime = Field(default=None, description="Only trades whose exit came after this time.")
    until: QueryTime = Field(default=None, description="Only trades whose exit came at or before this time.")
    strategy_id: UUID | None = Field(default=None, description="Only trades entered by this strategy's orders.")
    outcome: Literal["winners", "losers"] | None = Field(
        default=None, description="Only trades with a realized P&L above zero (winners) or below zero (losers)."
    )

    @field_validator("symbols", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip().upper() for part in value.split(",") if part.strip()) or None
        return value

    def passes(self, trip: RoundTrip) -> bool:
        """Whether a trip of the selected symbols meets the other filters."""
        pl = trip.realized_pl
        return (
            (self.after is None or trip.exit_at > self.after)
            and (self.until is None or trip.exit_at <= self.until)
            and (self.strategy_id is None or trip.strategy_id == self.strategy_id)
            and (self.outcome is None or (pl > 0 if self.outcome == "winners" else pl < 0))
        )


class TradesQuery(TradeFilters):
    """GET /v2/account/trades: the filters, then a page by exit time; paged by the last id of the previous page."""

    direction: Literal["asc", "desc"] = Field(
        default="desc", description="By exit time: newest first (desc) or oldest."
    )
    limit: int = Field(default=100, ge=1, le=500)
    page_token: UUID | None = Field(default=None, description="The `next_page_token` of the previous page.")


def select(trips: Sequence[RoundTrip], filters: TradeFilters) -> list[RoundTrip]:
    """The round trips the filters select, in their order (each symbol's trips are its own, so pairing came first)."""
    return [
        trip
        for trip in trips
        if (filters.symbols is None or trip.symbol in filters.symbols) and filters.passes(trip)
    ]


def _page(trips: Sequence[RoundTrip], query: TradesQuery) -> tuple[list[RoundTrip], bool]:
    """The page a query asks for of the account's round trips (by exit time, oldest first), and whether more follow.

    Raises:
        InvalidParameter: the page token names no trade of the listing.
    """
    chosen = select(trips, query)
    if query.direction == "desc":
        chosen.reverse()
    if query.page_token is not None:
        place = next((i for i, trip in enumerate(chosen) if trip.id == query.page_token), None)
        if place is None:
            raise InvalidParameter("page_token", "names no trade of this listing")
        chosen = chosen[place + 1 :]
    return chosen[: query.limit], len(chosen) > query.limit


def _summary(trips: Sequence[RoundTrip], filters: TradeFilters) -> TradeSummaryJson:
    chosen = select(trips, filters)
    symbols: list[SymbolTradeStatsJson] = [
        {**stats_json(stats), "symbol": symbol} for symbol, stats in summarize_by_symbol(chosen).items()
    ]
    return {"overall": stats_json(summarize(chosen)), "symbols": symbols}


def trade_json(trip: RoundTrip) -> TradeJson:
    return {
        "id": str(trip.id),
        "symbol": trip.symbol,
        "side": "long",
        "qty": fmt_qty(trip.qty),
        "entry_order_id": str(trip.entry_order_id),
        "exit_order_id": str(trip.exit_order_id),
        "entry_time": rfc3339(trip.entry_at),
        "exit_time": rfc3339(trip.exit_at),
        "avg_entry_price": average_price(trip.avg_entry_price) or "0",
        "avg_exit_price": average_price(trip.avg_exit_price) or "0",
        "cost_basis": _cents(trip.cost),
        "proceeds": _cents(trip.proceeds),
        "fees": _cents(trip.fees),
        "realized_pl": _cents(trip.realized_pl),
        "realized_plpc": _fraction(trip.realized_plpc),
        "holding_seconds": trip.holding.total_seconds(),
        "strategy_id": None if trip.strategy_id is None else str(trip.strategy_id),
    }


def _fraction(value: Decimal) -> str:
    """A ratio as Alpaca sends P&L percentages: a fraction to four places ('0.0123')."""
    return fmt(value.quantize(PCT_STEP, rounding=ROUND_HALF_UP))


def _cents(value: Decimal) -> str:
    """Money as the account keeps it: to the cent ('0.00', '-42.40')."""
    return fmt(cents(value))


def _money(value: Decimal | None) -> str | None:
    return None if value is None else _cents(value)


def _share(value: Decimal | None) -> float | None:
    """A ratio as a JSON number (a statistic, not money)."""
    return None if value is None else float(value)


def stats_json(stats: TradeStats) -> TradeStatsJson:
    return {
        "trades": stats.trades,
        "winners": stats.winners,
        "losers": stats.losers,
        "win_rate": _share(stats.win_rate),
        "gross_profit": _cents(stats.gross_profit),
        "gross_loss": _cents(stats.gross_loss),
        "realized_pl": _cents(stats.realized_pl),
        "fees": _cents(stats.fees),
        "profit_factor": _share(stats.profit_factor),
        "expectancy": _money(stats.expectancy),
        "avg_win": _money(stats.avg_win),
        "avg_loss": _money(stats.avg_loss),
        "best": _money(stats.best),
        "worst": _money(stats.worst),
        "avg_holding_seconds": None if stats.avg_holding is None else stats.avg_holding.total_seconds(),
    }


_TRADE: Final[TradeJson] = {
    "id": "9a4f2c1e-6b3d-5e8f-a1c2-3d4e5f6a7b8c", "symbol": "AAPL", "side": "long", "qty": "5",
    "entry_order_id": "0195f7a2-5b3c-7d4e-9f10-2a3b4c5d6e7f", "exit_order_id": "0195f7b0-1c2d-7e3f-8a4b-5c6d7e8f9a0b",
    "entry_time": "2026-01-05T15:00:00.000000Z", "exit_time": "2026-01-05T16:30:00.000000Z",
    "avg_entry_price": "190.05", "avg_exit_price": "192.40", "cost_basis": "950.25", "proceeds": "962.00", "fees": "0.00",
    "realized_pl": "11.75", "realized_plpc": "0.0124", "holding_seconds": 5400.0, "strategy_id": None,
}  # fmt: skip
_STATS: Final[TradeStatsJson] = {
    "trades": 4, "winners": 3, "losers": 1, "win_rate": 0.75, "gross_profit": "61.75", "gross_loss": "-20.00",
    "realized_pl": "41.75", "fees": "0.00", "profit_factor": 3.0875, "expectancy": "10.44", "avg_win": "20.58",
    "avg_loss": "-20.00", "best": "30.00", "worst": "-20.00", "avg_holding_seconds": 3150.0,
}  # fmt: skip


@routes.get("/v2/account/trades")
@operation(
    tag=TAG, security=Security.KEYS, query=TradesQuery, responses={200: TradePageJson}, errors=(InvalidParameter,),
    examples=[Example(name="newest", summary="the newest AAPL trade", query={"symbols": "AAPL", "limit": "1"},
                      response={"trades": [_TRADE], "next_page_token": _TRADE["id"]})],
)  # fmt: skip
async def list_trades(request: web.Request) -> web.Response:
    """The account's round trips, first in first out per symbol, newest exit first unless asked otherwise.

    A page followed by more carries `next_page_token`: pass it as `page_token` for the next.
    """
    query = read_query(request, TradesQuery)
    trips = await request.app[FILL_HISTORY].round_trips(account_id(request))
    # Selecting among 50,000 round trips takes a while: a worker thread does it, so the loop keeps serving.
    page, more = await asyncio.to_thread(_page, trips, query)
    answer: TradePageJson = {
        "trades": [trade_json(trip) for trip in page],
        "next_page_token": str(page[-1].id) if more else None,
    }
    return json_response(answer)


@routes.get("/v2/account/trades/summary")
@operation(
    tag=TAG, security=Security.KEYS, query=TradeFilters, responses={200: TradeSummaryJson}, errors=(InvalidParameter,),
    examples=[Example(name="aapl", summary="the AAPL trades", query={"symbols": "AAPL"},
                      response={"overall": _STATS, "symbols": [{**_STATS, "symbol": "AAPL"}]})],
)  # fmt: skip
async def summarize_trades(request: web.Request) -> web.Response:
    """The figures of the round trips the filters select, overall and per symbol: win rate, profit factor, expectancy..."""
    query = read_query(request, TradeFilters)
    trips = await request.app[FILL_HISTORY].round_trips(account_id(request))
    return json_response(await asyncio.to_thread(_summary, trips, query))
