"""The real server while its journal cannot write: 503s and /readyz say so, it recovers by itself, and a stop meanwhile says what was lost."""

from __future__ import annotations

import os
import resource
import signal
import time
from pathlib import Path
from typing import Any, Final

import pytest

from tests.e2e.server import RunningServer, demo_env, http_json, running_server
from tests.factories import ADMIN_KEY, totp_code

pytestmark = pytest.mark.e2e

KEY_ID: Final = "PKJOURNALTROUBLE00001"
SECRET: Final = "journal-trouble-secret-0123456789abcdefgh"
ENV: Final = demo_env(
    KEY_ID,
    SECRET,
    demo_cash="100000",
    symbols="AAPL",
    log_level="WARNING",
)
HEADERS: Final = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}
RECOVERY_TIMEOUT_S: Final = 20.0


def writing_process(server: RunningServer) -> int:
    """The pid of the server's journal writing process: its child running `tradeloop.snapshots.commits`."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == server.process.pid and b"tradeloop.snapshots.commits" in command:
            return int(entry.name)
    raise AssertionError("the server has no journal writing process")


def refuse_every_write(pid: int) -> None:
    """A disk that takes no more bytes: every write of the process past its files' first byte fails (EFBIG)."""
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))


def admin_price(server: RunningServer, symbol: str, price: str) -> None:
    for offset in (0, 1):  # a code spent already (this 30 s step): the next one is valid too
        auth = {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": totp_code(offset)}
        status, session = http_json("POST", server.base_url + "/admin/v1/sessions", auth)
        if status == 201:
            break
    assert status == 201, session
    headers = {"Authorization": f"Bearer {session['token']}"}
    status, body = http_json(
        "POST", server.base_url + "/admin/v1/market/prices", headers, {"symbol": symbol, "price": price}
    )
    assert status == 200, body


def place(server: RunningServer, limit_price: str) -> tuple[int, Any]:
    body = {
        "symbol": "AAPL",
        "qty": "1",
        "side": "buy",
        "type": "limit",
        "limit_price": limit_price,
        "time_in_force": "gtc",
    }
    return http_json("POST", server.base_url + "/v2/orders", HEADERS, body)


def orders(server: RunningServer) -> dict[str, str]:
    """Every order of the account, by limit price: its id."""
    status, body = http_json("GET", server.base_url + "/v2/orders?status=all&limit=500", HEADERS)
    assert status == 200, body
    return {order["limit_price"]: order["id"] for order in body}


def wait_until_ready(server: RunningServer) -> None:
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    while (status := http_json("GET", server.base_url + "/readyz")[0]) != 200:
        assert time.monotonic() < deadline, f"/readyz still {status} after {RECOVERY_TIMEOUT_S} s"
        time.sleep(0.05)


def test_the_server_refuses_orders_while_its_journal_cannot_write_and_resumes_by_itself(tmp_path: Path) -> None:
    with running_server(tmp_path, ENV) as server:
        admin_price(server, "AAPL", "100.00")
        assert place(server, "90")[0] == 200
        writer = writing_process(server)
        refuse_every_write(writer)

        status, failed = place(server, "80")  # the commit that meets the full disk
        assert status == 503 and failed["code"] == 50310002 and "settled when it recovers" in failed["message"]
        status, ready = http_json("GET", server.base_url + "/readyz")
        assert status == 503 and ready["reason"].startswith("journal: I/O error"), ready
        status, refused = place(server, "70")
        assert status == 503 and "nothing was changed" in refused["message"]

        os.kill(writer, signal.SIGKILL)  # a process started anew has no limit: the disk takes writes again
        wait_until_ready(server)
        assert writing_process(server) != writer
        assert place(server, "60")[0] == 200
        before = orders(server)
        assert sorted(before) == ["60", "80", "90"]  # the kept one settled; the refused one never existed
        assert server.stop() == 0
    with running_server(tmp_path, ENV) as server:
        assert orders(server) == before


def test_a_server_stopped_while_its_journal_cannot_write_says_what_was_lost_and_exits_1(tmp_path: Path) -> None:
    with running_server(tmp_path, ENV) as server:
        admin_price(server, "AAPL", "100.00")
        assert place(server, "90")[0] == 200
        refuse_every_write(writing_process(server))
        assert place(server, "80")[0] == 503
        assert server.stop(signal.SIGTERM) == 1
        errors = [line for line in server.stderr().splitlines() if " ERROR " in line]
        assert len(errors) == 2, errors  # when the trouble began, and at the end
        assert "1 record was not committed; none of them was acknowledged" in errors[-1]
        assert "Traceback" not in server.stderr()
    with running_server(tmp_path, ENV) as server:
        assert sorted(orders(server)) == ["90"]
