"""Shared fixtures: a manual-market app on a test client with one funded account."""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Final

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.factories import auth_headers, journal_on, make_app, make_engine
from tradeloop.actors.engine import Credentials, Engine
from tradeloop.http.openapi import contract
from tradeloop.journal import Journal

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def contract_violations() -> Iterator[list[logging.LogRecord]]:
    """Fail a test when a server it ran answered against the API reference (the contract check logs each mismatch).

    A test that provokes a mismatch on purpose takes this list and empties it.
    """
    handler = _Records()
    logger = logging.getLogger(contract.__name__)
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
    if handler.records:
        pytest.fail("\n".join(record.getMessage() for record in handler.records), pytrace=False)


@pytest.fixture
def engine() -> Engine:
    return make_engine()


@pytest.fixture(params=["memory", "sqlite"])
async def journal(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Journal]:
    """The in-memory journal, or a SQLite journal writer opened before the engine is built (as at start-up).

    A fixture building an app on it must set up after it (list it, or what needs it, before `aiohttp_client`),
    so the app, and the engine with it, stops before the writer closes.
    """
    async with journal_on(request.param, tmp_path / "tradeloop.db") as opened:
        yield opened


@pytest.fixture
async def client(aiohttp_client: ClientFactory, engine: Engine) -> TestClient[web.Request, web.Application]:
    return await aiohttp_client(make_app(engine))


@pytest.fixture
async def account(client: TestClient[web.Request, web.Application], engine: Engine) -> Credentials:
    """An account with $100,000 opened on the running engine."""
    return await engine.open_account(Decimal(100_000))


@pytest.fixture
def headers(account: Credentials) -> dict[str, str]:
    return auth_headers(account)


THREAD_JOIN_S: Final = 5.0
"""How long the run waits in all for threads still finishing (executors a closed loop shut down) before failing."""
EXIT_WATCHDOG_S: Final = 30.0
"""How long Python may then wait for them at exit before every thread's stack is dumped and the process ends (status 1)."""


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run, naming them, when threads the tests started outlive the tests: Python would wait for them at exit."""
    deadline = time.monotonic() + THREAD_JOIN_S
    for thread in _stragglers():
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    alive = _stragglers()
    if not alive:
        return
    names = ", ".join(thread.name for thread in alive)
    message = (
        f"threads still running {THREAD_JOIN_S:g} s after the tests (something opened was never closed): {names}; "
        f"the run fails, and ends within {EXIT_WATCHDOG_S:g} s if they keep Python from exiting"
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write("\n")
        reporter.write_sep("!", message, red=True)
    else:
        sys.stderr.write(f"\n{message}\n")
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    # Python joins every non-daemon thread before it exits, and one whose owner is still held (an open journal
    # writer, held by its writing process's pipes) never ends: show where each thread waits rather than hang.
    faulthandler.dump_traceback_later(EXIT_WATCHDOG_S, exit=True, file=sys.__stderr__ or sys.stderr)


def _stragglers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
