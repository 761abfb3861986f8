"""Servers in child processes: start one, wait for the line that gives its address, stop it afterwards.

Also the CPU time a server and its own children (the journal's writing process) have used, read from /proc.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Served:
    url: str
    pid: int


@dataclass(frozen=True, slots=True)
class CpuTimes:
    """Seconds of CPU (user and system) used so far by a process and by its children, by process id."""

    own: float
    children: dict[int, float]

    @property
    def children_total(self) -> float:
        return sum(self.children.values())

    def since(self, before: CpuTimes) -> CpuTimes:
        """What was used between `before` and this reading (a child that appeared meanwhile counts from zero)."""
        return CpuTimes(
            own=self.own - before.own,
            children={pid: used - before.children.get(pid, 0.0) for pid, used in self.children.items()},
        )


_TICK_S: Final = 1 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01


def cpu_times(pid: int) -> CpuTimes | None:
    """The CPU a process and its live children have used, from /proc (Linux); None where there is no /proc."""
    own = process_cpu_s(pid)
    if own is None:
        return None
    children: dict[int, float] = {}
    for child in _children(pid):
        used = process_cpu_s(child)
        if used is not None:
            children[child] = used
    return CpuTimes(own=own, children=children)


def process_cpu_s(pid: int) -> float | None:
    """The CPU seconds (user and system) one process has used so far, from /proc; None where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) * _TICK_S  # utime and stime, in clock ticks


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def stop_child(process: subprocess.Popen[str], pump: threading.Thread, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM a server started with its stdout on a pipe (SIGKILL if it outlasts `timeout_s`), then its reader.

    The server must lead its own process group (`start_new_session=True`): a process it started and left running
    (a killed server stops none) keeps the pipe open, so the reader never ends; that group is then killed.
    """
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    pump.join(timeout_s)
    if pump.is_alive():
        # Someone still holds the pipe: only the server's own children can, and they keep its group (and so its
        # pid) in use, so this signal reaches no one else.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        pump.join(timeout_s)
    if process.stdout is not None and not pump.is_alive():
        process.stdout.close()  # closing it under a reader still reading would wait for that reader: for ever


def _pump(stream: IO[str], ready: queue.Queue[str | None]) -> None:
    for line in stream:
        found = READY.search(line)
        if found:
            ready.put(found.group(1))
    ready.put(None)


@contextmanager
def child_server(
    command: Sequence[str], workdir: Path, *, name: str, env: Mapping[str, str] | None = None
) -> Iterator[Served]:
    """Run `command` (a server printing '... serving on URL ...'); yield its URL and pid; stop it with SIGTERM after."""
    stderr_path = workdir / f"{name}.stderr"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, *command], stdout=subprocess.PIPE, stderr=stderr, text=True, env=clean_env(env), cwd=workdir,
            start_new_session=True,  # its own process group, for stop_child
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
        yield Served(url=url, pid=process.pid)
    finally:
        stop_child(process, pump)
