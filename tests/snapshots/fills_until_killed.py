"""A process that buys on a data directory until it is killed, reporting each order the engine answered as filled.

Run as `python -m tests.snapshots.fills_until_killed DATA_DIR` by the kill -9 test of notifications. Each
line on stdout is JSON: {"filled": order id} once the engine answered the order filled (so it is journaled,
and its notification with it).
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal
from pathlib import Path

from tests.actors.strategy_factories import stored_engine
from tests.factories import set_price
from tradeloop.core.orders import OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce

BUY = OrderRequest(symbol="AAPL", qty=Decimal(1), side=OrderSide.BUY, type=OrderType.MARKET, time_in_force=TimeInForce.DAY)


async def buy_until_killed(data_dir: Path) -> None:
    async with stored_engine(data_dir) as engine:
        accounts = engine.accounts()
        account_id = accounts[0].id if accounts else (await engine.open_account(Decimal(10_000_000))).account_id
        await set_price(engine, "AAPL", "100")
        while True:
            order = await engine.place_order(account_id, BUY)
            assert order.status is OrderStatus.FILLED, order.status
            print(json.dumps({"filled": str(order.terms.id)}), flush=True)


if __name__ == "__main__":
    asyncio.run(buy_until_killed(Path(sys.argv[1])))
