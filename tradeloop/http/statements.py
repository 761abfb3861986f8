"""Routes: the account statement (tradeloop's /v2/reports/statement), in JSON or streamed as CSV.

The statement replays the journal's fills and cash movements from the cash the
account was opened with (`tradeloop.core.statements`), so its balances are
what the account held then and its closing cash, for a period ending now, is
the cash GET /v2/account shows.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from contextlib import aclosing
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Final, Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from tradeloop.codec import dumps, rfc3339
from tradeloop.core.charges import fee_activity
from tradeloop.core.events import CashAdjusted, OrderFilled
from tradeloop.core.money import ZERO, cents, fmt, fmt_qty
from tradeloop.core.statements import Balance, Movement, Statement, StatementReplay, cash_change, statement
from tradeloop.errors import InvalidParameter
from tradeloop.http.activities import activity_id, activity_json
from tradeloop.http.auth import account_id
from tradeloop.http.bodies import read_query
from tradeloop.http.keys import ENGINE
from tradeloop.http.openapi import Example, Reply, Security, operation
from tradeloop.http.report_pages import statement_page
from tradeloop.http.shapes.reports import BalanceJson, StatementJson
from tradeloop.http.times import QueryTime
from tradeloop.http.wire import average_price
from tradeloop.journal import Activity, ActivityQuery

routes = web.RouteTableDef()

TAG: Final = "reports"
CSV_COLUMNS: Final = (
    "record",
    "time",
    "activity_id",
    "activity_type",
    "symbol",
    "side",
    "qty",
    "price",
    "amount",
    "cash",
)
"""The statement's CSV columns; `record` says what a row is (opening, position, activity, a total, closing)."""
_ROWS_PER_CHUNK: Final = 500
_PAGE_ROWS: Final = 1000
"""Activities read from the journal at a time for the CSV statement, which holds no more than a page of them."""
MOVEMENT_KINDS: Final = frozenset({"FILL", "CSD", "CSW"})
_EVERYTHING: Final = 2**62
"""A listing limit no account reaches."""


class StatementQuery(BaseModel):
    """GET /v2/reports/statement: the period (both ends included) and the format."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    start: QueryTime = Field(
        default=None, description="From this time (RFC 3339 or a date); left out: since the opening."
    )
    end: QueryTime = Field(default=None, description="Up to this time, included; left out: now.")
    format: Literal["json", "csv", "html"] = Field(
        default="json", description="json, csv (streamed), or html (one page to read or print)."
    )


async def account_movements(request: web.Request) -> tuple[Decimal, list[Movement]]:
    """The cash the caller's account was opened with, and every fill and cash movement it made since, oldest first."""
    engine = request.app[ENGINE]
    found = await engine.journal.activities(
        ActivityQuery(account_id=account_id(request), kinds=MOVEMENT_KINDS, newest_first=False, limit=_EVERYTHING)
    )
    movements = [a for a in found if isinstance(a, OrderFilled | CashAdjusted)]
    # The account's contributions are the cash it was opened with plus every deposit less every withdrawal.
    opened_with = engine.account(account_id(request)).contributions - sum(
        (m.amount for m in movements if isinstance(m, CashAdjusted)), Decimal(0)
    )
    return opened_with, movements


async def movement_pages(request: web.Request) -> AsyncGenerator[list[Movement], None]:
    """The caller's fills and cash movements, oldest first, a page at a time (keyed, so each page is one bounded read)."""
    journal = request.app[ENGINE].journal
    query = ActivityQuery(account_id=account_id(request), kinds=MOVEMENT_KINDS, newest_first=False, limit=_PAGE_ROWS)
    key = None
    while True:
        page, key = await journal.activity_page(query, key)
        yield [a for a in page if isinstance(a, OrderFilled | CashAdjusted)]
        if key is None:
            return


async def paged_statement(request: web.Request, start: datetime | None, until: datetime) -> Statement:
    """The statement's balances and totals without its movements, read a page at a time (as account_statement's)."""
    replay = StatementReplay(ZERO, start, until, keep=False)
    adjusted = ZERO
    async for page in movement_pages(request):
        for movement in page:
            if isinstance(movement, CashAdjusted):
                adjusted += movement.amount
            replay.add(movement)
    # Replayed from no cash: cash moves add up, so the cash opened with shifts every balance alike.
    opened_with = request.app[ENGINE].account(account_id(request)).contributions - adjusted
    found = replay.result()
    return replace(
        found,
        opening=replace(found.opening, cash=found.opening.cash + opened_with),
        closing=replace(found.closing, cash=found.closing.cash + opened_with),
    )


