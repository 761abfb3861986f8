"""Shapes of reports (tradeloop's /v2/reports/...): the account statement."""

from __future__ import annotations

from typing_extensions import TypedDict

from tradeloop.http.openapi.fields import DecimalText, Timestamp, UuidText
from tradeloop.http.shapes.trading import CashActivityJson, FeeActivityJson, FillActivityJson


class HoldingJson(TypedDict):
    """A position held at a moment: its quantity and what it cost, at the account's average cost."""

    symbol: str
    qty: DecimalText
    cost_basis: DecimalText
    avg_entry_price: DecimalText


class BalanceJson(TypedDict):
    """The cash and the positions held at a moment (positions by symbol)."""

    cash: DecimalText
    positions: list[HoldingJson]


class StatementTotalsJson(TypedDict):
    """What moved the cash in the period: opening + deposits − withdrawals + sells − buys − fees = closing."""

    deposits: DecimalText
    withdrawals: DecimalText
    """Withdrawn, as a positive amount."""
    buys: DecimalText
    """Paid for shares bought."""
    sells: DecimalText
    """Received for shares sold."""
    fees: DecimalText
    realized_pl: DecimalText
    """Profit or loss realized by the period's sales, at the account's average cost."""


class StatementJson(TypedDict):
    """The account's statement of a period: the balance before it, every fill and cash movement in it, the balance after."""

    account_id: UuidText
    currency: str
    start: Timestamp | None
    """Movements at or after this time; null: since the account was opened."""
    end: Timestamp
    """Movements at or before this time."""
    opening: BalanceJson
    activities: list[FillActivityJson | CashActivityJson | FeeActivityJson]
    """Oldest first, as GET /v2/account/activities shows them (a fill's fee, FEE, right after it)."""
    totals: StatementTotalsJson
    closing: BalanceJson
