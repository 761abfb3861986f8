"""Builders for core tests: requests, working orders, ticks and funded accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final, cast
from uuid import UUID, uuid4

from hypothesis import strategies as st

from tradeloop.core.accounts import AccountState, apply_event, open_account
from tradeloop.core.book import OrderBook
from tradeloop.core.charges import charge_fees
from tradeloop.core.events import AccountOpened, OrderCanceled, OrderEvent, OrderFilled
from tradeloop.core.fees import NO_FEES, FeeSchedule
from tradeloop.core.instruments import ASSETS_BY_SYMBOL, Asset
from tradeloop.core.linked import accept_linked
from tradeloop.core.marketdata import Quote, Trade
from tradeloop.core.orders import Order, OrderRequest, OrderSide, OrderTerms, OrderType, TimeInForce
from tradeloop.core.placement import accept_order
from tradeloop.core.sessions import session_end
from tradeloop.core.working import Stage, WorkingOrder

SYMBOL: Final = "AAPL"
T0: Final = datetime(2024, 6, 3, 14, 30, tzinfo=timezone.utc)
ACCOUNT_ID: Final = UUID("00000000-0000-4000-8000-000000000001")


def D(value: str | int) -> Decimal:
    return Decimal(value)


def at(seconds: float) -> datetime:
    """A moment `seconds` after T0."""
    return T0 + timedelta(seconds=seconds)


def make_asset(symbol: str = "ZZZ", *, tradable: bool = True, fractionable: bool = True) -> Asset:
    return Asset(
        symbol=symbol,
        name=f"{symbol} test asset",
        exchange="NASDAQ",
        reference_price=D("100"),
        tradable=tradable,
        fractionable=fractionable,
    )


def asset(symbol: str = SYMBOL) -> Asset:
    return ASSETS_BY_SYMBOL[symbol]


def make_request(**overrides: Any) -> OrderRequest:
    """A valid day market buy of one AAPL share, with any field replaced."""
    values: dict[str, Any] = {
        "symbol": SYMBOL,
        "side": OrderSide.BUY,
        "type": OrderType.MARKET,
        "time_in_force": TimeInForce.DAY,
        "qty": D(1),
    }
    values.update(overrides)
    for name in ("qty", "notional", "limit_price", "stop_price", "trail_price", "trail_percent"):
        if isinstance(values.get(name), (str, int)):
            values[name] = D(values[name])
    return OrderRequest(**values)


TERM_FIELDS: Final = frozenset(f.name for f in dataclass_fields(OrderTerms))
_TERM_AMOUNTS: Final = ("qty", "notional", "limit_price", "stop_price", "trail_price", "trail_percent")


def make_terms(**overrides: Any) -> OrderTerms:
    """Terms of a good-till-canceled market buy of one AAPL share, with any field replaced."""
    order_id = overrides.pop("id", None) or uuid4()
    values: dict[str, Any] = {
        "id": order_id,
        "client_order_id": str(order_id),
        "account_id": ACCOUNT_ID,
        "symbol": SYMBOL,
        "side": OrderSide.BUY,
        "type": OrderType.MARKET,
        "time_in_force": TimeInForce.GTC,
        "qty": D(1),
        "notional": None,
        "limit_price": None,
        "stop_price": None,
        "trail_price": None,
        "trail_percent": None,
        "extended_hours": False,
        "created_at": T0,
        "expires_at": None,
        "replaces": None,
    }
    values.update(overrides)
    for name in _TERM_AMOUNTS:
        if isinstance(values.get(name), (str, int)):
            values[name] = D(values[name])
    return OrderTerms(**values)


def make_working(**overrides: Any) -> WorkingOrder:
    """A working order as the book sees it: a buy market order for one share with ample budget.

    Term fields (`make_terms`) and the working order's own fields may both be overridden.
    """
    terms = make_terms(**{name: overrides.pop(name) for name in TERM_FIELDS if name in overrides})
    values: dict[str, Any] = {
        "hwm": None,
        "budget": None,
        "filled_qty": D(0),
        "filled_value": D(0),
        "fill_count": 0,
    }
    values.update(overrides)
    for name in ("hwm", "budget"):
        if isinstance(values.get(name), (str, int)):
            values[name] = D(values[name])
    if values["budget"] is None:
        values["budget"] = D("1000000000") if terms.side is OrderSide.BUY else terms.qty or D(1000000)
    if "whole_shares" not in values:
        qty = terms.qty
        values["whole_shares"] = qty is not None and qty == qty.to_integral_value()
    if "stage" not in values:
        values["stage"] = {
            OrderType.MARKET: Stage.MARKET,
            OrderType.LIMIT: Stage.LIMIT,
        }.get(terms.type, Stage.TRIGGER)
    return WorkingOrder(terms=terms, **values)


def quote(
    bid: str | Decimal,
    ask: str | Decimal,
    *,
    bid_size: str | Decimal | None = None,
    ask_size: str | Decimal | None = None,
    size: str | Decimal | None = None,
    when: datetime = T0,
    symbol: str = SYMBOL,
) -> Quote:
    """A quote; `size` sets both sides' sizes unless given one by one (None: unlimited)."""
    bid_size = size if bid_size is None else bid_size
    ask_size = size if ask_size is None else ask_size
    return Quote(
        symbol=symbol,
        bid=D(str(bid)),
        ask=D(str(ask)),
        bid_size=None if bid_size is None else D(str(bid_size)),
        ask_size=None if ask_size is None else D(str(ask_size)),
        timestamp=when,
    )


