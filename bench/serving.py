"""Servers in child processes: start one, wait for the line that gives its address, stop it afterwards."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Final

READY: Final = re.compile(r"serving on (https?://\S+)")
STARTUP_TIMEOUT_S: Final = 60.0
STOP_TIMEOUT_S: Final = 30.0
BENCH_RATE_LIMIT_PER_MIN: Final = "1000000000"
"""So high that no benchmark meets the per-key rate limit."""
ROOT: Final = Path(__file__).resolve().parent.parent
"""The checkout, put on children's PYTHONPATH so `python -m bench.…` works from any directory."""


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without TRADELOOP_* or Finnhub settings, with the rate limit out of the way, then `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADELOOP_") and k != "FINNHUB_API_KEY"}
    env["TRADELOOP_RATE_LIMIT_PER_MIN"] = BENCH_RATE_LIMIT_PER_MIN
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def _pump(stream: IO[str], ready: queue.Queue[str | None]) -> None:
    for line in stream:
        found = READY.search(line)
        if found:
            ready.put(found.group(1))
    ready.put(None)


@contextmanager
def child_server(command: Sequence[str], workdir: Path, *, name: str, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Run `command` (a server printing '... serving on URL ...'); yield the URL; stop it with SIGTERM on the way out."""
    stderr_path = workdir / f"{name}.stderr"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, *command], stdout=subprocess.PIPE, stderr=stderr, text=True, env=clean_env(env), cwd=workdir
        )
    assert process.stdout is not None
    ready: queue.Queue[str | None] = queue.Queue()
    pump = threading.Thread(target=_pump, args=(process.stdout, ready), name=f"{name}-stdout", daemon=True)
    pump.start()
    try:
        try:
            url = ready.get(timeout=STARTUP_TIMEOUT_S)
        except queue.Empty:
            url = None
        if url is None:
            tail = stderr_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} did not start:\n{tail}")
        yield url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        pump.join(STOP_TIMEOUT_S)
        process.stdout.close()
