"""Shape of the market calendar's answer (Alpaca v2 /v2/calendar)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from tradeloop.http.openapi.fields import DateText

ClockText = Annotated[str, Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$", examples=["23:59"])]
"""A time of day as HH:MM, which alpaca-py reads with strptime('%H:%M')."""
SessionClockText = Annotated[str, Field(pattern=r"^[0-2][0-9][0-5][0-9]$", examples=["2359"])]
"""A time of day as HHMM, as Alpaca writes the extended session's bounds."""


class CalendarDayJson(TypedDict):
    """One trading day: the session's open and close (UTC), and the date its trades settle."""

    date: DateText
    open: ClockText
    close: ClockText
    session_open: SessionClockText
    session_close: SessionClockText
    settlement_date: DateText
