"""kill -9 at each linkage point of a bracket: the restarted server shows what the rules require, and keeps to them.

The linkage steps are journaled in the write of the fill that causes them, so there is
no moment between an entry's fill and its exits starting to work, nor between an exit's
fill and the cancel of the other exit. Each test kills the real server (SQLite journal)
right after such a fill is answered, restarts it on the same data, and checks the
recovered group, then moves the price to show the recovered group still trades by the rules.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import pytest

from tests.e2e.server import RunningServer, demo_env, http_json, running_server
from tests.factories import ADMIN_KEY, totp_code

pytestmark = pytest.mark.e2e

KEY_ID: Final = "PKLINKEDCRASH00000001"
SECRET: Final = "linked-crash-secret-0123456789abcdefghij"
ENV: Final = demo_env(KEY_ID, SECRET, demo_cash="100000", symbols="AAPL", backfill_days="0", log_level="WARNING")
HEADERS: Final = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}
BRACKET: Final = {
    "symbol": "AAPL",
    "qty": "10",
    "side": "buy",
    "type": "limit",
    "limit_price": "100.00",
    "time_in_force": "gtc",
    "order_class": "bracket",
    "take_profit": {"limit_price": "110.00"},
    "stop_loss": {"stop_price": "90.00"},
}


class Session:
    """A server and an admin session on it, to set prices."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        for offset in (0, 1, -1):  # each code opens one session; a neighbouring step's code is accepted too
            status, session = http_json(
                "POST",
                server.base_url + "/admin/v1/sessions",
                {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": totp_code(offset)},
            )
            if status == 201:
                self.token = session["token"]
                return
        raise AssertionError(f"no admin session: {session}")

    def price(self, price: str, size: str | None = None) -> None:
        """A quote and a trade; answered once every fill they cause is applied."""
        body = {"symbol": "AAPL", "price": price} | ({} if size is None else {"size": size})
        status, answer = http_json(
            "POST", self.server.base_url + "/admin/v1/market/prices", {"Authorization": f"Bearer {self.token}"}, body
        )
        assert status == 200, answer

    def get(self, path: str) -> Any:
        status, body = http_json("GET", self.server.base_url + path, HEADERS)
        assert status == 200, (path, status, body)
        return body

    def place(self, body: dict[str, Any]) -> Any:
        status, answer = http_json("POST", self.server.base_url + "/v2/orders", HEADERS, body)
        assert status == 200, answer
        return answer

    def group(self, entry_id: str) -> tuple[Any, dict[str, Any]]:
        """The entry and its legs by type, as the API answers them (every answer is read, so the journal has it)."""
        entry = self.get(f"/v2/orders/{entry_id}")
        return entry, {leg["type"]: leg for leg in entry["legs"]}

    def shares(self) -> tuple[str, str]:
        """The AAPL position's qty and qty available ("0" without a position)."""
        for position in self.get("/v2/positions"):
            if position["symbol"] == "AAPL":
                return position["qty"], position["qty_available"]
        return "0", "0"

    def kill(self) -> None:
        self.server.process.send_signal(signal.SIGKILL)
        self.server.process.wait(10)


@contextmanager
def serving(tmp_path: Path) -> Iterator[Session]:
    with running_server(tmp_path, ENV) as server:
        yield Session(server)


def test_kill_9_after_a_partial_entry_fill_recovers_exits_working_for_what_was_bought(tmp_path: Path) -> None:
    with serving(tmp_path) as live:
        live.price("100.50")
        entry = live.place(BRACKET)
        assert {leg["status"] for leg in entry["legs"]} == {"held"}
        live.price("100.00", size="4")  # the entry buys 4 of 10: its exits work for 4
        entry, legs = live.group(entry["id"])
        assert entry["filled_qty"] == "4" and {leg["status"] for leg in legs.values()} == {"new"}
        live.kill()
    with serving(tmp_path) as restarted:
        entry, legs = restarted.group(entry["id"])
        assert entry["status"] == "partially_filled" and entry["filled_qty"] == "4"
        assert {leg["status"] for leg in legs.values()} == {"new"}
        assert {leg["qty"] for leg in legs.values()} == {"4"}
        assert restarted.shares() == ("4", "0")  # bought and held for the exits, never unprotected
        restarted.price("100.00")  # the entry buys the rest: the exits work for all 10
        entry, legs = restarted.group(entry["id"])
        assert entry["status"] == "filled" and {leg["qty"] for leg in legs.values()} == {"10"}
        assert restarted.shares() == ("10", "0")
        restarted.price("111.00")
        entry, legs = restarted.group(entry["id"])
        assert legs["limit"]["status"] == "filled" and legs["limit"]["filled_qty"] == "10"
        assert legs["stop"]["status"] == "canceled" and restarted.shares() == ("0", "0")


def test_kill_9_after_the_entry_fills_recovers_both_exits_working(tmp_path: Path) -> None:
    with serving(tmp_path) as live:
        live.price("100.50")
        entry = live.place(BRACKET)
        live.price("100.00")
        entry, legs = live.group(entry["id"])
        assert entry["status"] == "filled" and {leg["status"] for leg in legs.values()} == {"new"}
        live.kill()
    with serving(tmp_path) as restarted:
        entry, legs = restarted.group(entry["id"])
        assert entry["status"] == "filled" and {leg["status"] for leg in legs.values()} == {"new"}
        assert restarted.shares() == ("10", "0")
        restarted.price("111.00")
        entry, legs = restarted.group(entry["id"])
        assert legs["limit"]["status"] == "filled" and legs["stop"]["status"] == "canceled"
        assert restarted.shares() == ("0", "0")


def test_kill_9_after_an_exit_fills_recovers_the_other_exit_canceled(tmp_path: Path) -> None:
    with serving(tmp_path) as live:
        live.price("100.00")
        entry = live.place(BRACKET)
        assert entry["status"] == "filled"
        live.price("111.00")
        entry, legs = live.group(entry["id"])
        assert legs["limit"]["status"] == "filled" and legs["stop"]["status"] == "canceled"
        live.kill()
    with serving(tmp_path) as restarted:
        entry, legs = restarted.group(entry["id"])
        assert legs["limit"]["status"] == "filled" and legs["stop"]["status"] == "canceled"
        assert restarted.get("/v2/orders?status=open") == []
        restarted.price("80.00")  # below the stop: nothing more is sold
        assert restarted.shares() == ("0", "0")
        fills = restarted.get("/v2/account/activities/FILL")
        assert sorted((f["side"], f["qty"]) for f in fills) == [("buy", "10"), ("sell", "10")]


def test_a_restart_from_the_final_snapshot_keeps_the_group_linked(tmp_path: Path) -> None:
    with serving(tmp_path) as live:
        live.price("100.50")
        entry = live.place(BRACKET)
        live.price("100.00", size="4")
        assert live.server.stop() == 0  # a clean stop writes every account's snapshot
    with serving(tmp_path) as restarted:
        entry, legs = restarted.group(entry["id"])
        assert entry["filled_qty"] == "4" and {leg["qty"] for leg in legs.values()} == {"4"}
        assert {leg["status"] for leg in legs.values()} == {"new"} and restarted.shares() == ("4", "0")
        restarted.price("111.00")  # the take-profit sells the 4; the entry, below the market, keeps waiting
        entry, legs = restarted.group(entry["id"])
        assert legs["limit"]["filled_qty"] == "4" and legs["limit"]["status"] == "partially_filled"
        assert legs["stop"]["status"] == "new" and legs["stop"]["qty"] == "0"
        assert restarted.shares() == ("0", "0")
