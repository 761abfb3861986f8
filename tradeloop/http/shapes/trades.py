"""Shapes of trade history (tradeloop's /v2/account/trades): round trips and their summary."""

from __future__ import annotations

from typing import Literal

from typing_extensions import TypedDict

from tradeloop.http.openapi.fields import DecimalText, Timestamp, UuidText


class TradeJson(TypedDict):
    """A round trip: the shares one entry order opened and one exit order closed (money as strings).

    The cost is the account's average cost of the shares sold, so the round trips'
    realized P&L adds up to the account's; `realized_plpc` is a fraction of the cost ('0.05' is 5%).
    """

    id: UuidText
    symbol: str
    side: Literal["long"]
    qty: DecimalText
    entry_order_id: UuidText
    exit_order_id: UuidText
    entry_time: Timestamp
    exit_time: Timestamp
    avg_entry_price: DecimalText
    avg_exit_price: DecimalText
    cost_basis: DecimalText
    proceeds: DecimalText
    fees: DecimalText
    realized_pl: DecimalText
    realized_plpc: DecimalText
    holding_seconds: float
    strategy_id: UuidText | None


class TradePageJson(TypedDict):
    """A page of round trips and the token of the next page (null: none)."""

    trades: list[TradeJson]
    next_page_token: UuidText | None


class TradeStatsJson(TypedDict):
    """The figures of a set of round trips; money as strings, ratios as numbers, each undefined one null."""

    trades: int
    winners: int
    losers: int
    win_rate: float | None
    gross_profit: DecimalText
    gross_loss: DecimalText
    realized_pl: DecimalText
    fees: DecimalText
    profit_factor: float | None
    expectancy: DecimalText | None
    avg_win: DecimalText | None
    avg_loss: DecimalText | None
    best: DecimalText | None
    worst: DecimalText | None
    avg_holding_seconds: float | None


class SymbolTradeStatsJson(TradeStatsJson):
    """The figures of one symbol's round trips."""

    symbol: str


class TradeSummaryJson(TypedDict):
    """The figures of the round trips selected, overall and per symbol (in alphabetical order)."""

    overall: TradeStatsJson
    symbols: list[SymbolTradeStatsJson]
