"""GET/PUT /admin/v1/accounts/{account_id}/fees: an administrator reads and sets an account's fee schedule, audited."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.factories import HttpClient, admin_headers
from tests.http.reference_checks import shape_failures
from tradeloop.actors.engine import Credentials
from tradeloop.http.shapes.fees import AccountFeeScheduleJson

Headers = dict[str, str]
NONE = {"per_share": "0", "per_order": "0", "percent_of_notional": "0", "minimum": "0", "slippage_bps": "0"}


async def call(client: HttpClient, method: str, path: str, headers: Headers, status: int = 200, **kwargs: Any) -> Any:
    response = await client.request(method, path, headers=headers, **kwargs)
    assert response.status == status, await response.text()
    return await response.json()


async def test_an_administrator_reads_and_sets_an_accounts_fees_in_the_audit_log(
    client: HttpClient, account: Credentials, headers: Headers
) -> None:
    admin = await admin_headers(client)
    path = f"/admin/v1/accounts/{account.account_id}/fees"
    shown = await call(client, "GET", path, admin)
    assert shape_failures(AccountFeeScheduleJson, shown) == []
    assert shown == {"account_id": str(account.account_id), **NONE}
    body = {"per_share": "0.005", "minimum": "1.00", "slippage_bps": 5}
    expected = {**NONE, "per_share": "0.005", "minimum": "1.00", "slippage_bps": "5"}
    assert await call(client, "PUT", path, admin, json=body) == {"account_id": str(account.account_id), **expected}
    assert await call(client, "GET", "/v2/account/fees", headers) == expected  # what the account itself now sees
    assert (await call(client, "GET", path, admin))["per_share"] == "0.005"
    assert await call(client, "PUT", path, admin, json={}) == {"account_id": str(account.account_id), **NONE}

    log = await call(client, "GET", "/admin/v1/audit", admin)
    entries = [(e["target"], e["detail"]) for e in log if e["action"] == "set_fees"]
    assert entries[1] == (str(account.account_id), {**expected, "slippage_bps": "5"})
    assert entries[0] == (str(account.account_id), NONE)


@pytest.mark.parametrize(
    ("field", "value"),
    [("per_share", "-0.01"), ("per_order", "0.001"), ("percent_of_notional", "101"), ("slippage_bps", "501")],
)
async def test_a_bad_value_is_refused_naming_the_field_changing_and_auditing_nothing(
    client: HttpClient, account: Credentials, headers: Headers, field: str, value: str
) -> None:
    admin = await admin_headers(client)
    path = f"/admin/v1/accounts/{account.account_id}/fees"
    await call(client, "PUT", path, admin, json={"per_order": "1"})
    refused = await call(client, "PUT", path, admin, 422, json={"per_order": "2", field: value})
    assert field in refused["message"]
    assert await call(client, "GET", "/v2/account/fees", headers) == {**NONE, "per_order": "1"}
    log = await call(client, "GET", "/admin/v1/audit", admin)
    assert len([e for e in log if e["action"] == "set_fees"]) == 1


async def test_admin_fee_routes_refuse_unknown_accounts_and_callers_without_a_session(
    client: HttpClient, account: Credentials, headers: Headers
) -> None:
    admin = await admin_headers(client)
    await call(client, "GET", f"/admin/v1/accounts/{uuid4()}/fees", admin, 404)
    await call(client, "PUT", f"/admin/v1/accounts/{uuid4()}/fees", admin, 404, json={"per_order": "1"})
    await call(client, "PUT", "/admin/v1/accounts/not-an-id/fees", admin, 404, json={})
    await call(client, "PUT", f"/admin/v1/accounts/{account.account_id}/fees", headers, 401, json={"per_order": "1"})
    assert (await call(client, "GET", "/v2/account/fees", headers)) == NONE
