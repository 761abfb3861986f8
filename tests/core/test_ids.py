"""Ids: time-ordered (version 7) and derived (version 8) UUIDs, built faster than `uuid.UUID` would."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from tradeloop.core.ids import VERSION_4, VERSION_7, VERSION_8, derived_id_beside, time_ordered_id, uuid_of

uuids = st.uuids()
millis = st.integers(min_value=0, max_value=2**48 - 1)
bits = st.integers(min_value=0, max_value=2**128 - 1)


@given(value=bits)
def test_uuid_of_sets_the_variant_and_version_like_the_uuid_constructor(value: int) -> None:
    assert uuid_of(value, VERSION_4) == uuid.UUID(int=value, version=4)
    version_and_variant = (0xF000 << 64) | (0xC000 << 48)
    for version, constant in ((4, VERSION_4), (7, VERSION_7), (8, VERSION_8)):  # uuid.UUID checks versions 1-5 only
        made = uuid_of(value, constant)
        assert made.version == version and made.variant == uuid.RFC_4122
        assert made.int & ~version_and_variant == value & ~version_and_variant
        assert hash(made) == hash(uuid.UUID(int=made.int))
        assert str(made) == str(uuid.UUID(int=made.int))


@given(earlier=millis, later=millis, first=bits, second=bits)
def test_time_ordered_ids_sort_by_their_millisecond_as_numbers_and_as_text(
    earlier: int, later: int, first: int, second: int
) -> None:
    a, b = time_ordered_id(earlier, first), time_ordered_id(later, second)
    assert a.version == b.version == 7 and a.variant == uuid.RFC_4122
    assert a.int >> 80 == earlier and b.int >> 80 == later  # RFC 9562: unix_ts_ms in the top 48 bits
    if earlier < later:
        assert a < b and str(a) < str(b)


@given(anchor=uuids, name=st.text(), other=st.text())
def test_derived_ids_repeat_for_the_same_name_sort_beside_their_anchor_and_differ_by_name(
    anchor: uuid.UUID, name: str, other: str
) -> None:
    derived = derived_id_beside(anchor, name)
    assert derived == derived_id_beside(anchor, name)  # the same across calls and restarts
    assert derived.version == 8 and derived.variant == uuid.RFC_4122
    assert derived.int >> 80 == anchor.int >> 80  # an order's fills share its millisecond
    if other != name:
        assert derived_id_beside(anchor, other) != derived
