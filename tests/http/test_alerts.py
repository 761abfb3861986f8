"""Alerts over the API: made, listed by status and symbol, read, changed and canceled; refusals naming the field;
another account's alert is not found; a price alert fires once when the admin moves the price across its level."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.actors.alert_factories import alert_notifications
from tests.factories import HttpClient, admin_headers, auth_headers
from tests.http.streams_client import connect, frame, send
from tradeloop.actors.engine import Credentials, Engine


async def call(client: HttpClient, headers: dict[str, str], method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = await client.request(method, path, headers=headers, **kwargs)
    return response.status, (await response.json() if response.status != 204 else None)


async def move(client: HttpClient, admin: dict[str, str], price: str, symbol: str = "AAPL") -> None:
    response = await client.post("/admin/v1/market/prices", json={"symbol": symbol, "price": price}, headers=admin)
    assert response.status == 200


PRICE_ALERT = {"kind": "price", "symbol": "aapl", "condition": "crosses_above", "price": "190.00", "note": "breakout"}


async def test_make_read_list_change_and_cancel(client: HttpClient, headers: dict[str, str]) -> None:
    status, made = await call(client, headers, "POST", "/v2/alerts", json=PRICE_ALERT)
    assert status == 201
    assert (made["kind"], made["symbol"], made["condition"], made["price"], made["status"]) == (
        "price", "AAPL", "crosses_above", "190.00", "active",
    )  # fmt: skip
    assert (made["repeat"], made["cooldown_s"], made["expires_at"], made["trigger_count"]) == ("once", 0, None, 0)
    path = f"/v2/alerts/{made['id']}"
    assert await call(client, headers, "GET", path) == (200, made)
    _, other = await call(client, headers, "POST", "/v2/alerts",
                          json={"kind": "price", "symbol": "MSFT", "condition": "below", "price": 300})  # fmt: skip
    assert [each["id"] for each in (await call(client, headers, "GET", "/v2/alerts"))[1]] == [made["id"], other["id"]]
    assert [each["id"] for each in (await call(client, headers, "GET", "/v2/alerts", params={"symbol": "msft"}))[1]] == [
        other["id"]
    ]
    status, changed = await call(client, headers, "PATCH", path,
                                 json={"price": "195", "repeat": "every", "cooldown_s": 60, "note": "higher"})  # fmt: skip
    assert status == 200
    assert (changed["price"], changed["repeat"], changed["cooldown_s"], changed["note"]) == ("195", "every", 60, "higher")
    assert (await call(client, headers, "DELETE", path))[0] == 204
    assert (await call(client, headers, "GET", path))[1]["status"] == "canceled"
    assert [each["id"] for each in (await call(client, headers, "GET", "/v2/alerts", params={"status": "active"}))[1]] == [
        other["id"]
    ]
    assert [each["id"] for each in (await call(client, headers, "GET", "/v2/alerts", params={"status": "canceled"}))[1]] == [
        made["id"]
    ]
    status, refused = await call(client, headers, "PATCH", path, json={"price": "200"})
    assert (status, refused["code"]) == (422, 40010001)
    assert "status" in refused["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "price", "symbol": "AAPL", "price": "190"}, "condition"),
        ({"kind": "price", "symbol": "AAPL", "condition": "crosses_above"}, "price"),
        ({"kind": "price", "symbol": "ZZZZ", "condition": "above", "price": "1"}, "symbol"),
        ({"kind": "price", "symbol": "AAPL", "condition": "sideways", "price": "1"}, "condition"),
        ({"kind": "price", "symbol": "AAPL", "condition": "above", "price": "-1"}, "price"),
        ({"kind": "price", "symbol": "AAPL", "condition": "above", "price": "1.000001"}, "price"),
        ({"kind": "price", "symbol": "AAPL", "condition": "above", "price": "1", "amount": "5"}, "amount"),
        ({"kind": "price", "symbol": "AAPL", "condition": "above", "price": "1", "cooldown_s": 5}, "cooldown_s"),
        ({"kind": "price", "symbol": "AAPL", "condition": "above", "price": "1", "expires_at": "2001-01-01T00:00:00Z"},
         "expires_at"),
        ({"kind": "price", "symbol": "AAPL", "condition": "above", "price": "1", "colour": "red"}, "colour"),
        ({"kind": "sometimes", "symbol": "AAPL"}, "kind"),
        ({"kind": "percent_change", "symbol": "AAPL", "percent": "5", "price": "1"}, "price"),
    ],
)  # fmt: skip
async def test_a_bad_alert_is_422_naming_the_field_and_nothing_is_made(
    client: HttpClient, headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    status, refused = await call(client, headers, "POST", "/v2/alerts", json=body)
    assert status == 422, refused
    assert refused["message"].startswith(f"invalid {field}"), refused
    assert (await call(client, headers, "GET", "/v2/alerts"))[1] == []


async def test_another_accounts_alert_is_not_found(client: HttpClient, headers: dict[str, str], engine: Engine) -> None:
    _, made = await call(client, headers, "POST", "/v2/alerts", json=PRICE_ALERT)
    stranger = auth_headers(await engine.open_account(Decimal(1000)))
    path = f"/v2/alerts/{made['id']}"
    for method, kwargs in (("GET", {}), ("PATCH", {"json": {"note": "mine"}}), ("DELETE", {})):
        status, refused = await call(client, stranger, method, path, **kwargs)
        assert (status, refused["code"]) == (404, 40410000)
    assert (await call(client, stranger, "GET", "/v2/alerts"))[1] == []
    assert (await call(client, headers, "GET", "/v2/alerts/not-a-uuid"))[0] == 404
    assert (await call(client, headers, "GET", path))[1] == made


async def test_a_price_alert_fires_once_when_the_admin_moves_the_price_across(
    client: HttpClient, headers: dict[str, str], engine: Engine, account: Credentials
) -> None:
    admin = await admin_headers(client)  # one session: each TOTP code opens one
    ws = await connect(client, "/stream")
    await send(ws, {"action": "authenticate", "data": {"key_id": account.key_id, "secret_key": account.secret_key}})
    assert (await frame(ws))["data"]["status"] == "authorized"
    await send(ws, {"action": "listen", "data": {"streams": ["notifications"]}})
    assert await frame(ws) == {"stream": "listening", "data": {"streams": ["notifications"]}}
    await move(client, admin, "185")
    _, made = await call(client, headers, "POST", "/v2/alerts", json=PRICE_ALERT)
    await move(client, admin, "189")
    assert await alert_notifications(engine, account.account_id) == []
    await move(client, admin, "191")
    await move(client, admin, "180")
    await move(client, admin, "192")
    await engine.quiesce()
    (told,) = await alert_notifications(engine, account.account_id)
    assert (told.data["alert_id"], told.data["price"], told.data["note"]) == (made["id"], "191", "breakout")
    status, fired = await call(client, headers, "GET", f"/v2/alerts/{made['id']}")
    assert (fired["status"], fired["trigger_count"]) == ("triggered", 1)
    assert fired["triggered_at"] is not None
    status, page = await call(client, headers, "GET", "/v2/notifications", params={"types": "alert.triggered"})
    assert status == 200
    [listed] = page["notifications"]
    assert (listed["id"], listed["type"], listed["data"]["alert_id"]) == (str(told.id), "alert.triggered", made["id"])
    streamed = await frame(ws)  # the same record on the trading stream, told once
    assert streamed == {"stream": "notifications", "data": {key: value for key, value in listed.items() if key != "read_at"}}
    with pytest.raises(TimeoutError):
        await ws.receive(timeout=0.2)
    await ws.close()


async def test_a_percent_change_from_the_session_open_and_a_position_alert_over_the_api(
    client: HttpClient, headers: dict[str, str], engine: Engine, account: Credentials
) -> None:
    body = {"kind": "percent_change", "symbol": "AAPL", "percent": "25", "reference": "session_open"}
    status, refused = await call(client, headers, "POST", "/v2/alerts", json=body)
    assert (status, "reference" in refused["message"]) == (422, True)  # no trade yet this session
    admin = await admin_headers(client)
    await move(client, admin, "100")
    await move(client, admin, "120")
    status, made = await call(client, headers, "POST", "/v2/alerts", json=body)
    assert status == 201
    assert (made["reference"], made["reference_price"], made["price"], made["percent"]) == ("session_open", "100", "125.00", "25")
    status, loss = await call(client, headers, "POST", "/v2/alerts",
                              json={"kind": "position", "symbol": "AAPL", "amount": "-100"})  # fmt: skip
    assert (status, loss["amount"], loss["percent"]) == (201, "-100", None)
    order = {"symbol": "AAPL", "qty": "10", "side": "buy", "type": "market", "time_in_force": "day"}
    assert (await call(client, headers, "POST", "/v2/orders", json=order))[0] == 200
    await move(client, admin, "126")
    await move(client, admin, "105")  # 10 bought at 120: -150
    await engine.quiesce()
    told = await alert_notifications(engine, account.account_id)
    assert [(each.data["alert_id"], each.data["kind"], each.data["price"]) for each in told] == [
        (made["id"], "percent_change", "126"), (loss["id"], "position", "105"),
    ]  # fmt: skip
    assert told[1].data["value"] == "-150.00"
    status, refused = await call(client, headers, "PATCH", f"/v2/alerts/{made['id']}", json={"price": "1"})
    assert (status, "price" in refused["message"]) == (422, True)  # its level comes from its percent
    status, refused = await call(client, headers, "PATCH", f"/v2/alerts/{made['id']}", json={"percent": "30"})
    assert (status, "status" in refused["message"]) == (422, True)  # it fired: only an active alert changes


async def test_an_account_alert_over_the_api(client: HttpClient, headers: dict[str, str]) -> None:
    body = {"kind": "account", "metric": "drawdown", "condition": "above", "level": "5", "note": "ease off"}
    status, made = await call(client, headers, "POST", "/v2/alerts", json=body)
    assert status == 201
    assert (made["symbol"], made["metric"], made["condition"], made["level"], made["price"]) == (None, "drawdown", "above", "5", None)
    status, refused = await call(client, headers, "POST", "/v2/alerts", json={**body, "level": "100"})
    assert (status, "level" in refused["message"]) == (422, True)
    status, refused = await call(client, headers, "POST", "/v2/alerts", json={**body, "symbol": "AAPL"})
    assert (status, "symbol" in refused["message"]) == (422, True)
    status, changed = await call(client, headers, "PATCH", f"/v2/alerts/{made['id']}", json={"level": "7.5"})
    assert (status, changed["level"]) == (200, "7.5")
