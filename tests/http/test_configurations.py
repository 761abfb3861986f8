"""GET/PATCH /v2/account/configurations: Alpaca's fields, nulls that leave fields alone, the switches that act, alpaca-py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import PDTCheck
from alpaca.trading.models import AccountConfiguration

from tests.factories import HttpClient, limit_body, order_body, place, set_price
from tradeloop.actors.engine import Credentials, Engine

DEFAULTS = {
    "suspend_trade": False,
    "fractional_trading": True,
    "no_shorting": True,
    "dtbp_check": "entry",
    "pdt_check": "entry",
    "trade_confirm_email": "all",
    "max_margin_multiplier": "1",
    "ptp_no_exception_entry": False,
    "max_options_trading_level": None,
}
PATH = "/v2/account/configurations"


async def patch(client: HttpClient, headers: dict[str, str], body: Any) -> tuple[int, Any]:
    response = await client.patch(PATH, headers=headers, json=body)
    return response.status, await response.json()


async def current(client: HttpClient, headers: dict[str, str]) -> Any:
    response = await client.get(PATH, headers=headers)
    assert response.status == 200
    return await response.json()


async def test_a_new_account_has_alpacas_fields_at_their_defaults(client: HttpClient, headers: dict[str, str]) -> None:
    assert await current(client, headers) == DEFAULTS


async def test_patch_sets_what_it_names_and_nulls_leave_fields_alone(
    client: HttpClient, headers: dict[str, str]
) -> None:
    status, answer = await patch(client, headers, {"pdt_check": "both", "max_options_trading_level": 2})
    assert status == 200
    nulls = dict.fromkeys(DEFAULTS)
    status, answer = await patch(client, headers, {**nulls, "trade_confirm_email": "none"})
    assert status == 200
    expected = {**DEFAULTS, "pdt_check": "both", "max_options_trading_level": 2, "trade_confirm_email": "none"}
    assert answer == expected
    assert await current(client, headers) == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"no_shorting": False}, "no_shorting"),
        ({"pdt_check": "sometimes"}, "pdt_check"),
        ({"max_margin_multiplier": "3"}, "max_margin_multiplier"),
        ({"max_options_trading_level": 4}, "max_options_trading_level"),
        ({"suspend_trade": True, "margin": "lots"}, "margin"),
    ],
)
async def test_a_wrong_field_is_refused_naming_it_and_changes_nothing(
    client: HttpClient, headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    status, problem = await patch(client, headers, body)
    assert status == 422
    assert field in problem["message"]
    assert await current(client, headers) == DEFAULTS


async def test_suspend_trade_refuses_orders_with_403_and_cancels_pass(
    client: HttpClient, headers: dict[str, str], engine: Engine
) -> None:
    await set_price(engine, "AAPL", "150")
    resting = await place(client, headers, limit_body(qty="1", limit_price="1"))
    assert (await patch(client, headers, {"suspend_trade": True}))[0] == 200
    refused = await place(client, headers, order_body(qty="1"), status=403)
    assert refused["code"] == 40310012
    assert "suspend_trade" in refused["message"]
    replaced = await client.patch(f"/v2/orders/{resting['id']}", headers=headers, json={"limit_price": "2"})
    assert replaced.status == 403
    canceled = await client.delete(f"/v2/orders/{resting['id']}", headers=headers)
    assert canceled.status == 204
    assert (await patch(client, headers, {"suspend_trade": False}))[0] == 200
    await place(client, headers, order_body(qty="1"))


async def test_fractional_trading_off_refuses_fractions_and_notional(
    client: HttpClient, headers: dict[str, str], engine: Engine
) -> None:
    await set_price(engine, "AAPL", "150")
    assert (await patch(client, headers, {"fractional_trading": False}))[0] == 200
    refused = await place(client, headers, order_body(qty="0.5"), status=422)
    assert "qty" in refused["message"]
    refused = await place(client, headers, order_body(qty=None, notional="100"), status=422)
    assert "notional" in refused["message"]
    await place(client, headers, order_body(qty="2"))


async def test_alpaca_py_reads_and_writes_the_configuration(client: HttpClient, account: Credentials) -> None:
    sdk = TradingClient(account.key_id, account.secret_key, url_override=str(client.make_url("")).rstrip("/"))
    loop = asyncio.get_running_loop()
    config = await loop.run_in_executor(None, sdk.get_account_configurations)
    assert isinstance(config, AccountConfiguration)
    assert (config.suspend_trade, config.fractional_trading, config.no_shorting) == (False, True, True)
    changed = config.model_copy(update={"suspend_trade": True, "pdt_check": PDTCheck.EXIT, "dtbp_check": None})
    answer = await loop.run_in_executor(None, sdk.set_account_configurations, changed)
    assert isinstance(answer, AccountConfiguration)
    assert (answer.suspend_trade, answer.pdt_check, answer.dtbp_check) == (True, PDTCheck.EXIT, config.dtbp_check)
