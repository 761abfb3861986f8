"""Routes: administration of accounts, markets and storage under /admin/v1/ (session token required)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tradeloop.actors import administration
from tradeloop.codec import rfc3339
from tradeloop.core.accounts import AccountState
from tradeloop.core.money import MONEY
from tradeloop.errors import NotFound
from tradeloop.http.admin import admin_only
from tradeloop.http.bodies import read_model, read_query
from tradeloop.http.keys import ENGINE
from tradeloop.http.numbers import bounded
from tradeloop.http.wire import json_response
from tradeloop.journal import AuditEntry, ChainReport

routes = web.RouteTableDef()


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be a positive amount")
    return value


class CashMovement(BaseModel):
    """Body of a deposit or withdrawal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: Annotated[Decimal, bounded(MONEY), AfterValidator(_positive)]
    description: str = Field(default="", max_length=200)


class HaltBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    symbol: str


class AuditQuery(BaseModel):
    limit: int = Field(default=100, ge=1, le=1000)


def _account_id(request: web.Request) -> UUID:
    try:
        account_id = UUID(request.match_info["account_id"])
    except ValueError:
        raise NotFound("account not found") from None
    request.app[ENGINE].account(account_id)  # NotFound when unknown
    return account_id


def account_summary(request: web.Request, state: AccountState) -> dict[str, Any]:
    """An account as administrators see it: never a secret or a hash."""
    return {
        "id": str(state.id),
        "account_number": state.account_number,
        "key_id": state.key_id,
        "status": "ACTIVE" if state.active else "DISABLED",
        "cash": state.cash,
        "equity": request.app[ENGINE].valuation(state.id).equity,
        "created_at": rfc3339(state.created_at),
    }


@routes.post("/admin/v1/accounts/{account_id}/keys")
@admin_only
async def rotate_keys(request: web.Request) -> web.Response:
    """Issue a new key pair; the old pair is refused from this moment."""
    credentials = await administration.rotate_account_keys(request.app[ENGINE], _account_id(request))
    return json_response(
        {"id": str(credentials.account_id), "key_id": credentials.key_id, "secret_key": credentials.secret_key},
        status=201,
    )


@routes.post("/admin/v1/accounts/{account_id}/disable")
@admin_only
async def disable_account(request: web.Request) -> web.Response:
    """Block trading: new orders and replacements are refused; cancels still work."""
    account_id = _account_id(request)
    await administration.set_account_active(request.app[ENGINE], account_id, False)
    return json_response(account_summary(request, request.app[ENGINE].account(account_id)))


@routes.post("/admin/v1/accounts/{account_id}/enable")
@admin_only
async def enable_account(request: web.Request) -> web.Response:
    account_id = _account_id(request)
    await administration.set_account_active(request.app[ENGINE], account_id, True)
    return json_response(account_summary(request, request.app[ENGINE].account(account_id)))


@routes.post("/admin/v1/accounts/{account_id}/deposits")
@admin_only
async def deposit(request: web.Request) -> web.Response:
    """Add cash; recorded as a CSD account activity."""
    return await _move_cash(request, sign=1)


@routes.post("/admin/v1/accounts/{account_id}/withdrawals")
@admin_only
async def withdraw(request: web.Request) -> web.Response:
    """Take cash out, at most the buying power not held by open orders; a CSW activity."""
    return await _move_cash(request, sign=-1)


async def _move_cash(request: web.Request, *, sign: int) -> web.Response:
    account_id = _account_id(request)
    body = await read_model(request, CashMovement)
    description = body.description or ("deposit" if sign > 0 else "withdrawal")
    event = await administration.move_cash(request.app[ENGINE], account_id, body.amount * sign, description)
    state = request.app[ENGINE].account(account_id)
    return json_response(
        {
            "activity_id": str(event.activity_id),
            "account_id": str(account_id),
            "activity_type": "CSD" if sign > 0 else "CSW",
            "net_amount": event.amount,
            "description": event.description,
            "cash": state.cash,
            "transaction_time": rfc3339(event.timestamp),
        },
        status=201,
    )


@routes.get("/admin/v1/market/halts")
@admin_only
async def list_halts(request: web.Request) -> web.Response:
    return json_response({"halted": request.app[ENGINE].halted_symbols()})


@routes.post("/admin/v1/market/halts")
@admin_only
async def halt(request: web.Request) -> web.Response:
    """Halt trading in a symbol: orders in it are refused and nothing fills until resumed."""
    body = await read_model(request, HaltBody)
    await administration.set_halted(request.app[ENGINE], body.symbol.strip().upper(), True)
    return json_response({"halted": request.app[ENGINE].halted_symbols()}, status=201)


@routes.delete("/admin/v1/market/halts/{symbol}")
@admin_only
async def resume(request: web.Request) -> web.Response:
    await administration.set_halted(request.app[ENGINE], request.match_info["symbol"].upper(), False)
    return json_response({"halted": request.app[ENGINE].halted_symbols()})


@routes.post("/admin/v1/snapshots")
@admin_only
async def snapshot_now(request: web.Request) -> web.Response:
    """Snapshot every account now and compact the journal behind the snapshots."""
    engine = request.app[ENGINE]
    accounts = await engine.snapshot_all()
    await administration.audit(engine, "snapshot", "all", accounts=str(accounts))
    return json_response({"accounts": accounts, "journal_position": engine.journal_position}, status=201)


@routes.get("/admin/v1/journal/verify")
@admin_only
async def verify_journal(request: web.Request) -> web.Response:
    """Walk the journal's hash chain and say whether every record is intact."""
    report = await request.app[ENGINE].journal.verify()
    return json_response(_chain_json(report), status=200)


@routes.get("/admin/v1/audit")
@admin_only
async def audit_log(request: web.Request) -> web.Response:
    """Admin actions, newest first."""
    query = read_query(request, AuditQuery)
    entries = await request.app[ENGINE].journal.audit_log(query.limit)
    return json_response([_audit_json(entry) for entry in entries])


def _chain_json(report: ChainReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "records": report.records,
        "first_position": report.first_seq,
        "last_position": report.last_seq,
        "problem": report.problem,
        "problem_position": report.problem_seq,
    }


def _audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {"at": rfc3339(entry.at), "actor": entry.actor, "action": entry.action, "target": entry.target, "detail": entry.detail}
