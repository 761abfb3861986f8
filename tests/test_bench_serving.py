"""Stopping a server in a child process ends, and ends what it left running, even when that still holds its output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from bench.serving import stop_child

LEAVES_A_CHILD = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])  # inherits this stdout
print(child.pid, flush=True)
time.sleep(600)
"""
WAIT_S = 2.0


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a killed process not yet reaped by its new parent counts as gone


def drain(stream: IO[str]) -> None:
    for _ in stream:
        pass


def test_a_server_whose_child_holds_its_output_is_stopped_and_so_is_the_child() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", LEAVES_A_CHILD], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout is not None
    grandchild = int(process.stdout.readline())
    pump = threading.Thread(target=drain, args=(process.stdout,), name="stdout", daemon=True)
    pump.start()
    stopper = threading.Thread(target=stop_child, args=(process, pump, WAIT_S), name="stopper", daemon=True)
    try:
        stopper.start()
        stopper.join(10 * WAIT_S)
        assert not stopper.is_alive(), "stop_child still waiting for a reader the left-over child keeps open"
        assert process.returncode == -signal.SIGTERM and not pump.is_alive()
        deadline = time.monotonic() + WAIT_S  # its pipe closes as it exits, a moment before it is gone
        while running(grandchild) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not running(grandchild)
    finally:
        if running(grandchild):
            os.kill(grandchild, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        process.wait()
