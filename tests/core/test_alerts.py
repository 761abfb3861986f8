"""Alerts as account state: their terms checked per kind, commands decided, events applied, and where each fires."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.core.factories import T0
from tradeloop.core.alert_levels import Level, armed_at_start, equity_bands, price_level
from tradeloop.core.alerts import (
    MAX_ACTIVE_ALERTS,
    MAX_ENDED_KEPT,
    Alert,
    AlertCanceled,
    AlertCondition,
    AlertCreated,
    AlertExpired,
    AlertKind,
    AlertRevised,
    AlertStatus,
    AlertTerms,
    AlertTriggered,
    CancelAlert,
    CreateAlert,
    Repeat,
    ReviseAlert,
    apply_alert_event,
    check_terms,
    decide_alert,
    decide_reached,
)
from tradeloop.errors import InvalidField, NotFound

ACCOUNT = UUID(int=1)
LISTED = frozenset({"AAPL", "MSFT"})


def price_terms(condition: AlertCondition = AlertCondition.CROSSES_ABOVE, price: str = "190", **more: object) -> AlertTerms:
    return AlertTerms(kind=AlertKind.PRICE, symbol="aapl", condition=condition, price=Decimal(price), **more)  # type: ignore[arg-type]


def created(alerts: dict[UUID, Alert], terms: AlertTerms, alert_id: UUID = UUID(int=7)) -> Alert:
    _, event = decide_alert(alerts, CreateAlert(alert_id=alert_id, terms=terms), account_id=ACCOUNT, listed=LISTED, now=T0)
    assert isinstance(event, AlertCreated)
    apply_alert_event(alerts, event)
    return alerts[alert_id]


def test_a_price_alert_is_made_active_with_its_symbol_upper_cased() -> None:
    alerts: dict[UUID, Alert] = {}
    alert = created(alerts, price_terms(note="breakout"))
    assert (alert.status, alert.symbol, alert.terms.price, alert.trigger_count) == (AlertStatus.ACTIVE, "AAPL", Decimal(190), 0)
    assert alert.created_at == alert.updated_at == T0


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        (AlertTerms(kind=AlertKind.PRICE, symbol="AAPL", price=Decimal(1)), "condition"),
        (AlertTerms(kind=AlertKind.PRICE, symbol="AAPL", condition=AlertCondition.ABOVE), "price"),
        (AlertTerms(kind=AlertKind.PRICE, condition=AlertCondition.ABOVE, price=Decimal(1)), "symbol"),
        (AlertTerms(kind=AlertKind.PRICE, symbol="ZZZZ", condition=AlertCondition.ABOVE, price=Decimal(1)), "symbol"),
        (AlertTerms(kind=AlertKind.PRICE, symbol="AAPL", condition=AlertCondition.ABOVE, price=Decimal(0)), "price"),
        (AlertTerms(kind=AlertKind.PRICE, symbol="AAPL", condition=AlertCondition.ABOVE, price=Decimal(1),
                    amount=Decimal(5)), "amount"),
        (AlertTerms(kind=AlertKind.PRICE, symbol="AAPL", condition=AlertCondition.ABOVE, price=Decimal(1),
                    cooldown_s=60), "cooldown_s"),
        (AlertTerms(kind=AlertKind.PRICE, symbol="AAPL", condition=AlertCondition.ABOVE, price=Decimal(1),
                    expires_at=T0), "expires_at"),
        (AlertTerms(kind=AlertKind.PRICE, symbol="AAPL", condition=AlertCondition.ABOVE, price=Decimal(1),
                    note="x" * 501), "note"),
        (AlertTerms(kind=AlertKind.POSITION, symbol="AAPL"), "amount"),
        (AlertTerms(kind=AlertKind.POSITION, symbol="AAPL", amount=Decimal(1), percent=Decimal(1)), "amount"),
        (AlertTerms(kind=AlertKind.PERCENT_CHANGE, symbol="AAPL", reference_price=Decimal(100)), "percent"),
        (AlertTerms(kind=AlertKind.PERCENT_CHANGE, symbol="AAPL", percent=Decimal(-100),
                    reference_price=Decimal(100)), "percent"),
        (AlertTerms(kind=AlertKind.ACCOUNT, condition=AlertCondition.BELOW, level=Decimal(1)), "metric"),
        (AlertTerms(kind=AlertKind.ACCOUNT, symbol="AAPL"), "symbol"),
    ],
)  # fmt: skip
def test_terms_a_kind_does_not_take_or_lacks_are_refused_naming_the_field(terms: AlertTerms, field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        check_terms(terms, LISTED, now=T0)
    assert refused.value.field == field


def test_a_percent_change_becomes_a_price_level_of_its_reference() -> None:
    up = check_terms(
        AlertTerms(kind=AlertKind.PERCENT_CHANGE, symbol="AAPL", percent=Decimal(5), reference_price=Decimal(200)),
        LISTED, now=T0,
    )  # fmt: skip
    assert up.price == Decimal(210)
    assert price_level(Alert(id=UUID(int=1), terms=up, status=AlertStatus.ACTIVE, created_at=T0, updated_at=T0)) == Level(
        Decimal(210), rising=True
    )
    down = check_terms(replace(up, percent=Decimal("-2.5"), price=None), LISTED, now=T0)
    assert down.price == Decimal(195)


def test_an_account_holds_at_most_so_many_active_alerts() -> None:
    alerts: dict[UUID, Alert] = {}
    for number in range(MAX_ACTIVE_ALERTS):
        created(alerts, price_terms(), UUID(int=1000 + number))
    with pytest.raises(InvalidField):
        created(alerts, price_terms(), UUID(int=1))


def test_revising_keeps_kind_and_symbol_and_an_ended_alert_does_not_change() -> None:
    alerts: dict[UUID, Alert] = {}
    alert = created(alerts, price_terms())
    _, revised = decide_alert(
        alerts, ReviseAlert(alert_id=alert.id, terms=replace(alert.terms, price=Decimal(195))),
        account_id=ACCOUNT, listed=LISTED, now=T0 + timedelta(seconds=1),
    )  # fmt: skip
    assert isinstance(revised, AlertRevised)
    apply_alert_event(alerts, revised)
    assert (alerts[alert.id].terms.price, alerts[alert.id].updated_at) == (Decimal(195), T0 + timedelta(seconds=1))
    with pytest.raises(InvalidField):
        decide_alert(alerts, ReviseAlert(alert_id=alert.id, terms=replace(alert.terms, symbol="MSFT")),
                     account_id=ACCOUNT, listed=LISTED, now=T0)  # fmt: skip
    _, canceled = decide_alert(alerts, CancelAlert(alert_id=alert.id), account_id=ACCOUNT, listed=LISTED, now=T0)
    assert isinstance(canceled, AlertCanceled)
    apply_alert_event(alerts, canceled)
    assert alerts[alert.id].status is AlertStatus.CANCELED
    assert decide_alert(alerts, CancelAlert(alert_id=alert.id), account_id=ACCOUNT, listed=LISTED, now=T0) == (alert.id, None)
    with pytest.raises(InvalidField):
        decide_alert(alerts, ReviseAlert(alert_id=alert.id, terms=alert.terms), account_id=ACCOUNT, listed=LISTED, now=T0)
    with pytest.raises(NotFound):
        decide_alert(alerts, CancelAlert(alert_id=UUID(int=99)), account_id=ACCOUNT, listed=LISTED, now=T0)


def test_a_once_alert_ends_when_it_fires_and_an_every_alert_cools_down() -> None:
    alerts: dict[UUID, Alert] = {}
    once = created(alerts, price_terms(), UUID(int=1))
    fired = decide_reached(once, account_id=ACCOUNT, price=Decimal(191), value=None, now=T0)
    assert isinstance(fired, AlertTriggered) and fired.ends and fired.count == 1
    apply_alert_event(alerts, fired)
    assert (alerts[once.id].status, alerts[once.id].trigger_count, alerts[once.id].triggered_at) == (
        AlertStatus.TRIGGERED, 1, T0,
    )  # fmt: skip
    assert decide_reached(alerts[once.id], account_id=ACCOUNT, price=Decimal(191), value=None, now=T0) is None

    every = created(alerts, price_terms(repeat=Repeat.EVERY, cooldown_s=60), UUID(int=2))
    first = decide_reached(every, account_id=ACCOUNT, price=Decimal(191), value=None, now=T0)
    assert isinstance(first, AlertTriggered) and not first.ends
    apply_alert_event(alerts, first)
    assert alerts[every.id].status is AlertStatus.ACTIVE
    assert decide_reached(alerts[every.id], account_id=ACCOUNT, price=Decimal(191), value=None, now=T0 + timedelta(seconds=59)) is None
    second = decide_reached(alerts[every.id], account_id=ACCOUNT, price=Decimal(191), value=None, now=T0 + timedelta(seconds=60))
    assert isinstance(second, AlertTriggered) and second.count == 2


def test_an_alert_reached_past_its_expiry_expires_instead_of_firing() -> None:
    alerts: dict[UUID, Alert] = {}
    alert = created(alerts, price_terms(expires_at=T0 + timedelta(hours=1)))
    event = decide_reached(alert, account_id=ACCOUNT, price=Decimal(191), value=None, now=T0 + timedelta(hours=1))
    assert isinstance(event, AlertExpired)
    apply_alert_event(alerts, event)
    assert alerts[alert.id].status is AlertStatus.EXPIRED


def test_only_the_latest_ended_alerts_are_kept() -> None:
    alerts: dict[UUID, Alert] = {}
    for number in range(MAX_ENDED_KEPT + 3):
        alert = created(alerts, price_terms(), UUID(int=10 + number))
        apply_alert_event(alerts, AlertCanceled(account_id=ACCOUNT, alert_id=alert.id, at=T0 + timedelta(seconds=number)))
    assert len(alerts) == MAX_ENDED_KEPT
    assert UUID(int=10) not in alerts and UUID(int=10 + MAX_ENDED_KEPT + 2) in alerts


@pytest.mark.parametrize(
    ("condition", "price", "fired_before", "armed"),
    [
        (AlertCondition.CROSSES_ABOVE, "180", False, True),  # below the level: the next rise through it fires
        (AlertCondition.CROSSES_ABOVE, "195", False, False),  # above already: must come down first
        (AlertCondition.CROSSES_ABOVE, None, False, False),  # no price seen: no side seen
        (AlertCondition.ABOVE, "195", False, True),  # there already: fires at once
        (AlertCondition.ABOVE, None, False, True),
        (AlertCondition.ABOVE, "195", True, False),  # fired before: fires again only when met anew
        (AlertCondition.BELOW, "195", True, True),
    ],
)
def test_an_alert_is_armed_at_start_only_where_firing_would_be_new(
    condition: AlertCondition, price: str | None, fired_before: bool, armed: bool
) -> None:
    alert = Alert(
        id=UUID(int=1), terms=check_terms(price_terms(condition), LISTED, now=T0), status=AlertStatus.ACTIVE,
        created_at=T0, updated_at=T0, trigger_count=1 if fired_before else 0,
    )  # fmt: skip
    level = price_level(alert)
    assert level is not None
    assert armed_at_start(alert, level, None if price is None else Decimal(price)) is armed


holdings = st.dictionaries(
    st.sampled_from(["AAPL", "MSFT", "NVDA", "SPY"]),
    st.tuples(
        st.decimals(min_value=Decimal("0.5"), max_value=Decimal(1000), places=3),
        st.decimals(min_value=Decimal(1), max_value=Decimal(500), places=2),
    ),
    min_size=1,
)


@given(
    holdings,
    st.decimals(min_value=Decimal(-5000), max_value=Decimal(5000), places=2),
    st.data(),
)
def test_while_every_price_stays_short_of_its_band_the_equity_stays_short_of_the_level(
    held: dict[str, tuple[Decimal, Decimal]], way: Decimal, data: st.DataObject
) -> None:
    equity = Decimal(10_000)
    target = equity + way
    rising = way > 0
    bands = equity_bands(target, rising=rising, equity=equity, holdings=held)
    if way == 0:
        return
    assert set(bands) == set(held)
    moved = equity
    for symbol, (qty, price) in held.items():
        band = bands[symbol]
        # any price short of the band (for a rise: below it, down to a tenth of the price; for a fall: above it)
        short = data.draw(st.decimals(min_value=price / 10, max_value=band, places=4) if rising
                          else st.decimals(min_value=band, max_value=price * 3, places=4))  # fmt: skip
        if short == band:
            continue  # at the band itself the account is valued again
        moved += qty * (short - price)
    assert (moved < target) if rising else (moved > target)
