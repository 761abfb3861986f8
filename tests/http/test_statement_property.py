"""Property: on random histories of the manual market (buys, sales, deposits, withdrawals over days), every statement
reconciles to the cent, a period ending now closes with GET /v2/account's cash and GET /v2/positions, the next
period opens with what this one closed with, and each CSV statement, read from the journal a few rows at a time, holds
the JSON statement's figures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import HttpClient, auth_headers, make_app, make_engine, order_body, place
from tests.http.report_factories import START, Clock, csv_statement_as_json, json_statement_in_csv_terms, tick
from tradeloop.actors.engine import Engine
from tradeloop.codec import rfc3339
from tradeloop.http import statements

SYMBOLS = ("AAPL", "MSFT")
STATEMENT = "/v2/reports/statement"


@dataclass(frozen=True)
class Step:
    after_s: int
    symbol: str
    price: Decimal
    action: str
    """buy, sell (part of what is held), deposit or withdraw."""
    amount: int


steps = st.builds(
    Step,
    after_s=st.sampled_from([0, 1, 60, 3600, 43_200, 86_400]),
    symbol=st.sampled_from(SYMBOLS),
    price=st.integers(100, 50_000).map(lambda c: Decimal(c) / 100),
    action=st.sampled_from(["buy", "buy", "sell", "sell", "deposit", "withdraw"]),
    amount=st.integers(1, 25),
)


def reconciles(statement: dict[str, Any]) -> bool:
    totals = {k: Decimal(v) for k, v in statement["totals"].items()}
    moved = totals["deposits"] - totals["withdrawals"] + totals["sells"] - totals["buys"] - totals["fees"]
    return Decimal(statement["opening"]["cash"]) + moved == Decimal(statement["closing"]["cash"])


async def get(client: HttpClient, headers: dict[str, str], path: str, **params: str) -> Any:
    response = await client.get(path, params=params, headers=headers)
    payload = await response.json()
    assert response.status == 200, payload
    return payload


async def csv_agrees(client: HttpClient, headers: dict[str, str], statement: dict[str, Any], **params: str) -> bool:
    """The CSV of the same period, read from the journal a page at a time, holds the JSON statement's figures."""
    response = await client.get(STATEMENT, params={"format": "csv", **params}, headers=headers)
    assert response.status == 200
    return csv_statement_as_json(await response.text()) == json_statement_in_csv_terms(statement)


async def play(plan: list[Step], split_pct: int) -> None:
    """Run the plan on a fresh server, then hold its statements to the account and to each other."""
    clock = Clock()
    engine: Engine = make_engine(clock=clock)
    client: HttpClient = TestClient(TestServer(make_app(engine)))
    await client.start_server()
    try:
        account = await engine.open_account(Decimal(100_000))
        headers = auth_headers(account)
        held = dict.fromkeys(SYMBOLS, 0)
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
                await engine.adjust_cash(
                    account.account_id, Decimal(sign * step.amount) * Decimal("10.01"), step.action
                )
        await engine.quiesce()
        clock.at(seconds + 1)  # now: a second after the last step
        whole = await get(client, headers, STATEMENT)
        assert reconciles(whole) and whole["opening"] == {"cash": "100000.00", "positions": []}
        cash = (await get(client, headers, "/v2/account"))["cash"]
        positions = await get(client, headers, "/v2/positions")
        assert Decimal(whole["closing"]["cash"]) == Decimal(cash)
        assert [(p["symbol"], p["qty"], p["cost_basis"]) for p in whole["closing"]["positions"]] == [
            (p["symbol"], p["qty"], p["cost_basis"]) for p in positions
        ]
        split = START + timedelta(seconds=seconds * split_pct / 100)
        before = await get(client, headers, STATEMENT, end=rfc3339(split))
        after = await get(client, headers, STATEMENT, start=rfc3339(split + timedelta(microseconds=1)))
        assert reconciles(before) and reconciles(after)
        assert before["closing"] == after["opening"] and after["closing"] == whole["closing"]
        assert len(before["activities"]) + len(after["activities"]) == len(whole["activities"])
        assert await csv_agrees(client, headers, whole)
        assert await csv_agrees(client, headers, before, end=rfc3339(split))
        assert await csv_agrees(client, headers, after, start=rfc3339(split + timedelta(microseconds=1)))
    finally:
        await client.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=st.lists(steps, min_size=1, max_size=10), split_pct=st.integers(0, 100))
def test_statements_reconcile_to_the_cent_close_with_the_account_and_chain(plan: list[Step], split_pct: int) -> None:
    with patch.object(statements, "_PAGE_ROWS", 3):  # the CSV's journal pages, small enough that a plan spans several
        asyncio.run(play(plan, split_pct))
