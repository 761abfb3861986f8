"""Durability of the real server: restarts keep everything, and kill -9 loses nothing acknowledged."""

from __future__ import annotations

import asyncio
import random
import signal
import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import aiohttp
import pytest

from tests.e2e.server import RunningServer, demo_env, http_json, running_server
from tests.factories import ADMIN_KEY, totp_code

pytestmark = pytest.mark.e2e

KEY_ID: Final = "PKDURABILITY000000001"
SECRET: Final = "durability-secret-0123456789abcdefghijkl"
CASH: Final = Decimal(1_000_000)
ENV: Final = demo_env(
    KEY_ID,
    SECRET,
    demo_cash=str(CASH),
    sim_ticks_per_sec="20",
    snapshot_every="150",
    symbols="AAPL,MSFT,KO",
    log_level="WARNING",
)
HEADERS: Final = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}
SYMBOLS: Final = ("AAPL", "MSFT", "KO")


def get(server: RunningServer, path: str) -> Any:
    status, body = http_json("GET", server.base_url + path, HEADERS)
    assert status == 200, (path, status, body)
    return body


def admin_price(server: RunningServer, symbol: str, price: str) -> None:
    status, session = http_json(
        "POST",
        server.base_url + "/admin/v1/sessions",
        {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": totp_code()},
    )
    if status != 201:  # this 30 s code was spent already: the next one is valid too
        status, session = http_json(
            "POST",
            server.base_url + "/admin/v1/sessions",
            {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": totp_code(1)},
        )
    assert status == 201, session
    status, body = http_json(
        "POST",
        server.base_url + "/admin/v1/market/prices",
        {"Authorization": f"Bearer {session['token']}"},
        {"symbol": symbol, "price": price},
    )
    assert status == 200, body


def test_resting_orders_keep_working_after_a_restart(tmp_path: Path) -> None:
    manual_env = {k: v for k, v in ENV.items() if k != "TRADELOOP_SIM_TICKS_PER_SEC"}
    with running_server(tmp_path, manual_env) as server:
        admin_price(server, "AAPL", "100.00")
        status, order = http_json(
            "POST",
            server.base_url + "/v2/orders",
            HEADERS,
            {"symbol": "AAPL", "qty": "5", "side": "buy", "type": "limit", "limit_price": "95.00", "time_in_force": "gtc"},
        )
        assert status == 200 and order["status"] == "new"
        assert server.stop() == 0
    with running_server(tmp_path, manual_env) as server:
        assert get(server, f"/v2/orders/{order['id']}")["status"] == "new"
        admin_price(server, "AAPL", "94.50")
        filled = get(server, f"/v2/orders/{order['id']}")
        assert filled["status"] == "filled" and filled["filled_avg_price"] == "94.50"
        assert get(server, "/v2/positions/AAPL")["qty"] == "5"


async def _trade(base_url: str, acked: dict[str, dict[str, Any]], stop: asyncio.Event, seed: int) -> None:
    """Place, and sometimes cancel, orders until stopped; remember every answered order."""
    rng = random.Random(seed)
    async with aiohttp.ClientSession(base_url, headers=HEADERS) as session:
        while not stop.is_set():
            symbol = rng.choice(SYMBOLS)
            body: dict[str, Any] = {"symbol": symbol, "qty": str(rng.randint(1, 20)), "time_in_force": "gtc"}
            roll = rng.random()
            if roll < 0.45:
                body.update(side="buy", type="market", time_in_force="day")
            elif roll < 0.75:
                body.update(side="buy", type="limit", limit_price=str(rng.randint(20, 600)))
            else:
                body.update(side="sell", type="market", time_in_force="day", qty="1")
            try:
                async with session.post("/v2/orders", json=body) as response:
                    answer = await response.json()
                    if response.status == 200:
                        acked[answer["id"]] = answer
                if roll > 0.6 and acked:
                    victim = rng.choice(list(acked))
                    async with session.delete(f"/v2/orders/{victim}") as response:
                        await response.read()
            except (aiohttp.ClientError, asyncio.TimeoutError):
                return  # the server is gone: stop like a client would


async def _traffic_then_kill(server: RunningServer, acked: dict[str, dict[str, Any]], seconds: float) -> None:
    stop = asyncio.Event()
    workers = [asyncio.create_task(_trade(server.base_url, acked, stop, seed)) for seed in range(4)]
    await asyncio.sleep(seconds)
    server.process.send_signal(signal.SIGKILL)
    stop.set()
    await asyncio.gather(*workers)
    server.process.wait(10)


def _fills(data_dir: Path) -> list[tuple[str, str, str, str, str]]:
    db = sqlite3.connect(data_dir / "tradeloop.db")
    try:
        return db.execute("SELECT order_id, symbol, side, qty, cash FROM fills").fetchall()
    finally:
        db.close()


async def test_kill_9_under_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    acked: dict[str, dict[str, Any]] = {}
    rng = random.Random(7)
    for _ in range(3):
        with running_server(tmp_path, ENV, market="simulated") as server:
            await _traffic_then_kill(server, acked, rng.uniform(0.8, 2.0))
    assert len(acked) > 20, "the load generator placed too few orders to prove anything"
    with running_server(tmp_path, ENV, market="simulated") as server:
        orders = {order_id: get(server, f"/v2/orders/{order_id}") for order_id in acked}
        account = get(server, "/v2/account")
        positions = {p["symbol"]: Decimal(p["qty"]) for p in get(server, "/v2/positions")}
        assert server.stop() == 0
    fills = _fills(tmp_path / "data")
    filled_by_order: dict[str, Decimal] = defaultdict(Decimal)
    held: dict[str, Decimal] = defaultdict(Decimal)
    cash = CASH
    for order_id, symbol, side, qty, amount in fills:
        filled_by_order[order_id] += Decimal(qty)
        held[symbol] += Decimal(qty) if side == "buy" else -Decimal(qty)
        cash += -Decimal(amount) if side == "buy" else Decimal(amount)
    for order_id, order in orders.items():
        assert order["id"] == order_id and order["client_order_id"] == acked[order_id]["client_order_id"]
        assert Decimal(order["filled_qty"]) == filled_by_order[order_id]
    assert Decimal(account["cash"]) == cash
    assert positions == {symbol: qty for symbol, qty in held.items() if qty}


def test_the_orders_history_table_holds_every_order_as_the_api_shows_it(tmp_path: Path) -> None:
    manual_env = {k: v for k, v in ENV.items() if k != "TRADELOOP_SIM_TICKS_PER_SEC"}
    with running_server(tmp_path, manual_env) as server:
        admin_price(server, "KO", "60.00")
        placed = []
        for body in (
            {"symbol": "KO", "qty": "2", "side": "buy", "type": "market", "time_in_force": "day"},
            {"symbol": "KO", "qty": "1", "side": "buy", "type": "limit", "limit_price": "50.00", "time_in_force": "gtc"},
        ):
            status, order = http_json("POST", server.base_url + "/v2/orders", HEADERS, body)
            assert status == 200
            placed.append(order["id"])
        status, _ = http_json("DELETE", server.base_url + f"/v2/orders/{placed[1]}", HEADERS)
        assert status == 204
        shown = {order_id: get(server, f"/v2/orders/{order_id}")["status"] for order_id in placed}
        assert server.stop() == 0
    db = sqlite3.connect(tmp_path / "data" / "tradeloop.db")
    try:
        stored = dict(db.execute("SELECT id, status FROM orders").fetchall())
    finally:
        db.close()
    assert shown == {placed[0]: "filled", placed[1]: "canceled"}
    assert {order_id: stored[order_id] for order_id in placed} == shown