def period(request: web.Request, start: datetime | None, end: datetime | None) -> tuple[datetime | None, datetime]:
    """A query's period, its end now when left out.

    Raises:
        InvalidParameter: start is after end.
    """
    until = request.app[ENGINE].clock() if end is None else end
    if start is not None and start > until:
        raise InvalidParameter("start", f"{rfc3339(start)} is after end {rfc3339(until)}")
    return start, until


async def account_statement(request: web.Request, start: datetime | None, end: datetime | None) -> Statement:
    """The statement of the caller's account over [start, end] (end None: now), from the journal.

    Raises:
        InvalidParameter: start is after end.
    """
    start, until = period(request, start, end)
    opened_with, movements = await account_movements(request)
    # A long history takes a while to replay: a worker thread does it, so the loop serves on.
    return await asyncio.to_thread(statement, opened_with, movements, start, until)


def _money(value: Decimal) -> str:
    return fmt(cents(value))


def balance_json(balance: Balance) -> BalanceJson:
    return {
        "cash": _money(balance.cash),
        "positions": [
            {
                "symbol": holding.symbol,
                "qty": fmt_qty(holding.qty),
                "cost_basis": _money(holding.cost_basis),
                "avg_entry_price": average_price(holding.avg_entry_price) or "0",
            }
            for holding in balance.holdings
        ],
    }


def statement_json(account: UUID, found: Statement) -> StatementJson:
    return {
        "account_id": str(account),
        "currency": "USD",
        "start": None if found.start is None else rfc3339(found.start),
        "end": rfc3339(found.end),
        "opening": balance_json(found.opening),
        "activities": [activity_json(a) for m in found.movements for a in _activities(m)],  # type: ignore[misc]
        "totals": {
            "deposits": _money(found.deposits),
            "withdrawals": _money(found.withdrawals),
            "buys": _money(found.buys),
            "sells": _money(found.sells),
            "fees": _money(found.fees),
            "realized_pl": _money(found.realized_pl),
        },
        "closing": balance_json(found.closing),
    }


def _balance_rows(kind: str, moment: str, balance: Balance) -> Iterator[Sequence[str]]:
    for holding in balance.holdings:
        price = average_price(holding.avg_entry_price) or "0"
        yield (f"{kind}_position", moment, "", "", holding.symbol, "", fmt_qty(holding.qty), price,
               _money(holding.cost_basis), "")  # fmt: skip
    yield (kind, moment, "", "", "", "", "", "", "", _money(balance.cash))


async def statement_rows(request: web.Request, found: Statement) -> AsyncIterator[Sequence[str]]:
    """The statement as CSV rows (after the header): opening, each activity with the cash after it, totals, closing.

    The activities are read again from the journal a page at a time, so a year of them is never held at once.
    """
    for row in _balance_rows("opening", "" if found.start is None else rfc3339(found.start), found.opening):
        yield row
    cash = found.opening.cash
    async with aclosing(movement_pages(request)) as pages:
        async for page in pages:
            for movement in page:
                if movement.timestamp > found.end:
                    break
                if found.start is None or movement.timestamp >= found.start:
                    change = cash_change(movement)
                    cash += change
                    if isinstance(movement, OrderFilled) and movement.fee:  # the fill, then its fee (FEE)
                        yield _activity_row(movement, change + movement.fee, cash + movement.fee)
                        fee = fee_activity(movement)
                        yield ("activity", rfc3339(fee.timestamp), activity_id(fee), "FEE", fee.symbol, "", "", "",
                               _money(-fee.amount), _money(cash))  # fmt: skip
                    else:
                        yield _activity_row(movement, change, cash)
            else:
                continue
            break  # past the period's end: the later pages are not read
    totals = (("deposits", found.deposits), ("withdrawals", found.withdrawals), ("buys", found.buys),
              ("sells", found.sells), ("fees", found.fees), ("realized_pl", found.realized_pl))  # fmt: skip
    for name, amount in totals:
        yield (name, "", "", "", "", "", "", "", _money(amount), "")
    for row in _balance_rows("closing", rfc3339(found.end), found.closing):
        yield row


