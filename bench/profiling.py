"""Profiles of a benchmark's load: py-spy samples of a process (and its children) while a benchmark drives it.

`python -m bench --profile DIR` adds one profiled round after the measured ones
to the benchmarks that have a hot path to show, so the profile never skews the
figures: the engine samples this process during a run with the SQLite journal,
and http samples each server (with the journal's writing process) under
`POST /v2/orders` at each connection count. Each profile leaves two files:

- `DIR/<name>.txt`, py-spy's raw format (collapsed stacks, one per line, with
  a count), which flame graph tools read (`flamegraph.pl`, speedscope);
- `DIR/<name>.top.txt`, for each thread sampled (the event loop is the
  server's main thread; the journal's writing process is a process of its
  own), the functions with the largest inclusive share of that thread's
  samples (a function counts once per stack, however deep it recurses),
  leaving out the spine every sample passes through (`<module>`, `main`, the
  event loop's `run_forever`, ...) unless the samples caught it at work itself.

py-spy leaves out threads it sees idle, but a thread blocked in a system call
(the event loop in `select`, a write to a pipe that wakes another process)
often counts as busy: read the shares as shares of wall time. py-spy comes
with the `test` and `bench` extras (`./run_bench.sh --profile` installs the
latter); reading another process needs the right to trace it (root, or
`kernel.yama.ptrace_scope` 0).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bench.report import progress

RATE_HZ: Final = 250
"""Samples per second: enough for a few thousand samples a round, little enough to leave the load as it was."""
STOP_TIMEOUT_S: Final = 30.0
SPINE: Final = 0.99
"""A function on at least this fraction of the stacks the most common one is on belongs to the spine..."""
SPINE_SELF: Final = 0.01
"""... unless at least this fraction of the thread's samples were in the function itself."""
TOP: Final = 40
"""Functions kept per process in the summary file."""
SHOWN: Final = 15
"""Of those, shown in the progress output."""
_PROCESS: Final = "process "
_THREAD: Final = "thread ("

_directory: list[Path] = []


def configure(directory: Path | None) -> None:
    """Profile into `directory` from now on (None: stop profiling)."""
    _directory.clear()
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        _directory.append(directory)


def enabled() -> bool:
    return bool(_directory)


def py_spy() -> str | None:
    """The py-spy executable: on PATH, or beside this Python (a virtual environment's bin)."""
    beside = Path(sys.executable).with_name("py-spy")
    return shutil.which("py-spy") or (str(beside) if beside.exists() else None)


@dataclass(frozen=True, slots=True)
class ThreadProfile:
    """One thread's samples: whose, how many, and the functions with the largest inclusive share of them."""

    thread: str
    samples: int
    top: list[tuple[str, float]]

    def text(self) -> str:
        lines = [f"{self.thread}: {self.samples:,} samples"]
        lines += [f"  {share:6.1%}  {function}" for function, share in self.top]
        return "\n".join(lines)


def summarize(lines: Iterable[str], limit: int = TOP) -> list[ThreadProfile]:
    """Per thread, the inclusive share of each function over that thread's samples, largest first, spine left out.

    `lines` are py-spy's raw output: frames joined by `;`, outermost first,
    then a space and a count. With children sampled, a stack starts with the
    chain of processes (`process PID:"command line"`), the last naming the
    process the frames belong to; with threads shown, then the thread
    (`thread (TID): name`). Frames are `function (file:line)`; a function is
    counted by name and file, whatever line it was on.
    """
    samples: Counter[str] = Counter()
    shares: dict[str, Counter[str]] = {}
    own: dict[str, Counter[str]] = {}
    for line in lines:
        stack, _, count_text = line.rstrip("\n").rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        process, thread, functions, innermost = "", "", set[str](), ""
        for frame in stack.split(";"):
            if frame.startswith(_PROCESS):
                process = _process(frame)
            elif frame.startswith(_THREAD):
                thread = _thread(frame)
            else:
                innermost = _function(frame)
                functions.add(innermost)
        whose = " / ".join(part for part in (process, thread) if part) or "sampled process"
        samples[whose] += count
        counted = shares.setdefault(whose, Counter())
        for function in functions:
            counted[function] += count
        own.setdefault(whose, Counter())[innermost] += count
    profiles = []
    for whose, total in samples.most_common():
        ranked = sorted(shares[whose].items(), key=lambda item: (-item[1], item[0]))
        spine = ranked[0][1] * SPINE if ranked else 0
        busy = own[whose]
        top = [
            (function, count / total)
            for function, count in ranked
            if count < spine or busy[function] >= SPINE_SELF * total
        ][:limit]
        profiles.append(ThreadProfile(thread=whose, samples=total, top=top))
    return profiles


def _process(frame: str) -> str:
    """`process 123:"python -m tradeloop serve ..."` as `process 123 (python -m tradeloop serve ...)`, shortened."""
    pid, _, command = frame.removeprefix(_PROCESS).partition(":")
    command = command.strip('"')
    return f"process {pid} ({command[:90]}{'...' if len(command) > 90 else ''})"


def _thread(frame: str) -> str:
    """`thread (123): MainThread` as `thread MainThread`; an unnamed one by its id."""
    tid, _, name = frame.removeprefix(_THREAD).partition(")")
    name = name.removeprefix(":").strip()
    return f"thread {name or tid}"


def _function(frame: str) -> str:
    """`name (path/to/file.py:123)` as `name (file.py)`."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rpartition(":")[0] or where.rstrip(")")
    return f"{name} ({os.path.basename(path)})" if path else name


@contextmanager
def recording(pid: int, name: str, *, children: bool = False) -> Iterator[None]:
    """Sample `pid` (and its children if asked) for as long as the block runs, then write and show the summary.

    Does nothing unless profiling is configured. A profiler that fails is
    reported and does not stop the benchmark.
    """
    if not _directory:
        yield
        return
    executable = py_spy()
    if executable is None:
        raise RuntimeError("profiling needs py-spy: pip install -e .[bench]")
    raw = _directory[0] / f"{name}.txt"
    command = [executable, "record", "--pid", str(pid), "--rate", str(RATE_HZ), "--nonblocking", "--threads"]
    command += ["--format", "raw", "--output", str(raw), *(["--subprocesses"] if children else [])]
    progress(f"profile {name}: sampling process {pid}{' and its children' if children else ''}")
    profiler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield
    finally:
        profiler.send_signal(signal.SIGINT)  # py-spy writes what it has on Ctrl-C
        try:
            _, errors = profiler.communicate(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            profiler.kill()
            _, errors = profiler.communicate()
    if profiler.returncode != 0 or not raw.exists():
        progress(f"profile {name}: py-spy failed (status {profiler.returncode}): {errors.strip()[-500:]}")
        return
    profiles = summarize(raw.read_text(errors="replace").splitlines())
    top = _directory[0] / f"{name}.top.txt"
    top.write_text("\n\n".join(profile.text() for profile in profiles) + "\n")
    progress(f"profile {name}: {raw} and {top}")
    for profile in profiles:
        shown = ThreadProfile(profile.thread, profile.samples, profile.top[:SHOWN])
        for line in shown.text().splitlines():
            progress(f"profile {name}: {line}")
