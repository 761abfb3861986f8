"""Shared fixtures: a manual-market app on a test client with one funded account."""

from __future__ import annotations

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
