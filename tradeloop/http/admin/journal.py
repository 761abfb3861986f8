"""Routes: the journal under /admin/v1/: snapshots that compact it, and the check of its hash chain."""

from __future__ import annotations

from aiohttp import web

from tradeloop.actors import administration
from tradeloop.errors import JournalUnavailable, Unavailable
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.shapes.admin import ChainReportJson, SnapshotTakenJson
from tradeloop.http.wire import json_response
from tradeloop.journal import ChainReport

routes = web.RouteTableDef()


@routes.post("/admin/v1/snapshots")
@operation(
    tag="admin",
    security=Security.ADMIN,
    responses={201: SnapshotTakenJson},
    errors=(JournalUnavailable, Unavailable),
    examples=[Example(name="now", summary="two accounts", status=201, response=example("admin", "snapshot_taken"))],
)
async def snapshot_now(request: web.Request) -> web.Response:
    """Snapshot every account now and compact the journal behind the snapshots."""
    engine = request.app[ENGINE]
    accounts = await engine.snapshot_all()
    await administration.audit(engine, "snapshot", "all", accounts=str(accounts))
    taken: SnapshotTakenJson = {"accounts": accounts, "journal_position": engine.journal_position}
    return json_response(taken, status=201)


@routes.get("/admin/v1/journal/verify")
@operation(
    tag="admin",
    security=Security.ADMIN,
    responses={200: ChainReportJson},
    errors=(JournalUnavailable,),
    examples=[Example(name="intact", summary="no record since the snapshot", response=example("admin", "chain_report"))],
)
async def verify_journal(request: web.Request) -> web.Response:
    """Walk the journal's hash chain and say whether every record is intact."""
    report = await request.app[ENGINE].journal.verify()
    return json_response(_chain_json(report), status=200)


def _chain_json(report: ChainReport) -> ChainReportJson:
    return {
        "ok": report.ok,
        "records": report.records,
        "first_position": report.first_seq,
        "last_position": report.last_seq,
        "problem": report.problem,
        "problem_position": report.problem_seq,
    }
