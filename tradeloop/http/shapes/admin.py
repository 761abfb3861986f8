"""Shapes of the admin API's answers (/admin/v1) and of the health checks."""

from __future__ import annotations

from typing import Literal

from typing_extensions import NotRequired, TypedDict

from tradeloop.http.openapi.fields import DecimalText, Timestamp, UuidText


class SessionJson(TypedDict):
    """An admin session: the token for `Authorization: Bearer`, and when it expires."""

    token: str
    expires_at: Timestamp


class NewAccountJson(TypedDict):
    """A new account; its secret key is in this answer and nowhere else, ever."""

    id: UuidText
    key_id: str
    secret_key: str
    account_number: str
    cash: DecimalText


class AdminAccountJson(TypedDict):
    """An account as administrators see it: never a secret or a hash."""

    id: UuidText
    account_number: str
    key_id: str
    status: Literal["ACTIVE", "DISABLED"]
    cash: DecimalText
    equity: DecimalText
    created_at: Timestamp


class KeysJson(TypedDict):
    """A new key pair; the old one is refused from this moment."""

    id: UuidText
    key_id: str
    secret_key: str


class CashMovementJson(TypedDict):
    """A deposit (CSD) or withdrawal (CSW) made, and the cash after it."""

    activity_id: UuidText
    account_id: UuidText
    activity_type: Literal["CSD", "CSW"]
    net_amount: DecimalText
    description: str
    cash: DecimalText
    transaction_time: Timestamp


class HaltsJson(TypedDict):
    halted: list[str]


class MarketStateJson(TypedDict):
    """Where the server's prices come from, and the halted symbols in alphabetical order."""

    mode: Literal["simulated", "manual", "finnhub"]
    halted: list[str]


class SnapshotTakenJson(TypedDict):
    accounts: int
    journal_position: int


class ChainReportJson(TypedDict):
    """The journal's hash chain walked: whether every record is intact, and where the first problem is."""

    ok: bool
    records: int
    first_position: int
    last_position: int
    problem: str | None
    problem_position: int | None


class AuditEntryJson(TypedDict):
    """One admin action; its `id`, opaque, is the `page_token` that lists the entries before it."""

    id: str
    at: Timestamp
    actor: str
    action: str
    target: str
    detail: dict[str, str]


class HealthJson(TypedDict):
    """A health check's answer; `reason` says what keeps the server from being ready."""

    status: Literal["ok", "ready", "starting", "unavailable"]
    reason: NotRequired[str]
