"""Settlement terms in words: "先给七成，剩下分两次，月底前付清" → share, amount, instalments, due.

Employers and workers propose terms in chat; this reads a proposal so the product can restate
it exactly and ask both to confirm. Pure: `today` is passed in. Holiday dates that move with
the lunar calendar (春节) come from data/terms.json.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.dates import add_months
from nlp.extract import extract
from nlp.numbers import mask_long_runs, parse_cn_number

DATA_PATH = Path(__file__).parent / "data" / "terms.json"
_N = r"[0-9０-９]+(?:\.[0-9]+)?|[零一二两三四五六七八九十百]+"

SHARE = re.compile(
    rf"(?P<pct>{_N})\s*[%％]|百分之(?P<pct_cn>{_N})"
    r"|(?P<den>[一二三四五六七八九十两]+)分之(?P<num>[一二三四五六七八九十]+)"
    r"|(?P<cheng>[一二三四五六七八九])成(?P<cheng_tail>[一二三四五六七八九])?"
    r"|打?(?P<zhe>[一二三四五六七八九]{1,2})折"
    r"|(?P<half>一半|半数)"
)
INSTALMENTS = re.compile(rf"分(?P<n>{_N})(?:次|期|回|批|笔)|(?P<once>一次性|一次付清|一次结清)")
WEEKDAYS = "一二三四五六日天"


@dataclass(frozen=True)
class Terms:
    """What a proposal says; fields it does not mention are None. Spans index the text."""

    share: float | None = None  # of the claimed amount (七成 → 0.7)
    amount: int | None = None  # yuan
    instalments: int | None = None
    due: date | None = None
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)

    def amount_of(self, claimed: int) -> int | None:
        """The money this proposal means for a claim: its amount, else share × claimed."""
        if self.amount is not None:
            return self.amount
        return round(claimed * self.share) if self.share is not None else None


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    with DATA_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def _num(raw: str | None) -> float | None:
    value = parse_cn_number(raw) if raw else None
    return float(value) if value is not None else None


def _share(m: re.Match[str]) -> float | None:
    g = m.groupdict()
    if g["pct"] or g["pct_cn"]:
        pct = _num(g["pct"] or g["pct_cn"])
        return pct / 100 if pct is not None and 0 < pct <= 100 else None
    if g["den"]:
        den, num = _num(g["den"]), _num(g["num"])
        return num / den if den and num and num <= den else None
    if g["cheng"]:
        tenths = _num(g["cheng"]) or 0
        return (tenths + (_num(g["cheng_tail"]) or 0) / 10) / 10
    if g["zhe"]:
        digits = [_num(c) or 0 for c in g["zhe"]]
        return digits[0] / 10 + (digits[1] / 100 if len(digits) > 1 else 0)
    return 0.5


def month_end(day: date) -> date:
    """The last day of day's month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_day_of_month(dom: int, today: date) -> date:
    """The next date (today or later) whose day of month is dom (15号前 → this or next 15th)."""
    for offset in (0, 1, 2):
        first = add_months(today, offset)
        if dom <= calendar.monthrange(first.year, first.month)[1]:
            candidate = first.replace(day=dom)
            if candidate >= today:
                return candidate
    return month_end(add_months(today, 1))


def _holiday(name: str, today: date) -> date | None:
    """The next occurrence of a holiday (春节 from the table; fixed ones by month/day)."""
    data = _data()
    if name in data["fixed_holidays"]:
        month, day = data["fixed_holidays"][name]
        this_year = date(today.year, month, day)
        return this_year if this_year >= today else date(today.year + 1, month, day)
    table = data["lunar_holidays"].get(name, {})
    upcoming = sorted(date.fromisoformat(d) for d in table.values())
    return next((d for d in upcoming if d >= today), None)


_RELATIVE = re.compile(
    rf"(?P<n>{_N})(?P<unit>天|日|个?星期|周|个月)(?:之内|以内|内|后)"
    rf"|(?P<week>下?(?:周|星期|礼拜))(?P<wd>[{WEEKDAYS}])"
    r"|(?P<word>明天|后天|今天|本周内?|这周内?|下周|月底|月末|下个?月底|下个?月末|下个?月初|月中|下个?月中"
    r"|年底|年末|年前|春节|过年|元旦|国庆|五一|中秋|端午|清明)"
    rf"|(?P<next>下个?月|这个?月|本月)?(?P<dom>{_N})[号日]"
)


def _due(m: re.Match[str], today: date) -> date | None:
    g = m.groupdict()
    if g["n"]:
        n = int(_num(g["n"]) or 0)
        if g["unit"] == "个月":
            first = add_months(today, n)
            return first.replace(day=min(today.day, month_end(first).day))
        days = n * 7 if g["unit"] in ("周", "星期", "个星期") else n
        return today + timedelta(days=days)
    if g["dom"]:
        dom = int(_num(g["dom"]) or 0)
        if not 1 <= dom <= 31:
            return None
        if g["next"] and g["next"].startswith("下"):
            first = add_months(today, 1)
            return first.replace(day=min(dom, calendar.monthrange(first.year, first.month)[1]))
        return _next_day_of_month(dom, today)
    if g["week"]:
        target = WEEKDAYS.index(g["wd"]) if g["wd"] not in "日天" else 6
        days = (target - today.weekday()) % 7 + (7 if g["week"].startswith("下") else 0)
        return today + timedelta(days=days)
    return _word_due(g["word"], today)


def _word_due(word: str, today: date) -> date | None:
    data = _data()
    if word in data["aliases"]:
        word = data["aliases"][word]
    fixed = {
        "今天": today,
        "明天": today + timedelta(days=1),
        "后天": today + timedelta(days=2),
        "本周": today + timedelta(days=6 - today.weekday()),
        "下周": today + timedelta(days=13 - today.weekday()),
        "月底": month_end(today),
        "月中": _next_day_of_month(15, today),
        "下月底": month_end(add_months(today, 1)),
        "下月初": add_months(today, 1).replace(day=5),
        "下月中": add_months(today, 1).replace(day=15),
        "年底": date(today.year, 12, 31),
    }
    return fixed[word] if word in fixed else _holiday(word, today)


def parse_terms(text: str, today: date) -> Terms:
    """Read share, amount, number of instalments and due date from a proposal."""
    text = text if isinstance(text, str) else ""
    scan = mask_long_runs(text)
    spans: dict[str, tuple[int, int]] = {}
    share = amount = instalments = None
    due: date | None = None
    if (m := SHARE.search(scan)) and (share := _share(m)) is not None:
        share, spans["share"] = round(share, 4), m.span()
    if (fact := extract(text, today).get("amount")) and not _inside(fact.start, spans):
        amount, spans["amount"] = int(fact.value), (fact.start, fact.end)
    if m := INSTALMENTS.search(scan):
        count = 1 if m.group("once") else int(_num(m.group("n")) or 0)
        if count >= 1:
            instalments, spans["instalments"] = count, m.span()
    for m in _RELATIVE.finditer(scan):
        if not _inside(m.start(), spans) and (due := _due(m, today)) is not None:
            spans["due"] = m.span()
            break
    return Terms(share, amount, instalments, due, spans)


def _inside(pos: int, spans: dict[str, tuple[int, int]]) -> bool:
    return any(start <= pos < end for start, end in spans.values())


def next_holiday(name: str, today: date) -> date | None:
    """The next date of a holiday (春节 …) on or after today; None past the shipped table."""
    return _holiday(name, today)
