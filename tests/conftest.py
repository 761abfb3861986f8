"""Shared fixtures: a manual-market app on a test client with one funded account."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.factories import auth_headers, make_app, make_engine
from tradeloop.actors.engine import Credentials, Engine

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
def engine() -> Engine:
    return make_engine()


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


_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


def pytest_unconfigure(config: pytest.Config) -> None:
    """Never let a leaked non-daemon thread (an unclosed SQLite connection, say) hang the run after it ends."""
    stragglers = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    for thread in stragglers:
        thread.join(timeout=2.0)
    alive = [t.name for t in stragglers if t.is_alive()]
    if alive:
        sys.stderr.write(f"\nthreads still running after the tests, exiting anyway: {', '.join(alive)}\n")
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(_exit_status[0] if _exit_status else 1)
