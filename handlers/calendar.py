"""Working days in China: the official holiday calendar (调休 included), weekends beyond it."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from functools import cache

import chinese_calendar

from handlers.texts import CHINA

log = logging.getLogger(__name__)


@cache
def _warn_once(year: int) -> None:
    log.warning("no official holiday calendar for %s: counting Mon–Fri as working days", year)


def is_workday(day: date) -> bool:
    """Official 工作日 (weekday not a holiday, or a 调休 Saturday/Sunday)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # the package only knows the years it was released for
        _warn_once(day.year)
        return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """The end of the ``days``-th working day after ``start`` (Beijing time).

    The day of receipt is not counted, as with statutory periods generally.
    """
    day = start.astimezone(CHINA).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=CHINA)
