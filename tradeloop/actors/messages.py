"""Messages between the HTTP edge, account actors and market actors."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from tradeloop.core.alerts import Alert, AlertCommand
from tradeloop.core.events import AccountEvent, CashAdjusted, OrderAccepted, OrderEvent
from tradeloop.core.marketdata import Tick
from tradeloop.core.orders import Order, OrderRequest, ReplaceRequest
from tradeloop.core.placement import Hold
from tradeloop.core.preview import Preview
from tradeloop.core.risk_limits import LimitChanges, RiskLimits, StateSource, TradingState
from tradeloop.core.strategies import Strategy, StrategyCommand
from tradeloop.core.watchlists import Watchlist, WatchlistCommand
from tradeloop.core.webhooks import WebhookCommand, WebhookEndpoint
from tradeloop.core.working import WorkingOrder

OrderReply = asyncio.Future[Order]


# -- to an account actor --------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceOrder:
    request: OrderRequest
    reply: OrderReply
    exempt: bool = False
    """Skip the risk checks: the server's own orders that close positions on a breach."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewOrder:
    """What placing the order would do now; nothing is changed."""

    request: OrderRequest
    reply: asyncio.Future[Preview]


@dataclass(frozen=True, slots=True, kw_only=True)
class SetRisk:
    """Replace (or change some of) the risk limits and/or set the trading state (None: keep); replied once journaled."""

    limits: RiskLimits | LimitChanges | None
    state: TradingState | None
    reason: str | None
    source: StateSource
    reply: asyncio.Future[None]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRisk:
    """A price left one of the account's risk bands: value it against its limits now."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOrder:
    order_id: UUID
    reply: OrderReply


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaceOrder:
    order_id: UUID
    change: ReplaceRequest
    reply: OrderReply


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordEvents:
    """Events decided elsewhere (admin, session close) for the account to journal and apply."""

    events: tuple[AccountEvent, ...]
    reply: asyncio.Future[None] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseSession:
    now: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AdjustCash:
    """Deposit (positive) or withdraw (negative) cash; the reply carries the recorded event."""

    amount: Decimal
    description: str
    reply: asyncio.Future[CashAdjusted]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeWatchlist:
    """Change a watchlist, checked against the account's watchlists as they stand; the reply is the watchlist
    as the change left it (None: deleted), once journaled."""

    command: WatchlistCommand
    reply: asyncio.Future[Watchlist | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeStrategy:
    """Create, revise, activate, deactivate or delete a strategy, checked against the account's strategies as they
    stand; the reply is the strategy as the change left it (a detached copy), once journaled."""

    command: StrategyCommand
    reply: asyncio.Future[Strategy]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeAlert:
    """Create, revise or cancel an alert, checked against the account's alerts as they stand; the reply is the alert
    as the change left it, once journaled."""

    command: AlertCommand
    reply: asyncio.Future[Alert]


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertsReached:
    """A price (or, with none, the clock) reached these alerts' triggers in the alert watch: decide whether they fire."""

    alert_ids: tuple[UUID, ...]
    price: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorAlertMet:
    """An indicator alert's condition held on a completed bar (the strategy host evaluates them): decide whether it fires."""

    alert_id: UUID
    values: tuple[tuple[str, str], ...]
    """Every operand the condition read, by name, as strings."""
    price: Decimal | None
    """The bar's close."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeWebhook:
    """Create, change, rotate the secret of, disable or delete a webhook endpoint, checked against the account's
    endpoints as they stand; the reply is the endpoint as the change left it (None: deleted), once journaled."""

    command: WebhookCommand
    reply: asyncio.Future[WebhookEndpoint | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class TakeSnapshot:
    """Write the account's state to the journal as of its last record."""

    reply: asyncio.Future[None]


class Intent(StrEnum):
    """Which client request a market answer completes."""

    PLACE = "place"
    CANCEL = "cancel"
    REPLACE = "replace"


@dataclass(frozen=True, slots=True, kw_only=True)
class Pending:
    """A client request waiting on the market: what to answer, and what to release."""

    intent: Intent
    order_id: UUID
    reply: OrderReply
    held: Hold | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BookEvents:
    """What a market actor decided for one account, possibly answering a request."""

    events: tuple[OrderEvent, ...]
    pending: Pending | None = None


AccountMessage = (
    PlaceOrder
    | CancelOrder
    | ReplaceOrder
    | RecordEvents
    | AdjustCash
    | ChangeWatchlist
    | ChangeStrategy
    | ChangeAlert
    | AlertsReached
    | IndicatorAlertMet
    | ChangeWebhook
    | CloseSession
    | TakeSnapshot
    | BookEvents
    | PreviewOrder
    | SetRisk
    | CheckRisk
)


# -- to a market actor ----------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOrder:
    order: WorkingOrder
    pending: Pending | None
    legs: tuple[WorkingOrder, ...] = ()
    """A linked group's other members, which join the book with `order` before anything matches."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawOrder:
    account_id: UUID
    pending: Pending


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapOrder:
    """Replace a working order, unless it filled since the account decided the replacement."""

    account_id: UUID
    replacement: OrderAccepted
    filled_qty: Decimal
    """The old order's filled qty the replacement was decided on."""
    pending: Pending


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplyTick:
    tick: Tick


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpireOrders:
    now: datetime


MarketMessage = SubmitOrder | WithdrawOrder | SwapOrder | ApplyTick | ExpireOrders
