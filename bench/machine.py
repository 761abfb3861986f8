"""What the benchmarks ran on: CPU, cores, memory, Python and the libraries that matter."""

from __future__ import annotations

import importlib.metadata
import os
import platform
from pathlib import Path


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "Processor"):
                return value.strip()
    return platform.processor() or platform.machine() or "unknown"


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """The one-minute load average: how busy the machine is besides the benchmark."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (OSError, AttributeError):
        return "unknown"


def describe() -> list[tuple[str, str]]:
    """Label and value pairs describing this machine."""
    memory = _memory_bytes()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        ("CPU", _cpu_model()),
        ("Cores", f"{os.cpu_count()} logical ({usable} usable by this process)"),
        ("Memory", f"{memory / 2**30:.1f} GiB" if memory else "unknown"),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Libraries", ", ".join(f"{name} {_version(name)}" for name in ("aiohttp", "msgpack", "orjson", "pydantic"))),
    ]


def text() -> str:
    return "\n".join(f"{label}: {value}" for label, value in describe())


def markdown() -> str:
    return "\n".join(f"- **{label}:** {value}" for label, value in describe())
