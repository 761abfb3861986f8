"""Routes: the audit log of admin actions under /admin/v1/audit."""

from __future__ import annotations

from typing import Final

from aiohttp import web
from pydantic import BaseModel, Field

from tradeloop.codec import rfc3339
from tradeloop.errors import InvalidParameter, JournalUnavailable
from tradeloop.http.bodies import read_query
from tradeloop.http.examples import example
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Security, operation
from tradeloop.http.series import decode_token, encode_token
from tradeloop.http.shapes.admin import AuditEntryJson
from tradeloop.http.times import QueryTime
from tradeloop.http.wire import json_response
from tradeloop.journal import AuditEntry

routes = web.RouteTableDef()

_TOKEN_KIND: Final = "admin"
_TOKEN_LISTING: Final = ("audit",)
"""An entry's id is a page token of the series helpers: this kind and listing, and the entry's number in the log."""


class AuditQuery(BaseModel):
    """Query of GET /admin/v1/audit."""

    limit: int = Field(default=100, ge=1, le=1000)
    until: QueryTime = Field(default=None, description="Only actions done at or before this time.")
    page_token: str | None = Field(default=None, description="The `id` of the last entry of the previous page.")


@routes.get("/admin/v1/audit")
@operation(
    tag="admin",
    security=Security.ADMIN,
    query=AuditQuery,
    responses={200: list[AuditEntryJson]},
    errors=(InvalidParameter, JournalUnavailable),
    examples=[
        Example(name="two", summary="the two newest actions", query={"limit": "2"}, response=example("admin", "audit")),
        Example(
            name="older",
            summary="the two actions before an entry",
            query={"limit": "2", "page_token": example("admin", "audit")[-1]["id"]},
            response=example("admin", "audit_older"),
        ),
    ],
)
async def audit_log(request: web.Request) -> web.Response:
    """Admin actions, newest first; pass the last entry's `id` as `page_token` for the page before it."""
    query = read_query(request, AuditQuery)
    before = decode_token(query.page_token, _TOKEN_KIND, _TOKEN_LISTING)[1] if query.page_token else None
    found = await request.app[ENGINE].journal.audit_log(query.limit, until=query.until, before=before)
    return json_response([_audit_json(number, entry) for number, entry in found])


def _audit_json(number: int, entry: AuditEntry) -> AuditEntryJson:
    return {
        "id": encode_token(_TOKEN_KIND, _TOKEN_LISTING[0], number),
        "at": rfc3339(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
    }
