"""Backtests in the server: queued and run in a pool of worker processes, watched, canceled, their results kept.

A backtest is one run, or a sweep of runs (one per point of a parameter grid) run in
parallel and ranked by a metric. Runs go to a `ProcessPoolExecutor` of spawned
processes at a lower CPU priority, so a long backtest never slows live trading. Each
worker reports its progress, and learns it was canceled, through dictionaries shared
by a `multiprocessing` manager process; both the pool and that process start with the
first backtest, and end by themselves when the server is gone (even killed with kill -9). Results stay in memory, and, when the server has a data directory,
in `<data dir>/backtests/<id>.json` (the backtest) and `<id>.result.json` (the result
bytes), read back at start-up: a finished backtest survives a restart; one queued or
running when the server stopped is not kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from multiprocessing.managers import SyncManager
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import orjson

from tradeloop.backtest.run import Canceled, run_backtest
from tradeloop.backtest.spec import RunSpec
from tradeloop.codec import parse_rfc3339, rfc3339
from tradeloop.errors import NotFound, ResultNotReady

log = logging.getLogger(__name__)

NICENESS: Final = 10
"""How much lower than the server a worker runs (os.nice): live trading first."""
RESULTS_DIR: Final = "backtests"
SERVER_POLL_S: Final = 1.0
"""How often the manager and worker processes look whether the server that started them is still there."""


class BacktestStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELED = "canceled"


FINISHED: Final = frozenset({BacktestStatus.DONE, BacktestStatus.FAILED, BacktestStatus.CANCELED})


@dataclass(slots=True, kw_only=True)
class Backtest:
    """One backtest as the routes show it."""

    id: UUID
    account_id: UUID
    status: BacktestStatus
    created_at: datetime
    runs: int
    rank_by: str | None = None
    request: Mapping[str, Any] = field(default_factory=dict)
    """The request as accepted (its JSON), echoed back."""
    progress: float = 0.0
    finished_at: datetime | None = None
    error: str | None = None
    result: bytes | None = field(default=None, repr=False)
    futures: list[Future[bytes]] = field(default_factory=list, repr=False)


def _lower_priority() -> None:
    with contextlib.suppress(OSError):
        os.nice(NICENESS)


def _follow_server(server_pid: int) -> None:
    """In the manager or a worker: end once the server is gone, even killed with no chance to stop us (kill -9)."""

    def watch() -> None:
        while os.getppid() == server_pid:
            time.sleep(SERVER_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="follow-server", daemon=True).start()


def _start_worker(server_pid: int) -> None:
    _lower_priority()
    _follow_server(server_pid)


def _work(spec: RunSpec, key: str, progress: Any, cancels: Any) -> bytes:
    """A run in a worker: reports its share done under `key`, stops once `key` is among the cancels."""
    progress[key] = 0.0

    def report(done: float) -> bool:
        progress[key] = done
        return key in cancels

    return run_backtest(spec, report)


class BacktestManager:
    """Every backtest of every account; a caller sees only its own account's."""

    def __init__(self, *, data_dir: Path | None, clock: Callable[[], datetime], workers: int | None = None) -> None:
        self._dir = None if data_dir is None else data_dir / RESULTS_DIR
        self._clock = clock
        self._workers = workers or os.cpu_count() or 1
        self._backtests: dict[UUID, Backtest] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._shared: SyncManager | None = None
        self._progress: Any = None
        self._cancels: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        if self._dir is not None:
            self._load(self._dir)

    # -- what routes call ------------------------------------------------------

    async def submit(
        self, backtest_id: UUID, account_id: UUID, runs: Sequence[RunSpec], *, rank_by: str | None,
        request: Mapping[str, Any],
    ) -> Backtest:
        """Queue the runs of a backtest (a sweep when `rank_by` is given) and return it, queued."""
        await self._start()
        assert self._pool is not None
        backtest = Backtest(
            id=backtest_id, account_id=account_id, status=BacktestStatus.QUEUED, created_at=self._clock(),
            runs=len(runs), rank_by=rank_by, request=request,
        )
        backtest.futures = [
            self._pool.submit(_work, spec, self._key(backtest, index), self._progress, self._cancels)
            for index, spec in enumerate(runs)
        ]
        self._backtests[backtest.id] = backtest
        task = asyncio.get_running_loop().create_task(self._watch(backtest), name=f"backtest-{backtest.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return backtest

    async def get(self, account_id: UUID, backtest_id: UUID) -> Backtest:
        """The backtest with its status and progress now. Raises: NotFound (another account's too)."""
        backtest = self._find(account_id, backtest_id)
        if backtest.status not in FINISHED and self._progress is not None:
            loop = asyncio.get_running_loop()
            shares = await loop.run_in_executor(None, self._shares, backtest)  # a round trip to the manager process
            if backtest.status not in FINISHED:
                if any(share is not None for share in shares):
                    backtest.status = BacktestStatus.RUNNING
                backtest.progress = sum(share or 0.0 for share in shares) / len(shares)
        return backtest

    def result(self, account_id: UUID, backtest_id: UUID) -> bytes:
        """Raises: NotFound (another account's too), ResultNotReady until the backtest is done."""
        backtest = self._find(account_id, backtest_id)
        if backtest.status is not BacktestStatus.DONE or backtest.result is None:
            raise ResultNotReady(f"backtest is {backtest.status.value}: its result comes once it is done")
        return backtest.result

    async def cancel(self, account_id: UUID, backtest_id: UUID) -> Backtest:
        """Cancel a queued or running backtest (a finished one is left as it is). Raises: NotFound."""
        backtest = self._find(account_id, backtest_id)
        if backtest.status in FINISHED:
            return backtest
        backtest.status = BacktestStatus.CANCELED
        backtest.finished_at = self._clock()
        for future in backtest.futures:
            future.cancel()  # a run not started yet never starts
        if self._cancels is not None:
            keys = [self._key(backtest, index) for index in range(backtest.runs)]
            await asyncio.get_running_loop().run_in_executor(None, self._cancel_keys, keys)
        await self._store(backtest)
        return backtest

    async def close(self) -> None:
        """Cancel what runs, stop the workers and the manager process."""
        for backtest in list(self._backtests.values()):
            if backtest.status not in FINISHED:
                await self.cancel(backtest.account_id, backtest.id)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        loop = asyncio.get_running_loop()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await loop.run_in_executor(None, lambda: pool.shutdown(wait=True, cancel_futures=True))
        if self._shared is not None:
            shared, self._shared = self._shared, None
            await loop.run_in_executor(None, shared.shutdown)

    # -- inside ---------------------------------------------------------------

    def _find(self, account_id: UUID, backtest_id: UUID) -> Backtest:
        backtest = self._backtests.get(backtest_id)
        if backtest is None or backtest.account_id != account_id:
            raise NotFound("backtest not found")
        return backtest

    @staticmethod
    def _key(backtest: Backtest, index: int) -> str:
        return f"{backtest.id}/{index}"

    def _shares(self, backtest: Backtest) -> list[float | None]:
        shares: list[float | None] = []
        for index, future in enumerate(backtest.futures):
            shares.append(1.0 if future.done() else self._progress.get(self._key(backtest, index)))
        return shares

    def _cancel_keys(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._cancels[key] = True

    async def _start(self) -> None:
        """Start the manager process and the pool with the first backtest (a server that runs none spawns nothing)."""
        if self._pool is not None:
            return
        context = multiprocessing.get_context("spawn")  # no fork of a process running an event loop and threads

        server_pid = os.getpid()

        def start() -> SyncManager:
            shared = SyncManager(ctx=context)
            shared.start(_follow_server, (server_pid,))
            return shared

        shared = await asyncio.get_running_loop().run_in_executor(None, start)
        self._shared, self._progress, self._cancels = shared, shared.dict(), shared.dict()
        self._pool = ProcessPoolExecutor(self._workers, mp_context=context, initializer=_start_worker, initargs=(server_pid,))

    async def _watch(self, backtest: Backtest) -> None:
        """Wait for every run of the backtest, then record how it ended."""
        outcomes = await asyncio.gather(*(asyncio.wrap_future(f) for f in backtest.futures), return_exceptions=True)
        if backtest.status in FINISHED:  # canceled meanwhile
            return
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        if any(isinstance(o, Canceled | CancelledError | asyncio.CancelledError) for o in failures):
            backtest.status = BacktestStatus.CANCELED
        elif failures:
            backtest.status, backtest.error = BacktestStatus.FAILED, str(failures[0]) or type(failures[0]).__name__
            log.warning("backtest %s failed: %r", backtest.id, failures[0])
        else:
            results = [o for o in outcomes if isinstance(o, bytes)]
            backtest.result = results[0] if backtest.rank_by is None else ranked(results, backtest.rank_by)
            backtest.status, backtest.progress = BacktestStatus.DONE, 1.0
        backtest.finished_at = self._clock()
        await self._store(backtest)

    async def _store(self, backtest: Backtest) -> None:
        if self._dir is not None:
            await asyncio.get_running_loop().run_in_executor(None, _write, self._dir, backtest)

    def _load(self, directory: Path) -> None:
        if not directory.is_dir():
            return
        for path in sorted(directory.glob("*.json")):
            if path.name.endswith(".result.json"):
                continue
            try:
                record = orjson.loads(path.read_bytes())
                backtest = Backtest(
                    id=UUID(record["id"]), account_id=UUID(record["account_id"]),
                    status=BacktestStatus(record["status"]), created_at=parse_rfc3339(record["created_at"]),
                    runs=int(record["runs"]), rank_by=record.get("rank_by"), request=record.get("request", {}),
                    progress=float(record.get("progress", 0.0)), error=record.get("error"),
                    finished_at=None if record.get("finished_at") is None else parse_rfc3339(record["finished_at"]),
                )
                result = directory / f"{backtest.id}.result.json"
                if result.exists():
                    backtest.result = result.read_bytes()
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("skipping the backtest record %s: %s", path, exc)
                continue
            self._backtests[backtest.id] = backtest


def ranked(results: Sequence[bytes], rank_by: str) -> bytes:
    """A sweep's result: every run's parameters and metrics, best first by `rank_by` (undefined last, grid order on
    ties), and the best run's whole result."""
    runs = [orjson.loads(result) for result in results]

    def key(index: int) -> tuple[int, float, int]:
        value = runs[index]["metrics"].get(rank_by)
        return (1, 0.0, index) if value is None else (0, -float(value), index)

    order = sorted(range(len(runs)), key=key)
    body = {
        "rank_by": rank_by,
        "runs": [
            {"rank": rank, "parameters": runs[index]["parameters"], "metrics": runs[index]["metrics"]}
            for rank, index in enumerate(order, start=1)
        ],
        "best": runs[order[0]] if order else None,
    }
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def _write(directory: Path, backtest: Backtest) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if backtest.result is not None:
        _replace(directory / f"{backtest.id}.result.json", backtest.result)
    record = {
        "id": str(backtest.id), "account_id": str(backtest.account_id), "status": backtest.status.value,
        "created_at": rfc3339(backtest.created_at), "runs": backtest.runs, "rank_by": backtest.rank_by,
        "request": backtest.request, "progress": backtest.progress, "error": backtest.error,
        "finished_at": None if backtest.finished_at is None else rfc3339(backtest.finished_at),
    }
    _replace(directory / f"{backtest.id}.json", orjson.dumps(record))


def _replace(path: Path, data: bytes) -> None:
    """Write a whole file or nothing: a crash leaves the old one or the new one."""
    partial = path.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(path)


__all__: Sequence[str] = ("Backtest", "BacktestManager", "BacktestStatus", "ranked")
