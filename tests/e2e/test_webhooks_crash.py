"""kill -9 of the real server while a webhook request waits for its answer: sent again after the restart, nothing else is."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any, Final

import pytest

from tests.e2e.server import RunningServer, demo_env, http_json, running_server
from tests.factories import ADMIN_KEY, totp_code
from tests.webhooks.factories import receiving

pytestmark = pytest.mark.e2e

KEY_ID: Final = "PKWEBHOOKCRASH0000001"
SECRET: Final = "webhook-crash-secret-0123456789abcdefghij"
ENV: Final = demo_env(KEY_ID, SECRET, symbols="AAPL", log_level="WARNING", webhook_allow_private="1")
HEADERS: Final = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}


async def call(server: RunningServer, method: str, path: str, body: Any = None, headers: dict[str, str] = HEADERS) -> Any:
    status, answer = await asyncio.to_thread(http_json, method, server.base_url + path, headers, body)
    assert status < 300, (path, status, answer)
    return answer


async def set_price(server: RunningServer, price: str) -> None:
    for offset in (0, 1):  # a 30 s code spent already: the next one is valid too
        status, session = await asyncio.to_thread(
            http_json, "POST", server.base_url + "/admin/v1/sessions",
            {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": totp_code(offset)},
        )  # fmt: skip
        if status == 201:
            break
    assert status == 201, session
    admin = {"Authorization": f"Bearer {session['token']}"}
    await call(server, "POST", "/admin/v1/market/prices", {"symbol": "AAPL", "price": price}, admin)


async def buy(server: RunningServer) -> str:
    order = await call(server, "POST", "/v2/orders", {"symbol": "AAPL", "qty": "1", "side": "buy", "type": "market",
                                                      "time_in_force": "day"})
    return str(order["id"])


async def test_kill_9_while_a_delivery_waits_sends_it_again_after_the_restart_and_only_it(tmp_path: Path) -> None:
    async with receiving() as receiver:
        with running_server(tmp_path, ENV) as server:
            made = await call(server, "POST", "/v2/webhooks", {"url": receiver.url, "events": ["order.filled"]})
            await set_price(server, "100.00")
            await buy(server)
            (delivered,) = await receiver.wait_for(1)  # answered: never sent again
            receiver.holding = True
            await buy(server)
            _, held = await receiver.wait_for(2)  # journaled and sent, but the receiver never answers
            server.process.send_signal(signal.SIGKILL)
            assert server.process.wait(timeout=10) == -signal.SIGKILL
        port = receiver.port
    async with receiving(port) as back:
        with running_server(tmp_path, ENV) as server:
            (again,) = await back.wait_for(1)
            assert again.message_id == held.message_id != delivered.message_id
            assert again.body == held.body
            assert again.verified(made["secret"])["type"] == "order.filled"
            attempts = await call(server, "GET", f"/v2/webhooks/{made['id']}/deliveries")
            assert [(a["message_id"], a["status_code"]) for a in attempts] == [
                (held.message_id, 200), (delivered.message_id, 200)
            ]
            await set_price(server, "101.00")  # the manual market starts without prices
            await buy(server)  # a fill after the restart: delivered once, and the one delivered before never again
            _, new = await back.wait_for(2)
            assert new.message_id not in (held.message_id, delivered.message_id)
            attempts = await call(server, "GET", f"/v2/webhooks/{made['id']}/deliveries")
            assert sorted(a["message_id"] for a in attempts) == sorted([new.message_id, held.message_id, delivered.message_id])
