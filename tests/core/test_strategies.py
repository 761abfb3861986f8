"""Strategies as account state: deciding the commands, applying their events, and orders carrying their strategy."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from tests.core.factories import T0, D, asset, at, make_account, make_request
from tradeloop.core.accounts import apply_event
from tradeloop.core.linked import accept_linked
from tradeloop.core.orders import OrderClass, OrderSide, OrderType, ReplaceRequest, StopLoss, TakeProfit, TimeInForce
from tradeloop.core.placement import accept_order, accept_replacement
from tradeloop.core.strategies import (
    MAX_STRATEGIES,
    ActivateStrategy,
    CreateStrategy,
    DeactivateStrategy,
    DeleteStrategy,
    ReviseStrategy,
    Signal,
    Strategy,
    StrategyActivated,
    StrategyCommand,
    StrategyCreated,
    StrategyDeactivated,
    StrategyDeleted,
    StrategyRevised,
    StrategySignalled,
    StrategyStatus,
    apply_strategy_event,
    decide_strategy,
)
from tradeloop.errors import InvalidField, NotFound

DEFINITION = '{"name":"sma","symbols":["AAPL"]}'
OTHER_DEFINITION = '{"name":"sma","symbols":["MSFT"]}'


def change(strategies: dict[UUID, Strategy], command: StrategyCommand, seconds: float = 0) -> UUID:
    """Decide a command and apply its event, as the account actor does; the strategy's id."""
    strategy_id, event = decide_strategy(strategies, command, new_id=uuid4(), now=at(seconds))
    if event is not None:
        apply_strategy_event(strategies, event)
    return strategy_id


def created(strategies: dict[UUID, Strategy]) -> UUID:
    return change(strategies, CreateStrategy(name="sma", definition=DEFINITION))


def test_create_makes_an_inactive_first_version() -> None:
    strategies: dict[UUID, Strategy] = {}
    new_id = uuid4()
    strategy_id, event = decide_strategy(
        strategies, CreateStrategy(name="sma", definition=DEFINITION), new_id=new_id, now=T0
    )
    assert strategy_id == new_id
    assert event == StrategyCreated(strategy_id=new_id, name="sma", definition=DEFINITION, at=T0)
    apply_strategy_event(strategies, event)
    strategy = strategies[new_id]
    assert (strategy.status, strategy.version, strategy.name, strategy.current.definition) == (
        StrategyStatus.INACTIVE, 1, "sma", DEFINITION,
    )  # fmt: skip
    assert strategy.created_at == strategy.updated_at == T0


def test_create_takes_the_id_the_command_chose() -> None:
    chosen = uuid4()
    strategies: dict[UUID, Strategy] = {}
    assert change(strategies, CreateStrategy(name="a", definition=DEFINITION, strategy_id=chosen)) == chosen
    with pytest.raises(InvalidField, match="exists already") as taken:
        change(strategies, CreateStrategy(name="b", definition=DEFINITION, strategy_id=chosen))
    assert taken.value.field == "strategy_id"


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_bad_name_is_refused_naming_the_field(name: str) -> None:
    with pytest.raises(InvalidField) as refused:
        change({}, CreateStrategy(name=name, definition=DEFINITION))
    assert refused.value.field == "name"


def test_revise_makes_a_new_version_only_when_something_changed() -> None:
    strategies: dict[UUID, Strategy] = {}
    strategy_id = created(strategies)
    same = ReviseStrategy(strategy_id=strategy_id, name="sma", definition=DEFINITION)
    assert decide_strategy(strategies, same, new_id=uuid4(), now=at(1)) == (strategy_id, None)
    assert decide_strategy(strategies, ReviseStrategy(strategy_id=strategy_id), new_id=uuid4(), now=at(1)) == (
        strategy_id, None,
    )  # fmt: skip

    _, revised = decide_strategy(
        strategies, ReviseStrategy(strategy_id=strategy_id, definition=OTHER_DEFINITION), new_id=uuid4(), now=at(2)
    )
    assert revised == StrategyRevised(strategy_id=strategy_id, version=2, name="sma", definition=OTHER_DEFINITION, at=at(2))
    assert revised is not None
    apply_strategy_event(strategies, revised)
    change(strategies, ReviseStrategy(strategy_id=strategy_id, name="renamed"), seconds=3)
    strategy = strategies[strategy_id]
    assert [(v.version, v.name, v.definition) for v in strategy.versions] == [
        (1, "sma", DEFINITION),
        (2, "sma", OTHER_DEFINITION),
        (3, "renamed", OTHER_DEFINITION),
    ]
    assert (strategy.version, strategy.name, strategy.updated_at) == (3, "renamed", at(3))
    assert strategy.version_of(1).definition == DEFINITION
    with pytest.raises(NotFound):
        strategy.version_of(4)


