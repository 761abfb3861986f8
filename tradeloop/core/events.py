"""Events: every state change of an account is one of these, applied by core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from tradeloop.core.alerts import AlertEvent
from tradeloop.core.configurations import ConfigChanges
from tradeloop.core.fees import FeeSchedule
from tradeloop.core.notifications import NotificationEvent
from tradeloop.core.orders import OrderSide, OrderTerms
from tradeloop.core.risk_limits import RiskLimits, StateSource, TradingState
from tradeloop.core.strategies import StrategyEvent
from tradeloop.core.watchlists import WatchlistEvent
from tradeloop.core.webhooks import WebhookEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountOpened:
    account_id: UUID
    account_number: str
    key_id: str
    secret_hash: str
    cash: Decimal
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAccepted:
    """An order was accepted: its terms, and what the account holds for it from now on."""

    terms: OrderTerms
    reserved_cash: Decimal
    """Buying power held for a buy order."""
    reserved_qty: Decimal
    """Shares held for a sell order."""
    hwm: Decimal | None
    """A trailing stop's first mark (None until its symbol has a price, and for other orders)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilled:
    account_id: UUID
    order_id: UUID
    fill_id: UUID
    symbol: str
    side: OrderSide
    qty: Decimal
    price: Decimal
    cash: Decimal
    """What leaves or enters the cash balance: the fill's step in the order's value rounded to the cent.

    An order's fills therefore sum to its total qty × price rounded to the cent.
    """
    order_done: bool
    cum_qty: Decimal = Decimal(0)
    """The order's filled quantity including this fill."""
    leaves_qty: Decimal = Decimal(0)
    """What the order still wants after this fill (0 once done)."""
    timestamp: datetime
    fee: Decimal | None = None
    """The account's fee on this fill, taken from cash beside `cash` (`core.fees`); None when none was charged.

    None rather than 0, so a fill without a fee schedule encodes as cheaply as before fees existed.
    """
    unslipped_price: Decimal | None = None
    """The price the fill would have had without slippage; None when none applied."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderTriggered:
    account_id: UUID
    order_id: UUID
    stop_price: Decimal
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderHwmMoved:
    account_id: UUID
    order_id: UUID
    hwm: Decimal
    stop_price: Decimal
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCanceled:
    account_id: UUID
    order_id: UUID
    reason: str
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderExpired:
    account_id: UUID
    order_id: UUID
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderReplaced:
    account_id: UUID
    order_id: UUID
    replacement: OrderAccepted
    """The order that takes the old one's place, accepted as it closes."""
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionClosed:
    account_id: UUID
    last_equity: Decimal
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CashAdjusted:
    """A deposit (positive amount) or withdrawal (negative amount) of cash."""

    account_id: UUID
    activity_id: UUID
    amount: Decimal
    description: str
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class KeysRotated:
    """The account's API key pair was replaced; the old pair stops working."""

    account_id: UUID
    key_id: str
    secret_hash: str
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountStatusChanged:
    """Trading was disabled or enabled by an administrator."""

    account_id: UUID
    active: bool
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskLimitsSet:
    """The account's risk limits were replaced (by its owner or an administrator)."""

    account_id: UUID
    limits: RiskLimits
    source: StateSource
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingStateChanged:
    """The account's trading state changed: by hand (a kill switch), by a breached limit, or at a new session."""

    account_id: UUID
    state: TradingState
    reason: str
    source: StateSource
    timestamp: datetime
    flatten: bool = False
    """The breach also cancels the open orders and closes every position (daily loss action halt_and_flatten)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskWarned:
    """The account came near one of its limits (once per limit and session)."""

    account_id: UUID
    limit: str
    message: str
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PeakEquitySet:
    """The mark drawdown is measured from: a new high of equity, or the equity when the owner sets ACTIVE again."""

    account_id: UUID
    peak_equity: Decimal
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountConfigured:
    """The owner changed the account's configuration: the fields set (None: left as they were)."""

    account_id: UUID
    changes: ConfigChanges
    timestamp: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeScheduleSet:
    """The owner replaced the account's fee schedule and slippage; fills after it are charged by the new one."""

    account_id: UUID
    schedule: FeeSchedule
    timestamp: datetime


OrderEvent = OrderFilled | OrderTriggered | OrderHwmMoved | OrderCanceled | OrderExpired | OrderReplaced
AdminEvent = CashAdjusted | KeysRotated | AccountStatusChanged | AccountConfigured | FeeScheduleSet
RiskEvent = RiskLimitsSet | TradingStateChanged | RiskWarned | PeakEquitySet
AccountEvent = (
    AccountOpened
    | OrderAccepted
    | OrderEvent
    | SessionClosed
    | AdminEvent
    | RiskEvent
    | WatchlistEvent
    | StrategyEvent
    | AlertEvent
    | NotificationEvent
    | WebhookEvent
)
