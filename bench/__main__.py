"""Run the benchmarks and print one table: `python -m bench [--quick] [--only NAMES] [--markdown FILE] [--profile DIR]`."""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from bench import machine, profiling
from bench.report import Row, Verdict, markdown_table, progress, text_table

BENCHMARKS: Final = {
    "engine": "bench.engine",
    "http": "bench.rest",
    "ticks": "bench.ticks",
    "risk": "bench.risk",
    "alerts": "bench.alerts",
    "reports": "bench.reports",
    "backtest": "bench.backtest",
    "strategies": "bench.strategies_live",
    "fanout": "bench.fanout",
    "recovery": "bench.recovery",
    "memory": "bench.memory",
}
"""Benchmark names and their modules, in the order they run and appear."""
RESULTS_START: Final = "<!-- bench:results:start -->"
RESULTS_END: Final = "<!-- bench:results:end -->"


def _names(raw: str) -> list[str]:
    names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})")
    return names


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the benchmarks still run")
    parser.add_argument("--only", type=_names, default=list(BENCHMARKS), help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the results into FILE (docs/benchmarks.md)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target or goal is missed")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="after the measured rounds, profile one more with py-spy (engine, http) into DIR (see bench/profiling.py)",
    )
    args = parser.parse_args(argv)
    if args.profile is not None and profiling.py_spy() is None:
        parser.error("--profile needs py-spy: pip install -e .[bench]")
    return args


def run_one(name: str, quick: bool) -> list[Row]:
    """Run one benchmark; a crash becomes an ERROR row rather than ending the run."""
    progress(f"{name}: starting{' (quick sizes)' if quick else ''}")
    started = time.monotonic()
    try:
        module = importlib.import_module(BENCHMARKS[name])
        rows: list[Row] = module.run(quick)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        rows = [Row(benchmark=name, case="did not complete", result=f"{type(exc).__name__}: {exc}"[:200], verdict=Verdict.ERROR)]
    progress(f"{name}: done in {time.monotonic() - started:.1f} s")
    return rows


def results_markdown(rows: Sequence[Row], quick: bool, load: str = "") -> str:
    """The generated part of docs/benchmarks.md: the machine, then a table per benchmark."""
    parts = [
        RESULTS_START,
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')}{' with --quick sizes' if quick else ''} on:",
        "",
        machine.markdown(),
    ]
    if load:
        parts.append(f"- **Load average (1 min):** {load}")
    for name in BENCHMARKS:
        own = [row for row in rows if row.benchmark == name]
        if own:
            parts += ["", f"### {name}", "", markdown_table(own)]
    parts += ["", RESULTS_END]
    return "\n".join(parts)


def write_markdown(path: Path, block: str) -> None:
    """Replace the results block of `path` (between the markers), or append one."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(RESULTS_START) + ".*?" + re.escape(RESULTS_END), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    profiling.configure(args.profile)
    progress("machine: " + "; ".join(f"{label} {value}" for label, value in machine.describe()))
    load_at_start = machine.load_average()
    rows: list[Row] = []
    for name in BENCHMARKS:
        if name in args.only:
            rows += run_one(name, args.quick)
    load = f"{load_at_start} at the start, {machine.load_average()} at the end"
    print(machine.text())
    print(f"Load average (1 min): {load}")
    print()
    print(text_table(rows))
    if args.quick:
        print("\n(--quick sizes: the figures only show the benchmarks run; verdicts mean nothing at these sizes)")
    if args.markdown is not None:
        write_markdown(args.markdown, results_markdown(rows, args.quick, load))
        progress(f"results written to {args.markdown}")
    if any(row.verdict is Verdict.ERROR for row in rows):
        return 1
    if args.strict and any(row.verdict in (Verdict.FAIL, Verdict.MISS) for row in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