def test_activate_and_deactivate_are_idempotent() -> None:
    strategies: dict[UUID, Strategy] = {}
    strategy_id = created(strategies)
    assert decide_strategy(strategies, DeactivateStrategy(strategy_id=strategy_id), new_id=uuid4(), now=T0)[1] is None

    _, activated = decide_strategy(strategies, ActivateStrategy(strategy_id=strategy_id), new_id=uuid4(), now=at(1))
    assert activated == StrategyActivated(strategy_id=strategy_id, at=at(1))
    apply_strategy_event(strategies, activated)
    assert strategies[strategy_id].status is StrategyStatus.ACTIVE
    assert decide_strategy(strategies, ActivateStrategy(strategy_id=strategy_id), new_id=uuid4(), now=at(2))[1] is None

    deactivate = DeactivateStrategy(strategy_id=strategy_id, reason="by the owner")
    _, deactivated = decide_strategy(strategies, deactivate, new_id=uuid4(), now=at(3))
    assert deactivated == StrategyDeactivated(strategy_id=strategy_id, at=at(3), reason="by the owner")
    apply_strategy_event(strategies, deactivated)
    assert strategies[strategy_id].status is StrategyStatus.INACTIVE
    assert decide_strategy(strategies, deactivate, new_id=uuid4(), now=at(4))[1] is None


@pytest.mark.parametrize(
    "command",
    [
        lambda strategy_id: ReviseStrategy(strategy_id=strategy_id, definition=OTHER_DEFINITION),
        lambda strategy_id: ActivateStrategy(strategy_id=strategy_id),
        lambda strategy_id: DeactivateStrategy(strategy_id=strategy_id),
        lambda strategy_id: DeleteStrategy(strategy_id=strategy_id),
    ],
    ids=["revise", "activate", "deactivate", "delete again"],
)
def test_a_deleted_strategy_cannot_change_but_stays_readable(command: object) -> None:
    strategies: dict[UUID, Strategy] = {}
    strategy_id = created(strategies)
    change(strategies, ActivateStrategy(strategy_id=strategy_id), seconds=1)
    _, deleted = decide_strategy(strategies, DeleteStrategy(strategy_id=strategy_id), new_id=uuid4(), now=at(2))
    assert deleted == StrategyDeleted(strategy_id=strategy_id, at=at(2))
    apply_strategy_event(strategies, deleted)
    before = strategies[strategy_id]
    assert before.status is StrategyStatus.DELETED
    assert callable(command)
    with pytest.raises(NotFound, match="strategy not found"):
        decide_strategy(strategies, command(strategy_id), new_id=uuid4(), now=at(3))
    assert strategies[strategy_id] == before
    assert before.current.definition == DEFINITION


def test_an_unknown_strategy_is_not_found() -> None:
    strategies: dict[UUID, Strategy] = {}
    created(strategies)
    with pytest.raises(NotFound, match="strategy not found"):
        decide_strategy(strategies, ActivateStrategy(strategy_id=uuid4()), new_id=uuid4(), now=T0)


def test_an_account_holds_at_most_max_strategies_not_counting_deleted_ones() -> None:
    strategies: dict[UUID, Strategy] = {}
    ids = [created(strategies) for _ in range(MAX_STRATEGIES)]
    with pytest.raises(InvalidField, match=f"at most {MAX_STRATEGIES}"):
        created(strategies)
    change(strategies, DeleteStrategy(strategy_id=ids[0]))
    created(strategies)
    assert len(strategies) == MAX_STRATEGIES + 1


def test_a_change_replaces_the_strategy_rather_than_changing_the_one_given_out() -> None:
    strategies: dict[UUID, Strategy] = {}
    strategy_id = created(strategies)
    given_out = strategies[strategy_id]
    change(strategies, ReviseStrategy(strategy_id=strategy_id, definition=OTHER_DEFINITION), seconds=1)
    change(strategies, ActivateStrategy(strategy_id=strategy_id), seconds=2)
    assert (given_out.version, given_out.status) == (1, StrategyStatus.INACTIVE)
    copied = strategies[strategy_id].copy()
    copied.versions.append(copied.versions[0])
    assert strategies[strategy_id].version == 2


