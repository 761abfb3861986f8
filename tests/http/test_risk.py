"""GET/PATCH /v2/risk and POST /v2/orders/preview over HTTP: limits, the kill switch, every refusal, the what-if."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from tests.factories import HttpClient, admin_headers, limit_body, order_body, place, set_price
from tests.http.reference_checks import shape_failures
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.core.risk_limits import BreachAction, RiskLimits, StateSource, TradingState
from tradeloop.http.shapes.risk import AccountRiskJson, PreviewJson, RiskEverywhereJson, RiskJson

Headers = dict[str, str]
D = Decimal


async def call(client: HttpClient, method: str, path: str, headers: Headers, status: int = 200, **kwargs: Any) -> Any:
    response = await client.request(method, path, headers=headers, **kwargs)
    body = await response.json(content_type=None)
    assert response.status == status, body
    return body


async def patch_risk(client: HttpClient, headers: Headers, body: dict[str, Any], status: int = 200) -> Any:
    return await call(client, "PATCH", "/v2/risk", headers, status, json=body)


async def test_an_account_starts_active_without_limits(client: HttpClient, engine: Engine, headers: Headers) -> None:
    risk = await call(client, "GET", "/v2/risk", headers)
    assert shape_failures(RiskJson, risk) == []
    assert (risk["trading_state"], risk["reason"], risk["source"]) == ("ACTIVE", None, None)
    assert set(risk["limits"].values()) == {None, "halt", "80"}
    assert (risk["limits"]["daily_loss_action"], risk["limits"]["warn_at_percent"]) == ("halt", "80")
    assert risk["usage"]["equity"] == risk["usage"]["session_start_equity"] == "100000.00"
    assert risk["usage"]["daily_loss"] == "0.00" and risk["notices"] == []
    assert (risk["usage"]["open_orders"], risk["usage"]["orders_last_minute"]) == (0, 0)
    await call(client, "GET", "/v2/risk", {}, 401)


async def test_patch_sets_the_limits_sent_keeps_the_rest_and_null_removes_one(
    client: HttpClient, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100")
    first = {"max_order_notional": "5000", "max_open_orders": 3, "daily_loss_limit_percent": "2.5"}
    risk = await patch_risk(client, headers, {"limits": first})
    assert shape_failures(RiskJson, risk) == []
    assert risk["usage"]["daily_loss_allowed"] == "2500.00"
    risk = await patch_risk(client, headers, {"limits": {"max_drawdown_percent": 10, "max_open_orders": None}})
    limits = risk["limits"]
    assert (limits["max_order_notional"], limits["daily_loss_limit_percent"]) == ("5000", "2.5")
    assert limits["max_open_orders"] is None and limits["max_drawdown_percent"] == "10"
    assert risk["usage"]["peak_equity"] == "100000.00" and risk["usage"]["drawdown_percent"] == "0"
    assert [notice["kind"] for notice in risk["notices"]] == ["limits_set", "limits_set"]
    assert await call(client, "GET", "/v2/risk", headers) == risk


async def test_the_warning_percent_is_set_read_back_kept_by_other_changes_and_null_sets_it_back_to_80(
    client: HttpClient, engine: Engine, account: Credentials, headers: Headers
) -> None:
    risk = await patch_risk(client, headers, {"limits": {"warn_at_percent": "50", "daily_loss_limit": "1000"}})
    assert shape_failures(RiskJson, risk) == [] and risk["limits"]["warn_at_percent"] == "50"
    assert engine.account(account.account_id).risk.limits.warn_at_percent == D(50)
    risk = await patch_risk(client, headers, {"limits": {"max_open_orders": 5}})
    assert risk["limits"]["warn_at_percent"] == "50" and risk["limits"]["daily_loss_limit"] == "1000"
    assert (await call(client, "GET", "/v2/risk", headers))["limits"]["warn_at_percent"] == "50"
    assert (await patch_risk(client, headers, {"limits": {"warn_at_percent": 100}}))["limits"]["warn_at_percent"] == "100"
    assert (await patch_risk(client, headers, {"limits": {"warn_at_percent": "33.25"}}))["limits"]["warn_at_percent"] == "33.25"
    risk = await patch_risk(client, headers, {"limits": {"warn_at_percent": None}})
    assert risk["limits"]["warn_at_percent"] == "80" and risk["limits"]["daily_loss_limit"] == "1000"
    admin = await admin_headers(client)
    path = f"/admin/v1/accounts/{account.account_id}/risk"
    shown = await call(client, "PATCH", path, admin, json={"limits": {"warn_at_percent": "60"}})
    assert shown["limits"]["warn_at_percent"] == "60" == (await call(client, "GET", path, admin))["limits"]["warn_at_percent"]
    refused = await call(client, "PATCH", path, admin, 422, json={"limits": {"warn_at_percent": "0"}})
    assert refused["field"] == "limits.warn_at_percent"
    await call(client, "PATCH", "/admin/v1/risk", admin, json={"limits": {"warn_at_percent": "70"}})
    assert (await call(client, "GET", "/v2/risk", headers))["limits"]["warn_at_percent"] == "70"
    refused = await call(client, "PATCH", "/admin/v1/risk", admin, 422, json={"limits": {"warn_at_percent": "101"}})
    assert refused["field"] == "limits.warn_at_percent"
    assert engine.account(account.account_id).risk.limits.warn_at_percent == D(70)


async def test_a_warning_at_50_percent_comes_at_half_the_daily_loss_on_the_tick_and_is_listed_in_notifications(
    client: HttpClient, engine: Engine, headers: Headers
) -> None:
    admin = await admin_headers(client)

    async def price(value: str) -> None:
        await call(client, "POST", "/admin/v1/market/prices", admin, json={"symbol": "AAPL", "price": value})

    async def warnings() -> list[Any]:
        listed = await call(client, "GET", "/v2/notifications", headers, params={"types": "risk.limit_warning"})
        return list(listed["notifications"])

    await price("100")
    await place(client, headers, order_body(qty="500"))
    risk = await patch_risk(client, headers, {"limits": {"daily_loss_limit": "1000", "warn_at_percent": "50"}})
    assert risk["usage"]["session_start_equity"] == "100000.00" and risk["usage"]["equity"] == "100000.00"
    await price("99.01")  # a loss of 495: short of half
    assert await warnings() == []
    await price("99")  # 500, half the limit, in one tick that stays far above the default 80%'s 800
    [warned] = await warnings()
    assert warned["data"] == {"limit": "daily_loss_limit", "message": "daily_loss_limit 1000: the session's loss is 500.00"}
    risk = await call(client, "GET", "/v2/risk", headers)
    assert risk["trading_state"] == "ACTIVE" and risk["notices"][-1]["kind"] == "warning"
    await price("98.5")  # once per session
    assert len(await warnings()) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"limits": {"max_order_notional": "-5"}}, "limits.max_order_notional"),
        ({"limits": {"max_order_notional": "0"}}, "limits.max_order_notional"),
        ({"limits": {"daily_loss_limit": "1.234"}}, "limits.daily_loss_limit"),
        ({"limits": {"max_drawdown_percent": "150"}}, "limits.max_drawdown_percent"),
        ({"limits": {"max_position_percent_of_equity": "0"}}, "limits.max_position_percent_of_equity"),
        ({"limits": {"max_open_orders": 0}}, "limits.max_open_orders"),
        ({"limits": {"max_orders_per_minute": "many"}}, "limits.max_orders_per_minute"),
        ({"limits": {"daily_loss_action": "panic"}}, "limits.daily_loss_action"),
        ({"limits": {"max_loss": "5"}}, "limits.max_loss"),
        ({"limits": {"warn_at_percent": "0"}}, "limits.warn_at_percent"),
        ({"limits": {"warn_at_percent": -50}}, "limits.warn_at_percent"),
        ({"limits": {"warn_at_percent": "100.01"}}, "limits.warn_at_percent"),
        ({"limits": {"warn_at_percent": "half"}}, "limits.warn_at_percent"),
        ({"limits": {"warn_at_percent": True}}, "limits.warn_at_percent"),
        ({"trading_state": "PAUSED"}, "trading_state"),
        ({"reason": "x" * 201, "trading_state": "HALTED"}, "reason"),
    ],
)
async def test_bad_limits_are_422_naming_the_field_and_change_nothing(
    client: HttpClient, headers: Headers, body: dict[str, Any], field: str
) -> None:
    before = await call(client, "GET", "/v2/risk", headers)
    refused = await patch_risk(client, headers, body, 422)
    assert refused["code"] == 40010001 and refused["field"] == field and field in refused["message"]
    assert await call(client, "GET", "/v2/risk", headers) == before


@pytest.mark.parametrize(
    ("limits", "order", "message"),
    [
        ({"max_order_notional": "500"}, order_body(qty="6"), "max_order_notional is 500: the order's notional would be 600.00"),
        (
            {"max_position_notional": "1000"},
            order_body(qty="11"),
            "max_position_notional is 1000: the position's notional after it would be 1100.00",
        ),
        (
            {"max_position_percent_of_equity": "1"},
            order_body(qty="11"),
            "max_position_percent_of_equity is 1: the position's percent of equity after it would be 1.10",
        ),
        ({"max_open_orders": 1}, limit_body("50", qty="1"), "max_open_orders is 1: the open orders with it would be 2"),
        (
            {"max_orders_per_minute": 1},
            limit_body("50", qty="1"),
            "max_orders_per_minute is 1: the orders in the last minute with it would be 2",
        ),
    ],
)
async def test_an_order_past_a_limit_is_403_naming_the_limit_its_value_and_the_orders_figure(
    client: HttpClient, engine: Engine, headers: Headers, limits: dict[str, Any], order: dict[str, Any], message: str
) -> None:
    await set_price(engine, "AAPL", "100")
    await patch_risk(client, headers, {"limits": limits})
    if "max_open_orders" in limits or "max_orders_per_minute" in limits:
        await place(client, headers, limit_body("50", qty="1"))  # one open order, placed within the minute
    before = await call(client, "GET", "/v2/account", headers)
    refused = await place(client, headers, order, 403)
    assert refused["code"] == 40310010 and refused["message"] == message
    limit = next(iter(limits))
    assert (refused["limit"], refused["value"]) == (limit, str(limits[limit]))
    if limit == "max_orders_per_minute":
        assert (await call(client, "GET", "/v2/risk", headers))["usage"]["orders_last_minute"] == 1
    assert await call(client, "GET", "/v2/account", headers) == before


async def test_the_kill_switch_halts_new_orders_but_cancels_pass_and_reducing_takes_only_sells(
    client: HttpClient, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100")
    await place(client, headers, order_body(qty="5"))
    resting = await place(client, headers, limit_body("50", qty="1"))
    halted = await patch_risk(client, headers, {"trading_state": "HALTED", "reason": "kill switch"})
    assert (halted["trading_state"], halted["reason"], halted["source"]) == ("HALTED", "kill switch", "user")
    refused = await place(client, headers, order_body(qty="1", side="sell"), 403)
    assert refused["code"] == 40310011 and refused["message"].startswith("trading state is HALTED (kill switch)")
    await call(client, "DELETE", f"/v2/orders/{resting['id']}", headers, 204)
    await patch_risk(client, headers, {"trading_state": "REDUCING"})
    refused = await place(client, headers, order_body(qty="1"), 403)
    assert refused["code"] == 40310011 and "only orders that reduce a position" in refused["message"]
    sold = await place(client, headers, order_body(qty="2", side="sell"))
    assert sold["status"] == "filled"
    assert (await patch_risk(client, headers, {"trading_state": "ACTIVE"}))["trading_state"] == "ACTIVE"
    await place(client, headers, order_body(qty="1"))


async def test_an_owner_cannot_lift_a_halt_the_daily_loss_limit_or_an_administrator_set(
    client: HttpClient, engine: Engine, account: Credentials, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100")
    await place(client, headers, order_body(qty="100"))
    limits = RiskLimits(daily_loss_limit=D(500), daily_loss_action=BreachAction.HALT)
    await engine.set_risk(account.account_id, limits=limits, state=None, reason=None, source=StateSource.USER)
    await set_price(engine, "AAPL", "94.9")  # a loss of 510
    risk = await call(client, "GET", "/v2/risk", headers)
    assert (risk["trading_state"], risk["source"]) == ("HALTED", "daily_loss_limit")
    assert risk["usage"]["daily_loss"] == "510.00" and risk["notices"][-1]["kind"] == "state_changed"
    refused = await patch_risk(client, headers, {"trading_state": "ACTIVE"}, 403)
    assert refused["code"] == 40310011 and "until the next session" in refused["message"]
    await engine.close_session(engine.clock())  # a new session: the halt ends
    assert (await call(client, "GET", "/v2/risk", headers))["trading_state"] == "ACTIVE"
    await engine.set_risk(account.account_id, limits=None, state=TradingState.REDUCING, reason="review",
                          source=StateSource.ADMIN)
    refused = await patch_risk(client, headers, {"trading_state": "ACTIVE"}, 403)
    assert "until an administrator lifts it" in refused["message"]
    assert (await patch_risk(client, headers, {"trading_state": "HALTED"}))["trading_state"] == "HALTED"


async def test_a_preview_answers_what_the_order_would_do_and_changes_nothing(
    client: HttpClient, engine: Engine, headers: Headers
) -> None:
    await set_price(engine, "AAPL", "100")
    await patch_risk(client, headers, {"limits": {"max_order_notional": "1000"}})
    account = await call(client, "GET", "/v2/account", headers)
    risk = await call(client, "GET", "/v2/risk", headers)
    ok = await call(client, "POST", "/v2/orders/preview", headers, json=order_body(qty="4"))
    assert shape_failures(PreviewJson, ok) == []
    assert (ok["accepted"], ok["refusal"], ok["fills_now"]) == (True, None, True)
    assert (ok["estimated_price"], ok["estimated_qty"], ok["estimated_cost"]) == ("100", "4", "400.00")
    assert (ok["buying_power"], ok["buying_power_after"]) == ("100000.00", "99600.00")
    assert (ok["position_qty"], ok["position_qty_after"]) == ("0", "4")
    assert ok["checks"] == [{"limit": "max_order_notional", "value": "1000", "figure": "400.00", "headroom": "600.00"}]
    resting = await call(client, "POST", "/v2/orders/preview", headers, json=limit_body("90", qty="5"))
    assert (resting["accepted"], resting["fills_now"], resting["estimated_price"]) == (True, False, "90")
    assert resting["position_qty_after"] == "0" and resting["buying_power_after"] == "99550.00"
    refused = await call(client, "POST", "/v2/orders/preview", headers, json=order_body(qty="20"))
    assert shape_failures(PreviewJson, refused) == []
    assert refused["accepted"] is False and refused["refusal"]["code"] == 40310010
    assert refused["refusal"]["message"] == "max_order_notional is 1000: the order's notional would be 2000.00"
    unknown = await call(client, "POST", "/v2/orders/preview", headers, json=order_body(symbol="NOPE"))
    assert unknown["accepted"] is False and unknown["refusal"]["status"] == 422
    await call(client, "POST", "/v2/orders/preview", headers, 422, json={"symbol": "AAPL"})
    assert await call(client, "GET", "/v2/orders", headers, params={"status": "all"}) == []
    assert await call(client, "GET", "/v2/account", headers) == account
    assert await call(client, "GET", "/v2/risk", headers) == risk



# -- administrators ------------------------------------------------------------------


async def test_an_administrator_sets_one_accounts_risk_and_every_accounts_in_the_audit_log(
    client: HttpClient, engine: Engine, account: Credentials, headers: Headers
) -> None:
    admin = await admin_headers(client)
    other = await engine.open_account(D(5_000))
    path = f"/admin/v1/accounts/{account.account_id}/risk"
    shown = await call(client, "GET", path, admin)
    assert shape_failures(AccountRiskJson, shown) == []
    assert shown["account_id"] == str(account.account_id) and shown["trading_state"] == "ACTIVE"
    body = {"limits": {"daily_loss_limit": "1000", "daily_loss_action": "halt_and_flatten"}, "trading_state": "REDUCING",
            "reason": "under review"}
    set_one = await call(client, "PATCH", path, admin, json=body)
    assert (set_one["trading_state"], set_one["source"], set_one["reason"]) == ("REDUCING", "admin", "under review")
    assert set_one["limits"]["daily_loss_action"] == "halt_and_flatten"
    assert set_one == {"account_id": str(account.account_id), **await call(client, "GET", "/v2/risk", headers)}
    refused = await patch_risk(client, headers, {"trading_state": "ACTIVE"}, 403)
    assert refused["code"] == 40310011 and "until an administrator lifts it" in refused["message"]

    everywhere = await call(client, "PATCH", "/admin/v1/risk", admin, json={"limits": {"max_orders_per_minute": 600}})
    assert shape_failures(RiskEverywhereJson, everywhere) == [] and everywhere == {"accounts": 2}
    for state in (engine.account(account.account_id), engine.account(other.account_id)):
        assert state.risk.limits.max_orders_per_minute == 600
    assert engine.account(account.account_id).risk.limits.daily_loss_limit == 1000  # the others are kept
    await call(client, "PATCH", "/admin/v1/risk", admin, json={"trading_state": "ACTIVE"})
    assert (await call(client, "GET", "/v2/risk", headers))["trading_state"] == "ACTIVE"

    log = await call(client, "GET", "/admin/v1/audit", admin)
    risk_entries = [(e["action"], e["target"]) for e in log if e["action"] == "set_risk"]
    assert risk_entries == [("set_risk", "all accounts"), ("set_risk", "all accounts"), ("set_risk", str(account.account_id))]


async def test_admin_risk_routes_refuse_unknown_accounts_bad_limits_and_callers_without_a_session(
    client: HttpClient, account: Credentials, headers: Headers
) -> None:
    admin = await admin_headers(client)
    await call(client, "GET", f"/admin/v1/accounts/{uuid4()}/risk", admin, 404)
    await call(client, "PATCH", "/admin/v1/accounts/not-an-id/risk", admin, 404, json={"trading_state": "HALTED"})
    path = f"/admin/v1/accounts/{account.account_id}/risk"
    refused = await call(client, "PATCH", path, admin, 422, json={"limits": {"max_open_orders": -1}})
    assert refused["field"] == "limits.max_open_orders"
    refused = await call(client, "PATCH", "/admin/v1/risk", admin, 422, json={"trading_state": "STOPPED"})
    assert refused["field"] == "trading_state"
    await call(client, "PATCH", "/admin/v1/risk", headers, 401, json={"trading_state": "HALTED"})
    await call(client, "GET", path, {}, 401)
    assert (await call(client, "GET", "/v2/risk", headers))["trading_state"] == "ACTIVE"
