"""Schemathesis against the real server: every operation of /openapi.json, generated calls, and the answers held to it.

The server runs as a child process on loopback (simulated market, a funded demo account, the contract check on);
each generated call carries the credentials its operation's security names (the account's keys, an admin
session, or the admin key with a fresh TOTP code). Checks: no 5xx, a documented status, a documented media type,
a body its schema accepts. CONTRACT_SWEEP_EXAMPLES raises the examples per operation for a larger sweep
(scripts/contract_sweep.sh); docs/contract.md has the figures.
"""

from __future__ import annotations

import copy
import os
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any, Final

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.server import RunningServer, demo_env, http_json, running_server
from tests.factories import ADMIN_KEY, make_app, totp_code
from tradeloop.http.reference import openapi_document

pytestmark = pytest.mark.e2e

KEY_ID: Final = "PKSWEEP0000000000001"
SECRET: Final = "sweep-secret-0123456789abcdefghijklmnopq"
EXAMPLES_PER_OPERATION: Final = int(os.environ.get("CONTRACT_SWEEP_EXAMPLES", "20"))
"""Hypothesis examples per operation in its fuzzing phase; the examples and coverage phases add their own calls."""
MIN_CALLS: Final = 2_000
SESSION_RENEW_S: Final = 10 * 60
CHECKS: Final = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


def _document() -> dict[str, Any]:
    """The document the server serves, built here from the same code (a test below compares the two)."""
    return openapi_document(make_app(), "sweep")


DOCUMENT: Final = _document()
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT))  # schemathesis resolves references in place
calls: Counter[str] = Counter()
"""Calls made by operation id, for the run's figures."""
statuses: Counter[int] = Counter()
STARTED: Final = time.monotonic()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    env = demo_env(KEY_ID, SECRET, backfill_days="1", sim_ticks_per_sec="20")
    with running_server(tmp_path_factory.mktemp("sweep"), env, market="simulated") as running:
        yield running


class AdminSession:
    """An admin session token, opened again before it expires (a session lasts 15 minutes; a long sweep, longer)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.value = ""
        self.renew_at = 0.0
        self.token()
        assert self.value, "no admin session"

    def token(self) -> str:
        if time.monotonic() >= self.renew_at:
            # The sweep spends codes on POST /admin/v1/sessions too, and a code opens one session: try the next step's.
            for offset_steps in (0, 1):
                headers = {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": totp_code(offset_steps)}
                status, body = http_json("POST", self.base_url + "/admin/v1/sessions", headers)
                if status == 201:
                    self.value, self.renew_at = str(body["token"]), time.monotonic() + SESSION_RENEW_S
                    break
        return self.value


@pytest.fixture(scope="module")
def session(server: RunningServer) -> AdminSession:
    return AdminSession(server.base_url)


@pytest.fixture(scope="module")
def known_ids(server: RunningServer, session: AdminSession) -> dict[str, str]:
    """Ids that name something on the server, so that generated calls reach past 404 too.

    A second account (not the demo account, whose keys every trading call uses), so that disabling it or
    rotating its keys leaves the trading operations meaningful; and an open order of the demo account.
    """
    admin = {"Authorization": f"Bearer {session.token()}"}
    status, account = http_json("POST", server.base_url + "/admin/v1/accounts", admin, {"cash": "1000"})
    assert status == 201, account
    keys = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}
    body = {"symbol": "AAPL", "qty": "1", "side": "buy", "type": "limit", "time_in_force": "gtc", "limit_price": "1.00"}
    status, order = http_json("POST", server.base_url + "/v2/orders", keys, body)
    assert status == 200, order
    return {"account_id": str(account["id"]), "order_id": str(order["id"])}


def aim(case: Any, known: dict[str, str]) -> None:
    """Point half the calls that name an account or an order at one that exists (the others keep their random id)."""
    parameters = case.path_parameters or {}
    for name, value in known.items():
        if name in parameters and zlib.crc32(repr(sorted(parameters.items())).encode()) % 2 == 0:
            parameters[name] = value


def _login_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}", "X-TOTP-Code": totp_code()}


def credentials(security: list[dict[str, list[str]]], session: AdminSession) -> dict[str, str]:
    """The headers that satisfy an operation's security requirement."""
    names = {name for requirement in security for name in requirement}
    if "apiKeyId" in names:
        return {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}
    if "adminSession" in names:
        return {"Authorization": f"Bearer {session.token()}"}
    if "adminKey" in names:
        return _login_headers()  # a code opens one session: the next calls in its 30 s step get 401, as documented
    return {}


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_keeps_the_contract(case: Any, server: RunningServer, session: AdminSession, known_ids: dict[str, str]) -> None:
    aim(case, known_ids)
    headers = credentials(case.operation.definition.raw.get("security", []), session)
    response = case.call(base_url=server.base_url, headers=headers, timeout=10)
    calls[case.operation.definition.raw["operationId"]] += 1
    statuses[response.status_code] += 1
    case.validate_response(response, checks=CHECKS)


def test_each_operation_s_test_has_a_node_id_of_its_own(request: pytest.FixtureRequest) -> None:
    """pytest-xdist schedules tests by node id: tests sharing one would run once between them."""
    swept = [item for item in request.session.items if item.name.startswith("test_every_answer_keeps_the_contract[")]
    if not swept:
        pytest.skip("the sweep is not collected (deselected)")
    assert [item.nodeid.rsplit("::", 1)[1] for item in swept] == [item.name for item in swept]  # "...[GET /v2/clock]"
    assert len({item.nodeid for item in swept}) == len(swept)


def test_the_sweep_covered_every_operation_with_enough_calls(server: RunningServer) -> None:
    operations = {op["operationId"] for item in DOCUMENT["paths"].values() for op in item.values()}
    if not calls:
        pytest.skip("the sweep did not run (deselected)")
    assert set(calls) == operations
    total = sum(calls.values())
    by_status = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    print(f"\ncontract sweep: {total} calls to {len(calls)} operations in {time.monotonic() - STARTED:.0f} s ({by_status})")
    assert total >= MIN_CALLS, calls


def test_the_swept_document_is_the_one_the_server_serves(server: RunningServer) -> None:
    status, served = http_json("GET", server.base_url + "/openapi.json")
    assert status == 200
    served["info"]["version"] = "sweep"
    assert served == DOCUMENT
