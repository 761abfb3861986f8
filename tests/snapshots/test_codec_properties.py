"""Property tests: for random records, well formed or not, the codec's fast path writes the general encoder's bytes.

Records are built from their field annotations, so a field added to an event is
covered without touching this file. Ill-formed records put arbitrary values in
fields, which the fast path must leave to the general encoder.
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.snapshots.codec_reference import general, outcome
from tradeloop.core.accounts import AccountState
from tradeloop.snapshots import codec

zones: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.just(UTC),
    st.integers(-14 * 60, 14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    ),
)
moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=zones
)
amounts = st.decimals(allow_nan=False, allow_infinity=False)
texts = st.text(max_size=12)


json_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=6,
)
"""What a field typed `object` holds in a record: JSON values (lists, not tuples, so they decode equal)."""


def for_annotation(hint: Any) -> st.SearchStrategy[Any]:
    """Values of a field's annotation, registered records included."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([for_annotation(arg) for arg in args])
    if origin in (dict, Mapping):  # a notification's data
        return st.dictionaries(
            for_annotation(args[0]), for_annotation(args[1]), max_size=3
        )
    if origin is set:
        return st.sets(for_annotation(args[0]), max_size=3)
    if origin is list:
        return st.lists(for_annotation(args[0]), max_size=3)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(for_annotation(args[0]), max_size=3).map(tuple)
    if origin is tuple:  # a fixed shape: a signal's (name, value) pairs
        return st.tuples(*(for_annotation(arg) for arg in args))
    scalars: dict[Any, st.SearchStrategy[Any]] = {
        type(None): st.none(),
        bool: st.booleans(),
        int: st.integers(0, 2**40),
        str: texts,
        bytes: st.binary(max_size=12),  # a webhook's sealed secret
        Decimal: amounts,
        UUID: st.uuids(),
        datetime: moments,
    }
    if hint is object:  # a JSON value: a notification's data holds nothing else
        return json_values
    if hint in scalars:
        return scalars[hint]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from(hint)
    assert hint in codec.DATACLASSES.values(), hint
    return records(hint)


def _drawing(hint: Any) -> Callable[[], st.SearchStrategy[Any]]:
    """A strategy's definition for `st.deferred`, which takes a plain function."""
    return lambda: for_annotation(hint)


def records(cls: type) -> st.SearchStrategy[Any]:
    """Instances of a registered dataclass with every field drawn from its annotation."""
    hints = typing.get_type_hints(cls)
    fields = {
        field.name: st.deferred(_drawing(hints[field.name]))
        for field in dataclasses.fields(cls)
    }
    return st.builds(cls, **fields)


class Shade(IntEnum):
    """An enum nobody registered, whose members are also ints."""

    DARK = 1


@dataclasses.dataclass(frozen=True)
class Unregistered:
    amount: Decimal


hashable = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=5),
    st.decimals().filter(lambda amount: not amount.is_snan()),
    st.uuids(),
    moments,
    st.sampled_from([*codec._MEMBERS.values(), Shade.DARK]),
    st.sampled_from(["buy", "sell", "filled", "__t"]),
    st.builds(Unregistered, amount=amounts),
)
"""Anything that may be a map key: NaN, huge integers and strings equal to enum members included."""

anything = st.recursive(
    st.one_of(hashable, st.floats(), st.binary(max_size=5), st.decimals()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner, inner),
        st.frozensets(hashable, max_size=3),
        st.sets(hashable, max_size=3),
        st.dictionaries(hashable, inner, max_size=3),
        st.deferred(lambda: record_classes.flatmap(records)),
    ),
    max_leaves=8,
)
"""Values of every kind the codec meets or refuses, records nested in plain data included."""


@st.composite
def ill_formed(draw: st.DrawFn, cls: type) -> Any:
    """A record of `cls` with some fields holding arbitrary values instead of their annotation."""
    record = draw(records(cls))
    names = [field.name for field in dataclasses.fields(cls)]
    replaced = draw(st.lists(st.sampled_from(names), max_size=4, unique=True))
    # Set past __init__: a record that normalizes a field in __post_init__ (a watchlist's symbols) must
    # still reach the encoder holding the arbitrary value, as a record built by buggy code would.
    ill = copy.copy(record)
    for name in replaced:
        object.__setattr__(ill, name, draw(anything))
    return ill


record_classes: st.SearchStrategy[type] = st.sampled_from(list(codec.DATACLASSES.values()))
well_formed = record_classes.flatmap(records)


def comparable(record: Any) -> Any:
    """The record as it decodes: a state's set of pending ids comes back a list."""
    if isinstance(record, AccountState):
        pending: Any = sorted(record.pending_client_order_ids)
        return dataclasses.replace(record, pending_client_order_ids=pending)
    return record


@settings(max_examples=300, deadline=None)
@given(well_formed)
def test_records_encode_as_the_general_encoder_does_and_decode_back(
    record: Any,
) -> None:
    packed = codec.encode(record)
    assert packed == general(record)
    decoded = codec.decode(packed)
    assert type(decoded) is type(record)
    assert comparable(decoded) == comparable(record)
    assert codec.encode(decoded) == packed


@settings(max_examples=200, deadline=None)
@given(record_classes.flatmap(ill_formed))
def test_ill_formed_records_encode_or_fail_as_the_general_encoder_does(
    record: Any,
) -> None:
    assert outcome(codec.encode, record) == outcome(general, record)


@settings(max_examples=300, deadline=None)
@given(anything)
def test_plain_data_encodes_or_fails_as_the_general_encoder_does(value: Any) -> None:
    assert outcome(codec.encode, value) == outcome(general, value)
