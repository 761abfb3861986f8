"""Builders for the reports' tests: a clock the test sets, ticks of the manual market at its times, a CSV reader."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from tradeloop.actors.engine import Engine
from tradeloop.market.manual import admin_ticks

START = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)


class Clock:
    """A clock the test sets, in seconds after START."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, seconds: float) -> datetime:
        self.now = START + timedelta(seconds=seconds)
        return self.now


async def tick(engine: Engine, clock: Clock, seconds: float, price: str, symbol: str = "AAPL") -> None:
    """A quote and a trade at `seconds` after START; waits until every actor has handled them."""
    trade, quote = admin_ticks(symbol, Decimal(price), None, None, None, clock.at(seconds))
    await engine.ingest(quote)
    await engine.ingest(trade)
    await engine.quiesce()


def csv_statement_as_json(text: str) -> dict[str, Any]:
    """A CSV statement read back into the JSON statement's balances, activity ids and totals, to compare the two."""

    def balance(kind: str) -> dict[str, Any]:
        cash = next(row["cash"] for row in rows if row["record"] == kind)
        positions = [
            {"symbol": row["symbol"], "qty": row["qty"], "cost_basis": row["amount"], "avg_entry_price": row["price"]}
            for row in rows
            if row["record"] == f"{kind}_position"
        ]
        return {"cash": cash, "positions": positions}

    rows = list(csv.DictReader(io.StringIO(text)))
    totals = ("deposits", "withdrawals", "buys", "sells", "fees", "realized_pl")
    return {
        "opening": balance("opening"),
        "activities": [(row["activity_id"], row["activity_type"]) for row in rows if row["record"] == "activity"],
        "totals": {row["record"]: row["amount"] for row in rows if row["record"] in totals},
        "closing": balance("closing"),
    }


def json_statement_in_csv_terms(statement: dict[str, Any]) -> dict[str, Any]:
    """The parts of a JSON statement its CSV also holds, as csv_statement_as_json reads them."""
    return {
        "opening": statement["opening"],
        "activities": [(a["id"], a["activity_type"]) for a in statement["activities"]],
        "totals": statement["totals"],
        "closing": statement["closing"],
    }
