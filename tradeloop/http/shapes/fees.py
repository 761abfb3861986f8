"""Shapes of the account's fee schedule and slippage (GET/PUT /v2/account/fees and the administrators' routes, ours)."""

from __future__ import annotations

from typing_extensions import TypedDict

from tradeloop.http.openapi.fields import DecimalText, UuidText


class FeeScheduleJson(TypedDict):
    """What the account pays on its fills, and how far their prices slip; all "0" by default (no fees, as Alpaca's paper account)."""

    per_share: DecimalText
    """Dollars per share filled."""
    per_order: DecimalText
    """Dollars per order that fills, charged with its first fill."""
    percent_of_notional: DecimalText
    """Percent of the filled value."""
    minimum: DecimalText
    """The least an order that fills is charged, in dollars."""
    slippage_bps: DecimalText
    """Basis points a fill's price moves against the trader (never past a limit price), for orders accepted after it is set."""


class AccountFeeScheduleJson(FeeScheduleJson):
    """An account's fee schedule and slippage, as the administrators' routes answer it."""

    account_id: UuidText
