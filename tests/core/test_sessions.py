"""Sessions: UTC days, whatever the order in which moments are asked about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from tradeloop.core.sessions import session_bounds, session_end

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)
offsets = st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9, minutes=30))])


def _expected(now: datetime) -> tuple[datetime, datetime]:
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


@given(st.lists(st.tuples(moments, offsets), min_size=1, max_size=20))
def test_session_bounds_are_the_utc_day_of_each_moment_asked_in_turn(asked: list[tuple[datetime, timezone]]) -> None:
    for moment, offset in asked:
        now = moment.astimezone(offset)
        bounds = session_bounds(now)
        assert bounds == _expected(now)
        assert bounds[0].tzinfo is UTC and bounds[1].tzinfo is UTC
        assert session_end(now) == bounds[1]


def test_the_last_microsecond_of_a_day_and_the_next_midnight_fall_in_different_sessions() -> None:
    midnight = datetime(2024, 6, 4, tzinfo=UTC)
    assert session_end(midnight - timedelta(microseconds=1)) == midnight
    assert session_end(midnight) == midnight + timedelta(days=1)
    assert session_end(midnight - timedelta(microseconds=1)) == midnight
