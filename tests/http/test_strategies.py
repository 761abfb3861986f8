"""Strategies over HTTP: create, refuse naming the JSON pointer, revise into versions, delete, (de)activate, signals."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final
from uuid import UUID, uuid4

import pytest

from tests.factories import HttpClient, admin_headers, auth_headers, limit_body, order_body, place, set_price
from tests.strategy_scripts import CROSSING_UP, FALLING, SYMBOL, bar_body, crossover, minute_bar
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.core.orders import OrderClass, OrderRequest, OrderSide, OrderType, StopLoss, TakeProfit, TimeInForce
from tradeloop.core.strategies import Signal, StrategySignalled
from tradeloop.errors import InvalidStrategy
from tradeloop.strategy.definition import parse_definition

EXAMPLE: Final[dict[str, Any]] = {
    "name": "sma 10/30 with rsi exit",
    "symbols": ["AAPL", "MSFT"], "timeframe": "5Min",
    "indicators": {"fast": {"type": "sma", "period": 10, "source": "close"},
                   "slow": {"type": "sma", "period": 30, "source": "close"},
                   "rsi": {"type": "rsi", "period": 14}},
    "entry": {"side": "buy", "when": {"all": [{"op": "cross_above", "left": "fast", "right": "slow"}]}},
    "exit": {"when": {"any": [{"op": ">", "left": "rsi", "right": "70"},
                              {"op": "cross_below", "left": "fast", "right": "slow"}]}},
    "sizing": {"type": "percent_equity", "value": "10"},
    "orders": {"type": "market", "time_in_force": "day"},
    "risk": {"stop_loss": {"percent": "2"}, "take_profit": {"percent": "5"}},
    "limits": {"max_open_positions": 2, "cooldown_bars": 3},
}
"""The definition the README creates."""
START: Final = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)


async def call(client: HttpClient, headers: dict[str, str], method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = await client.request(method, path, headers=headers, **kwargs)
    return response.status, (await response.json() if response.status != 204 else None)


async def create(client: HttpClient, headers: dict[str, str], definition: dict[str, Any] = EXAMPLE) -> dict[str, Any]:
    status, created = await call(client, headers, "POST", "/v2/strategies", json=definition)
    assert status == 201, created
    return dict(created)


def changed(path: str, value: Any, definition: dict[str, Any] = EXAMPLE) -> dict[str, Any]:
    """The definition with the value at a slash-separated path replaced."""
    found = copy.deepcopy(definition)
    *parents, last = path.strip("/").split("/")
    node: Any = found
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return found


def signal(strategy_id: str, symbol: str, minutes: int, *, rule: str = "entry", order_id: UUID | None = None) -> Signal:
    """A signal of a bar `minutes` after START, as the host journals it."""
    bar_time = START + timedelta(minutes=minutes)
    return Signal(
        id=uuid4(), strategy_id=UUID(strategy_id), version=1, symbol=symbol, bar_time=bar_time, created_at=bar_time,
        rule=rule, side=OrderSide.BUY if rule == "entry" else OrderSide.SELL,
        values=(("fast", "101.5"), ("slow", "100.25")), client_order_id=f"st-{symbol}-{minutes}-{rule[0]}",
        order_id=order_id, refusal=None if order_id is not None else "size rounds to zero",
    )


async def test_create_answers_201_with_version_1_inactive_and_the_definition_as_stored(
    client: HttpClient, headers: dict[str, str]
) -> None:
    created = await create(client, headers)
    assert (created["name"], created["version"], created["status"]) == (EXAMPLE["name"], 1, "inactive")
    assert created["definition"] == parse_definition(EXAMPLE).model_dump(mode="json", by_alias=True, exclude_none=True)
    assert created["definition"]["indicators"]["rsi"]["source"] == "close"  # defaults written out
    assert created["created_at"] == created["updated_at"]
    assert await call(client, headers, "GET", f"/v2/strategies/{created['id']}") == (200, created)
    assert await call(client, headers, "GET", "/v2/strategies") == (200, [created])


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (changed("/entry/when/all/0/left", "fsat"), '/entry/when/all/0/left: unknown indicator "fsat"'),
        (changed("/timeframe", "2Min"), "/timeframe: "),
        (changed("/indicators/fast/type", "smaa"), "/indicators/fast/type: unknown indicator type"),
        (changed("/exit/when/any/0/right", "7O"), '/exit/when/any/0/right: unknown indicator "7O"'),
        (changed("/entry/side", "sell"), "/entry/side: "),
        (changed("/sizing/value", 10.5), "/sizing/value: "),
        (changed("/symbols/1", "msft"), "/symbols/1: "),
        (changed("/symbols/1", "ZZZZ"), "/symbols/1: ZZZZ is not a listed symbol"),
        ({**EXAMPLE, "colour": "red"}, "/colour: unknown field"),
        ({key: value for key, value in EXAMPLE.items() if key != "entry"}, "/entry: is required"),
    ],
)
async def test_a_bad_definition_is_422_naming_the_json_pointer_and_nothing_is_stored(
    client: HttpClient, headers: dict[str, str], definition: dict[str, Any], message: str
) -> None:
    status, problem = await call(client, headers, "POST", "/v2/strategies", json=definition)
    assert status == 422
    assert problem["message"].startswith(message), problem
    assert problem["code"] == InvalidStrategy.code
    assert (await call(client, headers, "GET", "/v2/strategies?status=all"))[1] == []


async def test_a_body_that_is_not_an_object_is_refused(client: HttpClient, headers: dict[str, str]) -> None:
    assert (await call(client, headers, "POST", "/v2/strategies", json=["AAPL"]))[0] == 400


async def test_patch_merges_into_the_definition_and_makes_a_version_only_when_something_changed(
    client: HttpClient, headers: dict[str, str]
) -> None:
    created = await create(client, headers)
    path = f"/v2/strategies/{created['id']}"
    status, revised = await call(client, headers, "PATCH", path, json={"indicators": {"fast": {"period": 5}}})
    assert (status, revised["version"]) == (200, 2)
    assert revised["definition"]["indicators"]["fast"] == {"type": "sma", "period": 5, "source": "close"}
    assert revised["definition"]["indicators"]["slow"]["period"] == 30  # the rest is kept
    assert (await call(client, headers, "PATCH", path, json={"indicators": {"fast": {"period": 5}}}))[1] == revised
    assert (await call(client, headers, "PATCH", path, json={}))[1]["version"] == 2

    status, unprotected = await call(client, headers, "PATCH", path, json={"risk": None})
    assert (unprotected["version"], "risk" in unprotected["definition"]) == (3, False)
    status, renamed = await call(client, headers, "PATCH", path, json={"name": "sma 5/30"})
    assert (renamed["name"], renamed["definition"]["name"], renamed["version"]) == ("sma 5/30", "sma 5/30", 4)

    status, versions = await call(client, headers, "GET", f"{path}/versions")
    assert status == 200
    assert [(v["version"], v["name"]) for v in versions] == [(1, EXAMPLE["name"]), (2, EXAMPLE["name"]),
                                                             (3, EXAMPLE["name"]), (4, "sma 5/30")]
    assert versions[0]["definition"] == created["definition"]
    assert versions[-1]["definition"] == renamed["definition"]


async def test_a_bad_patch_is_422_naming_the_pointer_and_makes_no_version(client: HttpClient, headers: dict[str, str]) -> None:
    created = await create(client, headers)
    path = f"/v2/strategies/{created['id']}"
    patch = {"exit": {"when": {"any": [{"op": "<", "left": "macd.signal", "right": "0"}]}}}
    status, problem = await call(client, headers, "PATCH", path, json=patch)
    assert (status, problem["message"]) == (422, '/exit/when/any/0/left: unknown indicator "macd"')
    status, problem = await call(client, headers, "PATCH", path, json={"indicators": {"slow": {"period": 0}}})
    assert (status, problem["message"].split(":")[0]) == (422, "/indicators/slow/period")
    assert (await call(client, headers, "GET", f"{path}/versions"))[1] == [
        {key: created[key] for key in ("version", "name", "definition", "created_at")}
    ]


async def test_a_patch_nested_deeper_than_any_definition_is_422_not_a_crash(client: HttpClient, headers: dict[str, str]) -> None:
    created = await create(client, headers)
    path = f"/v2/strategies/{created['id']}"
    deep = '{"x": ' * 990 + "{}" + "}" * 990  # within what JSON parsing takes, past Python's recursion limit
    response = await client.patch(path, data=deep, headers={**headers, "Content-Type": "application/json"})
    problem = await response.json()
    assert (response.status, problem["code"]) == (422, InvalidStrategy.code), problem
    assert problem["message"] == "/x" * 64 + ": nests objects more than 64 deep"
    assert [v["version"] for v in (await call(client, headers, "GET", f"{path}/versions"))[1]] == [1]


async def test_delete_hides_the_strategy_from_the_list_but_it_its_versions_and_signals_stay_readable(
    client: HttpClient, headers: dict[str, str], engine: Engine, account: Credentials
) -> None:
    kept = await create(client, headers, changed("/name", "kept"))
    gone = await create(client, headers)
    path = f"/v2/strategies/{gone['id']}"
    assert (await call(client, headers, "POST", f"{path}/activate"))[1]["status"] == "active"
    await engine.record(account.account_id, [StrategySignalled(signal=signal(gone["id"], "AAPL", 5))])
    assert (await call(client, headers, "DELETE", path))[0] == 204

    assert [each["id"] for each in (await call(client, headers, "GET", "/v2/strategies"))[1]] == [kept["id"]]
    deleted = (await call(client, headers, "GET", "/v2/strategies", params={"status": "deleted"}))[1]
    assert [(each["id"], each["status"]) for each in deleted] == [(gone["id"], "deleted")]
    assert len((await call(client, headers, "GET", "/v2/strategies", params={"status": "all"}))[1]) == 2
    status, found = await call(client, headers, "GET", path)
    assert (status, found["status"], found["version"]) == (200, "deleted", 1)
    assert [v["version"] for v in (await call(client, headers, "GET", f"{path}/versions"))[1]] == [1]
    assert [s["symbol"] for s in (await call(client, headers, "GET", f"{path}/signals"))[1]] == ["AAPL"]

    for method, where, body in [("PATCH", path, {"name": "back"}), ("POST", f"{path}/activate", None),
                                ("POST", f"{path}/deactivate", {}), ("DELETE", path, None)]:
        assert (await call(client, headers, method, where, json=body))[0] == 404, (method, where)


async def test_activate_and_deactivate(client: HttpClient, headers: dict[str, str]) -> None:
    created = await create(client, headers)
    path = f"/v2/strategies/{created['id']}"
    status, active = await call(client, headers, "POST", f"{path}/activate")
    assert (status, active["status"], active["version"]) == (200, "active", 1)
    assert (await call(client, headers, "POST", f"{path}/activate"))[1] == active  # changes nothing
    assert [each["status"] for each in (await call(client, headers, "GET", "/v2/strategies", params={"status": "active"}))[1]] == ["active"]
    status, inactive = await call(client, headers, "POST", f"{path}/deactivate")  # no body: neither option
    assert (status, inactive["status"]) == (200, "inactive")
    assert (await call(client, headers, "GET", "/v2/strategies", params={"status": "active"}))[1] == []
    status, problem = await call(client, headers, "POST", f"{path}/deactivate", json={"close_position": True})
    assert (status, problem["message"]) == (422, "invalid close_position: unknown field")


async def test_deactivate_with_cancel_orders_cancels_the_strategys_open_orders_only(
    client: HttpClient, headers: dict[str, str], engine: Engine, account: Credentials
) -> None:
    await set_price(engine, "AAPL", "150")
    created = await create(client, headers)
    mine = await place(client, headers, limit_body("100", qty="1"))
    resting = OrderRequest(symbol="AAPL", side=OrderSide.BUY, type=OrderType.LIMIT, time_in_force=TimeInForce.DAY,
                           qty=Decimal(1), limit_price=Decimal(100), strategy_id=UUID(created["id"]))
    its = await engine.place_order(account.account_id, resting)
    path = f"/v2/strategies/{created['id']}"
    await call(client, headers, "POST", f"{path}/activate")
    status, answer = await call(client, headers, "POST", f"{path}/deactivate", json={"cancel_orders": True})
    assert (status, answer["status"]) == (200, "inactive")
    assert (await call(client, headers, "GET", f"/v2/orders/{its.terms.id}"))[1]["status"] == "canceled"
    assert (await call(client, headers, "GET", f"/v2/orders/{mine['id']}"))[1]["status"] == "new"


async def test_deactivate_with_close_positions_sells_the_shares_its_entry_bought_and_cancels_their_exits(
    client: HttpClient, headers: dict[str, str], engine: Engine, account: Credentials
) -> None:
    await set_price(engine, "AAPL", "150")
    await set_price(engine, "MSFT", "300")
    created = await create(client, headers)
    strategy_id = UUID(created["id"])
    await place(client, headers, order_body(qty="3"))  # the user's own 3 AAPL stay
    entry = await engine.place_order(account.account_id, OrderRequest(
        symbol="AAPL", side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.GTC, qty=Decimal(5),
        order_class=OrderClass.BRACKET, take_profit=TakeProfit(limit_price=Decimal(160)),
        stop_loss=StopLoss(stop_price=Decimal(140)), strategy_id=strategy_id,
    ))
    exited = await engine.place_order(account.account_id, OrderRequest(
        symbol="MSFT", side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.GTC, qty=Decimal(2),
        strategy_id=strategy_id,
    ))
    sold = await engine.place_order(account.account_id, OrderRequest(
        symbol="MSFT", side=OrderSide.SELL, type=OrderType.MARKET, time_in_force=TimeInForce.GTC, qty=Decimal(2),
        strategy_id=strategy_id,
    ))
    await place(client, headers, order_body(symbol="MSFT", qty="1"))  # the user's own MSFT, after the strategy's exit
    await engine.record(account.account_id, [
        StrategySignalled(signal=signal(created["id"], "AAPL", 5, order_id=entry.terms.id)),
        StrategySignalled(signal=signal(created["id"], "MSFT", 5, order_id=exited.terms.id)),
        StrategySignalled(signal=signal(created["id"], "MSFT", 10, rule="exit", order_id=sold.terms.id)),
        StrategySignalled(signal=signal(created["id"], "MSFT", 15)),  # refused: no order
    ])
    path = f"/v2/strategies/{created['id']}"
    status, answer = await call(client, headers, "POST", f"{path}/deactivate", json={"close_positions": True})
    assert (status, answer["status"]) == (200, "inactive")

    positions = {p["symbol"]: p["qty"] for p in (await call(client, headers, "GET", "/v2/positions"))[1]}
    assert positions == {"AAPL": "3", "MSFT": "1"}
    status, listed = await call(client, headers, "GET", "/v2/orders", params={"status": "all", "nested": "true"})
    bracket = next(order for order in listed if order["id"] == str(entry.terms.id))
    assert [leg["status"] for leg in bracket["legs"]] == ["canceled", "canceled"]
    sale = listed[0]
    assert (sale["symbol"], sale["side"], sale["qty"], sale["status"]) == ("AAPL", "sell", "5", "filled")
    assert sale["strategy_id"] == created["id"]


async def test_signals_are_listed_newest_first_filtered_by_symbol_and_time_and_paged(
    client: HttpClient, headers: dict[str, str], engine: Engine, account: Credentials
) -> None:
    created = await create(client, headers)
    other = await create(client, headers, changed("/name", "other"))
    written = [signal(created["id"], symbol, minutes) for minutes in (5, 10, 15) for symbol in ("AAPL", "MSFT")]
    await engine.record(account.account_id, [StrategySignalled(signal=each) for each in written])
    await engine.record(account.account_id, [StrategySignalled(signal=signal(other["id"], "AAPL", 20))])
    path = f"/v2/strategies/{created['id']}/signals"

    async def bars(**params: str) -> list[tuple[str, int]]:
        status, found = await call(client, headers, "GET", path, params=params)
        assert status == 200, found
        return [(each["symbol"], int((datetime.fromisoformat(each["bar_time"]) - START).total_seconds()) // 60) for each in found]

    newest_first = await bars()
    assert sorted(newest_first) == sorted((s.symbol, (s.bar_time - START).seconds // 60) for s in written)
    assert [minutes for _, minutes in newest_first] == [15, 15, 10, 10, 5, 5]
    assert [minutes for _, minutes in await bars(direction="asc")] == [5, 5, 10, 10, 15, 15]
    assert await bars(symbols="msft", direction="asc") == [("MSFT", 5), ("MSFT", 10), ("MSFT", 15)]
    after, until = (START + timedelta(minutes=5)).isoformat(), (START + timedelta(minutes=10)).isoformat()
    assert await bars(symbols="AAPL", after=after, until=until) == [("AAPL", 10)]

    status, first = await call(client, headers, "GET", path, params={"limit": "4"})
    status, rest = await call(client, headers, "GET", path, params={"limit": "4", "page_token": first[-1]["id"]})
    assert [each["id"] for each in first + rest] == [each["id"] for each in (await call(client, headers, "GET", path))[1]]
    assert len(rest) == 2

    one = first[0]
    assert one["strategy_id"] == created["id"] and one["values"] == {"fast": "101.5", "slow": "100.25"}
    assert (one["rule"], one["side"], one["order_id"], one["refusal"]) == ("entry", "buy", None, "size rounds to zero")

    for params in ({"page_token": str(uuid4())}, {"page_token": "nope"}, {"direction": "up"}, {"limit": "0"}):
        status, problem = await call(client, headers, "GET", path, params=params)
        assert status == 400, (params, problem)


async def test_another_accounts_strategy_is_not_found(client: HttpClient, headers: dict[str, str], engine: Engine) -> None:
    created = await create(client, headers)
    other = auth_headers(await engine.open_account(Decimal(1000)))
    path = f"/v2/strategies/{created['id']}"
    for method, where, body in [
        ("GET", path, None), ("PATCH", path, {"name": "mine"}), ("DELETE", path, None), ("GET", f"{path}/versions", None),
        ("POST", f"{path}/activate", None), ("POST", f"{path}/deactivate", {}), ("GET", f"{path}/signals", None),
    ]:
        status, problem = await call(client, other, method, where, json=body)
        assert (status, problem["message"]) == (404, "strategy not found"), (method, where)
    assert (await call(client, other, "GET", "/v2/strategies"))[1] == []
    assert (await call(client, headers, "GET", path))[1]["status"] == "inactive"  # untouched
    assert (await call(client, headers, "GET", "/v2/strategies/not-a-uuid"))[0] == 404
    assert (await call(client, headers, "GET", f"/v2/strategies/{uuid4()}/signals"))[0] == 404



async def test_an_activated_strategy_trades_posted_bars_and_deactivating_it_sells_what_it_bought(
    client: HttpClient, headers: dict[str, str]
) -> None:
    admin = await admin_headers(client)
    created = await create(client, headers, crossover(qty="10"))
    path = f"/v2/strategies/{created['id']}"
    assert (await call(client, headers, "POST", f"{path}/activate"))[1]["status"] == "active"
    await place(client, headers, limit_body("50", qty="1"))  # the user's own open order stays
    for minute, close in enumerate((*FALLING, CROSSING_UP)):
        status, answer = await call(client, admin, "POST", "/admin/v1/market/bars", json=bar_body(minute_bar(minute, close)))
        assert status == 201, answer

    [entry] = (await call(client, headers, "GET", f"{path}/signals"))[1]
    assert (entry["rule"], entry["version"], entry["refusal"]) == ("entry", 1, None)
    assert set(entry["values"]) == {"fast", "fast[-1]", "slow", "slow[-1]"}
    assert float(entry["values"]["fast[-1]"]) < float(entry["values"]["slow[-1]"])
    assert float(entry["values"]["fast"]) > float(entry["values"]["slow"])
    order = (await call(client, headers, "GET", f"/v2/orders/{entry['order_id']}"))[1]
    assert (order["strategy_id"], order["client_order_id"], order["status"]) == (
        created["id"], entry["client_order_id"], "filled"
    )
    assert (await call(client, headers, "GET", f"/v2/positions/{SYMBOL}"))[1]["qty"] == "10"

    status, stopped = await call(client, headers, "POST", f"{path}/deactivate",
                                 json={"cancel_orders": True, "close_positions": True})
    assert (status, stopped["status"]) == (200, "inactive")
    assert (await call(client, headers, "GET", f"/v2/positions/{SYMBOL}"))[0] == 404
    still_open = (await call(client, headers, "GET", "/v2/orders"))[1]
    assert [(each["limit_price"], each["strategy_id"]) for each in still_open] == [("50", None)]
