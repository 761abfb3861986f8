"""kill -9 while strategies change: every change the engine acknowledged is there after the restart, and so is every signal.

A process (tests/snapshots/strategy_changes.py) creates, revises, activates, deactivates and
deletes strategies and records signals on a data directory, one at a time, saying what it is
doing and what was acknowledged; it is killed with SIGKILL at a random moment, three times over
the same directory. The one change in flight at the kill may or may not have been kept.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
from pathlib import Path
from typing import Any, Final
from uuid import UUID

from tests.actors.strategy_factories import stored_engine
from tests.snapshots.strategy_changes import described
from tradeloop.journal import SignalQuery

ROOT: Final = Path(__file__).resolve().parents[2]
ROUNDS: Final = 3


async def _run_until_killed(data_dir: Path, seed: int, rng: random.Random) -> list[dict[str, Any]]:
    """Start the changing process, kill it with SIGKILL after some acknowledged changes; every line it said."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.snapshots.strategy_changes", str(data_dir), str(seed),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[dict[str, Any]] = []
    wanted = rng.randint(10, 60)
    while sum("doing" not in line for line in lines) < wanted:
        raw = await asyncio.wait_for(process.stdout.readline(), 30)
        assert raw, f"the changing process ended early (status {await process.wait()})"
        lines.append(json.loads(raw))
    await asyncio.sleep(rng.uniform(0, 0.05))
    process.send_signal(signal.SIGKILL)
    lines += [json.loads(raw) for raw in (await process.stdout.read()).splitlines()]
    assert await process.wait() == -signal.SIGKILL
    return lines


async def test_kill_9_while_strategies_change_loses_no_acknowledged_change(tmp_path: Path) -> None:
    rng = random.Random(15)
    acked: dict[str, dict[str, Any]] = {}
    signals: dict[str, str] = {}
    for round_number in range(ROUNDS):
        lines = await _run_until_killed(tmp_path, round_number, rng)
        in_flight: str | None = None
        creating = False
        for line in lines:
            if "doing" in line:
                in_flight, creating = line["doing"], line["doing"] is None
            elif "acked" in line:
                acked[line["acked"]["id"]] = line["acked"]
                in_flight, creating = None, False
            else:
                signals[line["signal"]] = line["strategy"]
                in_flight, creating = None, False
        async with stored_engine(tmp_path) as engine:
            (account,) = engine.accounts()
            recovered = {str(s.id): described(s) for s in engine.strategies(account.id)}
            extra = set(recovered) - set(acked)
            assert len(extra) <= (1 if creating else 0)
            for strategy_id, expected in acked.items():
                found = recovered[strategy_id]
                if strategy_id != in_flight:
                    assert found == expected
                else:  # the change in flight at the kill: kept or not, never anything else
                    assert found["versions"][: len(expected["versions"])] == expected["versions"]
                    assert len(found["versions"]) - len(expected["versions"]) in (0, 1)
            listed = await engine.signals(SignalQuery(account_id=account.id, limit=10_000))
            kept = {str(s.id): str(s.strategy_id) for s in listed}
            assert set(signals) <= set(kept)
            assert len(kept) - len(signals) <= (1 if in_flight is not None else 0)
            assert all(kept[signal_id] == strategy_id for signal_id, strategy_id in signals.items())
            acked.update({strategy_id: recovered[strategy_id] for strategy_id in extra})  # the next round goes on from here
            acked.update({in_flight: recovered[in_flight]} if in_flight in recovered else {})
            signals = kept
            await engine.stop(snapshot=round_number % 2 == 0)
    assert len(acked) >= 3 and signals
    assert all(UUID(strategy_id) for strategy_id in acked)
