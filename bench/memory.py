"""Memory: resident memory per 10,000 accounts and per 100,000 resting orders, each in a fresh process.

Each probe runs in a new interpreter (`python -m bench.memory PROBE COUNT`):
it imports everything first, reads its resident set size (the baseline), builds
the items, collects garbage and reads it again. Accounts are live ones: state
plus a started actor (queue and task) in a running engine. Resting orders are a
buy limit each, far from the price: the account's order record and its
reservation, then the market's working order and index entries.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Final
from uuid import uuid4

from bench.report import Row, megabytes, progress
from bench.serving import clean_env

NAME: Final = "memory"
NOW: Final = datetime(2026, 1, 5, 15, 0, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class Sizes:
    accounts: int
    orders: int
    order_accounts: int


FULL: Final = Sizes(accounts=10_000, orders=100_000, order_accounts=100)
QUICK: Final = Sizes(accounts=200, orders=2_000, order_accounts=4)


def rss_bytes() -> int:
    """This process's resident set size now (Linux /proc; elsewhere the peak, which only grows)."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _settled_rss() -> int:
    gc.collect()
    return rss_bytes()


def _opened(index: int) -> Any:
    from tradeloop.core.events import AccountOpened
    from tradeloop.security import hash_secret

    return AccountOpened(
        account_id=uuid4(),
        account_number=f"PA{index:010d}",
        key_id=f"PK{index:018d}",
        secret_hash=hash_secret(f"secret-{index}"),
        cash=Decimal(100_000),
        created_at=NOW,
    )


async def _probe_accounts(count: int) -> dict[str, int]:
    from tradeloop.actors.engine import Engine
    from tradeloop.actors.memory_journal import MemoryJournal
    from tradeloop.core.accounts import open_account
    from tradeloop.core.instruments import UNIVERSE

    # An engine without accounts runs first, so what is measured is the accounts (and, beside them, one
    # more set of market actors, a few dozen objects): the loop's and the actors' machinery is warm.
    idle = Engine(assets=UNIVERSE, journal=MemoryJournal())
    await idle.start()
    events = [_opened(i) for i in range(count)]  # the events are not part of what is measured
    before = _settled_rss()
    engine = Engine(assets=UNIVERSE, journal=MemoryJournal(), accounts=(open_account(event) for event in events))
    await engine.start()
    await asyncio.sleep(0)  # let every actor task start and park on its queue
    after = _settled_rss()
    if len(engine.accounts()) != count:
        raise RuntimeError("not every account was spawned")
    await engine.stop(snapshot=False)
    await idle.stop(snapshot=False)
    return {"before": before, "after": after}


def _probe_orders(count: int, accounts: int) -> dict[str, int]:
    from tradeloop.core.accounts import apply_event, open_account
    from tradeloop.core.book import OrderBook
    from tradeloop.core.instruments import ASSETS_BY_SYMBOL
    from tradeloop.core.orders import OrderRequest, OrderSide, OrderType, TimeInForce
    from tradeloop.core.placement import accept_order
    from tradeloop.core.working import WorkingOrder

    asset = ASSETS_BY_SYMBOL["AAPL"]
    states = [open_account(_opened(i)) for i in range(accounts)]
    book = OrderBook("AAPL")
    requests = [
        OrderRequest(
            symbol="AAPL",
            side=OrderSide.BUY,
            type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            qty=Decimal(1),
            limit_price=Decimal(50) - Decimal(i) / 100,
        )
        for i in range(500)
    ]
    before = _settled_rss()
    for i in range(count):
        state = states[i % accounts]
        accepted = accept_order(
            state,
            requests[i % len(requests)],
            asset,
            order_id=uuid4(),
            reference_price=Decimal(100),
            now=NOW,
            session_end=NOW + timedelta(hours=5),
        )
        apply_event(state, accepted)
    accounts_side = _settled_rss()
    for state in states:
        for order in state.orders.values():
            book.add(WorkingOrder.from_order(order), NOW)
    after = _settled_rss()
    if len(book) != count:
        raise RuntimeError(f"the book holds {len(book)} orders, expected {count}")
    return {"before": before, "accounts": accounts_side, "after": after}


def probe(kind: str, count: int, accounts: int) -> dict[str, int]:
    if kind == "accounts":
        return asyncio.run(_probe_accounts(count))
    if kind == "orders":
        return _probe_orders(count, accounts)
    raise ValueError(f"unknown probe {kind}")


def _run_probe(kind: str, count: int, accounts: int = 0) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.memory", kind, str(count), str(accounts)],
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"memory probe {kind} failed:\n{done.stderr[-2000:]}")
    result: dict[str, int] = json.loads(done.stdout)
    return result


def _per_item(delta: int, count: int) -> str:
    return f"{delta / count:,.0f} B/item"


def run(quick: bool) -> list[Row]:
    sizes = QUICK if quick else FULL
    progress(f"memory: {sizes.accounts:,} live accounts in a fresh process")
    accounts = _run_probe("accounts", sizes.accounts)
    progress(f"memory: {sizes.orders:,} resting orders in a fresh process")
    orders = _run_probe("orders", sizes.orders, sizes.order_accounts)
    account_delta = accounts["after"] - accounts["before"]
    order_record_delta = orders["accounts"] - orders["before"]
    book_delta = orders["after"] - orders["accounts"]
    return [
        Row(
            benchmark=NAME,
            case=f"{sizes.accounts:,} accounts (state + actor)",
            result=f"{megabytes(account_delta)}, {_per_item(account_delta, sizes.accounts)}",
            baseline=f"{megabytes(accounts['before'])} RSS before",
        ),
        Row(
            benchmark=NAME,
            case=f"{sizes.orders:,} resting orders, account side",
            result=f"{megabytes(order_record_delta)}, {_per_item(order_record_delta, sizes.orders)}",
            baseline=f"{megabytes(orders['before'])} RSS before",
        ),
        Row(
            benchmark=NAME,
            case=f"{sizes.orders:,} resting orders, book side",
            result=f"{megabytes(book_delta)}, {_per_item(book_delta, sizes.orders)}",
            baseline=f"{megabytes(orders['accounts'])} RSS before",
        ),
        Row(
            benchmark=NAME,
            case=f"{sizes.orders:,} resting orders, total",
            result=f"{megabytes(orders['after'] - orders['before'])}, {_per_item(orders['after'] - orders['before'], sizes.orders)}",
            baseline=f"{megabytes(orders['before'])} RSS before",
        ),
    ]


def main(argv: list[str]) -> None:
    kind, count, accounts = argv[0], int(argv[1]), int(argv[2]) if len(argv) > 2 else 0
    # Import everything the probe needs before the baseline is read.
    import tradeloop.actors.engine  # noqa: F401
    import tradeloop.core.book  # noqa: F401
    import tradeloop.core.placement  # noqa: F401
    import tradeloop.security  # noqa: F401

    print(json.dumps(probe(kind, count, accounts)))


if __name__ == "__main__":
    main(sys.argv[1:])
