"""GET /v2/account/activities: fills and cash movements, filters, ordering and paging, on both journals."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from alpaca.trading.enums import ActivityType, TradeActivityType
from alpaca.trading.models import NonTradeActivity, TradeActivity

from tests.factories import HttpClient, auth_headers, order_body, place
from tests.http.reference_checks import shape_failures
from tests.http.report_fixtures import client_fixture, engine_fixture  # noqa: F401  (fixtures; the clock is this module's)
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.core.risk_limits import RiskLimits, StateSource, TradingState
from tradeloop.http.shapes.trading import ActivityJson
from tradeloop.market.manual import admin_ticks

Headers = dict[str, str]
START = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)
ACTIVITIES = "/v2/account/activities"


class Clock:
    """A clock the test moves; `step` is added after every reading (distinct times for concurrent events)."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(0)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        now = self.now
        self.now += self.step
        return now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def tick(engine: Engine, clock: Clock, price: str, size: str | None = None, symbol: str = "AAPL") -> None:
    """A quote and a trade at the clock's time; waits until every actor has handled them."""
    trade, quote = admin_ticks(
        symbol, Decimal(price), None, None, Decimal(size) if size is not None else None, clock.now
    )
    await engine.ingest(quote)
    await engine.ingest(trade)
    await engine.quiesce()


async def listing(
    client: HttpClient, headers: Headers, path: str = ACTIVITIES, status: int = 200, **params: Any
) -> Any:
    response = await client.get(path, params={k: str(v) for k, v in params.items()}, headers=headers)
    payload = await response.json()
    assert response.status == status, payload
    return payload


async def move_cash_at(engine: Engine, clock: Clock, account: Credentials, when: datetime, amount: str) -> None:
    clock.now = when
    await engine.adjust_cash(account.account_id, Decimal(amount), f"cash {amount}")


def amounts(activities: list[dict[str, Any]]) -> list[str]:
    return [activity["net_amount"] for activity in activities]


# -- fills ------------------------------------------------------------------------


async def test_partial_fill_then_fill_are_fill_activities_with_running_quantities(
    client: HttpClient, engine: Engine, clock: Clock, headers: Headers
) -> None:
    await tick(engine, clock, "150", size="3")
    order = await place(client, headers, order_body(qty="5", time_in_force="gtc"))
    assert order["status"] == "partially_filled"
    second = clock.advance(seconds=5)
    await tick(engine, clock, "150.02", size="3")
    partial, full = await listing(client, headers, direction="asc")
    assert partial["type"] == "partial_fill" and partial["order_status"] == "partially_filled"
    assert (partial["qty"], partial["cum_qty"], partial["leaves_qty"], partial["price"]) == ("3", "3", "2", "150")
    assert full["type"] == "fill" and full["order_status"] == "filled"
    assert (full["qty"], full["cum_qty"], full["leaves_qty"], full["price"]) == ("2", "5", "0", "150.02")
    for activity in (partial, full):
        assert activity["activity_type"] == "FILL" and activity["order_id"] == order["id"]
        assert activity["symbol"] == "AAPL" and activity["side"] == "buy"
    assert partial["transaction_time"] == "2026-01-05T15:00:00.000000Z"
    assert full["transaction_time"] == second.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert partial["id"].startswith("20260105150000000::") and full["id"].startswith("20260105150005000::")
    parsed = [TradeActivity(**activity) for activity in (partial, full)]
    assert [p.type for p in parsed] == [TradeActivityType.PARTIAL_FILL, TradeActivityType.FILL]
    assert parsed[1].cum_qty == 5 and parsed[1].leaves_qty == 0 and parsed[1].activity_type is ActivityType.FILL


