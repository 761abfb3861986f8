"""Results: one row per figure, with its baseline, ratio, target and verdict; text and markdown tables."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

_STARTED: Final = time.monotonic()


def progress(message: str) -> None:
    """One line on stderr, so the table on stdout stays clean."""
    print(f"[bench {time.monotonic() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    MISS = "MISS"
    """A goal (the engine's CPU per order) not reached yet."""
    INFO = "-"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One figure: what was measured, against what, and whether it meets its target."""

    benchmark: str
    case: str
    result: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    verdict: Verdict = Verdict.INFO
    note: str = ""


def verdict(ok: bool) -> Verdict:
    return Verdict.PASS if ok else Verdict.FAIL


def goal(ok: bool) -> Verdict:
    return Verdict.PASS if ok else Verdict.MISS


# -- number formats ---------------------------------------------------------------


def rate(per_s: float, unit: str = "/s") -> str:
    return f"{per_s:,.0f} {unit}"


def millis(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def micros(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def megabytes(size: float) -> str:
    return f"{size / 2**20:,.1f} MB"


def percent(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


def times(ratio: float) -> str:
    return f"{ratio:.2f}x"


# -- tables -----------------------------------------------------------------------

_COLUMNS: Final = ("benchmark", "case", "result", "baseline", "ratio", "target", "verdict")
_HEADERS: Final = ("Benchmark", "Case", "Result", "Baseline (same run)", "Ratio", "Target", "Verdict")


def _cells(row: Row, *, with_benchmark: bool = True) -> list[str]:
    cells = [str(getattr(row, column)) for column in _COLUMNS]
    if row.note:
        cells[1] = f"{cells[1]} ({row.note})"
    return cells if with_benchmark else cells[1:]


def text_table(rows: Sequence[Row]) -> str:
    """A plain table for the terminal."""
    lines = [list(_HEADERS), *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(_HEADERS))]
    rendered = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines]
    rule = "  ".join("-" * width for width in widths)
    return "\n".join([rendered[0], rule, *rendered[1:]])


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|")


def markdown_table(rows: Sequence[Row]) -> str:
    """A markdown table of one benchmark's rows (the benchmark column left out)."""
    headers = _HEADERS[1:]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_escape(cell) for cell in _cells(row, with_benchmark=False)) + " |" for row in rows]
    return "\n".join(lines)
