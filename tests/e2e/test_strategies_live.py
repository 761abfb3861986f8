"""kill -9 while a strategy is active: the restarted server resumes it, warmed up, and never places a signal twice."""

from __future__ import annotations

import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

import pytest

from tests.e2e.server import RunningServer, demo_env, http_json, running_server
from tests.factories import ADMIN_KEY, totp_code
from tests.strategy_scripts import CROSSING_UP, FALLING, FALLING_AFTER_ENTRY, bar_body, crossover, minute_bar

pytestmark = pytest.mark.e2e

KEY_ID: Final = "PKSTRATEGYLIVE0000001"
SECRET: Final = "strategy-live-secret-0123456789abcdefghij"
ENV: Final = demo_env(KEY_ID, SECRET, demo_cash="100000", symbols="AAPL", backfill_days="0", log_level="WARNING")
HEADERS: Final = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}


class Desk:
    """A running server, its demo account and an admin session, to post bars."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        for offset in (0, 1, -1):  # each code opens one session, across restarts too
            status, session = http_json(
                "POST",
                server.base_url + "/admin/v1/sessions",
                {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": totp_code(offset)},
            )
            if status == 201:
                self.admin = {"Authorization": f"Bearer {session['token']}"}
                return
        raise AssertionError(f"no admin session: {session}")

    def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        code, answer = http_json(method, self.server.base_url + path, HEADERS, body)
        assert code == status, (path, code, answer)
        return answer

    def post_bar(self, minute: int, close: str, start: datetime) -> None:
        body = bar_body(minute_bar(minute, close, start=start))
        code, answer = http_json("POST", self.server.base_url + "/admin/v1/market/bars", self.admin, body)
        assert code == 201, answer

    def kill(self) -> None:
        self.server.process.send_signal(signal.SIGKILL)
        self.server.process.wait(10)


def test_an_active_strategy_resumes_after_kill_9_and_acts_on_the_next_posted_bar(tmp_path: Path) -> None:
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(minutes=30)
    scripted = [*FALLING, CROSSING_UP]
    with running_server(tmp_path, ENV) as server:
        live = Desk(server)
        strategy_id = live.call("POST", "/v2/strategies", crossover(), status=201)["id"]
        live.call("POST", f"/v2/strategies/{strategy_id}/activate", {})
        for minute, close in enumerate(scripted):
            live.post_bar(minute, close, start)
        [entry] = live.call("GET", f"/v2/strategies/{strategy_id}/signals")
        assert entry["rule"] == "entry" and entry["order_id"] is not None
        live.kill()

    with running_server(tmp_path, ENV) as server:
        restarted = Desk(server)
        assert restarted.call("GET", f"/v2/strategies/{strategy_id}")["status"] == "active"
        for offset, close in enumerate(FALLING_AFTER_ENTRY):
            restarted.post_bar(len(scripted) + offset, close, start)

        signals = restarted.call("GET", f"/v2/strategies/{strategy_id}/signals?direction=asc")
        assert [signal["rule"] for signal in signals] == ["entry", "exit"]
        assert signals[0] == entry  # the entry was not placed again
        exit_ = signals[1]
        assert exit_["order_id"] is not None and exit_["refusal"] is None
        assert exit_["bar_time"].startswith((start + timedelta(minutes=len(scripted) + 2)).strftime("%Y-%m-%dT%H:%M"))
        orders = restarted.call("GET", "/v2/orders?status=all&limit=500")
        mine = [order for order in orders if order["strategy_id"] == strategy_id]
        assert sorted(order["client_order_id"] for order in mine if order["order_class"] == "bracket" and order["side"] == "buy") == [
            entry["client_order_id"]
        ]
        sale = next(order for order in mine if order["id"] == exit_["order_id"])
        assert sale["status"] == "filled" and sale["filled_qty"] == "10"
        assert restarted.call("GET", "/v2/positions") == []
