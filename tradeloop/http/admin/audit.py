"""Routes: the audit log of admin actions under /admin/v1/audit."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from tradeloop.codec import rfc3339
from tradeloop.errors import JournalUnavailable
from tradeloop.http.bodies import read_query
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.shapes.admin import AuditEntryJson
from tradeloop.http.wire import json_response
from tradeloop.journal import AuditEntry

routes = web.RouteTableDef()


class AuditQuery(BaseModel):
    """Query of GET /admin/v1/audit."""

    limit: int = Field(default=100, ge=1, le=1000)


@routes.get("/admin/v1/audit")
@operation(
    tag="admin",
    security=Security.ADMIN,
    query=AuditQuery,
    responses={200: list[AuditEntryJson]},
    errors=(JournalUnavailable,),
    examples=[Example(name="two", summary="the two newest actions", query={"limit": "2"}, response=example("admin", "audit"))],
)
async def audit_log(request: web.Request) -> web.Response:
    """Admin actions, newest first."""
    query = read_query(request, AuditQuery)
    entries = await request.app[ENGINE].journal.audit_log(query.limit)
    return json_response([_audit_json(entry) for entry in entries])


def _audit_json(entry: AuditEntry) -> AuditEntryJson:
    return {"at": rfc3339(entry.at), "actor": entry.actor, "action": entry.action, "target": entry.target, "detail": entry.detail}
