"""GET /v2/reports/performance: figures of real orders on the manual market over days, against a benchmark, on both journals."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.factories import HttpClient, order_body, place
from tests.http.report_factories import Clock, get_json, tick
from tests.http.report_fixtures import client_fixture, clock_fixture, engine_fixture  # noqa: F401  (fixtures)
from tradeloop.actors.engine import Engine

Headers = dict[str, str]
PERFORMANCE = "/v2/reports/performance"
DAY = 86_400


async def get(client: HttpClient, headers: Headers, path: str = PERFORMANCE, status: int = 200, **params: str) -> Any:
    return await get_json(client, headers, path, status, **params)


async def three_days(client: HttpClient, engine: Engine, clock: Clock, headers: Headers) -> None:
    """Monday 15:00 buy 10 AAPL at 100 (SPY 500); Tuesday AAPL 110; Wednesday sell them at 105 (SPY 510); now 16:00."""
    await tick(engine, clock, 0, "500", symbol="SPY")
    await tick(engine, clock, 0, "100")
    await place(client, headers, order_body(qty="10"))
    await tick(engine, clock, DAY, "110")
    await tick(engine, clock, 2 * DAY, "105")
    await tick(engine, clock, 2 * DAY, "510", symbol="SPY")
    await place(client, headers, order_body(qty="10", side="sell"))
    clock.at(2 * DAY + 3600)


async def test_the_report_is_made_of_the_daily_equity_and_the_round_trips_and_ends_at_the_accounts_equity(
    client: HttpClient, engine: Engine, clock: Clock, headers: Headers
) -> None:
    await three_days(client, engine, clock, headers)
    report = await get(client, headers, start="2026-01-05T16:00:00Z", benchmark="spy")
    assert [(p["timestamp"], p["equity"], p["benchmark"]) for p in report["equity"]] == [
        ("2026-01-05T00:00:00.000000Z", "100000.00", "500"),  # the midnight starting the period's first day
        ("2026-01-06T00:00:00.000000Z", "100000.00", "500"),
        ("2026-01-07T00:00:00.000000Z", "100100.00", "500"),
        ("2026-01-07T16:00:00.000000Z", "100050.00", "510"),
    ]
    account = await get(client, headers, "/v2/account")
    assert report["end_equity"] == account["equity"] == "100050.00"
    assert (report["start_equity"], report["profit"], report["net_deposits"]) == ("100000.00", "50.00", "0.00")
    assert report["total_return"] == pytest.approx(0.0005)
    assert report["max_drawdown"] == pytest.approx(100050 / 100100 - 1)
    assert report["max_drawdown_duration_seconds"] == 16 * 3600  # from Wednesday's midnight peak to the end
    assert report["exposure"] == pytest.approx(2 / 3)
    assert (report["benchmark"], report["benchmark_return"], report["days_per_year"]) == (
        "SPY",
        pytest.approx(0.02),
        365,
    )
    assert (report["trades"]["trades"], report["trades"]["realized_pl"], report["fees"]) == (1, "50.00", "0.00")
    assert report["sharpe"] is not None and report["sortino"] is not None and report["cagr"] > 0


async def test_the_trade_figures_narrow_to_a_symbol_and_the_csv_is_streamed(
    client: HttpClient, engine: Engine, clock: Clock, headers: Headers
) -> None:
    await three_days(client, engine, clock, headers)
    other = await get(client, headers, symbol="MSFT")
    assert other["trades"]["trades"] == 0 and other["symbol"] == "MSFT" and other["end_equity"] == "100050.00"
    aapl = await get(client, headers, symbol="aapl", strategy_id="00000000-0000-4000-8000-000000000001")
    assert aapl["trades"]["trades"] == 0  # the trade was placed by hand, not by that strategy
    assert (await get(client, headers, symbol="aapl"))["trades"]["trades"] == 1
    response = await client.get(PERFORMANCE, params={"format": "csv", "start": "2026-01-05T16:00:00Z"}, headers=headers)
    assert response.status == 200 and response.content_type == "text/csv"
    assert response.headers["Transfer-Encoding"] == "chunked"
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    metrics = {row["name"]: row["value"] for row in rows if row["record"] == "metric"}
    assert metrics["end_equity"] == "100050.00" and metrics["trades.realized_pl"] == "50.00"
    assert [row["value"] for row in rows if row["record"] == "equity"] == [
        "100000.00",
        "100000.00",
        "100100.00",
        "100050.00",
    ]


async def test_an_unlisted_benchmark_or_a_period_before_the_opening_is_refused_naming_the_parameter(
    client: HttpClient, clock: Clock, headers: Headers
) -> None:
    problem = await get(client, headers, status=400, benchmark="NOPE")
    assert problem["code"] == 40010001 and "benchmark" in problem["message"]
    problem = await get(client, headers, status=400, end="2020-01-01")
    assert "end" in problem["message"]
