"""A strategy live on the manual market over posted bars, and a backtest of the same bars (fill=bar_close),
produce the same signals, orders and fills, ids and wall-clock times aside."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import orjson

from tests.backtest.builders import definition, price_path
from tests.factories import HttpClient, admin_headers
from tradeloop.codec import rfc3339

BARS = price_path(150)


async def test_live_and_backtest_agree_on_signals_orders_and_fills(client: HttpClient, headers: dict[str, str]) -> None:
    created = await (await client.post("/v2/strategies", headers=headers, json=definition())).json()
    response = await client.post(f"/v2/strategies/{created['id']}/activate", headers=headers, json={})
    assert response.status == 200, await response.text()
    cash = Decimal((await (await client.get("/v2/account", headers=headers)).json())["cash"])
    admin = await admin_headers(client)
    for bar in BARS:
        body = {"symbol": bar.symbol, "timestamp": rfc3339(bar.timestamp), "open": str(bar.open),
                "high": str(bar.high), "low": str(bar.low), "close": str(bar.close), "volume": str(bar.volume)}
        response = await client.post("/admin/v1/market/bars", headers=admin, json=body)
        assert response.status == 201, await response.text()

    signals = await (await client.get(
        f"/v2/strategies/{created['id']}/signals", headers=headers, params={"direction": "asc", "limit": "500"}
    )).json()
    orders = await (await client.get(
        "/v2/orders", headers=headers, params={"status": "all", "direction": "asc", "limit": "500"}
    )).json()

    response = await client.post("/v2/backtests", headers=headers, json={
        "strategy": {"id": created["id"], "version": 1}, "start": rfc3339(BARS[0].timestamp),
        "end": "2025-03-03T17:00:00Z", "initial_cash": str(cash), "fill": "bar_close",
    })
    assert response.status == 202, await response.text()
    backtest = await response.json()
    for _ in range(600):
        status = (await (await client.get(f"/v2/backtests/{backtest['id']}", headers=headers)).json())["status"]
        if status != "queued" and status != "running":
            break
        await asyncio.sleep(0.05)
    result = orjson.loads(await (await client.get(f"/v2/backtests/{backtest['id']}/result", headers=headers)).read())

    def signal_view(s: dict[str, Any]) -> tuple[Any, ...]:
        return (s["symbol"], s["bar_time"], s["rule"], s["side"], dict(s["values"]), s["client_order_id"],
                s["refusal"], s["order_id"] is None)

    def order_view(o: dict[str, Any]) -> tuple[Any, ...]:
        return (o["client_order_id"], o["symbol"], o["side"], o["type"], Decimal(o["qty"]), o["status"],
                Decimal(o["filled_qty"]), Decimal(o["filled_avg_price"] or 0))

    assert len(signals) >= 4
    assert [signal_view(s) for s in signals] == [signal_view(s) for s in result["signals"]]
    assert [order_view(o) for o in orders] == [order_view(o) for o in result["orders"]]
    live_fills = [(o["client_order_id"], Decimal(o["filled_qty"]), Decimal(o["filled_avg_price"])) for o in orders]
    by_order = {o["id"]: o["client_order_id"] for o in result["orders"]}
    assert live_fills == [(by_order[f["order_id"]], Decimal(f["qty"]), Decimal(f["price"])) for f in result["fills"]]
