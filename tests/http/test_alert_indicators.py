"""Indicator alerts over the API: checked as a strategy's condition is (refusals by JSON pointer), evaluated by the
strategy host on posted bars with the strategies' evaluator, firing with the values their condition read."""

from __future__ import annotations

from typing import Any

import pytest

from tests.actors.alert_factories import alert_notifications
from tests.factories import HttpClient, admin_headers
from tests.strategy_scripts import CROSSING_UP, FALLING, SYMBOL, bar_body, minute_bar
from tradeloop.actors.engine import Credentials, Engine

CROSS: dict[str, Any] = {
    "kind": "indicator", "symbol": SYMBOL, "timeframe": "1Min",
    "indicators": {"fast": {"type": "sma", "period": 2}, "slow": {"type": "sma", "period": 4}},
    "condition": {"op": "cross_above", "left": "fast", "right": "slow"}, "note": "golden cross",
}  # fmt: skip


async def call(client: HttpClient, headers: dict[str, str], method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = await client.request(method, path, headers=headers, **kwargs)
    return response.status, (await response.json() if response.status != 204 else None)


async def post_bars(client: HttpClient, admin: dict[str, str], closes: list[tuple[int, str]]) -> None:
    for minute, close in closes:
        response = await client.post("/admin/v1/market/bars", json=bar_body(minute_bar(minute, close)), headers=admin)
        assert response.status == 201, await response.text()


async def test_an_indicator_alert_fires_once_on_the_bar_its_condition_holds(
    client: HttpClient, headers: dict[str, str], engine: Engine, account: Credentials
) -> None:
    status, made = await call(client, headers, "POST", "/v2/alerts", json=CROSS)
    assert status == 201, made
    assert (made["timeframe"], made["condition"], made["indicators"]["fast"]) == (
        "1Min", CROSS["condition"], {"type": "sma", "period": 2, "source": "close"},
    )  # fmt: skip
    admin = await admin_headers(client)
    await post_bars(client, admin, list(enumerate(FALLING)))
    await engine.quiesce()
    assert await alert_notifications(engine, account.account_id) == []
    crossing = len(FALLING)
    await post_bars(client, admin, [(crossing, CROSSING_UP), (crossing + 1, "90"), (crossing + 2, "100"), (crossing + 3, "110")])
    await engine.quiesce()
    (told,) = await alert_notifications(engine, account.account_id)
    assert (told.data["alert_id"], told.data["kind"], told.data["price"], told.data["note"]) == (
        made["id"], "indicator", CROSSING_UP, "golden cross",
    )  # fmt: skip
    values = told.data["values"]
    assert isinstance(values, dict)
    assert float(values["fast"]) > float(values["slow"]) and float(values["fast[-1]"]) < float(values["slow[-1]"])
    assert (await call(client, headers, "GET", f"/v2/alerts/{made['id']}"))[1]["status"] == "triggered"


async def test_a_repeating_indicator_alert_fires_each_time_its_condition_holds_anew(
    client: HttpClient, headers: dict[str, str], engine: Engine, account: Credentials
) -> None:
    body = {"kind": "indicator", "symbol": SYMBOL, "timeframe": "1Min", "indicators": {},
            "condition": {"op": ">", "left": "close", "right": "99.5"}, "repeat": "every"}  # fmt: skip
    status, made = await call(client, headers, "POST", "/v2/alerts", json=body)
    assert status == 201, made
    admin = await admin_headers(client)
    await post_bars(client, admin, [(0, "100"), (1, "101"), (2, "99"), (3, "100"), (4, "102")])
    await engine.quiesce()
    told = await alert_notifications(engine, account.account_id)
    assert [(each.data["price"], each.data["count"]) for each in told] == [("100", 1), ("100", 2)]


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"condition": {"op": ">", "left": "fsat", "right": "slow"}}, "/condition/left"),
        ({"condition": {"op": ">", "left": "position.qty", "right": "1"}}, "/condition"),
        ({"timeframe": "7Min"}, "/timeframe"),
        ({"indicators": {"fast": {"type": "sma", "period": 0}, "slow": {"type": "sma", "period": 4}}}, "/indicators/fast/period"),
        ({"condition": None}, "/condition"),
    ],
)
async def test_a_bad_indicator_alert_is_422_naming_the_field_by_json_pointer(
    client: HttpClient, headers: dict[str, str], change: dict[str, Any], pointer: str
) -> None:
    status, refused = await call(client, headers, "POST", "/v2/alerts", json={**CROSS, **change})
    assert (status, refused["code"]) == (422, 42210001), refused
    assert refused["message"].startswith(f"invalid {pointer}") or refused["message"].startswith(pointer), refused
    assert (await call(client, headers, "GET", "/v2/alerts"))[1] == []


async def test_indicator_fields_on_another_kind_are_refused(client: HttpClient, headers: dict[str, str]) -> None:
    body: dict[str, Any] = {"kind": "price", "symbol": SYMBOL, "condition": "above", "price": "1", "timeframe": "1Min"}
    status, refused = await call(client, headers, "POST", "/v2/alerts", json=body)
    assert (status, "timeframe" in refused["message"]) == (422, True)
    body = {"kind": "price", "symbol": SYMBOL, "condition": {"op": ">", "left": "close", "right": "1"}, "price": "1"}
    status, refused = await call(client, headers, "POST", "/v2/alerts", json=body)
    assert (status, "condition" in refused["message"]) == (422, True)
