"""The official 放假安排, loaded by an administrator each year (`tiaojie holidays load`).

The State Council publishes next year's holidays late each year; the chinese_calendar package
knows only the years up to its release. The loaded years live in one CSV in the data directory
(handlers/calendar.py reads it, in every process, when it changes).
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from handlers import calendar

HEADER = "date,kind,name"


def path(data_dir: Path) -> Path:
    return data_dir / calendar.HOLIDAY_FILE


def load(data_dir: Path, text: str) -> tuple[int, ...]:
    """Take the years ``text`` covers, replacing what was loaded for them; returns the years.
    Raises ValueError (nothing written) when a line is wrong or a year has no holiday."""
    new = calendar.parse_holidays(text)
    years = tuple(sorted({day.year for day in new}))
    if not years:
        raise ValueError("no dates: expected lines like 2027-10-01~2027-10-07,holiday,国庆节")
    for year in years:
        if not any(day.year == year and not workday for day, (workday, _) in new.items()):
            raise ValueError(f"{year}: no holiday listed (only 调休 working days)")
    target = path(data_dir)
    old = calendar.parse_holidays(target.read_text(encoding="utf-8")) if target.exists() else {}
    merged = {day: row for day, row in old.items() if day.year not in years} | new
    _write(target, merged)
    return years


def _write(target: Path, days: dict[date, tuple[bool, str]]) -> None:
    """All rows, one day a line, replacing the file at once (readers never see half of it)."""
    lines = [HEADER] + [
        f"{day.isoformat()},{calendar.WORKDAY if workday else calendar.HOLIDAY},{name}"
        for day, (workday, name) in sorted(days.items())
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".holidays-", suffix=".csv")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(temporary, target)


def missing(first: int, last: int) -> tuple[int, ...]:
    """The years from ``first`` to ``last`` that neither the package nor an administrator
    has the 放假安排 of."""
    return tuple(year for year in range(first, last + 1) if not calendar.known_year(year))
