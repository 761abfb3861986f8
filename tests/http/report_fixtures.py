"""The reports' fixtures: a clock the test sets, the engine on it and on each journal, the app on the engine.

A test module takes them by importing them, on a line of their own:
`from tests.http.report_fixtures import client_fixture, clock_fixture, engine_fixture  # noqa: F401  (fixtures)`;
tests ask for them as `clock`, `engine` and `client`. A module may define its own `clock` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from tests.conftest import ClientFactory
from tests.factories import HttpClient, make_app, make_engine
from tests.http.report_factories import Clock
from tradeloop.actors.engine import Engine
from tradeloop.journal import Journal


@pytest.fixture(name="clock")
def clock_fixture() -> Clock:
    return Clock()


@pytest.fixture(name="engine")
def engine_fixture(clock: Callable[[], datetime], journal: Journal) -> Engine:
    """The engine on the module's clock, on the in-memory journal or a SQLite journal opened before it was built."""
    return make_engine(clock=clock, journal=journal)


@pytest.fixture(name="client")
async def client_fixture(engine: Engine, aiohttp_client: ClientFactory) -> HttpClient:
    """The app on the engine; `engine` first, so the app stops before its journal closes."""
    return await aiohttp_client(make_app(engine))
