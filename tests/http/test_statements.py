"""GET /v2/reports/statement: balances and movements of real orders and deposits on the manual market, on both journals."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web

from tests.factories import HttpClient, order_body, place
from tests.http.report_factories import (
    Clock,
    csv_statement_as_json,
    get_json,
    json_statement_in_csv_terms,
    reconciles,
    tick,
)
from tests.http.report_fixtures import client_fixture, clock_fixture, engine_fixture  # noqa: F401  (fixtures)
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.http import statements
from tradeloop.journal import Activity, ActivityKey, ActivityQuery

Headers = dict[str, str]
STATEMENT = "/v2/reports/statement"


async def get(client: HttpClient, headers: Headers, path: str = STATEMENT, status: int = 200, **params: str) -> Any:
    return await get_json(client, headers, path, status, **params)


async def history(client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers) -> None:
    """Day one: buy 10 AAPL at 100 and 4 MSFT at 50.25, deposit 1,000.50; day two: sell 6 AAPL at 110.10, withdraw 99.99."""
    await tick(engine, clock, 0, "100")
    await tick(engine, clock, 0, "50.25", symbol="MSFT")
    await place(client, headers, order_body(qty="10"))
    await place(client, headers, order_body(qty="4", symbol="MSFT"))
    clock.at(60)
    await engine.adjust_cash(account.account_id, Decimal("1000.50"), "deposit")
    await tick(engine, clock, 86_400, "110.10")
    await place(client, headers, order_body(qty="6", side="sell"))
    clock.at(86_460)
    await engine.adjust_cash(account.account_id, Decimal("-99.99"), "withdrawal")
    clock.at(90_000)


async def test_the_whole_statement_reconciles_and_closes_with_the_accounts_cash_and_positions(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    await history(client, engine, clock, account, headers)
    statement = await get(client, headers)
    assert statement["start"] is None and statement["end"] == "2026-01-06T16:00:00.000000Z"
    assert statement["opening"] == {"cash": "100000.00", "positions": []}
    assert [a["activity_type"] for a in statement["activities"]] == ["FILL", "FILL", "CSD", "FILL", "CSW"]
    assert statement["totals"] == {
        "deposits": "1000.50", "withdrawals": "99.99", "buys": "1201.00", "sells": "660.60", "fees": "0.00",
        "realized_pl": "60.60",
    }  # fmt: skip
    assert reconciles(statement)
    account_now = await get(client, headers, "/v2/account")
    assert statement["closing"]["cash"] == "100360.11" and Decimal(statement["closing"]["cash"]) == Decimal(
        account_now["cash"]
    )
    positions = await get(client, headers, "/v2/positions")
    assert (
        [(p["symbol"], p["qty"], p["cost_basis"]) for p in statement["closing"]["positions"]]
        == [(p["symbol"], p["qty"], p["cost_basis"]) for p in positions]
        == [("AAPL", "4", "400.00"), ("MSFT", "4", "201.00")]
    )


async def test_a_period_opens_with_the_balance_the_period_before_it_closed_with(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    await history(client, engine, clock, account, headers)
    day_one = await get(client, headers, start="2026-01-05", end="2026-01-05T23:59:59.999999Z")
    day_two = await get(client, headers, start="2026-01-06")
    assert (
        day_one["closing"]
        == day_two["opening"]
        == {
            "cash": "99799.50",
            "positions": [
                {"symbol": "AAPL", "qty": "10", "cost_basis": "1000.00", "avg_entry_price": "100.00"},
                {"symbol": "MSFT", "qty": "4", "cost_basis": "201.00", "avg_entry_price": "50.25"},
            ],
        }
    )
    assert [a["activity_type"] for a in day_one["activities"]] == ["FILL", "FILL", "CSD"]
    assert [a["activity_type"] for a in day_two["activities"]] == ["FILL", "CSW"]
    assert day_two["totals"]["realized_pl"] == "60.60" and day_one["totals"]["realized_pl"] == "0.00"
    assert reconciles(day_one) and reconciles(day_two)


async def test_the_csv_statement_is_streamed_with_the_cash_after_each_activity(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    await history(client, engine, clock, account, headers)
    response = await client.get(STATEMENT, params={"format": "csv", "start": "2026-01-06"}, headers=headers)
    assert response.status == 200 and response.content_type == "text/csv"
    assert response.headers["Transfer-Encoding"] == "chunked"  # written as it goes, its length unknown beforehand
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [row["record"] for row in rows] == [
        "opening_position", "opening_position", "opening", "activity", "activity",
        "deposits", "withdrawals", "buys", "sells", "fees", "realized_pl",
        "closing_position", "closing_position", "closing",
    ]  # fmt: skip
    sale, withdrawal = rows[3], rows[4]
    assert (sale["activity_type"], sale["symbol"], sale["side"], sale["qty"], sale["price"]) == (
        "FILL",
        "AAPL",
        "sell",
        "6",
        "110.10",
    )
    assert (sale["amount"], sale["cash"]) == ("660.60", "100460.10")
    assert (withdrawal["activity_type"], withdrawal["amount"], withdrawal["cash"]) == ("CSW", "-99.99", "100360.11")
    assert rows[2]["cash"] == "99799.50" and rows[-1]["cash"] == "100360.11"
    assert (rows[-3]["symbol"], rows[-3]["qty"], rows[-3]["amount"]) == ("AAPL", "4", "400.00")


async def test_a_long_csv_statement_is_written_in_chunks_while_the_journal_is_read_a_few_rows_at_a_time(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    for minute in range(30):  # a fill and a deposit a minute, then a sale: 61 movements
        await tick(engine, clock, minute * 60, str(100 + minute))
        await place(client, headers, order_body(qty="2"))
        clock.at(minute * 60 + 1)
        await engine.adjust_cash(account.account_id, Decimal("10.01"), "deposit")
    await tick(engine, clock, 1800, "150")
    await place(client, headers, order_body(qty="45", side="sell"))
    clock.at(1900)
    monkeypatch.setattr(statements, "_PAGE_ROWS", 7)
    monkeypatch.setattr(statements, "_ROWS_PER_CHUNK", 5)
    pages: list[int] = []
    read_page = engine.journal.activity_page

    async def counted(query: ActivityQuery, after: ActivityKey | None) -> tuple[list[Activity], ActivityKey | None]:
        found = await read_page(query, after)
        assert len(found[0]) <= query.limit == 7
        pages.append(len(found[0]))
        return found

    monkeypatch.setattr(engine.journal, "activity_page", counted)
    writes: list[int] = []
    write = web.StreamResponse.write

    async def counted_write(response: web.StreamResponse, data: bytes | bytearray | memoryview) -> None:
        writes.append(len(data))
        await write(response, data)

    monkeypatch.setattr(web.StreamResponse, "write", counted_write)
    for period in ({}, {"start": "2026-01-05T15:10:00Z", "end": "2026-01-05T15:20:00Z"}):
        pages.clear()
        writes.clear()
        response = await client.get(STATEMENT, params={"format": "csv", **period}, headers=headers)
        text = await response.text()
        assert response.status == 200, text
        # Balances and totals in a first pass over all 61 (9 pages), the rows in a second that stops past the end.
        assert len(pages) == (18 if not period else 9 + 6) and sum(pages[:9]) == 61
        assert len(writes) >= text.count("\n") // 5  # a chunk each 5 rows as they were read, not all at the end
        monkeypatch.setattr(engine.journal, "activity_page", read_page)
        statement = await get(client, headers, STATEMENT, 200, **period)
        monkeypatch.setattr(engine.journal, "activity_page", counted)
        assert csv_statement_as_json(text) == json_statement_in_csv_terms(statement)
        assert len(statement["activities"]) == (61 if not period else 21)


async def test_a_start_after_the_end_is_refused_naming_start(client: HttpClient, headers: Headers) -> None:
    problem = await get(client, headers, status=400, start="2026-02-01", end="2026-01-01")
    assert problem["code"] == 40010001 and "start" in problem["message"]
    refused = await get(client, headers, status=400, format="pdf")
    assert "format" in refused["message"]
