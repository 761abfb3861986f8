"""Routes: the journal under /admin/v1/: snapshots that compact it, and the check of its hash chain."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tradeloop.actors import administration
from tradeloop.http.keys import ENGINE
from tradeloop.http.wire import json_response
from tradeloop.journal import ChainReport

routes = web.RouteTableDef()


@routes.post("/admin/v1/snapshots")
async def snapshot_now(request: web.Request) -> web.Response:
    """Snapshot every account now and compact the journal behind the snapshots."""
    engine = request.app[ENGINE]
    accounts = await engine.snapshot_all()
    await administration.audit(engine, "snapshot", "all", accounts=str(accounts))
    return json_response({"accounts": accounts, "journal_position": engine.journal_position}, status=201)


@routes.get("/admin/v1/journal/verify")
async def verify_journal(request: web.Request) -> web.Response:
    """Walk the journal's hash chain and say whether every record is intact."""
    report = await request.app[ENGINE].journal.verify()
    return json_response(_chain_json(report), status=200)


def _chain_json(report: ChainReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "records": report.records,
        "first_position": report.first_seq,
        "last_position": report.last_seq,
        "problem": report.problem,
        "problem_position": report.problem_seq,
    }
