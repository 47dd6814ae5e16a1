"""Periods as the 民法典 counts them (arts 201–203), and the 放假安排 an administrator loads.

Every start is pinned; the holiday data is the chinese_calendar package's for 2026 and, for
2027, a file written by the test (made-up dates: the official 2027 schedule is not here).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import Settings
from handlers import calendar, deadlines
from handlers.texts import CHINA, period_end

# Made-up, for the test only: a 2027 National Day week and a 调休 Saturday after it.
TEST_2027 = "date,kind,name\n2027-10-01~2027-10-07,holiday,国庆节\n2027-10-09,workday,国庆节调休\n"


@pytest.fixture
def holiday_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / calendar.HOLIDAY_FILE
    calendar.use_holiday_file(path)
    yield path
    calendar.use_holiday_file(None)


def test_a_period_ends_at_24_00_of_its_last_day_not_at_the_starts_clock_time() -> None:
    # Asked on Wednesday 18 November 2026 at 15:30: the 5 days are 19..23 November
    # (民法典-201), and Monday 23 November runs to its end (民法典-203).
    ends = calendar.days_after(datetime(2026, 11, 18, 15, 30, tzinfo=CHINA), 5)
    assert ends.end == datetime(2026, 11, 24, 0, 0, tzinfo=CHINA)
    assert calendar.last_day(ends.end) == date(2026, 11, 23)
    assert period_end(ends.end) == "2026年11月23日24时"


def test_a_period_whose_last_day_falls_in_guoqing_ends_after_the_holiday() -> None:
    # 5 days from Monday 28 September 2026 end on 3 October, inside 国庆 (1–7 October):
    # the day after the holiday, Thursday 8 October, is the last day instead.
    ends = calendar.days_after(datetime(2026, 9, 28, 10, 0, tzinfo=CHINA), 5)
    assert calendar.last_day(ends.end) == date(2026, 10, 8)
    assert ends.unknown_years == ()


def test_a_last_day_on_a_weekend_moves_to_monday_but_a_tiaoxiu_saturday_does_not() -> None:
    sunday = calendar.days_after(datetime(2026, 11, 17, 9, 0, tzinfo=CHINA), 5)  # 22 Nov
    assert calendar.last_day(sunday.end) == date(2026, 11, 23)
    tiaoxiu = calendar.days_after(datetime(2026, 2, 13, 10, 0, tzinfo=CHINA), 15)  # 28 Feb
    assert calendar.last_day(tiaoxiu.end) == date(2026, 2, 28)


def test_a_year_ends_on_the_same_date_or_the_months_last_day() -> None:
    # 民法典-202: a year from 29 February 2024 has no 29 February: the month's last day.
    assert calendar.last_day(calendar.years_after(date(2024, 2, 29), 1).end) == date(2025, 2, 28)
    # From Wednesday 10 September 2025: Thursday 10 September 2026.
    assert calendar.last_day(calendar.years_after(date(2025, 9, 10), 1).end) == date(2026, 9, 10)


def test_a_count_into_a_year_without_data_says_so_in_the_logs_and_the_result(
    holiday_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="handlers.calendar"):
        ends = calendar.working_days_after(datetime(2026, 12, 30, 10, 0, tzinfo=CHINA), 3)
    # 31 December 2026 is known; 2027 is not: Friday 1 and Monday 4 January counted Mon–Fri.
    assert calendar.last_day(ends.end) == date(2027, 1, 4) and ends.unknown_years == (2027,)
    [record] = caplog.records
    assert "no official holiday calendar for 2027" in record.getMessage()
    assert "tiaojie holidays load" in record.getMessage()


def test_a_clock_counted_without_data_carries_the_years_for_the_console(
    holiday_file: Path,
) -> None:
    clock = deadlines.schedule("org_acceptance", datetime(2026, 12, 30, 10, 0, tzinfo=CHINA))
    assert clock.detail == {"unknown_years": [2027]}
    assert deadlines.schedule("mediation", datetime(2026, 11, 16, tzinfo=CHINA)).detail is None


def test_a_loaded_year_is_used_and_no_longer_reported(holiday_file: Path) -> None:
    holiday_file.write_text(TEST_2027, encoding="utf-8")
    # 5 days from Monday 27 September 2027 end on 2 October, in the loaded holiday.
    ends = calendar.days_after(datetime(2027, 9, 27, 10, 0, tzinfo=CHINA), 5)
    assert calendar.last_day(ends.end) == date(2027, 10, 8) and ends.unknown_years == ()
    # The 调休 Saturday 9 October is a working day: 3 working days from 7 October end then.
    worked = calendar.working_days_after(datetime(2027, 10, 7, 10, 0, tzinfo=CHINA), 3)
    assert calendar.last_day(worked.end) == date(2027, 10, 11)


def test_a_wrong_line_is_named_and_nothing_is_taken() -> None:
    with pytest.raises(ValueError, match="line 2"):
        calendar.parse_holidays("2027-10-01,holiday,国庆节\n2027-13-01,holiday,错的\n")
    with pytest.raises(ValueError, match="already a working day"):
        calendar.parse_holidays("2027-10-08,workday,星期五\n")


def run(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {"TIAOJIE_DATA_DIR": str(settings.data_dir), "TIAOJIE_ENV": "test"}
    env |= {"DATABASE_URL": settings.database_url, "TIAOJIE_SECRET_KEY": settings.secret_key}
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_an_administrator_loads_the_years_fangjia_anpai_from_the_command_line(
    settings: Settings, tmp_path: Path, holiday_file: Path
) -> None:
    calendar.use_holiday_file(settings.data_dir / calendar.HOLIDAY_FILE)
    code, _, err = run(settings, "holidays", "show", "--through", "2027")
    assert code == 0 and "no 放假安排 for 2027" in err
    source = tmp_path / "2027.csv"
    source.write_text("2027-10-01,holiday,国庆节\n2027-10-08,workday,星期五\n", encoding="utf-8")
    code, _, err = run(settings, "holidays", "load", str(source))
    assert code != 0 and "nothing loaded" in err and "line 2" in err
    assert 2027 not in calendar.loaded_years()
    source.write_text(TEST_2027, encoding="utf-8")
    code, out, _ = run(settings, "holidays", "load", str(source))
    assert code == 0 and "loaded 2027" in out
    assert calendar.loaded_years() == {2027}  # every process reads the file when it changes
    assert not calendar.is_workday(date(2027, 10, 5)) and calendar.is_workday(date(2027, 10, 9))
    code, out, err = run(settings, "holidays", "show", "--through", "2027")
    assert code == 0 and "loaded: 2027" in out and "2027" not in err
