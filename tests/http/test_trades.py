"""GET /v2/account/trades and /summary: round trips of real orders and fills on the manual market, on both journals."""

from __future__ import annotations

from datetime import timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from tests.factories import HttpClient, order_body, place
from tests.http.report_factories import START, Clock, get_json, tick
from tests.http.report_fixtures import client_fixture, clock_fixture, engine_fixture  # noqa: F401  (fixtures)
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce

Headers = dict[str, str]
TRADES = "/v2/account/trades"
SUMMARY = "/v2/account/trades/summary"


async def get(client: HttpClient, headers: Headers, path: str = TRADES, status: int = 200, **params: Any) -> Any:
    return await get_json(client, headers, path, status, **params)


async def trade_in_pieces(client: HttpClient, engine: Engine, clock: Clock, headers: Headers) -> dict[str, str]:
    """Buy 10 AAPL in two fills (A) and 5 more (B); sell 12 in two fills (X) and the last 3 (Y). Returns the orders' ids.

    The account's cost of its 15 shares is 400 + 612 + 550 = 1,562. X's first fill, 3 at 120, removes 312.40 of it
    (3/15); its second, 9 at 121, removes 937.20 of the 1,249.60 left (9/12): 728.93 for A's last 7 and 208.27 for B's
    first 2, sharing its 1,089 as 847 and 242. Y's 3 at 90 remove the last 312.40.
    """
    await tick(engine, clock, 0, "100", size="4")
    a = await place(client, headers, order_body(qty="10", time_in_force="gtc"))
    await tick(engine, clock, 5, "102", size="6")
    await tick(engine, clock, 60, "110")
    b = await place(client, headers, order_body(qty="5"))
    await tick(engine, clock, 120, "120", size="3")
    x = await place(client, headers, order_body(qty="12", side="sell", time_in_force="gtc"))
    await tick(engine, clock, 125, "121", size="100")
    await tick(engine, clock, 200, "90")
    y = await place(client, headers, order_body(qty="3", side="sell"))
    return {"A": a["id"], "B": b["id"], "X": x["id"], "Y": y["id"]}


def ends(trades: list[dict[str, Any]], ids: dict[str, str]) -> list[str]:
    """Each trade as its entry and exit orders' names: 'AX' for A's shares sold by X."""
    names = {order_id: name for name, order_id in ids.items()}
    return [names[t["entry_order_id"]] + names[t["exit_order_id"]] for t in trades]


async def test_orders_filled_in_pieces_make_round_trips_split_first_in_first_out(
    client: HttpClient, engine: Engine, clock: Clock, headers: Headers
) -> None:
    ids = await trade_in_pieces(client, engine, clock, headers)
    page = await get(client, headers)
    assert ends(page["trades"], ids) == ["BY", "BX", "AX"] and page["next_page_token"] is None
    by, bx, ax = page["trades"]
    assert {k: ax[k] for k in ("qty", "cost_basis", "proceeds", "realized_pl", "fees")} == {
        "qty": "10", "cost_basis": "1041.33", "proceeds": "1207.00", "realized_pl": "165.67", "fees": "0.00",
    }  # fmt: skip
    assert (ax["entry_time"], ax["exit_time"], ax["holding_seconds"]) == (
        "2026-01-05T15:00:00.000000Z", "2026-01-05T15:02:05.000000Z", 125.0,
    )  # fmt: skip
    assert (ax["avg_entry_price"], ax["avg_exit_price"], ax["realized_plpc"]) == ("104.133", "120.70", "0.1591")
    assert (bx["qty"], bx["cost_basis"], bx["proceeds"], bx["realized_pl"], bx["holding_seconds"]) == (
        "2", "208.27", "242.00", "33.73", 65.0,
    )  # fmt: skip
    assert (by["qty"], by["cost_basis"], by["proceeds"], by["realized_pl"], by["realized_plpc"]) == (
        "3", "312.40", "270.00", "-42.40", "-0.1357",
    )  # fmt: skip
    assert {t["side"] for t in page["trades"]} == {"long"} and {t["strategy_id"] for t in page["trades"]} == {None}
    oldest_first = await get(client, headers, direction="asc")
    assert ends(oldest_first["trades"], ids) == ["AX", "BX", "BY"]


