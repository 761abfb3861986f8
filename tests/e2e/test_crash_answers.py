"""kill -9 while one account places resting orders and cancels them all: no answer is contradicted after the restart.

Eight clients place limit buys far below the market on one account while four
clients cancel all of its open orders, and the server is killed after 1 to 3
seconds; then it restarts and the next round begins. An answer is contradicted
when the restarted server shows an order as it was before the answer: answered
`canceled` (by the order's own POST or by a cancel-all line) and `new` after the
restart, or answered at all and unknown after it.

The default suite runs a few rounds; `-m soak` runs `SOAK_ROUNDS` (the figures
of a long run are in docs/durability.md).
"""

from __future__ import annotations

import asyncio
import random
import signal
import sqlite3
from pathlib import Path
from typing import Final

import aiohttp
import pytest

from tests.e2e.server import RunningServer, demo_env, http_json, running_server

pytestmark = pytest.mark.e2e

KEY_ID: Final = "PKCRASHANSWERS0000001"
SECRET: Final = "crash-answers-secret-0123456789abcdefghi"
ENV: Final = demo_env(
    KEY_ID,
    SECRET,
    demo_cash="10000000",
    sim_ticks_per_sec="20",
    snapshot_every="200",
    symbols="AAPL",
    backfill_days="0",
    log_level="WARNING",
)
HEADERS: Final = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}
PLACERS: Final = 8
CANCELERS: Final = 4
ROUNDS: Final = 3
SOAK_ROUNDS: Final = 25
LIMIT_PRICE: Final = "1.00"
"""Far below the simulated market: the orders rest until canceled and never fill."""
CANCELED: Final = "canceled"


class Answers:
    """The last status each order was answered with, and the orders answered canceled."""

    def __init__(self) -> None:
        self.status: dict[str, str] = {}

    def saw(self, order_id: str, status: str) -> None:
        if self.status.get(order_id) != CANCELED:  # a resting order's answers only move towards canceled
            self.status[order_id] = status

    @property
    def canceled(self) -> set[str]:
        return {order_id for order_id, status in self.status.items() if status == CANCELED}


async def _place(base_url: str, answers: Answers, stop: asyncio.Event) -> None:
    body = {"symbol": "AAPL", "qty": "1", "side": "buy", "type": "limit", "limit_price": LIMIT_PRICE}
    async with aiohttp.ClientSession(base_url, headers=HEADERS) as session:
        while not stop.is_set():
            try:
                async with session.post("/v2/orders", json={**body, "time_in_force": "gtc"}) as response:
                    answer = await response.json()
                    if response.status == 200:
                        answers.saw(answer["id"], answer["status"])
            except (aiohttp.ClientError, asyncio.TimeoutError):
                return  # the server is gone


async def _cancel_all(base_url: str, answers: Answers, stop: asyncio.Event) -> None:
    async with aiohttp.ClientSession(base_url, headers=HEADERS) as session:
        while not stop.is_set():
            try:
                async with session.delete("/v2/orders") as response:
                    lines = await response.json()
                    if response.status == 207:
                        for line in lines:
                            if line["status"] == 200:
                                answers.saw(line["id"], line["body"]["status"])
            except (aiohttp.ClientError, asyncio.TimeoutError):
                return


async def _round(server: RunningServer, answers: Answers, seconds: float) -> None:
    stop = asyncio.Event()
    clients = [_place(server.base_url, answers, stop) for _ in range(PLACERS)]
    clients += [_cancel_all(server.base_url, answers, stop) for _ in range(CANCELERS)]
    workers = [asyncio.create_task(client) for client in clients]
    await asyncio.sleep(seconds)
    server.process.send_signal(signal.SIGKILL)
    stop.set()
    await asyncio.gather(*workers)
    server.process.wait(10)


def _open_orders(server: RunningServer) -> set[str]:
    status, orders = http_json("GET", server.base_url + "/v2/orders?status=open&limit=500", HEADERS)
    assert status == 200, orders
    assert len(orders) < 500, "too many open orders to see them all in one page"
    return {order["id"] for order in orders}


def _stored_statuses(data_dir: Path) -> dict[str, str]:
    db = sqlite3.connect(data_dir / "tradeloop.db")
    try:
        return dict(db.execute("SELECT id, status FROM orders").fetchall())
    finally:
        db.close()


async def _no_answer_is_contradicted(tmp_path: Path, rounds: int) -> None:
    answers = Answers()
    rng = random.Random(11)
    for _ in range(rounds):
        with running_server(tmp_path, ENV, market="simulated") as server:
            contradicted = _open_orders(server) & answers.canceled
            assert not contradicted, f"answered canceled, open after the restart: {sorted(contradicted)[:5]}"
            await _round(server, answers, rng.uniform(1.0, 3.0))
    with running_server(tmp_path, ENV, market="simulated") as server:
        contradicted = _open_orders(server) & answers.canceled
        assert server.stop() == 0
    assert not contradicted, f"answered canceled, open after the restart: {sorted(contradicted)[:5]}"
    assert len(answers.status) > 100 and len(answers.canceled) > 50, "too little load to prove anything"
    stored = _stored_statuses(tmp_path / "data")
    unknown = answers.status.keys() - stored.keys()
    assert not unknown, f"answered, unknown after the restart: {sorted(unknown)[:5]}"
    reverted = {order_id for order_id in answers.canceled if stored[order_id] != CANCELED}
    assert not reverted, f"answered canceled, stored otherwise: {sorted(reverted)[:5]}"


async def test_kill_9_while_canceling_all_under_load_contradicts_no_answer(tmp_path: Path) -> None:
    await _no_answer_is_contradicted(tmp_path, ROUNDS)


@pytest.mark.soak
async def test_kill_9_while_canceling_all_under_load_contradicts_no_answer_over_many_rounds(tmp_path: Path) -> None:
    await _no_answer_is_contradicted(tmp_path, SOAK_ROUNDS)