def trade(price: str | Decimal, size: str | Decimal | None = None, *, when: datetime = T0, symbol: str = SYMBOL) -> Trade:
    return Trade(symbol=symbol, price=D(str(price)), size=None if size is None else D(str(size)), timestamp=when)


def make_account(cash: str | int | Decimal = "10000", *, account_id: UUID = ACCOUNT_ID) -> AccountState:
    """A freshly opened account holding `cash`."""
    return open_account(
        AccountOpened(
            account_id=account_id,
            account_number="PA0000000001",
            key_id="PKTEST",
            secret_hash="x",
            cash=D(str(cash)),
            created_at=T0,
        )
    )


@dataclass
class Venue:
    """One account trading one symbol, wired exactly as the actors wire them (without queues)."""

    state: AccountState
    book: OrderBook
    events: list[OrderEvent] = field(default_factory=list)

    def place(self, request: OrderRequest, *, now: datetime = T0) -> Order:
        """Accept, apply, hand to the book and apply what it decides; returns the order."""
        price = self.book.buy_price() if request.side is OrderSide.BUY else self.book.sell_price()
        accepted = accept_order(
            self.state,
            request,
            ASSETS_BY_SYMBOL.get(request.symbol),
            order_id=uuid4(),
            reference_price=price,
            now=now,
            session_end=session_end(now),
        )
        apply_event(self.state, accepted)
        order = self.state.orders[accepted.terms.id]
        self.apply(self.book.add(WorkingOrder.from_order(order), now))
        return order

    def place_group(self, request: OrderRequest, *, now: datetime = T0) -> list[Order]:
        """Accept a bracket, OCO or OTO, apply it and hand it to the book as the actors do; returns its orders."""
        price = self.book.buy_price() if request.side is OrderSide.BUY else self.book.sell_price()
        group = accept_linked(
            self.state,
            request,
            ASSETS_BY_SYMBOL.get(request.symbol),
            new_id=uuid4,
            reference_price=price,
            now=now,
            session_end=session_end(now),
        )
        for accepted in group:
            apply_event(self.state, accepted)
        orders = [self.state.orders[accepted.terms.id] for accepted in group]
        self.apply(self.book.add_group([WorkingOrder.from_order(order) for order in orders], now))
        return orders

    def cancel(self, order_id: UUID, *, now: datetime = T0) -> list[OrderEvent]:
        """Withdraw an order as the market actor does: it and the rest of its group are canceled."""
        removed = self.book.remove(order_id)
        assert removed is not None
        events: list[OrderEvent] = [
            OrderCanceled(account_id=removed.terms.account_id, order_id=order_id, reason="canceled by client", timestamp=now)
        ]
        events.extend(self.book.cancel_linked(removed, "linked order canceled by client", now))
        return self.apply(events)

    def tick(self, tick: Quote | Trade) -> list[OrderEvent]:
        return self.apply(self.book.on_tick(tick))

    def apply(self, events: list[OrderEvent]) -> list[OrderEvent]:
        """Charge the account's fees on the fills (as its actor does), then apply them."""
        events = cast("list[OrderEvent]", list(charge_fees(self.state.fees, self.state.orders, events)))
        for event in events:
            apply_event(self.state, event)
        self.events.extend(events)
        return events


def make_venue(cash: str | int | Decimal = "10000", symbol: str = SYMBOL) -> Venue:
    return Venue(state=make_account(cash), book=OrderBook(symbol))


def book_with(*ticks: Any) -> OrderBook:
    """An AAPL book that has seen these ticks."""
    book = OrderBook("AAPL")
    for tick in ticks:
        book.on_tick(tick)
    return book


def fills(events: Sequence[OrderEvent], order_id: UUID | None = None) -> list[OrderFilled]:
    """The fills among `events`, of one order when `order_id` is given."""
    return [e for e in events if isinstance(e, OrderFilled) and (order_id is None or e.order_id == order_id)]


def limit(side: OrderSide, price: str, qty: str = "1", **overrides: Any) -> WorkingOrder:
    return make_working(side=side, type=OrderType.LIMIT, limit_price=price, qty=qty, **overrides)


def trailing(side: OrderSide, **overrides: Any) -> WorkingOrder:
    return make_working(side=side, type=OrderType.TRAILING_STOP, **overrides)


def fee_schedules(*, percent_of_notional: bool = True) -> st.SearchStrategy[FeeSchedule]:
    """Fee schedules for property tests: often none, else small per-share, per-order, percent and minimum charges and
    slippage (without the percent of notional when `percent_of_notional` is false)."""
    return st.one_of(
        st.just(NO_FEES),
        st.builds(
            FeeSchedule,
            per_share=st.decimals(min_value=0, max_value=Decimal("0.05"), places=4),
            per_order=st.decimals(min_value=0, max_value=Decimal(5), places=2),
            percent_of_notional=(
                st.decimals(min_value=0, max_value=Decimal("0.5"), places=4) if percent_of_notional else st.just(Decimal(0))
            ),
            minimum=st.decimals(min_value=0, max_value=Decimal(3), places=2),
            slippage_bps=st.decimals(min_value=0, max_value=Decimal(50), places=2),
        ),
    )
