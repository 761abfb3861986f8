"""Builders for the reports' tests: a clock the test sets, ticks of the manual market at its times, a GET of JSON,
random plans of orders and cash movements played on a fresh server, a CSV reader (the fixtures: report_fixtures.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from tests.factories import HttpClient, auth_headers, make_app, make_engine, order_body, place
from tradeloop.actors.engine import Engine
from tradeloop.actors.fees import set_fee_schedule
from tradeloop.core.fees import NO_FEES, FeeSchedule
from tradeloop.market.manual import admin_ticks

START = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)
Headers = dict[str, str]


class Clock:
    """A clock the test sets, in seconds after START."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, seconds: float) -> datetime:
        self.now = START + timedelta(seconds=seconds)
        return self.now


async def tick(
    engine: Engine, clock: Clock, seconds: float, price: str, symbol: str = "AAPL", size: str | None = None
) -> None:
    """A quote and a trade (of `size` shares, if given) at `seconds` after START; waits until every actor has handled them."""
    trade, quote = admin_ticks(
        symbol, Decimal(price), None, None, None if size is None else Decimal(size), clock.at(seconds)
    )
    await engine.ingest(quote)
    await engine.ingest(trade)
    await engine.quiesce()


async def get_json(client: HttpClient, headers: Headers, path: str, status: int = 200, **params: Any) -> Any:
    """The JSON answer to a GET of `path` with `params` (each as its str), asserting its status."""
    response = await client.get(path, params={k: str(v) for k, v in params.items()}, headers=headers)
    payload = await response.json()
    assert response.status == status, payload
    return payload


def reconciles(statement: dict[str, Any]) -> bool:
    """A statement's opening cash and its totals' movements make its closing cash."""
    totals = {k: Decimal(v) for k, v in statement["totals"].items()}
    moved = totals["deposits"] - totals["withdrawals"] + totals["sells"] - totals["buys"] - totals["fees"]
    return Decimal(statement["opening"]["cash"]) + moved == Decimal(statement["closing"]["cash"])


@dataclass(frozen=True)
class Step:
    """One step of a random plan: `after_s` seconds after the step before, a tick of `symbol` at `price`, then `action`."""

    after_s: int
    symbol: str
    price: Decimal
    action: str
    """buy, sell (part of what is held), deposit, withdraw or none."""
    amount: int
    """Shares bought or sold, or units of cash (the plan's `cash_unit`) moved."""


Flow = tuple[datetime, Decimal]
"""A cash movement: when, and how much (negative: withdrawn)."""


@dataclass(frozen=True)
class Played:
    """A fresh server after a plan: its engine, clock and client, the account's headers, the last step's time, the cash moved."""

    engine: Engine
    clock: Clock
    client: HttpClient
    headers: Headers
    seconds: int
    """Seconds after START of the last step."""
    flows: list[Flow]


@asynccontextmanager
async def played(
    plan: Sequence[Step], symbols: Sequence[str], *, cash_unit: Decimal, fees: FeeSchedule = NO_FEES
) -> AsyncIterator[Played]:
    """A fresh server with one $100,000 account on which the plan was played, every actor idle after it.

    A sale sells at most what the plan bought of the symbol (none: no order); a deposit or a withdrawal moves
    `amount` times `cash_unit`. The account pays `fees` (a fee schedule and slippage) from the start.
    """
    clock = Clock()
    engine = make_engine(clock=clock)
    client: HttpClient = TestClient(TestServer(make_app(engine)))
    await client.start_server()
    try:
        account = await engine.open_account(Decimal(100_000))
        headers = auth_headers(account)
        if fees is not NO_FEES:
            await set_fee_schedule(engine, account.account_id, fees)
        held = dict.fromkeys(symbols, 0)
        flows: list[Flow] = []
        seconds = 0
        for step in plan:
            seconds += step.after_s
            await tick(engine, clock, seconds, str(step.price), step.symbol)
            if step.action == "buy":
                await place(client, headers, order_body(symbol=step.symbol, qty=str(step.amount)))
                held[step.symbol] += step.amount
            elif step.action == "sell" and held[step.symbol]:
                qty = min(step.amount, held[step.symbol])
                await place(client, headers, order_body(symbol=step.symbol, qty=str(qty), side="sell"))
                held[step.symbol] -= qty
            elif step.action in ("deposit", "withdraw"):
                sign = 1 if step.action == "deposit" else -1
                moved = await engine.adjust_cash(account.account_id, Decimal(sign * step.amount) * cash_unit, step.action)
                flows.append((moved.timestamp, moved.amount))
        await engine.quiesce()
        yield Played(engine=engine, clock=clock, client=client, headers=headers, seconds=seconds, flows=flows)
    finally:
        await client.close()


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
