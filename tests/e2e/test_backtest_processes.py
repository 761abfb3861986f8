"""The backtests' manager and worker processes end by themselves when their server is killed with kill -9."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Final

import pytest

from tests.e2e.server import demo_env, http_json, running_server
from tests.strategy_scripts import crossover

pytestmark = pytest.mark.e2e

KEY_ID: Final = "PKBACKTESTPROCS000001"
SECRET: Final = "backtest-procs-secret-0123456789abcdefgh"
ENV: Final = demo_env(KEY_ID, SECRET, symbols="AAPL", backfill_days="0", log_level="WARNING")
HEADERS: Final = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}
WAIT_S: Final = 20.0


def children(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (read from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")
def test_the_backtest_processes_end_when_their_server_is_killed(tmp_path: Path) -> None:
    with running_server(tmp_path, ENV) as server:
        url = server.base_url
        status, created = http_json("POST", url + "/v2/strategies", HEADERS, crossover())
        assert status == 201, created
        status, backtest = http_json("POST", url + "/v2/backtests", HEADERS, {
            "strategy": {"id": created["id"], "version": 1},
            "start": "2025-03-03T14:30:00Z", "end": "2025-03-03T15:30:00Z",
        })
        assert status == 202, backtest
        deadline = time.monotonic() + WAIT_S
        while len(spawned := children(server.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)  # the manager process, then the pool's workers
        assert len(spawned) >= 2, spawned
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(10)
        deadline = time.monotonic() + WAIT_S
        while any(alive(pid) for pid in spawned) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in spawned if alive(pid)], "processes left running after the server was killed"
