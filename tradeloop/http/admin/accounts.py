"""Routes: accounts under /admin/v1/accounts: open and list them, rotate their keys, disable and enable them, move cash."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Final

from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tradeloop.actors import administration
from tradeloop.codec import rfc3339
from tradeloop.core.accounts import AccountState
from tradeloop.core.money import MONEY, fmt
from tradeloop.errors import InsufficientBuyingPower, InvalidField, JournalUnavailable, NotFound, Unavailable
from tradeloop.http.admin.paths import known_account_id
from tradeloop.http.bodies import read_model
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE, SETTINGS
from tradeloop.http.numbers import Money, bounded
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.paths import AccountPath
from tradeloop.http.shapes.admin import AdminAccountJson, CashMovementJson, KeysJson, NewAccountJson
from tradeloop.http.wire import json_response

routes = web.RouteTableDef()

TAG: Final = "admin"
_NEW: Final = example("admin", "new_account")
_ACCOUNT: Final = {"account_id": _NEW["id"]}


def _not_negative(value: Decimal | None) -> Decimal | None:
    if value is not None and value < 0:
        raise ValueError("must be zero or more")
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be a positive amount")
    return value


class NewAccount(BaseModel):
    """Body of POST /admin/v1/accounts; cash defaults to the configured demo cash."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cash: Annotated[Money, AfterValidator(_not_negative)] = None


class CashMovement(BaseModel):
    """Body of a deposit or withdrawal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: Annotated[Decimal, bounded(MONEY), AfterValidator(_positive)]
    description: str = Field(default="", max_length=200)


def account_summary(request: web.Request, state: AccountState) -> AdminAccountJson:
    """An account as administrators see it: never a secret or a hash."""
    return {
        "id": str(state.id),
        "account_number": state.account_number,
        "key_id": state.key_id,
        "status": "ACTIVE" if state.active else "DISABLED",
        "cash": fmt(state.cash),
        "equity": fmt(request.app[ENGINE].valuation(state.id).equity),
        "created_at": rfc3339(state.created_at),
    }


@routes.post("/admin/v1/accounts")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    body=NewAccount,
    responses={201: NewAccountJson},
    errors=(JournalUnavailable, Unavailable),
    examples=[Example(name="funded", summary="an account with $25,000", body={"cash": "25000"}, status=201, response=_NEW)],
)
async def create_account(request: web.Request) -> web.Response:
    """Open an account; its secret key is in this answer and nowhere else, ever."""
    body = await read_model(request, NewAccount)
    engine = request.app[ENGINE]
    cash = body.cash if body.cash is not None else request.app[SETTINGS].demo_cash
    credentials = await engine.open_account(cash)
    state = engine.account(credentials.account_id)
    await administration.audit(engine, "create_account", str(state.id), cash=str(cash), key_id=credentials.key_id)
    opened: NewAccountJson = {
        "id": str(state.id),
        "key_id": credentials.key_id,
        "secret_key": credentials.secret_key,
        "account_number": state.account_number,
        "cash": fmt(state.cash),
    }
    return json_response(opened, status=201)


@routes.get("/admin/v1/accounts")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    responses={200: list[AdminAccountJson]},
    examples=[Example(name="two", summary="the demo account and a new one", response=example("admin", "accounts"))],
)
async def list_accounts(request: web.Request) -> web.Response:
    """Every account, oldest first, with its status, cash and equity; secrets are never shown."""
    states = sorted(request.app[ENGINE].accounts(), key=lambda state: state.created_at)
    return json_response([account_summary(request, state) for state in states])


@routes.post("/admin/v1/accounts/{account_id}/keys")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    path=AccountPath,
    responses={201: KeysJson},
    errors=(NotFound, JournalUnavailable, Unavailable),
    examples=[Example(name="rotate", summary="new keys", path=_ACCOUNT, status=201, response=example("admin", "keys"))],
)
async def rotate_keys(request: web.Request) -> web.Response:
    """Issue a new key pair; the old pair is refused from this moment."""
    credentials = await administration.rotate_account_keys(request.app[ENGINE], known_account_id(request))
    keys: KeysJson = {"id": str(credentials.account_id), "key_id": credentials.key_id, "secret_key": credentials.secret_key}
    return json_response(keys, status=201)


@routes.post("/admin/v1/accounts/{account_id}/disable")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    path=AccountPath,
    responses={200: AdminAccountJson},
    errors=(NotFound, JournalUnavailable, Unavailable),
    examples=[Example(name="disable", summary="trading blocked", path=_ACCOUNT, response=example("admin", "disabled"))],
)
async def disable_account(request: web.Request) -> web.Response:
    """Block trading: new orders and replacements are refused; cancels still work."""
    account_id = known_account_id(request)
    await administration.set_account_active(request.app[ENGINE], account_id, False)
    return json_response(account_summary(request, request.app[ENGINE].account(account_id)))


@routes.post("/admin/v1/accounts/{account_id}/enable")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    path=AccountPath,
    responses={200: AdminAccountJson},
    errors=(NotFound, JournalUnavailable, Unavailable),
    examples=[Example(name="enable", summary="trading allowed again", path=_ACCOUNT, response=example("admin", "enabled"))],
)
async def enable_account(request: web.Request) -> web.Response:
    """Allow trading again in a disabled account."""
    account_id = known_account_id(request)
    await administration.set_account_active(request.app[ENGINE], account_id, True)
    return json_response(account_summary(request, request.app[ENGINE].account(account_id)))


@routes.post("/admin/v1/accounts/{account_id}/deposits")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    path=AccountPath,
    body=CashMovement,
    responses={201: CashMovementJson},
    # InvalidField: the cash would reach the bound every amount stays below.
    errors=(NotFound, InvalidField, JournalUnavailable, Unavailable),
    examples=[
        Example(
            name="deposit",
            summary="a $1,000 top-up",
            path=_ACCOUNT,
            body={"amount": "1000", "description": "top-up"},
            status=201,
            response=example("admin", "deposit"),
        )
    ],
)
async def deposit(request: web.Request) -> web.Response:
    """Add cash; recorded as a CSD account activity."""
    return await _move_cash(request, sign=1)


@routes.post("/admin/v1/accounts/{account_id}/withdrawals")
@operation(
    tag=TAG,
    security=Security.ADMIN,
    path=AccountPath,
    body=CashMovement,
    responses={201: CashMovementJson},
    errors=(NotFound, InsufficientBuyingPower, JournalUnavailable, Unavailable),
    examples=[
        Example(
            name="withdraw",
            summary="$250.50 out",
            path=_ACCOUNT,
            body={"amount": "250.50"},
            status=201,
            response=example("admin", "withdrawal"),
        )
    ],
)
async def withdraw(request: web.Request) -> web.Response:
    """Take cash out, at most the buying power not held by open orders; a CSW activity."""
    return await _move_cash(request, sign=-1)


async def _move_cash(request: web.Request, *, sign: int) -> web.Response:
    account_id = known_account_id(request)
    body = await read_model(request, CashMovement)
    description = body.description or ("deposit" if sign > 0 else "withdrawal")
    event = await administration.move_cash(request.app[ENGINE], account_id, body.amount * sign, description)
    state = request.app[ENGINE].account(account_id)
    moved: CashMovementJson = {
        "activity_id": str(event.activity_id),
        "account_id": str(account_id),
        "activity_type": "CSD" if sign > 0 else "CSW",
        "net_amount": fmt(event.amount),
        "description": event.description,
        "cash": fmt(state.cash),
        "transaction_time": rfc3339(event.timestamp),
    }
    return json_response(moved, status=201)
