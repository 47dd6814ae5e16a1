"""Periods and working days in China: 民法典 arts 200–204 and the official 放假安排.

A period counted in days, months or years starts the day after the event (民法典-201), ends at
24:00 of its last day (民法典-203), and when that last day is a 法定休假日 the day after the
rest ends is the last day instead (民法典-203; a weekend is a rest day, a 调休 Saturday is not).

The holiday calendar, per year: the official 放假安排 an administrator loaded as data (``tiaojie
holidays load``, a CSV in the data directory), else the chinese_calendar package, which knows
only the years up to its release. A year neither knows is counted Monday to Friday, and the
period says so (``Period.unknown_years``) for the console; the log says so each time.
"""

from __future__ import annotations

import calendar as gregorian
import csv
import io
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import chinese_calendar

from handlers.texts import CHINA

log = logging.getLogger(__name__)

HOLIDAY_FILE = "holidays.csv"  # in the data directory: date,kind,name (kind: holiday|workday)
HOLIDAY = "holiday"  # a day off by the 放假安排
WORKDAY = "workday"  # a Saturday or Sunday worked by the 放假安排 (调休上班)
RANGE = "~"  # 2027-10-01~2027-10-07 in the date column: every day of the range


@dataclass(frozen=True)
class Period:
    """When a period ends, and the years whose holidays were not known when counting it."""

    end: datetime  # 24:00 (Beijing time) of the last day, i.e. 00:00 of the day after
    unknown_years: tuple[int, ...] = ()


# --- the holiday table -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    days: dict[date, bool]  # date → is a working day, for the loaded years
    years: frozenset[int]


_EMPTY = _Table({}, frozenset())
_source: Path | None = None
_cached: tuple[tuple[Path, float], _Table] | None = None


def use_holiday_file(path: Path | None) -> None:
    """Read the administrator's 放假安排 from ``path`` (bot/ sets the data directory's file)."""
    global _source
    _source = path


def parse_holidays(text: str) -> dict[date, tuple[bool, str]]:
    """The rows of a 放假安排 file: date (or first~last), kind, name. Raises ValueError naming
    the line of the first mistake."""
    days: dict[date, tuple[bool, str]] = {}
    rows = csv.reader(io.StringIO(text))
    for number, row in enumerate(rows, start=1):
        if not row or not "".join(row).strip() or row[0].strip() in ("date", "日期"):
            continue
        if len(row) < 2 or row[1].strip() not in (HOLIDAY, WORKDAY):
            raise ValueError(f"line {number}: expected date,holiday|workday,name")
        for day in _dates(row[0].strip(), number):
            if day in days:
                raise ValueError(f"line {number}: {day} appears twice")
            workday = row[1].strip() == WORKDAY
            if workday and day.weekday() < 5:
                raise ValueError(f"line {number}: {day} is a weekday, already a working day")
            days[day] = (workday, row[2].strip() if len(row) > 2 else "")
    return days


def _dates(field: str, number: int) -> list[date]:
    first_text, _, last_text = field.partition(RANGE)
    try:
        first = date.fromisoformat(first_text.strip())
        last = date.fromisoformat(last_text.strip()) if last_text else first
    except ValueError:
        raise ValueError(f"line {number}: {field!r} is not a date (YYYY-MM-DD)") from None
    if last < first or (last - first).days > 31 or last.year != first.year:
        raise ValueError(f"line {number}: {field!r} is not a range within one year")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _table() -> _Table:
    """The loaded years, read again when the file changes (``holidays load`` in another process)."""
    global _cached
    if _source is None:
        return _EMPTY
    try:
        key = (_source, _source.stat().st_mtime)
    except FileNotFoundError:
        return _EMPTY
    if _cached is None or _cached[0] != key:
        parsed = parse_holidays(_source.read_text(encoding="utf-8"))
        days = {day: workday for day, (workday, _) in parsed.items()}
        _cached = (key, _Table(days, frozenset(day.year for day in days)))
    return _cached[1]


def loaded_years() -> frozenset[int]:
    """The years whose 放假安排 an administrator loaded."""
    return _table().years


def package_years() -> range:
    """The years the chinese_calendar package ships."""
    years = sorted({day.year for day in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


def known_year(year: int) -> bool:
    return year in loaded_years() or year in package_years()


# --- days ------------------------------------------------------------------------------------


def is_workday(day: date, unknown: set[int] | None = None) -> bool:
    """Official 工作日 (a weekday not a holiday, or a 调休 Saturday/Sunday). A year without
    data counts Monday to Friday; its year is added to ``unknown`` and logged."""
    table = _table()
    if day.year in table.years:
        return table.days.get(day, day.weekday() < 5)
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # the package only knows the years it was released for
        if unknown is None:
            kind = "working day" if day.weekday() < 5 else "weekend"
            _warn(f"{day.isoformat()} counted as a {kind}", (day.year,))
        else:
            unknown.add(day.year)
        return day.weekday() < 5


def _warn(what: str, years: tuple[int, ...]) -> None:
    log.warning(
        "no official holiday calendar for %s: %s, Monday to Friday as working days "
        "(load the year's 放假安排: tiaojie holidays load)",
        ", ".join(map(str, years)),
        what,
    )


def _period(last: date, unknown: set[int], what: str) -> Period:
    years = tuple(sorted(unknown))
    if years:
        _warn(f"{what} ending {last.isoformat()}", years)
    return Period(_end_of(last), years)


def _end_of(day: date) -> datetime:
    """24:00 of ``day`` in Beijing time."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CHINA)


def _past_rest_days(last: date, unknown: set[int]) -> date:
    """民法典-203: a last day that is a 法定休假日 gives way to the day after the rest ends."""
    while not is_workday(last, unknown):
        last += timedelta(days=1)
    return last


def _local_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def days_after(start: datetime, days: int) -> Period:
    """A period of ``days`` days from the event at ``start`` (民法典-201/203)."""
    unknown: set[int] = set()
    last = _past_rest_days(_local_day(start) + timedelta(days=days), unknown)
    return _period(last, unknown, f"a period of {days} days")


def years_after(start: date, years: int) -> Period:
    """A period of ``years`` years from the event on ``start``: its last day is the same date
    ``years`` later, or the month's last day when that date does not exist (民法典-202)."""
    year = start.year + years
    day = min(start.day, gregorian.monthrange(year, start.month)[1])
    unknown: set[int] = set()
    last = _past_rest_days(date(year, start.month, day), unknown)
    return _period(last, unknown, f"a period of {years} years")


def working_days_after(start: datetime, days: int) -> Period:
    """The end of the ``days``-th working day after the event at ``start`` (the day of the
    event is not counted, 民法典-201)."""
    day, counted = _local_day(start), 0
    unknown: set[int] = set()
    while counted < days:
        day += timedelta(days=1)
        if is_workday(day, unknown):
            counted += 1
    return _period(day, unknown, f"{days} working days")


def last_day(end: datetime) -> date:
    """The last day of a period that ends at ``end`` (24:00 of that day)."""
    return (end.astimezone(CHINA) - timedelta(microseconds=1)).date()
