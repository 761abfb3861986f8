"""Ids: derived ids are exactly uuid5, built faster."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from tradeloop.core.ids import VERSION_4, VERSION_5, derived_id, uuid_of

uuids = st.uuids()


@given(namespace=uuids, name=st.text())
def test_derived_id_is_uuid5(namespace: uuid.UUID, name: str) -> None:
    derived = derived_id(namespace, name)
    expected = uuid.uuid5(namespace, name)
    assert derived == expected
    assert hash(derived) == hash(expected)
    assert str(derived) == str(expected)
    assert derived.is_safe is expected.is_safe


@given(value=st.integers(min_value=0, max_value=2**128 - 1))
def test_uuid_of_sets_the_variant_and_version_like_the_uuid_constructor(value: int) -> None:
    assert uuid_of(value, VERSION_4) == uuid.UUID(int=value, version=4)
    assert uuid_of(value, VERSION_5) == uuid.UUID(int=value, version=5)
    assert uuid_of(value, VERSION_4).version == 4
    assert uuid_of(value, VERSION_4).variant == uuid.RFC_4122
