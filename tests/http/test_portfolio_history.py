"""GET /v2/account/portfolio/history: equity replayed from real fills, cash movements and bars on the manual market."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import ActivityType
from alpaca.trading.models import PortfolioHistory
from alpaca.trading.requests import GetPortfolioHistoryRequest

from tests.factories import HttpClient, auth_headers, order_body, place
from tests.http.report_factories import START, Clock, get_json, tick
from tests.http.report_fixtures import client_fixture, clock_fixture, engine_fixture  # noqa: F401  (fixtures)
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.http.portfolio_history import PortfolioHistoryQuery, read_window

Headers = dict[str, str]
HISTORY = "/v2/account/portfolio/history"
T = TypeVar("T")


async def get(client: HttpClient, headers: Headers, status: int = 200, **params: Any) -> Any:
    return await get_json(client, headers, HISTORY, status, **params)


async def equity_now(client: HttpClient, headers: Headers) -> str:
    response = await client.get("/v2/account", headers=headers)
    return str((await response.json())["equity"])


async def buy_deposit_sell(client: HttpClient, engine: Engine, clock: Clock, account: Credentials) -> None:
    """15:00 buy 10 AAPL at 100; 15:01 AAPL 110; 15:02:10 deposit 500; 15:03 AAPL 105, sell 4."""
    headers = auth_headers(account)
    await tick(engine, clock, 0, "100")
    await place(client, headers, order_body(qty="10"))
    await tick(engine, clock, 60, "110")
    clock.at(130)
    await engine.adjust_cash(account.account_id, Decimal(500), "deposit")
    await tick(engine, clock, 180, "105")
    await place(client, headers, order_body(qty="4", side="sell"))
    await engine.quiesce()


async def test_each_minute_is_cash_plus_positions_at_its_close_and_pl_leaves_out_the_deposit(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials
) -> None:
    headers = auth_headers(account)
    await buy_deposit_sell(client, engine, clock, account)
    history = await get(client, headers, period="1D", timeframe="1Min", cashflow_types="ALL")
    minute = int(START.timestamp())
    assert history["timestamp"] == [minute, minute + 60, minute + 120, minute + 180]
    # 99,000 + 10 x 100; 10 x 110; + 500 deposited; 99,500 + 420 for 4 + 6 x 105
    assert history["equity"] == [100000.0, 100100.0, 100600.0, 100550.0]
    assert history["profit_loss"] == [0.0, 100.0, 100.0, 50.0]
    assert history["profit_loss_pct"] == [0.0, 0.001, 0.001, 0.0005]
    assert history["cashflow"] == {"CSD": [0.0, 0.0, 500.0, 0.0], "CSW": [0.0, 0.0, 0.0, 0.0]}
    assert (history["base_value"], history["timeframe"]) == (100000.0, "1Min")
    assert "base_value_asof" not in history  # the account opened that day: its opening cash is the base
    assert str(history["equity"][-1]) == str(float(await equity_now(client, headers)))
    five = await get(client, headers, period="1D", timeframe="5Min")
    assert (five["timestamp"], five["equity"], five["cashflow"]) == ([minute], [100550.0], {})


async def test_numbers_are_exact_json_numbers_to_the_cent(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials
) -> None:
    headers = auth_headers(account)
    await tick(engine, clock, 0, "33.33")
    await place(client, headers, order_body(qty="3"))
    await tick(engine, clock, 60, "33.37")
    response = await client.get(HISTORY, params={"timeframe": "1Min", "period": "1D"}, headers=headers)
    text = await response.text()
    assert '"equity":[100000.00,100000.12]' in text and '"profit_loss":[0.00,0.12]' in text
    assert '"profit_loss_pct":[0,0.0000012]' in text  # 0.12 / 100,000, without trailing zeros


async def test_daily_points_measure_pl_from_the_close_before_the_first_day(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials
) -> None:
    headers = auth_headers(account)
    day = 86_400
    await tick(engine, clock, 0, "100")
    await place(client, headers, order_body(qty="10"))
    await tick(engine, clock, day, "120")  # 2026-01-06 15:00
    await tick(engine, clock, 2 * day, "90")  # 2026-01-07 15:00
    whole = await get(client, headers, period="1W", timeframe="1D")
    midnight = int(datetime(2026, 1, 5, tzinfo=timezone.utc).timestamp())
    assert whole["timestamp"] == [midnight, midnight + day, midnight + 2 * day]
    assert whole["equity"] == [100000.0, 100200.0, 99900.0] and whole["profit_loss"] == [0.0, 200.0, -100.0]
    later = await get(client, headers, start="2026-01-06", timeframe="1D")
    assert (later["base_value"], later["base_value_asof"]) == (100000.0, "2026-01-05")
    assert later["equity"] == [100200.0, 99900.0] and later["profit_loss"] == [200.0, -100.0]
    hours: dict[str, Any] = {"start": "2026-01-06T14:00:00Z", "end": "2026-01-07T15:30:00Z", "timeframe": "1H"}
    per_day = await get(client, headers, **hours)
    kept = await get(client, headers, **hours, pnl_reset="no_reset")
    assert per_day["equity"] == kept["equity"] and per_day["equity"][-1] == 99900.0
    assert per_day["base_value"] == kept["base_value"] == 100000.0  # the close of 2026-01-05
    assert kept["profit_loss"][-1] == -100.0  # from the close of 2026-01-05
    assert per_day["profit_loss"][-1] == -300.0  # from the close of 2026-01-06, 100,200


async def test_a_window_before_the_account_opened_has_no_points(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials
) -> None:
    headers = auth_headers(account)
    empty = await get(client, headers, end="2026-01-04T00:00:00Z", period="1D", timeframe="1H")
    assert (empty["timestamp"], empty["equity"], empty["base_value"]) == ([], [], 0.0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "1X"}, "period"),
        ({"period": "0D"}, "period"),
        ({"timeframe": "2H"}, "timeframe"),
        ({"timeframe": "1Min", "period": "2M"}, "timeframe"),
        ({"start": "2026-01-01", "end": "2026-01-02", "period": "1D"}, "period"),
        ({"end": "2026-01-02", "date_end": "2026-01-02"}, "date_end"),
        ({"start": "2026-01-06T00:00:00Z", "end": "2026-01-05T00:00:00Z"}, "start"),
        ({"pnl_reset": "sometimes"}, "pnl_reset"),
        ({"intraday_reporting": "always"}, "intraday_reporting"),
        ({"cashflow_types": "CSD,XYZ"}, "cashflow_types"),
        ({"cashflow_types": "FILL"}, "cashflow_types"),
        ({"start": "soon"}, "start"),
    ],
)
async def test_bad_parameters_are_refused_naming_them(
    client: HttpClient, account: Credentials, params: dict[str, str], field: str
) -> None:
    refused = await get(client, auth_headers(account), status=400, **params)
    assert refused["code"] == 40010001 and field in refused["message"]


async def call(function: Callable[..., T], *args: Any) -> T:
    """Run a blocking SDK call off the loop, so the test server can answer it."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


