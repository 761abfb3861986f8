"""The one reader of times in query strings: any text, any moment, any day, never outside the stored range."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeloop.http.times import clamp, day_span, from_epoch_s, parse_time, shift
from tradeloop.market.history import EARLIEST, LATEST

offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda minutes: timezone(timedelta(minutes=minutes)))
moments = st.datetimes(timezones=st.none() | st.just(timezone.utc) | offsets)
"""Every moment the calendar holds, naive or at any offset, the first and last days included."""


def within(moment: datetime) -> bool:
    return moment.tzinfo is timezone.utc and EARLIEST <= moment <= LATEST


@given(moments)
def test_clamp_keeps_the_moment_in_range_and_inside_it_unchanged(moment: datetime) -> None:
    held = clamp(moment)
    assert within(held)
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
    if datetime(1, 1, 2, tzinfo=timezone.utc) <= aware <= datetime(9999, 12, 30, tzinfo=timezone.utc):
        assert held == min(max(aware, EARLIEST), LATEST)


@given(moments, st.timedeltas())
def test_shift_never_falls_off_the_calendar(moment: datetime, delta: timedelta) -> None:
    assert within(shift(moment, delta))


@given(st.text() | st.dates().map(str) | moments.map(datetime.isoformat))
def test_any_text_is_a_time_in_range_or_a_value_error(text: str) -> None:
    try:
        moment = parse_time(text)
    except ValueError:
        return
    assert within(moment)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0001-01-01T00:00:00+01:00", EARLIEST),
        ("9999-12-31T23:59:59-01:00", LATEST),
        ("9999-12-31T23:59:59.999999 01:00", LATEST),  # a '+' sent unescaped arrives as a space
        ("0001-01-01", EARLIEST),
        ("2024-03-04T05:00:00-05:00", datetime(2024, 3, 4, 10, tzinfo=timezone.utc)),
        ("2024-03-04T10:00:00 00:00", datetime(2024, 3, 4, 10, tzinfo=timezone.utc)),
        ("2024-03-04", datetime(2024, 3, 4, tzinfo=timezone.utc)),
    ],
)
def test_times_read_as_rfc_3339_or_dates_in_utc(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


@given(st.integers(min_value=0))
def test_any_cursor_second_is_a_moment_in_range(seconds: int) -> None:
    assert within(from_epoch_s(seconds))


@given(st.dates())
def test_a_day_spans_one_day_within_the_range(day: date) -> None:
    start, end = day_span(day)
    assert within(start) and within(end) and start <= end
    if EARLIEST.date() <= day < LATEST.date():
        assert (start.date(), end - start) == (day, timedelta(days=1))
