"""The order book of one symbol: resting orders keyed by trigger price, and matching.

Each kind of resting order lives in a heap keyed by the price at which it
becomes actionable, so a tick costs O(log n + orders it touches). Removal is
lazy: an entry whose order is gone, or whose version moved on, is skipped.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Final
from uuid import UUID

from tradeloop.core.events import (
    OrderCanceled,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderTriggered,
)
from tradeloop.core.fees import slipped_price
from tradeloop.core.ids import derived_id_beside
from tradeloop.core.ladders import ABOVE_ALL, BELOW_ALL, Ladder, Liquidity, QuietBand
from tradeloop.core.linked_groups import LinkedGroups
from tradeloop.core.marketdata import Quote, Tick, Trade
from tradeloop.core.money import ONE, QTY_STEP, ZERO
from tradeloop.core.orders import OrderSide, OrderType, TimeInForce
from tradeloop.core.trailing import follow_price, hwm_moved
from tradeloop.core.working import ExitGroup, Stage, WorkingOrder

_COMPACT_FLOOR: Final = 1024
_LIVE_ENTRIES: Final = 3
"""Most index entries one live order holds: a trailing stop's level and mark, and its expiry."""


class OrderBook:
    """All working orders of one symbol, matched against its ticks."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.quote: Quote | None = None
        self.trade: Trade | None = None
        self.orders: dict[UUID, WorkingOrder] = {}
        self._ask = Liquidity()
        self._bid = Liquidity()
        self._seq = itertools.count(1)
        self._buy_limits = Ladder(-1)
        self._sell_limits = Ladder(1)
        self._buy_stops = Ladder(1)
        self._sell_stops = Ladder(-1)
        self._buy_trail_levels = Ladder(1)
        self._sell_trail_levels = Ladder(-1)
        self._buy_trail_marks = Ladder(-1)
        self._sell_trail_marks = Ladder(1)
        self._market_buys: deque[tuple[int, UUID]] = deque()
        self._market_sells: deque[tuple[int, UUID]] = deque()
        self._expiries: list[tuple[datetime, int, UUID]] = []
        self._links = LinkedGroups()
        """Linked groups (OTO, OCO, bracket): which orders belong together, and what their exits may sell."""
        self._unkeyed: dict[UUID, WorkingOrder] = {}
        """Trailing stops placed before the first price; keyed at the first tick."""
        self._band: QuietBand | None = None
        """Cached while nothing changes the book, so a tick that can do nothing costs a few comparisons."""

    def __len__(self) -> int:
        return len(self.orders)

    # -- prices ---------------------------------------------------------------

    def buy_price(self) -> Decimal | None:
        """What a buyer pays now: the ask, or the last trade without a quote."""
        return self._ask.price

    def sell_price(self) -> Decimal | None:
        return self._bid.price

    def last_price(self) -> Decimal | None:
        if self.trade is not None:
            return self.trade.price
        if self.quote is not None:
            return (self.quote.bid + self.quote.ask) / 2
        return None

    # -- commands -------------------------------------------------------------

    def add(self, order: WorkingOrder, now: datetime) -> list[OrderEvent]:
        """Take a new (or restored) order and match whatever is marketable at once."""
        events: list[OrderEvent] = []
        self._band = None
        if order.terms.time_in_force is TimeInForce.FOK and not self._can_fill_completely(order):
            events.append(self._cancel_event(order, "fok: not fillable in full at once", now))
            return events
        self._admit(order, now, events)
        self._match(now, events)
        if order.terms.time_in_force in (TimeInForce.IOC, TimeInForce.FOK) and order.terms.id in self.orders:
            self._drop(order.terms.id)
            events.append(self._cancel_event(order, f"{order.terms.time_in_force}: remainder canceled", now))
        else:
            self._index_expiry(order)
        return events

    def add_group(self, members: list[WorkingOrder], now: datetime) -> list[OrderEvent]:
        """Take a new linked group (entry or take-profit first, then its legs): all join before any matches.

        Otherwise a member that fills on arrival could settle the group before the others are in it.
        """
        events: list[OrderEvent] = []
        self._band = None
        for order in members:
            self._links.link(order)
        for order in members:
            self._admit(order, now, events)
        self._match(now, events)
        for order in members:
            self._index_expiry(order)
        return events

    def _admit(self, order: WorkingOrder, now: datetime, events: list[OrderEvent]) -> None:
        """Put an order in the book: held, resting on its trigger, or actionable."""
        order.seq = next(self._seq)
        self.orders[order.terms.id] = order
        self._links.link(order)
        if order.group is not None and order.group.cap <= ZERO:
            order.group.parked.add(order.terms.id)  # held: rests nowhere until there is something to sell
        elif order.stage is Stage.TRIGGER:
            if order.terms.type is OrderType.TRAILING_STOP and order.hwm is None:
                self._mark_trailing(order, now, events)
            else:
                self._rest_trigger(order)
            self._check_triggers(now, events)
        else:
            self._place(order)

    def _index_expiry(self, order: WorkingOrder) -> None:
        # Indexed only if it rests: most marketable orders fill at once and would leave a dead entry.
        if order.terms.expires_at is not None and order.terms.id in self.orders:
            heapq.heappush(self._expiries, (order.terms.expires_at, order.seq, order.terms.id))

    def remove(self, order_id: UUID) -> WorkingOrder | None:
        """Withdraw an order (cancel or replace); None when it is no longer working.

        An exit leaves its group, which stays for the order that replaces it (`cancel_linked` ends it).
        """
        order = self._drop(order_id)
        if order is not None:
            self._links.leave(order)
        return order

    def cancel_linked(self, removed: WorkingOrder, reason: str, now: datetime) -> list[OrderEvent]:
        """Cancel the rest of a withdrawn order's linked group (Alpaca: canceling any order of a group cancels the rest)."""
        group = self._links.take(removed.terms.group_id)
        if group is None:
            return []
        events: list[OrderEvent] = []
        self._end_group(group, reason, now, events)
        return events

    def _end_group(self, group: ExitGroup, reason: str, now: datetime, events: list[OrderEvent]) -> None:
        """Cancel what is left of a group: its entry if it still works, and its exits (an exit due by `now` expires)."""
        entry, exit_ids = self._links.end(group)
        if entry is not None and self._drop(entry.terms.id) is not None:
            events.append(self._cancel_event(entry, reason, now))
        for order_id in exit_ids:
            exit_order = self._drop(order_id)
            if exit_order is None:
                continue
            due = exit_order.terms.expires_at
            if due is not None and due <= now:  # a day leg ending with its sibling at the session's end
                events.append(OrderExpired(account_id=exit_order.terms.account_id, order_id=order_id, timestamp=now))
            else:
                events.append(self._cancel_event(exit_order, reason, now))

    def on_tick(self, tick: Tick) -> list[OrderEvent]:
        """Apply a quote or trade: move trailing marks, fire triggers, match."""
        self.observe(tick)
        if not self.orders:
            return []
        band = self._band if self._band is not None else self._quiet_band()
        if band is not None:
            buy_px, sell_px = _tick_prices(tick)
            if buy_px is not None and sell_px is not None and band.holds(buy_px, sell_px):
                self._band = band
                return []
        self._band = None
        events: list[OrderEvent] = []
        now = tick.timestamp
        self._move_trailing_marks(tick, now, events)
        self._check_triggers(now, events, tick)
        self._match(now, events)
        return events

    def observe(self, tick: Tick) -> None:
        """Take a tick's prices and sizes without trading on them (a halted market)."""
        if isinstance(tick, Quote):
            self.quote = tick
            self._ask = Liquidity(tick.ask, tick.ask_size)
            self._bid = Liquidity(tick.bid, tick.bid_size)
        else:
            self.trade = tick
            if self.quote is None:
                self._ask = Liquidity(tick.price, tick.size)
                self._bid = Liquidity(tick.price, tick.size)

    def expire(self, now: datetime) -> list[OrderEvent]:
        """Expire every order whose time in force ran out by `now`."""
        events: list[OrderEvent] = []
        while self._expiries and self._expiries[0][0] <= now:
            _, seq, order_id = heapq.heappop(self._expiries)
            order = self.orders.get(order_id)
            if order is not None and order.seq == seq:
                self._drop(order_id)
                events.append(OrderExpired(account_id=order.terms.account_id, order_id=order.terms.id, timestamp=now))
                self._linked_ended(order, now, events)
        return events

    # -- resting --------------------------------------------------------------

    def _quiet_band(self) -> QuietBand | None:
        """The band of prices that leave this book untouched; None when waiting orders make any tick matter."""
        if self._market_buys or self._market_sells or self._unkeyed:
            return None
        return QuietBand(
            buy_above=self._top(self._buy_limits, BELOW_ALL),
            buy_at_least=self._top(self._buy_trail_marks, BELOW_ALL),
            buy_below=min(self._top(self._buy_stops, ABOVE_ALL), self._top(self._buy_trail_levels, ABOVE_ALL)),
            sell_above=max(self._top(self._sell_stops, BELOW_ALL), self._top(self._sell_trail_levels, BELOW_ALL)),
            sell_below=self._top(self._sell_limits, ABOVE_ALL),
            sell_at_most=self._top(self._sell_trail_marks, ABOVE_ALL),
        )

    def _top(self, ladder: Ladder, empty: Decimal) -> Decimal:
        entry = ladder.top(self.orders)
        return empty if entry is None else entry[0]

    def _drop(self, order_id: UUID) -> WorkingOrder | None:
        order = self.orders.pop(order_id, None)
        if order is not None:
            order.version += 1
            self._band = None
            self._maybe_compact()
        return order

    def _maybe_compact(self) -> None:
        """Rebuild the indexes once dead entries clearly outnumber live ones (amortized O(1))."""
        if self.index_entries() > max(_COMPACT_FLOOR, (_LIVE_ENTRIES + 1) * len(self.orders)):
            self._compact()

    def index_entries(self) -> int:
        """Entries in every index, live or dead (the memory the book's indexes take): each ladder of
        `_ladders()`, the market queues, the expiries.

        Summed by hand, not over `_ladders()`: this runs for every order that leaves the book.
        """
        return (
            len(self._buy_limits.entries)
            + len(self._sell_limits.entries)
            + len(self._buy_stops.entries)
            + len(self._sell_stops.entries)
            + len(self._buy_trail_levels.entries)
            + len(self._sell_trail_levels.entries)
            + len(self._buy_trail_marks.entries)
            + len(self._sell_trail_marks.entries)
            + len(self._market_buys)
            + len(self._market_sells)
            + len(self._expiries)
        )

    def _ladders(self) -> tuple[Ladder, ...]:
        return (
            self._buy_limits,
            self._sell_limits,
            self._buy_stops,
            self._sell_stops,
            self._buy_trail_levels,
            self._sell_trail_levels,
            self._buy_trail_marks,
            self._sell_trail_marks,
        )

    def _compact(self) -> None:
        orders = self.orders
        for ladder in self._ladders():
            ladder.compact(orders)
        for queue in (self._market_buys, self._market_sells):
            live = [e for e in queue if (o := orders.get(e[1])) is not None and o.version == e[0]]
            queue.clear()  # in place: matching may be walking this very queue
            queue.extend(live)
        expiries = [e for e in self._expiries if (o := orders.get(e[2])) is not None and o.seq == e[1]]
        heapq.heapify(expiries)
        self._expiries = expiries

    def _rest_trigger(self, order: WorkingOrder) -> None:
        buy = order.terms.side is OrderSide.BUY
        if order.terms.type is OrderType.TRAILING_STOP:
            level = order.trail_level()
            if level is None or order.hwm is None:
                self._unkeyed[order.terms.id] = order
                return
            (self._buy_trail_levels if buy else self._sell_trail_levels).push(order, level)
            (self._buy_trail_marks if buy else self._sell_trail_marks).push(order, order.hwm)
        else:
            assert order.terms.stop_price is not None
            (self._buy_stops if buy else self._sell_stops).push(order, order.terms.stop_price)

    def _place(self, order: WorkingOrder) -> None:
        """Rest an actionable order: limits on their ladder, market orders in the queue."""
        order.version += 1
        if order.stage is Stage.LIMIT:
            assert order.terms.limit_price is not None
            (self._buy_limits if order.terms.side is OrderSide.BUY else self._sell_limits).push(order, order.terms.limit_price)
        else:
            order.stage = Stage.MARKET
            (self._market_buys if order.terms.side is OrderSide.BUY else self._market_sells).append((order.version, order.terms.id))

    # -- triggers -------------------------------------------------------------

    def _trigger_price(self, side: OrderSide) -> Decimal | None:
        return self.buy_price() if side is OrderSide.BUY else self.sell_price()

    def _move_trailing_marks(self, tick: Tick, now: datetime, events: list[OrderEvent]) -> None:
        buy_px, sell_px = _tick_prices(tick)
        assert buy_px is not None and sell_px is not None
        self._unkeyed_trailing(now, events)
        # Checked here, not in `follow_price`: a book without trailing stops pays no call per tick.
        marks = self._sell_trail_marks
        if marks.entries and follow_price(marks, self._sell_trail_levels, sell_px, True, self.orders, now, events):
            self._maybe_compact()
        marks = self._buy_trail_marks
        if marks.entries and follow_price(marks, self._buy_trail_levels, buy_px, False, self.orders, now, events):
            self._maybe_compact()

    def _unkeyed_trailing(self, now: datetime, events: list[OrderEvent]) -> None:
        """Give trailing stops placed before any price their first mark."""
        if not self._unkeyed:
            return
        waiting, self._unkeyed = self._unkeyed, {}
        for order in waiting.values():
            if order.terms.id in self.orders and not order.parked:
                self._mark_trailing(order, now, events)

    def _mark_trailing(self, order: WorkingOrder, now: datetime, events: list[OrderEvent]) -> None:
        """Start a trailing stop's mark at the current price, and tell the account where it stands."""
        order.hwm = self._trigger_price(order.terms.side)
        self._rest_trigger(order)
        level = order.trail_level()
        if order.hwm is not None and level is not None:
            events.append(hwm_moved(order, order.hwm, level, now))

    def _check_triggers(self, now: datetime, events: list[OrderEvent], tick: Tick | None = None) -> None:
        buy_px, sell_px = _tick_prices(tick) if tick is not None else (self.buy_price(), self.sell_price())
        if buy_px is not None:
            rising = buy_px
            self._fire(self._buy_stops, lambda stop: rising >= stop, now, events)
            self._fire(self._buy_trail_levels, lambda level: rising >= level, now, events)
        if sell_px is not None:
            falling = sell_px
            self._fire(self._sell_stops, lambda stop: falling <= stop, now, events)
            self._fire(self._sell_trail_levels, lambda level: falling <= level, now, events)

    def _fire(
        self, ladder: Ladder, crossed: Callable[[Decimal], bool], now: datetime, events: list[OrderEvent]
    ) -> None:
        while (entry := ladder.top(self.orders)) is not None:
            price, order = entry
            if not crossed(price):
                return
            ladder.pop()
            order.stage = Stage.LIMIT if order.terms.type is OrderType.STOP_LIMIT else Stage.MARKET
            self._place(order)
            events.append(
                OrderTriggered(account_id=order.terms.account_id, order_id=order.terms.id, stop_price=price, timestamp=now)
            )

    # -- matching -------------------------------------------------------------

    def _match(self, now: datetime, events: list[OrderEvent]) -> None:
        self._match_market(self._market_buys, self._ask, now, events)
        self._match_market(self._market_sells, self._bid, now, events)
        self._match_limits(self._buy_limits, self._ask, lambda limit, px: px <= limit, now, events)
        self._match_limits(self._sell_limits, self._bid, lambda limit, px: px >= limit, now, events)

    def _match_market(
        self, queue: deque[tuple[int, UUID]], book_side: Liquidity, now: datetime, events: list[OrderEvent]
    ) -> None:
        """Fill waiting market orders in time priority while this side of the book has liquidity."""
        while queue and book_side.price is not None and (book_side.size is None or book_side.size != ZERO):
            version, order_id = queue[0]
            order = self.orders.get(order_id)
            if order is None or order.version != version:
                queue.popleft()
                continue
            self._execute(order, book_side, now, events)
            if order.terms.id in self.orders:
                return  # liquidity ran out, or share rounding leaves it waiting for more

    def _match_limits(
        self,
        ladder: Ladder,
        book_side: Liquidity,
        marketable: Callable[[Decimal, Decimal], bool],
        now: datetime,
        events: list[OrderEvent],
    ) -> None:
        # `size is None or` first: comparing None with a Decimal goes through the numbers ABCs.
        while book_side.price is not None and (book_side.size is None or book_side.size != ZERO):
            entry = ladder.top(self.orders)
            if entry is None or not marketable(entry[0], book_side.price):
                return
            order = entry[1]
            self._execute(order, book_side, now, events)
            if order.terms.id in self.orders:
                return  # budget or share rounding left it unfillable at this price for now

    def _execute(self, order: WorkingOrder, book_side: Liquidity, now: datetime, events: list[OrderEvent]) -> None:
        """Fill what the order can take from this side of the book, and end it if done."""
        price = book_side.price
        assert price is not None
        unslipped = None
        terms = order.terms
        if terms.slippage_bps is not None:
            unslipped, price = price, slipped_price(price, terms.side, terms.slippage_bps, terms.limit_price)
        qty = order.fillable_qty(price, book_side.size)
        if qty > ZERO:
            cash = order.fill_cash(qty, price)
            order.record_fill(qty, price, cash)
            if book_side.size is not None:
                book_side.size -= qty
            done = order.is_done(price)
            events.append(
                OrderFilled(
                    account_id=order.terms.account_id,
                    order_id=order.terms.id,
                    fill_id=derived_id_beside(order.terms.id, str(order.fill_count)),
                    symbol=self.symbol,
                    side=order.terms.side,
                    qty=qty,
                    price=price,
                    cash=cash,
                    order_done=done,
                    cum_qty=order.filled_qty,
                    leaves_qty=ZERO if done else order.wanted_qty(price),
                    timestamp=now,
                    unslipped_price=unslipped,
                )
            )
            self._linked_fill(order, qty, now, events)
            if done:
                self._drop(order.terms.id)
                self._linked_ended(order, now, events)
                return
        if self._starved(order, price, book_side):
            self._drop(order.terms.id)
            held = "buying power" if order.terms.side is OrderSide.BUY else "qty"
            events.append(self._cancel_event(order, f"insufficient {held} held for order", now))
            self._linked_ended(order, now, events)

    @staticmethod
    def _starved(order: WorkingOrder, price: Decimal, book_side: Liquidity) -> bool:
        """True when the order's own budget (cash or shares held), not the market, stops it filling."""
        if order.group is not None or (book_side.size is not None and book_side.size == ZERO):
            return False  # an exit waits on its group, not on a budget of its own
        unbounded = order.fillable_qty(price, None)
        return unbounded < (ONE if order.whole_shares else QTY_STEP) and not order.is_done(price)

    def _can_fill_completely(self, order: WorkingOrder) -> bool:
        book_side = self._ask if order.terms.side is OrderSide.BUY else self._bid
        price = book_side.price
        if price is None:
            return False
        if order.terms.limit_price is not None and (
            price > order.terms.limit_price if order.terms.side is OrderSide.BUY else price < order.terms.limit_price
        ):
            return False
        if order.terms.slippage_bps is not None:
            price = slipped_price(price, order.terms.side, order.terms.slippage_bps, order.terms.limit_price)
        wanted = order.wanted_qty(price)
        return wanted > ZERO and order.fillable_qty(price, book_side.size) >= wanted

    # -- linked groups ----------------------------------------------------------

    def _linked_fill(self, order: WorkingOrder, qty: Decimal, now: datetime, events: list[OrderEvent]) -> None:
        """An entry's fill gives its exits shares to sell; an exit's fill that leaves none parks the others."""
        if order.group is not None:
            if self._links.exit_filled(order.group):
                self._band = None
        elif order.terms.group_id is not None and (group := self._links.entry_filled(order, qty)) is not None:
            self._unpark(group, now, events)

    def _linked_ended(self, order: WorkingOrder, now: datetime, events: list[OrderEvent]) -> None:
        """An order of a group left the book by itself (filled, expired, starved): settle the rest."""
        if order.terms.group_id is not None and (ending := self._links.ended(order)) is not None:
            group, reason = ending
            self._end_group(group, reason, now, events)

    def _unpark(self, group: ExitGroup, now: datetime, events: list[OrderEvent]) -> None:
        """Rest the group's parked exits: they have shares to sell now."""
        waiting = self._links.unpark(group)
        if waiting is None:
            return
        self._band = None
        for order in waiting:
            if order.stage is not Stage.TRIGGER:
                self._place(order)
            elif order.terms.type is OrderType.TRAILING_STOP and order.hwm is None:
                self._mark_trailing(order, now, events)
            else:
                order.version += 1
                self._rest_trigger(order)
        self._check_triggers(now, events)

    @staticmethod
    def _cancel_event(order: WorkingOrder, reason: str, now: datetime) -> OrderCanceled:
        return OrderCanceled(account_id=order.terms.account_id, order_id=order.terms.id, reason=reason, timestamp=now)


def _tick_prices(tick: Tick) -> tuple[Decimal | None, Decimal | None]:
    """The price a buyer and a seller would see on this tick."""
    if isinstance(tick, Quote):
        return tick.ask, tick.bid
    return tick.price, tick.price