async def test_cash_activities_parse_as_alpaca_non_trade_activities(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    await move_cash_at(engine, clock, account, START, "250.25")
    await move_cash_at(engine, clock, account, START + timedelta(days=1), "-50")
    withdrawal, deposit = (NonTradeActivity(**a) for a in await listing(client, headers))
    assert deposit.activity_type is ActivityType.CSD and deposit.net_amount == 250.25
    assert withdrawal.activity_type is ActivityType.CSW and withdrawal.net_amount == -50
    assert withdrawal.description == "cash -50" and str(deposit.date) == "2026-01-05"
    assert str(withdrawal.date) == "2026-01-06"


# -- ordering and filters -----------------------------------------------------------


async def test_newest_first_by_default_and_oldest_first_on_request(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    for minutes, amount in enumerate(["1", "2", "3"]):
        await move_cash_at(engine, clock, account, START + timedelta(minutes=minutes), amount)
    assert amounts(await listing(client, headers)) == ["3", "2", "1"]
    assert amounts(await listing(client, headers, direction="desc")) == ["3", "2", "1"]
    assert amounts(await listing(client, headers, direction="asc")) == ["1", "2", "3"]
    await listing(client, headers, status=400, direction="sideways")


async def test_activities_at_the_same_instant_list_the_last_recorded_first(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    for amount in ["1", "2", "3"]:
        await move_cash_at(engine, clock, account, START, amount)
    assert amounts(await listing(client, headers)) == ["3", "2", "1"]
    assert amounts(await listing(client, headers, direction="asc")) == ["1", "2", "3"]
    pages = await walk(client, headers, 2)
    assert [amounts(page) for page in pages] == [["3", "2"], ["1"]]


async def test_activity_types_filter_and_type_path(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    await tick(engine, clock, "100")
    await place(client, headers, order_body(qty="1", time_in_force="gtc"))
    clock.advance(seconds=1)
    await engine.adjust_cash(account.account_id, Decimal("7"), "in")
    clock.advance(seconds=1)
    await engine.adjust_cash(account.account_id, Decimal("-3"), "out")

    def kinds(activities: list[dict[str, Any]]) -> list[str]:
        return [a["activity_type"] for a in activities]

    assert kinds(await listing(client, headers)) == ["CSW", "CSD", "FILL"]
    assert kinds(await listing(client, headers, activity_types="FILL")) == ["FILL"]
    assert kinds(await listing(client, headers, activity_types="csd, CSW")) == ["CSW", "CSD"]
    assert kinds(await listing(client, headers, f"{ACTIVITIES}/FILL")) == ["FILL"]
    assert kinds(await listing(client, headers, f"{ACTIVITIES}/CSD")) == ["CSD"]
    assert kinds(await listing(client, headers, f"{ACTIVITIES}/CSW", direction="asc")) == ["CSW"]


async def test_date_selects_one_utc_day(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    day = datetime(2026, 1, 6, tzinfo=timezone.utc)
    for when, amount in [
        (day - timedelta(microseconds=1), "1"),
        (day, "2"),
        (day + timedelta(days=1, microseconds=-1), "3"),
        (day + timedelta(days=1), "4"),
    ]:
        await move_cash_at(engine, clock, account, when, amount)
    assert amounts(await listing(client, headers, date="2026-01-06")) == ["3", "2"]
    assert amounts(await listing(client, headers, date="2026-01-05")) == ["1"]
    assert await listing(client, headers, date="2026-01-09") == []
    await listing(client, headers, status=400, date="yesterday")


async def test_after_and_until_are_exclusive_bounds_in_any_offset(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    times = [START + timedelta(hours=hours) for hours in range(4)]
    for when, amount in zip(times, ["1", "2", "3", "4"]):
        await move_cash_at(engine, clock, account, when, amount)
    utc: dict[str, Any] = {"after": times[0].isoformat(), "until": times[3].isoformat()}
    assert amounts(await listing(client, headers, **utc)) == ["3", "2"]
    eastern = timezone(timedelta(hours=-5))
    shifted: dict[str, Any] = {"after": times[0].astimezone(eastern).isoformat(), "until": times[3].astimezone(eastern).isoformat()}
    assert amounts(await listing(client, headers, **shifted)) == ["3", "2"]
    naive: dict[str, Any] = {"after": times[1].replace(tzinfo=None).isoformat()}
    assert amounts(await listing(client, headers, direction="asc", **naive)) == ["3", "4"]
    assert amounts(await listing(client, headers, until="2026-01-05T17:00:00Z")) == ["2", "1"]
    await listing(client, headers, status=400, after="not-a-time")


# -- paging -----------------------------------------------------------------------


async def walk(client: HttpClient, headers: Headers, page_size: int, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page, following page tokens until an empty page."""
    pages: list[list[dict[str, Any]]] = []
    token: dict[str, Any] = {}
    while page := await listing(client, headers, page_size=page_size, **params, **token):
        assert len(page) <= page_size
        pages.append(page)
        token = {"page_token": page[-1]["id"]}
    return pages


@pytest.mark.parametrize("direction", ["asc", "desc"])
async def test_page_size_and_page_token_walk_every_activity_once(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers, direction: str
) -> None:
    for seconds in range(7):
        await move_cash_at(engine, clock, account, START + timedelta(seconds=seconds), str(seconds + 1))
    pages = await walk(client, headers, 3, direction=direction)
    assert [len(page) for page in pages] == [3, 3, 1]
    walked = [a["net_amount"] for page in pages for a in page]
    assert walked == amounts(await listing(client, headers, direction=direction))
    assert sorted(walked, key=int) == [str(n) for n in range(1, 8)]


async def test_paging_reaches_deep_history(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    clock.step = timedelta(milliseconds=1)
    count = 1_150
    await asyncio.gather(*(engine.adjust_cash(account.account_id, Decimal(1), "d") for _ in range(count)))
    pages = await walk(client, headers, 100)
    assert len(pages) == 12 and sum(len(page) for page in pages) == count
    assert len({a["id"] for page in pages for a in page}) == count


async def test_paging_stays_inside_date_bounds(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    for hours in range(6):
        await move_cash_at(engine, clock, account, START + timedelta(hours=hours), str(hours + 1))
    bounds = {"after": START.isoformat(), "until": (START + timedelta(hours=5)).isoformat()}
    pages = await walk(client, headers, 2, **bounds)
    assert [amounts(page) for page in pages] == [["5", "4"], ["3", "2"]]


@pytest.mark.parametrize("page_size", ["0", "101", "-1", "ten"])
async def test_bad_page_size_is_400_naming_it(client: HttpClient, headers: Headers, page_size: str) -> None:
    refused = await listing(client, headers, status=400, page_size=page_size)
    assert refused["code"] == 40010001 and refused["field"] == "page_size"


@pytest.mark.parametrize("token", ["nonsense", "20260105150000000::not-listed", "2026::x"])
async def test_bad_page_token_is_400_naming_it(client: HttpClient, headers: Headers, token: str) -> None:
    refused = await listing(client, headers, status=400, page_token=token)
    assert refused["field"] == "page_token"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (ACTIVITIES, {"activity_types": "FILL,BOGUS"}),
        (ACTIVITIES, {"activity_types": "DIV"}),
        (f"{ACTIVITIES}/BOGUS", {}),
    ],
)
async def test_bad_activity_type_is_400_naming_activity_types(
    client: HttpClient, headers: Headers, path: str, params: dict[str, str]
) -> None:
    refused = await listing(client, headers, path, status=400, **params)
    assert refused["code"] == 40010001 and refused["field"] == "activity_types"
    assert "activity_types" in refused["message"]


# -- risk notices (RISK, ours) ------------------------------------------------------


async def test_risk_notices_are_listed_only_when_asked_for_and_alpaca_py_parses_a_plain_listing(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    await tick(engine, clock, "100")
    await place(client, headers, order_body(qty="100", time_in_force="gtc"))
    limits = RiskLimits(daily_loss_limit=Decimal(1_000))
    await engine.set_risk(account.account_id, limits=limits, state=None, reason=None, source=StateSource.USER)
    clock.advance(seconds=1)
    await tick(engine, clock, "91.5")  # a loss of 850: past 80% of the limit, a warning
    clock.advance(seconds=1)
    await engine.set_risk(
        account.account_id, limits=None, state=TradingState.HALTED, reason="kill switch", source=StateSource.USER
    )
    plain = await listing(client, headers)
    assert [a["activity_type"] for a in plain] == ["FILL"]
    for activity in plain:  # a type alpaca-py does not know would fail its listing here
        model = TradeActivity if activity["activity_type"] == "FILL" else NonTradeActivity
        model.model_validate(activity)
    halted, warned = await listing(client, headers, activity_types="RISK")
    assert (halted["event"], halted["trading_state"], halted["source"]) == ("state_changed", "HALTED", "user")
    assert halted["description"] == "kill switch" and halted["limit"] is None
    assert (warned["event"], warned["limit"], warned["trading_state"]) == ("warning", "daily_loss_limit", None)
    assert warned["description"] == "daily_loss_limit 1000: the session's loss is 850.00"
    assert warned["transaction_time"] == "2026-01-05T15:00:01.000000Z"
    assert await listing(client, headers, f"{ACTIVITIES}/RISK") == [halted, warned]
    every = await listing(client, headers, activity_types="FILL,RISK", direction="asc")
    assert [a["activity_type"] for a in every] == ["FILL", "RISK", "RISK"]
    assert shape_failures(list[ActivityJson], every) == []
    assert await walk(client, headers, 1, activity_types="RISK") == [[halted], [warned]]


# -- isolation --------------------------------------------------------------------


async def test_another_account_never_sees_mine(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    other = auth_headers(await engine.open_account(Decimal(1_000)))
    await tick(engine, clock, "100")
    await place(client, headers, order_body(qty="2", time_in_force="gtc"))
    await move_cash_at(engine, clock, account, START + timedelta(seconds=1), "10")
    mine = await listing(client, headers)
    assert [a["activity_type"] for a in mine] == ["CSD", "FILL"]
    assert all(a["account_id"] == str(account.account_id) for a in mine)
    assert await listing(client, other) == []
    for path in (f"{ACTIVITIES}/FILL", f"{ACTIVITIES}/CSD"):
        assert await listing(client, other, path) == []
    refused = await listing(client, other, status=400, page_token=mine[0]["id"])
    assert refused["field"] == "page_token"
    await listing(client, {}, status=401)
