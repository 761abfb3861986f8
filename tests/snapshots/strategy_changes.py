"""A process that changes strategies on a data directory until it is killed, reporting each change it was answered.

Run as `python -m tests.snapshots.strategy_changes DATA_DIR SEED` by the kill -9 test. Each line
on stdout is JSON: {"doing": id or null} before a change (null: a create), then, once the engine
answered it (so it is journaled), {"acked": strategy} or {"signal": id, "strategy": id}.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.actors.strategy_factories import make_signal, stored_engine
from tradeloop.core.strategies import (
    ActivateStrategy,
    CreateStrategy,
    DeactivateStrategy,
    DeleteStrategy,
    ReviseStrategy,
    Strategy,
    StrategyCommand,
    StrategySignalled,
    StrategyStatus,
)


def described(strategy: Strategy) -> dict[str, Any]:
    """What the kill -9 test compares after the restart."""
    return {
        "id": str(strategy.id),
        "status": strategy.status.value,
        "versions": [[v.version, v.name, v.definition] for v in strategy.versions],
    }


def say(line: dict[str, Any]) -> None:
    print(json.dumps(line), flush=True)


async def change_until_killed(data_dir: Path, seed: int) -> None:
    rng = random.Random(seed)
    async with stored_engine(data_dir) as engine:
        accounts = engine.accounts()
        account_id = accounts[0].id if accounts else (await engine.open_account(Decimal(1000))).account_id
        step = 0
        while True:
            step += 1
            live = [s for s in engine.strategies(account_id) if s.status is not StrategyStatus.DELETED]
            if len(live) < 3 or rng.random() < 0.15:
                say({"doing": None})
                command: StrategyCommand = CreateStrategy(name=f"s{seed}-{step}", definition=f'{{"step":{step}}}')
                say({"acked": described(await engine.change_strategy(account_id, command))})
                continue
            target = rng.choice(live).id
            say({"doing": str(target)})
            kind = rng.choice(["revise", "revise", "activate", "deactivate", "signal", "signal", "delete"])
            if kind == "signal":
                signal = make_signal(target, bar=step)
                await engine.record(account_id, [StrategySignalled(signal=signal)])
                say({"signal": str(signal.id), "strategy": str(target)})
                continue
            if kind == "revise":
                command = ReviseStrategy(strategy_id=target, definition=f'{{"step":{step}}}')
            elif kind == "activate":
                command = ActivateStrategy(strategy_id=target)
            elif kind == "deactivate":
                command = DeactivateStrategy(strategy_id=target)
            else:
                command = DeleteStrategy(strategy_id=target)
            say({"acked": described(await engine.change_strategy(account_id, command))})


if __name__ == "__main__":
    asyncio.run(change_until_killed(Path(sys.argv[1]), int(sys.argv[2])))
