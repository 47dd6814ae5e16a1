"""Dates in a worker's words ("去年12月", "2024年3月", "上个月15号", "9.13日") relative to `today`.

Dates in complaints are in the past: a month and day without a year is the latest such day
not after `today`. Future dates (due dates of settlement terms) are read in nlp.terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from nlp.numbers import parse_cn_number

_N = r"[0-9０-９]{1,2}|[一二三四五六七八九十两]{1,3}"
_YEAR = r"(?:19|20)[0-9]{2}|[0-9]{2}|[一二][〇零一二三四五六七八九]{3}"
_PART = r"底|初|中旬|上旬|下旬|末|中"
# The day a part of a month stands for: 月底 is late in the month, 月初 early.
_PART_DAY = {"底": 28, "末": 28, "下旬": 25, "中旬": 15, "中": 15, "上旬": 5, "初": 1}
_WEEKS = {"上周": 7, "上礼拜": 7, "上星期": 7, "这周": 0, "本周": 0, "这礼拜": 0, "这星期": 0}
_WEEKS |= {"上上周": 14, "上上礼拜": 14, "上个礼拜": 7, "上个星期": 7, "这个礼拜": 0}
_AGO_DAYS = {"天": 1, "周": 7, "礼拜": 7, "星期": 7}
_DAY = rf"(?:(?P<d>{_N})(?:日|号)?)"
DATE = re.compile(
    "|".join(
        (
            rf"(?P<y>{_YEAR})年(?:的)?(?P<m>{_N})月(?:份)?{_DAY}?",
            rf"(?P<ry>今年|去年|前年|明年)(?:的)?(?P<m2>{_N})月(?:份)?(?:(?P<d2>{_N})[日号])?",
            rf"(?P<rm>上个月|上月|这个月|本月|这月|下个月|下月)(?:的)?"
            rf"(?:(?P<d3>{_N})[日号]|(?P<p3>{_PART}))?",
            rf"(?<![0-9年.个])(?P<m4>{_N})月(?:份)?"
            rf"(?:(?P<d4>{_N})[日号]|(?P<d4b>[0-9]{{1,2}})(?![0-9个人元块万千百天年月])"
            rf"|(?P<p4>{_PART})|(?=份)|(?<=份)|(?=[走离辞关完结不没停])|(?=\s*$))",
            r"(?P<rw>上上周|上上礼拜|上个礼拜|上个星期|这个礼拜|上周|上礼拜|上星期|这周|本周|这礼拜|这星期)(?P<wd>[一二三四五六日天])?",
            r"(?P<ry3>今年|去年|前年)(?P<p5>底|初|年底|年初|年末)",
            rf"(?P<ago>{_N}|半)(?:个)?(?P<agou>月|天|年|周|礼拜|星期)(?:以)?前",
            r"(?<![0-9.])(?P<m5>[0-9]{1,2})\.(?P<d5>[0-9]{1,2})[日号]",
            r"(?P<rd>大前天|前天|昨天|今天|明天|后天)",
        )
    )
)
_YEARS = {"今年": 0, "去年": -1, "前年": -2, "明年": 1}
_MONTHS = {"上个月": -1, "上月": -1, "这个月": 0, "本月": 0, "这月": 0, "下个月": 1, "下月": 1}
_DAYS = {"大前天": -3, "前天": -2, "昨天": -1, "今天": 0, "明天": 1, "后天": 2}


@dataclass(frozen=True)
class DateMention:
    """A date in the text: its first day, how precise it is (day/month), and its span."""

    value: date
    precision: str
    start: int
    end: int

    @property
    def text(self) -> str:
        """2024-03-15, or 2024-03 when only the month is known."""
        iso = self.value.isoformat()
        return iso if self.precision == "day" else iso[:7]


def _int(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = parse_cn_number(raw)
    return int(value) if isinstance(value, int) else None


def _year(raw: str) -> int | None:
    value = _int(raw)
    if value is None:
        return None
    return value + 2000 if value < 100 else value  # 16年 → 2016


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after day's month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _past(month: int, day: int, today: date) -> date:
    """The latest month/day not after today."""
    this_year = date(today.year, month, day)
    return this_year if this_year <= today else date(today.year - 1, month, day)


def _build(m: re.Match[str], today: date) -> tuple[date, str] | None:
    g = m.groupdict()
    if g["rd"]:
        return today + timedelta(days=_DAYS[g["rd"]]), "day"
    if g["rw"]:
        if g["wd"]:  # 上周五: that weekday of that week
            monday = today - timedelta(days=today.weekday() + _WEEKS[g["rw"]])
            return monday + timedelta(days="一二三四五六日天".index(g["wd"]) % 7), "day"
        return today - timedelta(days=_WEEKS[g["rw"]]), "month"
    if g["ry3"]:
        said = today.year + _YEARS[g["ry3"]]
        return (date(said, 1, 1), "month") if "初" in g["p5"] else (date(said, 12, 1), "month")
    if g["ago"]:
        return _ago(g["ago"], g["agou"], today)
    if g["rm"]:
        first = add_months(today, _MONTHS[g["rm"]])
        if g["d3"]:
            return first.replace(day=_int(g["d3"]) or 1), "day"
        return first, "month"
    if g["y"] or g["ry"]:
        year = _year(g["y"]) if g["y"] else today.year + _YEARS[g["ry"]]
        month, day = _int(g["m"] or g["m2"]), _int(g["d"] or g["d2"])
    else:
        month, day = _int(g["m4"] or g["m5"]), _int(g["d4"] or g["d4b"] or g["d5"])
        if month is None or not 1 <= month <= 12:
            return None
        first = _past(month, min(day or 1, 28), today)
        year = first.year
    if year is None or month is None:
        return None
    return date(year, month, day or 1), "day" if day else "month"


def _ago(count: str, unit: str, today: date) -> tuple[date, str] | None:
    """13个月前 / 三天前 / 半年前."""
    n = 0.5 if count == "半" else _int(count)
    if n is None:
        return None
    if unit in _AGO_DAYS:
        return today - timedelta(days=int(n * _AGO_DAYS[unit])), "day"
    months = int(n * 12) if unit == "年" else int(n)
    return add_months(today, -months), "month"


def find_dates(text: str, today: date) -> Iterator[DateMention]:
    """Every date the text names, in order; impossible ones (2月30号) are skipped."""
    for m in DATE.finditer(text):
        try:
            built = _build(m, today)
        except ValueError:
            continue
        if built is not None:
            yield DateMention(built[0], built[1], m.start(), m.end())
