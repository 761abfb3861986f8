"""The benchmarks still run: each one at tiny sizes (`--quick`), checking that it reports, never how fast."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS, RESULTS_END, RESULTS_START, results_markdown, write_markdown
from bench.report import Row, Verdict
from bench.serving import cpu_times

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 120


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_benchmark_runs_at_quick_sizes(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    table = [line for line in done.stdout.splitlines() if line.startswith(name + " ")]
    assert table, done.stdout
    assert not any(" ERROR" in line for line in table), done.stdout
    assert "[bench" in done.stderr  # progress goes to stderr


def test_results_block_is_replaced_in_place(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nintro\n\n## What we found\n\nkept\n")
    rows = [Row(benchmark="engine", case="c", result="1 /s", verdict=Verdict.PASS)]
    write_markdown(doc, results_markdown(rows, quick=True))
    write_markdown(doc, results_markdown(rows, quick=True))
    text = doc.read_text()
    assert text.count(RESULTS_START) == 1 and text.count(RESULTS_END) == 1
    assert "kept" in text and "| c | 1 /s |" in text


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_cpu_times_count_a_process_and_each_of_its_children() -> None:
    spin = "import time\nstart = time.process_time()\nwhile time.process_time() - start < 0.3: pass\ntime.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", spin])
    try:
        before = cpu_times(os.getpid())
        assert before is not None and before.own > 0
        deadline = time.monotonic() + 10
        while (now := cpu_times(os.getpid())) is not None and now.children.get(child.pid, 0.0) < 0.3:
            assert time.monotonic() < deadline, now
            time.sleep(0.05)
        assert now is not None
        used = now.since(before)
        assert used.children_total >= 0.25 and used.own >= 0
    finally:
        child.kill()
        child.wait()
