"""The one exception tree: every error class of the package descends from TradeloopError, and each renders safely."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from aiohttp import web

import tradeloop
from tests.conftest import ClientFactory
from tradeloop.core.money import NotADecimal, OutOfBounds
from tradeloop.errors import StartupFailure, TradeloopError
from tradeloop.http.problems import error_middleware
from tradeloop.http.streams.frames import InvalidFrame
from tradeloop.market.finnhub_rest import FinnhubError, KeyRejected
from tradeloop.market.manual import InvalidAdminTick
from tradeloop.server import StartupError
from tradeloop.snapshots.codec import DecodeError
from tradeloop.snapshots.lock import DatabaseBusy
from tradeloop.snapshots.recovery import CorruptData
from tradeloop.vault import VaultError


def _package_exceptions() -> list[type[BaseException]]:
    """Every public exception class defined in a tradeloop module."""
    found: list[type[BaseException]] = []
    for module_info in pkgutil.walk_packages(tradeloop.__path__, "tradeloop."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found.append(value)
    return found


def test_every_exception_class_of_the_package_is_in_the_one_tree() -> None:
    classes = _package_exceptions()
    assert CorruptData in classes and NotADecimal in classes  # the walk reaches the leaves
    outside = sorted(f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, TradeloopError))
    assert outside == []


def test_start_up_and_storage_failures_share_one_branch() -> None:
    for cls in (StartupError, CorruptData, DatabaseBusy, VaultError, DecodeError):
        assert issubclass(cls, StartupFailure), cls
    assert not issubclass(FinnhubError, StartupFailure)  # an upstream that fails later is not a start-up failure


@pytest.mark.parametrize("cls", [NotADecimal, OutOfBounds, InvalidAdminTick, InvalidFrame, DecodeError])
def test_value_errors_stay_value_errors_for_the_callers_that_catch_them(cls: type[Exception]) -> None:
    assert issubclass(cls, ValueError)


def test_a_start_up_failure_keeps_its_message_for_the_operator() -> None:
    exc = CorruptData(Path("/data/tradeloop.db"), "journal", 7, "checksum mismatch")
    assert str(exc) == "/data/tradeloop.db: corrupt journal at position 7: checksum mismatch"
    assert KeyRejected().message == "finnhub rejected the API key"


async def test_a_storage_failure_met_by_a_request_renders_as_a_bare_internal_error(
    aiohttp_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    async def damaged(request: web.Request) -> web.Response:
        raise CorruptData(Path("/secret/place/tradeloop.db"), "journal", 3, "checksum mismatch")

    app = web.Application(middlewares=[error_middleware])
    app.router.add_get("/damaged", damaged)
    client = await aiohttp_client(app)
    response = await client.get("/damaged")
    assert response.status == 500
    body = await response.json()
    assert body["code"] == 50010000 and body["message"] == "internal server error"
    assert "/secret/place" not in await response.text()
    assert "checksum mismatch" in caplog.text  # the operator still sees it, in the log
