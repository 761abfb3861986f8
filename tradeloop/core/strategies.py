"""Strategies as account state: their versions and status, the commands that change them, and their signals.

A definition is kept as its canonical JSON (`tradeloop.strategy.definition.canonical_json`):
the core neither parses nor runs it, it only keeps each version as the account
changed it. A changed definition or name makes a new version; the old ones stay
readable, and so does a deleted strategy. Signals (every bar on which a rule
fired) are journaled on the account but not kept in its state: the journal's
signals table holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Final, assert_never
from uuid import UUID

from tradeloop.core.orders import OrderSide
from tradeloop.errors import InvalidField, NotFound

MAX_NAME_LENGTH: Final = 200
MAX_STRATEGIES: Final = 1000
"""Strategies an account may hold at once, deleted ones not counted."""


class StrategyStatus(StrEnum):
    INACTIVE = "inactive"
    ACTIVE = "active"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyVersion:
    version: int
    name: str
    definition: str
    """The definition's canonical JSON."""
    created_at: datetime


@dataclass(slots=True, kw_only=True)
class Strategy:
    """One strategy of an account: every version it had, the last one current."""

    id: UUID
    status: StrategyStatus
    versions: list[StrategyVersion]
    created_at: datetime
    updated_at: datetime

    @property
    def current(self) -> StrategyVersion:
        return self.versions[-1]

    @property
    def name(self) -> str:
        return self.current.name

    @property
    def version(self) -> int:
        return self.current.version

    def version_of(self, number: int) -> StrategyVersion:
        """Raises: NotFound for a version the strategy never had."""
        for each in self.versions:
            if each.version == number:
                return each
        raise NotFound(f"strategy version {number} not found")

    def copy(self) -> Strategy:
        """A copy detached from the account's state (the versions are frozen, the list is not)."""
        return replace(self, versions=list(self.versions))


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """A bar on which one of a strategy's rules fired: what it read, what it did, and the order or the refusal."""

    id: UUID
    strategy_id: UUID
    version: int
    symbol: str
    bar_time: datetime
    """The start of the completed bar of the strategy's timeframe."""
    created_at: datetime
    rule: str
    """"entry" or "exit"."""
    side: OrderSide
    values: tuple[tuple[str, str], ...]
    """Every operand the firing rule read, by name, as strings."""
    client_order_id: str
    order_id: UUID | None = None
    refusal: str | None = None
    """Why no order was placed (a risk limit, buying power, a halt, a size rounding to zero)."""
    refusal_code: int | None = None
    """The refusal's error code, when an error refused it."""

    def __post_init__(self) -> None:
        # the journal's codec gives tuples back as lists
        object.__setattr__(self, "values", tuple((str(name), str(value)) for name, value in self.values))


# -- events -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyCreated:
    strategy_id: UUID
    name: str
    definition: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyRevised:
    """A new version: the name and definition it has from now on."""

    strategy_id: UUID
    version: int
    name: str
    definition: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyActivated:
    strategy_id: UUID
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyDeactivated:
    strategy_id: UUID
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyDeleted:
    """Deactivated for good; its versions and signals stay readable."""

    strategy_id: UUID
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategySignalled:
    """A rule fired; journaled on the account, projected to the signals table, not kept in the state."""

    signal: Signal


StrategyEvent = (
    StrategyCreated | StrategyRevised | StrategyActivated | StrategyDeactivated | StrategyDeleted | StrategySignalled
)

