"""tradeloop.core stays pure: importing all of it pulls in no I/O or edge library."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("asyncio", "aiohttp", "sqlite3", "aiosqlite", "pydantic")

_PROBE = f"""
import pkgutil, sys
import tradeloop.core

modules = ["tradeloop.core"]
for info in pkgutil.walk_packages(tradeloop.core.__path__, "tradeloop.core."):
    __import__(info.name)
    modules.append(info.name)
leaked = sorted(name for name in {FORBIDDEN!r} if name in sys.modules)
if leaked:
    sys.exit(f"tradeloop.core imported {{', '.join(leaked)}} (modules: {{', '.join(modules)}})")
print(len(modules))
"""


def test_core_imports_no_io_or_edge_libraries() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert int(result.stdout) >= 1
