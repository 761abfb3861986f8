"""GET/PUT /v2/account/fees, and where the fees show: cash, FEE activities (read by alpaca-py), trades, statement, report."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import ActivityType
from alpaca.trading.models import NonTradeActivity, TradeAccount, TradeActivity

from tests.factories import HttpClient, order_body, place, set_price
from tradeloop.actors.engine import Credentials, Engine

D = Decimal
NONE = {"per_share": "0", "per_order": "0", "percent_of_notional": "0", "minimum": "0", "slippage_bps": "0"}


async def get_json(client: HttpClient, headers: dict[str, str], path: str) -> Any:
    response = await client.get(path, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def put_fees(client: HttpClient, headers: dict[str, str], body: Any, status: int = 200) -> Any:
    response = await client.put("/v2/account/fees", headers=headers, json=body)
    assert response.status == status, await response.text()
    return await response.json()


async def test_a_new_account_has_no_fees_and_put_replaces_the_whole_schedule(
    client: HttpClient, headers: dict[str, str]
) -> None:
    assert await get_json(client, headers, "/v2/account/fees") == NONE
    body = {"per_share": "0.005", "minimum": "1.00", "slippage_bps": 5}
    expected = {**NONE, "per_share": "0.005", "minimum": "1.00", "slippage_bps": "5"}
    assert await put_fees(client, headers, body) == expected
    assert await get_json(client, headers, "/v2/account/fees") == expected
    assert await put_fees(client, headers, {"per_order": "0.35"}) == {**NONE, "per_order": "0.35"}  # the rest back to 0
    assert await put_fees(client, headers, {}) == NONE


@pytest.mark.parametrize(
    ("field", "value"),
    [("per_share", "-0.01"), ("per_order", "0.001"), ("percent_of_notional", "101"), ("minimum", "abc"),
     ("slippage_bps", "501"), ("slippage_bps", -1)],
)  # fmt: skip
async def test_a_bad_value_is_refused_naming_the_field_and_changes_nothing(
    client: HttpClient, headers: dict[str, str], field: str, value: Any
) -> None:
    await put_fees(client, headers, {"per_order": "1"})
    refused = await put_fees(client, headers, {"per_order": "2", field: value}, status=422)
    assert field in refused["message"]
    assert await get_json(client, headers, "/v2/account/fees") == {**NONE, "per_order": "1"}


async def test_fees_show_in_cash_activities_trades_statement_and_report(
    client: HttpClient, headers: dict[str, str], engine: Engine, account: Credentials
) -> None:
    await set_price(engine, "AAPL", "100", bid="99.99", ask="100.00")
    await put_fees(client, headers, {"per_share": "0.01", "minimum": "1.00"})
    await place(client, headers, order_body(qty="10"))
    await place(client, headers, order_body(qty="250"))
    await place(client, headers, order_body(qty="260", side="sell"))
    await engine.quiesce()
    # 1.00 (the minimum), 2.50 and 2.60: 6.10 in all.
    cash = D(100_000) - D(1000) - D("1.00") - D(25_000) - D("2.50") + D("25997.40") - D("2.60")
    found = await get_json(client, headers, "/v2/account")
    assert D(found["cash"]) == cash
    fees = await get_json(client, headers, "/v2/account/activities/FEE")
    assert sorted(D(a["net_amount"]) for a in fees) == [D("-2.60"), D("-2.50"), D("-1.00")]
    assert {a["symbol"] for a in fees} == {"AAPL"}
    trips = (await get_json(client, headers, "/v2/account/trades"))["trades"]
    assert sum(D(t["fees"]) for t in trips) == D("6.10")
    realized = sum(D(t["realized_pl"]) for t in trips)
    assert realized == engine.account(account.account_id).realized_pl == D("25997.40") - D(26_000) - D("6.10")
    summary = (await get_json(client, headers, "/v2/account/trades/summary"))["overall"]
    assert (D(summary["fees"]), D(summary["realized_pl"])) == (D("6.10"), realized)
    statement = await get_json(client, headers, "/v2/reports/statement")
    totals = statement["totals"]
    assert D(totals["fees"]) == D("6.10")
    opening, closing = D(statement["opening"]["cash"]), D(statement["closing"]["cash"])
    moved = D(totals["deposits"]) - D(totals["withdrawals"]) + D(totals["sells"]) - D(totals["buys"]) - D(totals["fees"])
    assert opening + moved == closing == cash
    kinds = [a["activity_type"] for a in statement["activities"]]
    assert kinds == ["FILL", "FEE", "FILL", "FEE", "FILL", "FEE"]  # each fill, then its fee
    response = await client.get("/v2/reports/statement", params={"format": "csv"}, headers=headers)
    rows = [line.split(",") for line in (await response.text()).splitlines() if line.startswith("activity,")]
    assert [(row[3], row[8], row[9]) for row in rows][:2] == [("FILL", "-1000.00", "99000.00"), ("FEE", "-1.00", "98999.00")]
    assert rows[-1][3:4] + rows[-1][8:] == ["FEE", "-2.60", str(cash)]
    report = await get_json(client, headers, "/v2/reports/performance")
    assert D(report["fees"]) == D("6.10")


async def test_alpaca_py_reads_the_account_and_its_fee_activities(
    client: HttpClient, headers: dict[str, str], engine: Engine, account: Credentials
) -> None:
    await set_price(engine, "AAPL", "100", bid="99.99", ask="100.00")
    await put_fees(client, headers, {"per_order": "0.99"})
    await place(client, headers, order_body(qty="2"))
    await engine.quiesce()
    listed = await get_json(client, headers, "/v2/account/activities")  # FEE is among Alpaca's types: listed by default
    fee, fill = (NonTradeActivity(**a) if a["activity_type"] == "FEE" else TradeActivity(**a) for a in listed)
    assert isinstance(fee, NonTradeActivity) and fee.activity_type is ActivityType.FEE
    assert (fee.net_amount, fee.symbol, str(fee.date)) == (-0.99, "AAPL", listed[1]["transaction_time"][:10])
    assert isinstance(fill, TradeActivity) and fill.qty == 2
    sdk = TradingClient(account.key_id, account.secret_key, url_override=str(client.make_url("")).rstrip("/"))
    sdk_account = await asyncio.get_running_loop().run_in_executor(None, sdk.get_account)
    assert isinstance(sdk_account, TradeAccount) and D(str(sdk_account.cash)) == D(100_000) - D(200) - D("0.99")