def _signal(**overrides: object) -> Signal:
    values: dict[str, object] = {
        "id": uuid4(),
        "strategy_id": uuid4(),
        "version": 1,
        "symbol": "AAPL",
        "bar_time": T0,
        "created_at": at(60),
        "rule": "entry",
        "side": OrderSide.BUY,
        "values": (("fast", "101.5"), ("slow", "100.25")),
        "client_order_id": "st-0123456789abcdef-e",
    }
    values.update(overrides)
    return Signal(**values)  # type: ignore[arg-type]


def test_a_signal_keeps_its_values_as_pairs_of_strings_and_is_not_kept_in_the_state() -> None:
    as_decoded = _signal(values=[["fast", "101.5"], ["slow", "100.25"]])
    assert as_decoded == _signal(id=as_decoded.id, strategy_id=as_decoded.strategy_id)
    assert as_decoded.values == (("fast", "101.5"), ("slow", "100.25"))
    account = make_account()
    strategy_id = created(account.strategies)
    before = dict(account.strategies)
    apply_event(account, StrategySignalled(signal=_signal(strategy_id=strategy_id)))
    assert account.strategies == before


def test_an_event_on_an_account_applies_to_its_strategies() -> None:
    account = make_account()
    strategy_id = uuid4()
    apply_event(account, StrategyCreated(strategy_id=strategy_id, name="sma", definition=DEFINITION, at=T0))
    apply_event(account, StrategyActivated(strategy_id=strategy_id, at=at(1)))
    assert account.strategies[strategy_id].status is StrategyStatus.ACTIVE


# -- orders carry the strategy that placed them ----------------------------------------------------


def test_an_order_a_strategy_places_carries_its_id_and_a_replacement_keeps_it() -> None:
    account = make_account(100_000)
    strategy_id = uuid4()
    request = make_request(type=OrderType.LIMIT, limit_price=D(90), time_in_force=TimeInForce.GTC, strategy_id=strategy_id)
    accepted = accept_order(
        account, request, asset(), order_id=uuid4(), reference_price=D(100), now=T0, session_end=T0 + timedelta(hours=6)
    )
    assert accepted.terms.strategy_id == strategy_id
    apply_event(account, accepted)
    replacement = accept_replacement(
        account, accepted.terms.id, ReplaceRequest(limit_price=D(91)), asset(),
        new_id=uuid4(), reference_price=D(100), now=at(1), session_end=T0 + timedelta(hours=6),
    )  # fmt: skip
    assert (replacement.terms.limit_price, replacement.terms.strategy_id) == (D(91), strategy_id)

    by_hand = accept_order(
        account, make_request(), asset(), order_id=uuid4(), reference_price=D(100), now=T0, session_end=T0
    )
    assert by_hand.terms.strategy_id is None


def test_every_member_of_a_strategys_bracket_carries_its_id_and_a_legs_replacement_keeps_it() -> None:
    account = make_account(100_000)
    strategy_id = uuid4()
    request = make_request(
        order_class=OrderClass.BRACKET,
        time_in_force=TimeInForce.GTC,
        qty=D(10),
        take_profit=TakeProfit(limit_price=D(110)),
        stop_loss=StopLoss(stop_price=D(95)),
        strategy_id=strategy_id,
    )
    group = accept_linked(
        account, request, asset(), new_id=uuid4, reference_price=D(100), now=T0, session_end=T0 + timedelta(hours=6)
    )
    assert len(group) == 3
    assert [member.terms.strategy_id for member in group] == [strategy_id] * 3
    for member in group:
        apply_event(account, member)
    take_profit = group[1].terms
    assert take_profit.type is OrderType.LIMIT
    replacement = accept_replacement(
        account, take_profit.id, ReplaceRequest(limit_price=D(112)), asset(),
        new_id=uuid4(), reference_price=D(100), now=at(1), session_end=T0 + timedelta(hours=6),
    )  # fmt: skip
    assert (replacement.terms.limit_price, replacement.terms.strategy_id) == (D(112), strategy_id)
