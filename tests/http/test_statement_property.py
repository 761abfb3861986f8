"""Property: on random histories of the manual market (buys, sales, deposits, withdrawals over days), every statement
reconciles to the cent, a period ending now closes with GET /v2/account's cash and GET /v2/positions, the next
period opens with what this one closed with, and each CSV statement, read from the journal a few rows at a time, holds
the JSON statement's figures."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.factories import fee_schedules
from tests.factories import HttpClient
from tests.http.report_factories import (
    START,
    Step,
    csv_statement_as_json,
    get_json,
    json_statement_in_csv_terms,
    played,
    reconciles,
)
from tradeloop.codec import rfc3339
from tradeloop.core.fees import FeeSchedule
from tradeloop.http import statements

SYMBOLS = ("AAPL", "MSFT")
STATEMENT = "/v2/reports/statement"


steps = st.builds(
    Step,
    after_s=st.sampled_from([0, 1, 60, 3600, 43_200, 86_400]),
    symbol=st.sampled_from(SYMBOLS),
    price=st.integers(100, 50_000).map(lambda c: Decimal(c) / 100),
    action=st.sampled_from(["buy", "buy", "sell", "sell", "deposit", "withdraw"]),
    amount=st.integers(1, 25),
)


async def csv_agrees(client: HttpClient, headers: dict[str, str], statement: dict[str, Any], **params: str) -> bool:
    """The CSV of the same period, read from the journal a page at a time, holds the JSON statement's figures."""
    response = await client.get(STATEMENT, params={"format": "csv", **params}, headers=headers)
    assert response.status == 200
    return csv_statement_as_json(await response.text()) == json_statement_in_csv_terms(statement)


schedules = fee_schedules()


async def play(plan: list[Step], split_pct: int, fees: FeeSchedule) -> None:
    """Run the plan on a fresh server, then hold its statements to the account and to each other."""
    async with played(plan, SYMBOLS, cash_unit=Decimal("10.01"), fees=fees) as run:
        client, headers, seconds = run.client, run.headers, run.seconds
        run.clock.at(seconds + 1)  # now: a second after the last step
        whole = await get_json(client, headers, STATEMENT)
        assert reconciles(whole) and whole["opening"] == {"cash": "100000.00", "positions": []}
        cash = (await get_json(client, headers, "/v2/account"))["cash"]
        positions = await get_json(client, headers, "/v2/positions")
        assert Decimal(whole["closing"]["cash"]) == Decimal(cash)
        charged = await get_json(client, headers, "/v2/account/activities/FEE")
        assert Decimal(whole["totals"]["fees"]) == -sum((Decimal(a["net_amount"]) for a in charged), Decimal(0))
        assert [(p["symbol"], p["qty"], p["cost_basis"]) for p in whole["closing"]["positions"]] == [
            (p["symbol"], p["qty"], p["cost_basis"]) for p in positions
        ]
        split = START + timedelta(seconds=seconds * split_pct / 100)
        before = await get_json(client, headers, STATEMENT, end=rfc3339(split))
        after = await get_json(client, headers, STATEMENT, start=rfc3339(split + timedelta(microseconds=1)))
        assert reconciles(before) and reconciles(after)
        assert before["closing"] == after["opening"] and after["closing"] == whole["closing"]
        assert len(before["activities"]) + len(after["activities"]) == len(whole["activities"])
        assert await csv_agrees(client, headers, whole)
        assert await csv_agrees(client, headers, before, end=rfc3339(split))
        assert await csv_agrees(client, headers, after, start=rfc3339(split + timedelta(microseconds=1)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=st.lists(steps, min_size=1, max_size=10), split_pct=st.integers(0, 100), fees=schedules)
def test_statements_reconcile_to_the_cent_close_with_the_account_and_chain(
    plan: list[Step], split_pct: int, fees: FeeSchedule
) -> None:
    with patch.object(statements, "_PAGE_ROWS", 3):  # the CSV's journal pages, small enough that a plan spans several
        asyncio.run(play(plan, split_pct, fees))
