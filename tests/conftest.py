"""Shared fixtures: a manual-market app on a test client with one funded account."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.factories import auth_headers, journal_on, make_app, make_engine
from tests.stragglers import pytest_sessionfinish, pytest_testnodedown  # noqa: F401  (the run fails on threads left running)
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