# -- commands ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateStrategy:
    name: str
    definition: str
    """The definition's canonical JSON, validated at the edge."""
    strategy_id: UUID | None = None
    """The new strategy's id; None: the one the caller of `decide_strategy` draws."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviseStrategy:
    """A new name and/or definition (None: kept); a new version only if something changed."""

    strategy_id: UUID
    name: str | None = None
    definition: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivateStrategy:
    strategy_id: UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class DeactivateStrategy:
    strategy_id: UUID
    reason: str = "deactivated"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteStrategy:
    strategy_id: UUID


StrategyCommand = CreateStrategy | ReviseStrategy | ActivateStrategy | DeactivateStrategy | DeleteStrategy


def decide_strategy(
    strategies: dict[UUID, Strategy], command: StrategyCommand, *, new_id: UUID, now: datetime
) -> tuple[UUID, StrategyEvent | None]:
    """The id of the strategy the command is about and the event it calls for (None: nothing changes).

    Run by the account's actor against its strategies as they stand, so the checks and the write are one step.

    Raises:
        NotFound: no strategy of the account has the id, or it is deleted.
        InvalidField: a name empty or too long; too many strategies; a chosen id taken.
    """
    if isinstance(command, CreateStrategy):
        check_name(command.name)
        strategy_id = command.strategy_id or new_id
        if strategy_id in strategies:
            raise InvalidField("strategy_id", "a strategy with this id exists already")
        if sum(each.status is not StrategyStatus.DELETED for each in strategies.values()) >= MAX_STRATEGIES:
            raise InvalidField("name", f"an account holds at most {MAX_STRATEGIES} strategies")
        return strategy_id, StrategyCreated(
            strategy_id=strategy_id, name=command.name, definition=command.definition, at=now
        )
    found = find_live(strategies, command.strategy_id)
    match command:
        case ReviseStrategy():
            name = found.name if command.name is None else command.name
            definition = found.current.definition if command.definition is None else command.definition
            check_name(name)
            if (name, definition) == (found.name, found.current.definition):
                return found.id, None
            return found.id, StrategyRevised(
                strategy_id=found.id, version=found.version + 1, name=name, definition=definition, at=now
            )
        case ActivateStrategy():
            if found.status is StrategyStatus.ACTIVE:
                return found.id, None
            return found.id, StrategyActivated(strategy_id=found.id, at=now)
        case DeactivateStrategy():
            if found.status is StrategyStatus.INACTIVE:
                return found.id, None
            return found.id, StrategyDeactivated(strategy_id=found.id, at=now, reason=command.reason)
        case DeleteStrategy():
            return found.id, StrategyDeleted(strategy_id=found.id, at=now)
        case _:
            assert_never(command)


def apply_strategy_event(strategies: dict[UUID, Strategy], event: StrategyEvent) -> None:
    """Change an account's strategies as the event says.

    A changed strategy is a new object, never the old one changed: an answer
    taken before a later write goes on showing the strategy as its own write left it.
    """
    if isinstance(event, StrategyCreated):
        first = StrategyVersion(version=1, name=event.name, definition=event.definition, created_at=event.at)
        strategies[event.strategy_id] = Strategy(
            id=event.strategy_id,
            status=StrategyStatus.INACTIVE,
            versions=[first],
            created_at=event.at,
            updated_at=event.at,
        )
        return
    if isinstance(event, StrategySignalled):
        return  # the signals table keeps signals
    found = strategies.get(event.strategy_id)
    if found is None:
        return
    match event:
        case StrategyRevised():
            version = StrategyVersion(
                version=event.version, name=event.name, definition=event.definition, created_at=event.at
            )
            strategies[found.id] = replace(found, versions=[*found.versions, version], updated_at=event.at)
        case StrategyActivated():
            strategies[found.id] = replace(found, status=StrategyStatus.ACTIVE, updated_at=event.at)
        case StrategyDeactivated():
            strategies[found.id] = replace(found, status=StrategyStatus.INACTIVE, updated_at=event.at)
        case StrategyDeleted():
            strategies[found.id] = replace(found, status=StrategyStatus.DELETED, updated_at=event.at)
        case _:
            assert_never(event)


def find(strategies: dict[UUID, Strategy], strategy_id: UUID) -> Strategy:
    """One strategy of the account, deleted ones included (their history stays readable).

    Raises:
        NotFound: the account has no strategy with that id.
    """
    found = strategies.get(strategy_id)
    if found is None:
        raise NotFound("strategy not found")
    return found


def find_live(strategies: dict[UUID, Strategy], strategy_id: UUID) -> Strategy:
    """One strategy of the account that may still change.

    Raises:
        NotFound: the account has no strategy with that id, or it is deleted.
    """
    found = find(strategies, strategy_id)
    if found.status is StrategyStatus.DELETED:
        raise NotFound("strategy not found")
    return found


def check_name(name: str) -> None:
    """Raises: InvalidField for an empty or too long name."""
    if not name.strip():
        raise InvalidField("name", "must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidField("name", f"must be at most {MAX_NAME_LENGTH} characters")