async def test_the_summary_of_those_trips_by_hand(
    client: HttpClient, engine: Engine, clock: Clock, headers: Headers
) -> None:
    await trade_in_pieces(client, engine, clock, headers)
    summary = await get(client, headers, SUMMARY)
    overall = summary["overall"]
    assert overall == {
        "trades": 3, "winners": 2, "losers": 1, "win_rate": 2 / 3, "gross_profit": "199.40", "gross_loss": "-42.40",
        "realized_pl": "157.00", "fees": "0.00", "profit_factor": 199.40 / 42.40, "expectancy": "52.33",
        "avg_win": "99.70", "avg_loss": "-42.40", "best": "165.67", "worst": "-42.40",
        "avg_holding_seconds": (125 + 65 + 140) / 3,
    }  # fmt: skip
    assert summary["symbols"] == [{**overall, "symbol": "AAPL"}]


async def test_filters_select_by_symbol_exit_time_and_outcome(
    client: HttpClient, engine: Engine, clock: Clock, headers: Headers
) -> None:
    ids = await trade_in_pieces(client, engine, clock, headers)
    await tick(engine, clock, 300, "20", symbol="MSFT")
    await place(client, headers, order_body(symbol="MSFT", qty="2"))
    await tick(engine, clock, 310, "25", symbol="MSFT")
    msft_sale = await place(client, headers, order_body(symbol="MSFT", qty="2", side="sell"))

    async def chosen(**params: Any) -> list[str]:
        trades = (await get(client, headers, **params))["trades"]
        return [t["symbol"] if t["exit_order_id"] == msft_sale["id"] else ends([t], ids)[0] for t in trades]

    assert await chosen() == ["MSFT", "BY", "BX", "AX"]
    assert await chosen(symbols="msft") == ["MSFT"]
    assert await chosen(symbols="AAPL, TSLA") == ["BY", "BX", "AX"]
    assert await chosen(outcome="losers") == ["BY"]
    assert await chosen(outcome="winners", symbols="AAPL") == ["BX", "AX"]
    assert await chosen(after=(START + timedelta(seconds=125)).isoformat()) == ["MSFT", "BY"]
    assert await chosen(until=(START + timedelta(seconds=125)).isoformat(), direction="asc") == ["AX", "BX"]
    eastern = (START + timedelta(seconds=200)).astimezone(timezone(timedelta(hours=-5))).isoformat()
    assert await chosen(until=eastern) == ["BY", "BX", "AX"]
    winners = await get(client, headers, SUMMARY, outcome="winners")
    assert [s["symbol"] for s in winners["symbols"]] == ["AAPL", "MSFT"]
    assert (winners["overall"]["trades"], winners["overall"]["realized_pl"]) == (3, "209.40")  # 165.67 + 33.73 + 10


async def test_pages_follow_the_token_and_a_token_of_no_trade_is_refused(
    client: HttpClient, engine: Engine, clock: Clock, headers: Headers
) -> None:
    ids = await trade_in_pieces(client, engine, clock, headers)
    seen: list[str] = []
    token: str | None = None
    for _ in range(3):
        params: dict[str, Any] = {"limit": 1} if token is None else {"limit": 1, "page_token": token}
        page = await get(client, headers, **params)
        seen += ends(page["trades"], ids)
        token = page["next_page_token"]
    assert seen == ["BY", "BX", "AX"] and token is None
    first = await get(client, headers, limit=2, direction="asc")
    rest = await get(client, headers, limit=2, direction="asc", page_token=first["next_page_token"])
    assert ends(first["trades"] + rest["trades"], ids) == ["AX", "BX", "BY"] and rest["next_page_token"] is None
    refused = await get(client, headers, status=400, page_token=str(uuid4()))
    assert refused["code"] == 40010001 and "page_token" in refused["message"]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("limit", "0"),
        ("limit", "501"),
        ("direction", "up"),
        ("outcome", "even"),
        ("strategy_id", "x"),
        ("after", "soon"),
    ],
)
async def test_bad_parameters_are_refused_naming_them(
    client: HttpClient, headers: Headers, engine: Engine, parameter: str, value: str
) -> None:
    path = SUMMARY if parameter in {"outcome", "strategy_id", "after"} else TRADES
    refused = await get(client, headers, path, status=400, **{parameter: value})
    assert refused["code"] == 40010001 and parameter in refused["message"]