async def test_alpaca_py_reads_the_history_with_its_own_model(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials
) -> None:
    await buy_deposit_sell(client, engine, clock, account)
    sdk = TradingClient(account.key_id, account.secret_key, url_override=str(client.make_url("")).rstrip("/"))
    asked = GetPortfolioHistoryRequest(
        period="1D", timeframe="1Min", extended_hours=True, intraday_reporting="continuous", pnl_reset="no_reset",
        cashflow_types="CSD",
    )  # fmt: skip
    history = await call(sdk.get_portfolio_history, asked)
    assert isinstance(history, PortfolioHistory)
    assert history.equity == [100000.0, 100100.0, 100600.0, 100550.0] and history.timeframe == "1Min"
    assert history.profit_loss[-1] == 50.0 and history.base_value == 100000.0
    assert history.cashflow == {ActivityType.CSD: [0.0, 0.0, 500.0, 0.0]}
    plain = await call(sdk.get_portfolio_history)
    assert isinstance(plain, PortfolioHistory) and plain.timeframe == "1D" and plain.equity == [100550.0]
    dated = await call(sdk.get_portfolio_history, GetPortfolioHistoryRequest(date_end=START.date(), timeframe="1H"))
    assert isinstance(dated, PortfolioHistory) and dated.timestamp == [int(START.timestamp())]


def test_periods_reach_back_calendar_months_and_years_and_choose_the_timeframe_as_alpaca_does() -> None:
    now = datetime(2026, 3, 31, 12, tzinfo=timezone.utc)
    window = read_window(PortfolioHistoryQuery(period="1M"), now)
    assert (window.start, window.end, window.label) == (datetime(2026, 2, 28, 12, tzinfo=timezone.utc), now, "1D")
    assert read_window(PortfolioHistoryQuery(period="5D"), now).label == "1Min"
    assert read_window(PortfolioHistoryQuery(period="2W"), now).label == "15Min"
    year = read_window(PortfolioHistoryQuery(period="1A", start=datetime(2025, 1, 1, tzinfo=timezone.utc)), now)
    assert year.end == datetime(2026, 1, 1, tzinfo=timezone.utc) and year.start + timedelta(days=365) == year.end