def _activities(movement: Movement) -> list[Activity]:
    """The activities a movement shows as: a fill charged a fee is followed by its FEE activity."""
    if isinstance(movement, OrderFilled) and movement.fee:
        return [movement, fee_activity(movement)]
    return [movement]


def _activity_row(movement: Movement, change: Decimal, cash: Decimal) -> Sequence[str]:
    when, ident = rfc3339(movement.timestamp), activity_id(movement)
    if isinstance(movement, CashAdjusted):
        kind = "CSD" if movement.amount > 0 else "CSW"
        return ("activity", when, ident, kind, "", "", "", "", _money(change), _money(cash))
    return ("activity", when, ident, "FILL", movement.symbol, movement.side.value, fmt_qty(movement.qty),
            fmt(movement.price), _money(change), _money(cash))  # fmt: skip


async def stream_csv(
    request: web.Request,
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[str]] | AsyncIterable[Sequence[str]],
) -> web.StreamResponse:
    """Send rows as CSV a chunk at a time, so a long history is never held whole as text."""
    response = web.StreamResponse(headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    response.content_type = "text/csv"
    response.charset = "utf-8"
    await response.prepare(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    async for row in _each(rows):
        writer.writerow(row)
        count += 1
        if count % _ROWS_PER_CHUNK == 0:
            await response.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    await response.write(buffer.getvalue().encode())
    await response.write_eof()
    return response


async def _each(rows: Iterable[Sequence[str]] | AsyncIterable[Sequence[str]]) -> AsyncIterator[Sequence[str]]:
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
    else:
        for row in rows:
            yield row


_BALANCE: Final[BalanceJson] = {
    "cash": "98098.00", "positions": [{"symbol": "AAPL", "qty": "10", "cost_basis": "1902.00", "avg_entry_price": "190.20"}],
}  # fmt: skip
_STATEMENT: Final[StatementJson] = {
    "account_id": "0195f7a2-1111-7d4e-9f10-2a3b4c5d6e7f", "currency": "USD",
    "start": "2026-01-05T00:00:00.000000Z", "end": "2026-01-06T00:00:00.000000Z",
    "opening": {"cash": "100000.00", "positions": []},
    "activities": [{
        "id": "20260105150000000::0195f7a2-5b3c-7d4e-9f10-2a3b4c5d6e70", "account_id": "0195f7a2-1111-7d4e-9f10-2a3b4c5d6e7f",
        "activity_type": "FILL", "transaction_time": "2026-01-05T15:00:00.000000Z", "type": "fill", "price": "190.2",
        "qty": "10", "side": "buy", "symbol": "AAPL", "leaves_qty": "0", "order_id": "0195f7a2-5b3c-7d4e-9f10-2a3b4c5d6e7f",
        "cum_qty": "10", "order_status": "filled",
    }],
    "totals": {"deposits": "0.00", "withdrawals": "0.00", "buys": "1902.00", "sells": "0.00", "fees": "0.00",
               "realized_pl": "0.00"},
    "closing": _BALANCE,
}  # fmt: skip


@routes.get("/v2/reports/statement")
@operation(
    tag=TAG, security=Security.KEYS, query=StatementQuery, errors=(InvalidParameter,),
    responses={200: [Reply(shape=StatementJson, description="format=json;"),
                     Reply(content_type="text/csv", description="format=csv: one row per opening or closing position, "
                           "activity (with the cash after it) and total, streamed;"),
                     Reply(content_type="text/html", description="format=html: one self-contained page to read or print.")]},
    examples=[Example(name="day", summary="one day", query={"start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"},
                      response=_STATEMENT)],
)  # fmt: skip
async def get_statement(request: web.Request) -> web.StreamResponse:
    """The account's cash and positions at the start, every fill and cash movement in the period, and at the end.

    Opening + deposits − withdrawals + sells − buys − fees = closing, to the cent.
    """
    query = read_query(request, StatementQuery)
    if query.format == "csv":
        start, until = period(request, query.start, query.end)
        found = await paged_statement(request, start, until)
        return await stream_csv(request, "statement.csv", CSV_COLUMNS, statement_rows(request, found))
    found = await account_statement(request, query.start, query.end)
    answer = await asyncio.to_thread(statement_json, account_id(request), found)
    if query.format == "html":
        return web.Response(text=await asyncio.to_thread(statement_page, answer), content_type="text/html")
    # A year of activity makes megabytes of JSON or HTML: made in the worker thread too.
    return web.Response(body=await asyncio.to_thread(dumps, answer), content_type="application/json")