async def test_a_strategys_entries_carry_its_id_and_select_its_trades(
    client: HttpClient, engine: Engine, clock: Clock, account: Credentials, headers: Headers
) -> None:
    strategy_id = uuid4()
    await tick(engine, clock, 0, "50")
    request = OrderRequest(
        symbol="AAPL", side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.DAY, qty=Decimal(4),
        strategy_id=strategy_id,
    )  # fmt: skip
    await engine.place_order(account.account_id, request)
    await tick(engine, clock, 10, "40")
    await place(client, headers, order_body(qty="2"))  # by hand
    await tick(engine, clock, 20, "55")
    await place(client, headers, order_body(qty="6", side="sell"))
    trades = (await get(client, headers, direction="asc"))["trades"]
    assert [(t["qty"], t["strategy_id"]) for t in trades] == [("4", str(strategy_id)), ("2", None)]
    mine = await get(client, headers, strategy_id=str(strategy_id))
    assert [t["id"] for t in mine["trades"]] == [trades[0]["id"]]
    summary = await get(client, headers, SUMMARY, strategy_id=str(strategy_id))
    # 4 × 55 less the average cost of 4 of the 6 shares bought for 200 + 80: 220 − 186.67
    assert summary["overall"]["trades"] == 1 and summary["overall"]["realized_pl"] == "33.33"


async def test_no_trades_yet_is_an_empty_page_and_an_empty_summary(client: HttpClient, headers: Headers) -> None:
    assert await get(client, headers) == {"trades": [], "next_page_token": None}
    summary = await get(client, headers, SUMMARY)
    assert summary["symbols"] == [] and summary["overall"]["trades"] == 0 and summary["overall"]["win_rate"] is None


async def test_the_trades_summary_and_account_agree_on_realized_pl_to_the_cent(
    client: HttpClient, engine: Engine, clock: Clock, headers: Headers
) -> None:
    """Fractional shares at prices whose averages do not come out even, over two symbols and repeated round trips."""
    await trade_in_pieces(client, engine, clock, headers)
    moves = [
        ("MSFT", "buy", "3.3", "33.33", "1.7"), ("MSFT", "buy", "1.25", "31.07", None), ("AAPL", "buy", "0.7", "99.99", None),
        ("MSFT", "sell", "2.05", "35.01", "0.9"), ("AAPL", "sell", "0.3", "101.01", None), ("MSFT", "sell", "2.5", "29.99", None),
        ("AAPL", "buy", "1.111", "97.13", None), ("AAPL", "sell", "1.511", "98.77", None),
    ]  # fmt: skip
    for second, (symbol, side, qty, price, size) in enumerate(moves, start=1000):
        await tick(engine, clock, second, price, size=size, symbol=symbol)
        await place(client, headers, order_body(symbol=symbol, qty=qty, side=side, time_in_force="day"))
    await tick(engine, clock, 2000, "30", symbol="MSFT")  # what a partial sale left open finishes filling
    trades = (await get(client, headers, limit=500))["trades"]
    summary = await get(client, headers, SUMMARY)
    account = await get(client, headers, "/v2/account")
    total = sum((Decimal(t["realized_pl"]) for t in trades), Decimal(0))
    assert total == Decimal(summary["overall"]["realized_pl"]) == Decimal(account["realized_pl"])
    assert sum(Decimal(s["realized_pl"]) for s in summary["symbols"]) == total
    assert total != Decimal(157)  # the later trading realized something too


@pytest.mark.parametrize("edge", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-03-04"])
async def test_times_at_the_ends_of_the_calendar_select_without_failing(
    client: HttpClient, engine: Engine, clock: Clock, headers: Headers, edge: str
) -> None:
    await trade_in_pieces(client, engine, clock, headers)
    before_trading = not edge.startswith("9999")  # the trips exit in January 2026
    late = await get(client, headers, after=edge)
    ended = await get(client, headers, SUMMARY, until=edge)
    assert len(late["trades"]) == (3 if before_trading else 0)
    assert ended["overall"]["trades"] == (0 if before_trading else 3)
