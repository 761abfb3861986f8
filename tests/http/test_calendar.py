"""GET /v2/calendar in Alpaca's shape, its date range, and alpaca-py's get_calendar parsing it."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest
from alpaca.trading.client import TradingClient
from alpaca.trading.models import Calendar
from alpaca.trading.requests import GetCalendarRequest

from tests.factories import HttpClient
from tradeloop.actors.engine import Credentials

DAY_2024_01_02 = {
    "date": "2024-01-02",
    "open": "00:00",
    "close": "23:59",
    "session_open": "0000",
    "session_close": "2359",
    "settlement_date": "2024-01-03",
}


async def calendar(client: HttpClient, headers: dict[str, str], **params: str) -> tuple[int, object]:
    response = await client.get("/v2/calendar", headers=headers, params=params)
    return response.status, await response.json()


async def test_lists_each_day_from_start_to_end_in_alpaca_shape(client: HttpClient, headers: dict[str, str]) -> None:
    status, days = await calendar(client, headers, start="2024-01-02", end="2024-01-04")
    assert status == 200
    assert isinstance(days, list)
    assert days[0] == DAY_2024_01_02
    assert [day["date"] for day in days] == ["2024-01-02", "2024-01-03", "2024-01-04"]


@pytest.mark.parametrize(
    ("start", "end"),
    [("2024-01-02T00:00:00+00:00", "2024-01-02T23:59:59+00:00"), ("2024-01-02T00:00:00Z", "2024-01-02")],
)
async def test_takes_times_with_an_offset_as_their_dates(
    client: HttpClient, headers: dict[str, str], start: str, end: str
) -> None:
    status, days = await calendar(client, headers, start=start, end=end)
    assert status == 200
    assert days == [DAY_2024_01_02]


async def test_without_end_lists_31_days_from_start(client: HttpClient, headers: dict[str, str]) -> None:
    status, days = await calendar(client, headers, start="2024-01-01")
    assert status == 200
    assert isinstance(days, list)
    assert (days[0]["date"], days[-1]["date"], len(days)) == ("2024-01-01", "2024-01-31", 31)


async def test_without_start_lists_31_days_up_to_end(client: HttpClient, headers: dict[str, str]) -> None:
    status, days = await calendar(client, headers, end="2024-01-31")
    assert status == 200
    assert isinstance(days, list)
    assert (days[0]["date"], days[-1]["date"]) == ("2024-01-01", "2024-01-31")


async def test_an_end_before_the_start_lists_nothing(client: HttpClient, headers: dict[str, str]) -> None:
    assert await calendar(client, headers, start="2024-01-05", end="2024-01-04") == (200, [])


async def test_refuses_more_than_ten_years_at_once_naming_end(client: HttpClient, headers: dict[str, str]) -> None:
    status, problem = await calendar(client, headers, start="2000-01-01", end="2029-12-31")
    assert status == 400
    assert isinstance(problem, dict)
    assert problem["code"] == 40010001
    assert "end" in problem["message"]


async def test_refuses_a_date_that_is_not_one(client: HttpClient, headers: dict[str, str]) -> None:
    status, problem = await calendar(client, headers, start="yesterday")
    assert status == 400
    assert isinstance(problem, dict)
    assert "start" in problem["message"]


async def test_the_ends_of_the_calendar_answer_without_error(client: HttpClient, headers: dict[str, str]) -> None:
    status, days = await calendar(client, headers, start="9999-12-01", end="9999-12-31")
    assert status == 200
    assert days == []
    status, days = await calendar(client, headers, start="0001-01-01", end="1970-01-01")
    assert status == 200
    assert isinstance(days, list)
    assert [day["date"] for day in days] == ["1970-01-01"]


@pytest.mark.parametrize("params", [{"end": "0001-01-01"}, {"start": "9999-12-31"}, {"end": "9999-12-31"}])
async def test_one_end_alone_at_the_calendars_edge_answers_without_error(
    client: HttpClient, headers: dict[str, str], params: dict[str, str]
) -> None:
    status, days = await calendar(client, headers, **params)
    assert status == 200
    assert isinstance(days, list)
    assert len(days) <= 31


async def test_alpaca_py_get_calendar_parses_the_answer(client: HttpClient, account: Credentials) -> None:
    sdk = TradingClient(account.key_id, account.secret_key, url_override=str(client.make_url("")).rstrip("/"))
    request = GetCalendarRequest(start=date(2024, 1, 2), end=date(2024, 1, 3))
    days = await asyncio.get_running_loop().run_in_executor(None, sdk.get_calendar, request)
    assert isinstance(days, list)
    assert all(isinstance(day, Calendar) for day in days)
    assert [(day.date, day.open, day.close) for day in days] == [
        (date(2024, 1, 2), datetime(2024, 1, 2, 0, 0), datetime(2024, 1, 2, 23, 59)),
        (date(2024, 1, 3), datetime(2024, 1, 3, 0, 0), datetime(2024, 1, 3, 23, 59)),
    ]
