"""kill -9 while orders fill: every fill the engine acknowledged has its order.filled notification after the restart,
exactly once, because the notification is journaled in the same record as the fill."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Final

from tests.actors.strategy_factories import stored_engine
from tradeloop.core.notifications import NotificationType
from tradeloop.journal import NotificationQuery

ROOT: Final = Path(__file__).resolve().parents[2]
ROUNDS: Final = 3


async def _filled_until_killed(data_dir: Path, rng: random.Random) -> list[str]:
    """Start the buying process, kill it with SIGKILL after some acknowledged fills; the orders it said were filled."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.snapshots.fills_until_killed", str(data_dir),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    filled: list[str] = []
    wanted = rng.randint(10, 60)
    while len(filled) < wanted:
        raw = await asyncio.wait_for(process.stdout.readline(), 30)
        assert raw, f"the buying process ended early (status {await process.wait()})"
        filled.append(json.loads(raw)["filled"])
    await asyncio.sleep(rng.uniform(0, 0.05))
    process.send_signal(signal.SIGKILL)
    filled += [json.loads(raw)["filled"] for raw in (await process.stdout.read()).splitlines()]
    assert await process.wait() == -signal.SIGKILL
    return filled


async def test_kill_9_while_orders_fill_loses_no_acknowledged_fills_notification(tmp_path: Path) -> None:
    rng = random.Random(16)
    acknowledged: set[str] = set()
    for round_number in range(ROUNDS):
        acknowledged.update(await _filled_until_killed(tmp_path, rng))
        async with stored_engine(tmp_path) as engine:
            (account,) = engine.accounts()
            query = NotificationQuery(account_id=account.id, types=frozenset({NotificationType.ORDER_FILLED}), limit=100_000)
            notified = Counter(str(entry.notification.data["order_id"]) for entry in await engine.journal.notifications(query))
            assert acknowledged <= set(notified), "an acknowledged fill lost its notification"
            assert set(notified.values()) == {1}, "a fill notified twice"
            assert len(notified) - len(acknowledged) <= 1  # the order in flight at the kill: kept or not
            acknowledged = set(notified)
            await engine.stop(snapshot=round_number % 2 == 0)
    assert len(acknowledged) >= 30
