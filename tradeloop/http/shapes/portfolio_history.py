"""Shape of Alpaca's portfolio history (/v2/account/portfolio/history): series of exact JSON numbers, as Alpaca sends them."""

from __future__ import annotations

from typing_extensions import NotRequired, TypedDict

from tradeloop.http.openapi.fields import DateText, JsonNumber


class PortfolioHistoryJson(TypedDict):
    """Equity and P&L at the end of each bucket, labelled by the bucket's start (epoch seconds).

    `profit_loss` leaves out cash deposited or withdrawn since the base; `profit_loss_pct`
    is it over `base_value` (null when the base is zero). `cashflow` holds, per activity
    type asked for in `cashflow_types`, the cash moved in each bucket.
    """

    timestamp: list[int]
    equity: list[JsonNumber]
    profit_loss: list[JsonNumber]
    profit_loss_pct: list[JsonNumber | None]
    base_value: JsonNumber
    base_value_asof: NotRequired[DateText]
    timeframe: str
    cashflow: dict[str, list[JsonNumber]]
