"""The benchmarks still run: each one at tiny sizes (`--quick`), checking that it reports, never how fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS, RESULTS_END, RESULTS_START, results_markdown, write_markdown
from bench.report import Row, Verdict

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
