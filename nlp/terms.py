"""Settlement terms in words: "总共二十万 月底前先付8万 余款分两次 下月底一次 春节前一次" →
a total and a payment schedule (each payment's amount and due date), conditions, and what kind of
answer the message is (offer / accept / refuse / unclear).

Employers, workers and mediators propose and record terms in chat and in the console; this reads
them so the product can say back exactly what it understood before anyone else sees it. Pure:
`today` and the claimed amount are passed in. The conventions (月底, 过年前, 七成, 剩下的 …) and the
cue words are data, in data/terms.json.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.dates import add_months
from nlp.features import folding
from nlp.numbers import parse_cn_number

DATA_PATH = Path(__file__).parent / "data" / "terms.json"
KINDS = ("offer", "accept", "refuse", "unclear")
MAX_PAYMENTS = 24  # no schedule people agree in chat has more parts than two years of months

_CN = "零〇一二两俩三仨四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬"
_NUM = r"[0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十]+"
_DAY_N = r"[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
_SEPARATORS = re.compile(r"[\s，,。．；;！!？?、：:~～]+")
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Payment:
    """One payment of a schedule: its amount in yuan and the day it is due by (None: not said)."""

    amount: int
    due: date | None = None

    def as_json(self) -> dict[str, Any]:
        return {"amount": self.amount, "due": self.due.isoformat() if self.due else None}


@dataclass(frozen=True)
class Terms:
    """What a message says about settlement terms. Spans index the text."""

    kind: str = "unclear"  # offer | accept | refuse | unclear
    total: int | None = None  # yuan in all
    schedule: tuple[Payment, ...] = ()  # in order
    conditions: tuple[str, ...] = ()  # other terms in a few words (出具离职证明 …)
    share: float | None = None  # of the claimed amount (七成 → 0.7), when one was named
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    # What the money settles: final (一次性了结, 以后不再追究) or interim items named (医疗费,
    # 停工留薪期工资); a work injury may be settled for good only after 认定 and 鉴定.
    final: bool = False
    interim: tuple[str, ...] = ()

    @property
    def amount(self) -> int | None:
        return self.total

    @property
    def instalments(self) -> int | None:
        return len(self.schedule) or None

    @property
    def due(self) -> date | None:
        """The last due date named (when everything is to be paid)."""
        dated = [p.due for p in self.schedule if p.due]
        return max(dated) if dated else None

    @property
    def has_terms(self) -> bool:
        return self.total is not None and bool(self.schedule)

    def amount_of(self, claimed: int | None = None) -> int | None:
        """The money these terms mean: the total read (a share was applied to the claim)."""
        return self.total

    def as_json(self) -> dict[str, Any]:
        """The terms in the corpus' `expect` shape."""
        return {
            "kind": self.kind,
            "total": self.total,
            "schedule": [p.as_json() for p in self.schedule],
            "conditions": list(self.conditions),
        }


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    with DATA_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    data = _data()
    found = {k: re.compile(v) for k, v in data["cues"].items() if not k.startswith("_")}
    found.update({k: re.compile(v) for k, v in data["markers"].items() if not k.startswith("_")})
    words = sorted((w for w in data["date_words"] if not w.startswith("_")), key=len, reverse=True)
    found["date_words"] = re.compile("|".join(map(re.escape, words)))
    return found


def _int(raw: str | None) -> int | None:
    value = parse_cn_number(raw) if raw else None
    return int(value) if value is not None and float(value).is_integer() else None


# --- dates -------------------------------------------------------------------------------------


def month_end(day: date) -> date:
    """The last day of day's month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _holiday(name: str, today: date) -> date | None:
    """The next occurrence of a holiday (春节 from the table; fixed ones by month/day)."""
    data = _data()
    if name in data["fixed_holidays"]:
        month, day = data["fixed_holidays"][name]
        this_year = date(today.year, month, day)
        return this_year if this_year > today else date(today.year + 1, month, day)
    table = data["lunar_holidays"].get(name, {})
    upcoming = sorted(date.fromisoformat(d) for d in table.values())
    return next((d for d in upcoming if d > today), None)


def next_holiday(name: str, today: date) -> date | None:
    """The next date of a holiday (春节 …) after today; None past the shipped table."""
    return _holiday(name, today)


def _word_date(word: str, today: date) -> date | None:
    how, _, arg = _data()["date_words"][word].partition(":")
    if how == "days":
        return today + timedelta(days=int(arg))
    if how == "month_end":
        return month_end(add_months(today, int(arg)))
    if how == "month_end_of":
        first = _upcoming(int(arg), 1, today.replace(day=1))
        return month_end(first) if first else None
    if how == "year_end":
        return date(today.year, 12, 31)
    if how == "week_end":
        return today + timedelta(days=6 - today.weekday() + 7 * int(arg))
    holiday = _holiday(arg, today)  # eve:<holiday>: paid by the day before it
    return holiday - timedelta(days=1) if holiday else None


def _upcoming(month: int, day: int, today: date) -> date | None:
    """The first month/day on or after today (12月31日, 1月31日 in December → next January)."""
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def _day_of_month(dom: int, today: date, months_ahead: int | None) -> date | None:
    """X号: the next day X on or after today; 下个月X号 / 本月X号: in that month."""
    if months_ahead is not None:
        first = add_months(today, months_ahead)
        last = calendar.monthrange(first.year, first.month)[1]
        return first.replace(day=dom) if dom <= last else None
    for offset in (0, 1, 2):
        first = add_months(today, offset)
        if dom <= calendar.monthrange(first.year, first.month)[1]:
            candidate = first.replace(day=dom)
            if candidate >= today:
                return candidate
    return None


def _weekday(week: str, wd: str, today: date) -> date:
    """下周X: that weekday of the next calendar week (weeks start on Monday); 这周X/本周X/周X:
    of this week (a bare 周X already past means next week's)."""
    target = WEEKDAYS.index("日" if wd in "天7" else wd) if not wd.isdigit() else int(wd) - 1
    monday = today - timedelta(days=today.weekday())
    weeks = week.count("下")
    day = monday + timedelta(days=target + 7 * weeks)
    if not weeks and not week.startswith(("这", "本")) and day < today:
        day += timedelta(days=7)
    return day


_EXPLICIT_DATE = re.compile(
    r"(?<![0-9.])(?P<ny>20[0-9]{2})[-/.](?P<nm>[0-9]{1,2})[-/.](?P<nd>[0-9]{1,2})(?![0-9])"
    r"|(?<![0-9./])(?P<sm>1[0-2]|0?[1-9])(?:/(?P<sd>3[01]|[12][0-9]|0?[1-9])"
    r"|\.(?P<sdd>3[01]|[12][0-9]|0[1-9]))(?![0-9./万wWkK千元块%％折])"
    rf"|(?P<y>20[0-9]{{2}})年(?P<ym>{_DAY_N})月(?:(?P<yd>{_DAY_N})[日号])?"
    rf"|(?P<yrel>明年|来年|今年)(?P<ym2>{_DAY_N})月(?:(?P<yd2>{_DAY_N})[日号]|(?P<yend>底|末|低))?"
    rf"|(?P<rel>下下个?月|下个?月|本月|这个?月)(?:的)?(?P<rd>{_DAY_N})[日号]"
    rf"|(?<![0-9年])(?P<m>{_DAY_N}|元)月(?:份)?(?:(?P<md>{_DAY_N})[日号]?|(?P<mend>底|末|低))?"
    rf"|(?<![0-9.第])(?P<d>{_DAY_N})[日号](?!内|之内|以内)"
    rf"|(?P<n>{_NUM})(?:个)?(?P<unit>天|日|个?星期|周|个?礼拜|个月)(?:之内|以内|内|后)"
    rf"|(?P<week>下下个?|下个?|这个?|本)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])"
)
_MONTHLY = re.compile(
    rf"每(?:个?月|期|次)(?:的)?月?(?:(?P<end>底|末|低)|(?P<dom>{_DAY_N})[日号])"
)  # 每个月底, 每月15号, 每期月底
_WEEKLY = re.compile(r"每个?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])")  # 每周五
_START = re.compile(r"(?:开始|起)")
_MONTHS_AHEAD = {
    "下下个月": 2,
    "下下月": 2,
    "下个月": 1,
    "下月": 1,
    "本月": 0,
    "这个月": 0,
    "这月": 0,
}


def _in_year(year: int, month: int | None, day: int | None, end: str | None) -> date | None:
    """明年一月底, 今年12月20号: a day of a month of the year named (a month alone: a period)."""
    if month is None or not 1 <= month <= 12 or (day is None and not end):
        return None
    first = date(year, month, 1)
    return month_end(first) if end else first.replace(day=day or 1)


def _month(raw: str) -> int | None:
    return 1 if raw == "元" else _int(raw)  # 元月: January


def _explicit_date(m: re.Match[str], today: date) -> date | None:
    g = m.groupdict()
    if g["ny"]:  # 2026-12-25, 2026/12/25
        return date(int(g["ny"]), int(g["nm"]), int(g["nd"]))
    if g["sm"]:  # 12/31, 12.31: the next such day
        return _upcoming(int(g["sm"]), int(g["sd"] or g["sdd"]), today)
    if g["y"]:
        month, day = _int(g["ym"]), _int(g["yd"])
        if month is None or day is None or not 1 <= month <= 12:
            return None  # a month without a day is a period (2025年7月至…), not a due date
        return date(int(g["y"]), month, day)
    if g["yrel"]:
        return _in_year(
            today.year + (g["yrel"] != "今年"), _int(g["ym2"]), _int(g["yd2"]), g["yend"]
        )
    if g["rel"]:
        dom = _int(g["rd"])
        return _day_of_month(dom, today, _MONTHS_AHEAD[g["rel"]]) if dom else None
    if g["m"] and g["mend"]:
        month = _month(g["m"])
        first = _upcoming(month, 1, today.replace(day=1)) if month and 1 <= month <= 12 else None
        return month_end(first) if first else None
    if g["m"]:
        month, day = _month(g["m"]), _int(g["md"])
        if month is None or day is None or not 1 <= month <= 12:
            return None
        return _upcoming(month, day, today)
    if g["d"]:
        dom = _int(g["d"])
        return _day_of_month(dom, today, None) if dom and dom <= 31 else None
    if g["n"]:
        n = _int(g["n"]) or 0
        if g["unit"] == "个月":
            first = add_months(today, n)
            return first.replace(day=min(today.day, month_end(first).day))
        weeks = g["unit"] not in ("天", "日")  # 周, 星期, 礼拜
        return today + timedelta(days=n * 7 if weeks else n)
    return _weekday(g["week"] or "", g["wd"], today)


# --- reading the text into mentions -----------------------------------------------------------


@dataclass
class _Mention:
    kind: str  # amount | date | count | share | full | rest | once
    start: int
    end: int
    value: Any = None
    clause: int = 0
    tags: set[str] = field(default_factory=set)
    # a date said for every month or week: ("month", 15) 每月15号, ("month", 0) 每个月底,
    # ("week", 7) 每周五
    every: tuple[str, int] | None = None


class _Scan:
    """The text with the parts already read blanked out, so one character is read once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.free = list(text)
        self.mentions: list[_Mention] = []

    def view(self) -> str:
        return "".join(self.free)

    def take(self, kind: str, start: int, end: int, value: Any = None) -> _Mention:
        self.free[start:end] = "\x00" * (end - start)
        mention = _Mention(kind, start, end, value)
        self.mentions.append(mention)
        return mention

    def blank(self, start: int, end: int) -> None:
        self.free[start:end] = "\x00" * (end - start)


_SHARE = re.compile(
    rf"(?P<pct>[0-9]+(?:\.[0-9]+)?)\s*[%％]|百分之(?P<pct_cn>{_NUM})"
    r"|(?P<den>[一二三四五六七八九十两]+)分之(?P<num>[一二三四五六七八九十]+)"
    r"|(?P<cheng>[一二三四五六七八九1-9])成(?P<cheng_tail>[一二三四五六七八九](?![十百千万]))?"
    r"|打?个?(?P<zhe>[一二三四五六七八九]{1,2}|(?<![0-9.])[1-9]{1,2})折"
    r"|(?P<half>一半|半数|对折|对半|五五开)"
)
_COUNT = re.compile(
    rf"分(?P<n>{_NUM})(?:次|期|批|笔|回|个月)|(?P<months>{_NUM})个月(?:还|给|付|结|打)(?:完|清)"
)
_NOT_MONEY = re.compile(
    rf"第(?:{_NUM})(?:期|次|批|笔|回)?|(?:{_NUM})(?:次|期|批|笔|回|名|个|人|位|倍|点|岁|年|月份?|号|日|天|周|星期|小时|分钟)"
)
_AMOUNT = re.compile(
    rf"(?<![0-9.])(?:[0-9]+(?:,[0-9]{{3}})*(?:\.[0-9]+)?(?:[万wWkK千](?:[0-9一二三四五六七八九](?![0-9]))?)?"
    rf"|[{_CN}]+)"
)
_MONEY_UNIT = re.compile(r"^\s*(?:元|块|圆|RMB|rmb)")
_FINAL = re.compile(
    rf"(?:之前|以前|前)?(?:分(?:{_NUM})(?:次|期|批|笔|回))?"
    r"(?:之前|以前|前)?(?:要|得|必须|就)?(?:都|全部|全)?(?:付|给|结|还|打)(?:完|清)"
)
_FIRST = re.compile(r"先(?:给|付|结|拿|打|转|支付)?(?:你们?|他们?|工人|大家)?$")
_PAID_SHARE = re.compile(r"[付给打转]个?$")


def _share(m: re.Match[str]) -> Fraction | None:
    """The share of the claim, exact (三分之二 is 2/3, not 0.6667)."""
    g = m.groupdict()
    if g["pct"] or g["pct_cn"]:
        pct = parse_cn_number(g["pct"] or g["pct_cn"])
        return Fraction(str(pct)) / 100 if pct is not None and 0 < pct <= 1000 else None
    if g["den"]:
        den, num = _int(g["den"]), _int(g["num"])
        return Fraction(num, den) if den and num and num <= den else None
    if g["cheng"]:
        return Fraction((_int(g["cheng"]) or 0) * 10 + (_int(g["cheng_tail"]) or 0), 100)
    if g["zhe"]:
        digits = [_int(c) or 0 for c in g["zhe"]]
        return Fraction(digits[0], 10) + (Fraction(digits[1], 100) if len(digits) > 1 else 0)
    return Fraction(1, 2)


def _plan_date(first: date, every: tuple[str, int], k: int) -> date:
    """A plan's date k months (or weeks) after its first one; day 0 of a month: its end."""
    unit, dom = every
    if unit == "week":
        return first + timedelta(days=7 * k)
    later = add_months(first.replace(day=1), k)
    return month_end(later) if dom == 0 else later.replace(day=min(dom, month_end(later).day))


_CURRENCY = re.compile(rf"(?<=[0-9{_CN}wWkK])元(?!旦)")  # 8000元月底: yuan, then 月底 (not 元月)


def _read_dates(scan: _Scan, today: date) -> None:
    for m in _CURRENCY.finditer(scan.view()):
        scan.blank(*m.span())
    for m in _MONTHLY.finditer(scan.view()):
        dom = 0 if m.group("end") else (_int(m.group("dom")) or 32)
        if dom <= 31:
            first = month_end(today) if dom == 0 else _day_of_month(dom, today, None)
            scan.take("date", *m.span(), first).every = ("month", dom)
    for m in _WEEKLY.finditer(scan.view()):
        scan.take("date", *m.span(), _weekday("", m.group("wd"), today)).every = ("week", 7)
    for m in _EXPLICIT_DATE.finditer(scan.view()):
        try:
            day = _explicit_date(m, today)
        except ValueError:
            day = None
        mention = scan.take("date", *m.span(), day)
        if day is None or day < today:
            mention.tags.add("not_due")  # a period or a past day (补缴2025年7月…): not a due date
    pats = _patterns()
    for m in pats["now"].finditer(scan.view()):
        scan.take("date", *m.span(), today)
    for m in pats["date_words"].finditer(scan.view()):
        mention = scan.take("date", *m.span(), _word_date(m.group(), today))
        before = scan.text[max(0, m.start() - 2) : m.start()]
        if pats["date_after"].match(scan.text, m.end()) or pats["date_passed"].search(before):
            mention.tags.add("not_due")  # 过了元旦就给: from when, not by when
    for mention in scan.mentions:
        if _FINAL.match(scan.text, mention.end):
            mention.tags.add("final")
        if _START.match(scan.text, mention.end):
            mention.tags.add("start")  # 这周五开始每周五: the plan's first day


def _read_markers(scan: _Scan) -> None:
    pats = _patterns()
    for m in _COUNT.finditer(scan.view()):
        n = _int(m.group("n") or m.group("months"))
        if n and 1 <= n <= MAX_PAYMENTS:
            scan.take("count", *m.span(), n)
    for name in ("once", "full", "rest"):
        for m in pats[name].finditer(scan.view()):
            waived = pats["waived"].match(scan.text, m.end()) if name == "rest" else None
            if waived:  # 剩余部分不再支付: there is no remainder to pay
                scan.blank(m.start(), waived.end())
            else:
                scan.take(name, *m.span())
    for m in _SHARE.finditer(scan.view()):
        value = _share(m)
        if _each_before(scan.text, m.start()):
            scan.blank(*m.span())  # 各付三分之一: the parts are equal, of the sum named
        elif value is not None and 0 < value <= 10:
            share = scan.take("share", *m.span(), value)
            if _FIRST.search(scan.text[max(0, m.start() - 6) : m.start()]):
                share.tags.add("first")
            elif _PAID_SHARE.search(scan.text[max(0, m.start() - 2) : m.start()]):
                share.tags.add("paid")  # 付一半: a first part when the rest follows
    for m in _NOT_MONEY.finditer(scan.view()):
        scan.blank(*m.span())


_PERSONAL = re.compile(r"[0-9][0-9 -]{8,}[0-9Xx]|[0-9]*\*{2,}[0-9]*")  # phone, ID, card: not money


def _read_amounts(scan: _Scan) -> None:
    for m in _PERSONAL.finditer(scan.view()):
        scan.blank(*m.span())
    view, text, pats = scan.view(), scan.text, _patterns()
    for m in _AMOUNT.finditer(view):
        raw = m.group().replace(",", "")
        value = parse_cn_number(raw)
        if value is None or value <= 0:
            continue
        after = text[m.end() : m.end() + 4]
        money = bool(_MONEY_UNIT.match(after)) or bool(re.search(r"[万wWkK千萬]", raw))
        if not money and value < 100:
            continue  # 一口价, 两清, 十几个人: small bare numbers are not money
        if pats["per_person"].search(text[max(0, m.start() - 3) : m.start()]):
            scan.blank(*m.span())  # 每人一万: each person's share, not a payment
            continue
        mention = scan.take("amount", *m.span(), int(Decimal(str(value)).to_integral_value()))
        before = text[max(0, m.start() - 3) : m.start()]
        if pats["vague_after"].match(after.lstrip("元块")) or pats["vague_before"].search(before):
            mention.tags.add("vague")
        if any(r.kind == "rest" and 0 <= m.start() - r.end <= 2 for r in scan.mentions):
            mention.tags.add("rest")  # 余款13万: the remainder, named
        if _FIRST.search(text[max(0, m.start() - 6) : m.start()]):
            mention.tags.add("first")  # 先付两万


def _clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses (between commas, full stops and spaces)."""
    spans, start = [], 0
    for m in _SEPARATORS.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


# --- the answer: refuse, accept or terms ------------------------------------------------------


def _dropped_clauses(text: str, clauses: list[tuple[int, int]]) -> tuple[list[int], bool]:
    """The clauses that refuse or threaten (their terms are not offered), and whether any
    refused."""
    pats, dropped, refused = _patterns(), [], False
    for i, (start, end) in enumerate(clauses):
        # 少一分都不行 holds to the amount; 一万五行不行 asks
        words = pats["question"].sub("", pats["insist"].sub("", text[start:end]))
        if pats["threat"].search(words):
            dropped.append(i)
        elif pats["refuse"].search(words):
            dropped.append(i)
            refused = True
    if refused:  # 一万五？开什么玩笑: the offer repeated as a question is what is turned down
        echoes = [
            i
            for i, (start, end) in enumerate(clauses)
            if pats["echo"].match(text, end) or pats["echo_words"].search(text[start:end])
        ]
        dropped = sorted({*dropped, *echoes})
    return dropped, refused


def _accepts(text: str, clauses: list[tuple[int, int]], dropped: list[int]) -> bool:
    pats = _patterns()
    return any(
        pats["accept"].search(text[s:e]) for i, (s, e) in enumerate(clauses) if i not in dropped
    )


# --- building the schedule --------------------------------------------------------------------


def _of_claim(claimed: int, share: Fraction) -> int:
    """The share of the claim, rounded half up to the yuan."""
    return math.floor(claimed * share + Fraction(1, 2))


def _marked_total(text: str, amounts: list[_Mention], clause_of: list[int]) -> _Mention | None:
    """An amount right after 共计 / 一共 / 即 / 全款 … in the same clause."""
    pattern = _patterns()["total"]
    for a in amounts:
        before = text[max(0, a.start - 8) : a.start]
        cut = max((m.end() for m in _SEPARATORS.finditer(before)), default=0)
        hits = list(pattern.finditer(before[cut:]))
        if hits and len(before[cut:]) - hits[-1].end() <= 6:
            return a
    return None


_PER_MONTH = re.compile(r"(?:元|块钱?)?(?:/月|一个?月|每个?月)(?!内|之内|以内|后|之后|以后)")


def _is_each(text: str, a: _Mention) -> bool:
    """每月15号给三千, 两千一个月: the amount of every part."""
    return _each_before(text, a.start) or bool(_PER_MONTH.match(text, a.end))


def _after_every(found: list[_Mention], a: _Mention) -> bool:
    """每月15号支付6000元: the amount right after a day said for every month is each part's."""
    before = [m for m in found if m.end <= a.start and m.clause == a.clause]
    return bool(before) and before[-1].kind == "date" and before[-1].every is not None


def _each_before(text: str, start: int) -> bool:
    """每月15号给三千, 各支付三分之一: every part is what follows."""
    before = text[max(0, start - 8) : start]
    return bool(re.search(f"(?:{_data()['markers']['each']})" + r"[^\s，,。；]{0,4}$", before))


@dataclass
class _Parts:
    total: int | None
    payments: list[tuple[int | None, date | None]]  # None amount: an equal share, decided later


def _split(total: int, n: int) -> list[int]:
    """n equal parts in yuan, the last one taking any remainder."""
    n = max(1, min(n, MAX_PAYMENTS))
    part = total // n
    return [part] * (n - 1) + [total - part * (n - 1)]


def _dates_in(mentions: list[_Mention], clause: int) -> list[_Mention]:
    return [m for m in mentions if m.kind == "date" and m.clause == clause]


def _schedule(text: str, found: list[_Mention], claimed: int | None) -> _Parts | None:
    """Total and payments from what the text names, in order (README conventions)."""
    amounts = [m for m in found if m.kind == "amount"]
    dates = [m for m in found if m.kind == "date" and "not_due" not in m.tags]
    kinds = {m.kind for m in found}
    share = next((m.value for m in found if m.kind == "share"), None)
    paid_first = _share_paid_first(found, amounts, claimed)
    if paid_first is not None:
        amounts, share = paid_first
    elif (halves := _shares_of_sum(found, amounts)) is not None:
        amounts, share = halves, None
    each = [a for a in amounts if _is_each(text, a) or _after_every(found, a)]
    amounts = [a for a in amounts if a not in each]
    marked = _marked_total(text, amounts, [])
    total: int | None = marked.value if marked else None
    if total is None and share is not None and claimed:
        total = _of_claim(claimed, share)
    if total is None and "full" in kinds and claimed:
        total = claimed
    parts = [a for a in amounts if a is not marked]
    if total is None and len(parts) >= 2 and _leads(parts, dates):
        marked, total, parts = parts[0], parts[0].value, parts[1:]
    elif total is not None and parts and parts[0].value == total:
        parts = parts[1:]  # 七成 即一万 …, 三万五一分不少: the amount restates the total
    rest = [m for m in found if m.kind == "rest"]
    if total is None and any("rest" in p.tags for p in parts):
        total = sum(p.value for p in parts)  # 6千 … 剩下的4千: the parts name it all
    if total is None and (rest or _settled_later(found)) and claimed:
        total = claimed  # 先给X 剩下的… / 先给X 下月底付清: the rest of the claim
    if total is None and len(parts) == 1:
        total, parts = parts[0].value, []
    if total is None and parts:
        total = sum(p.value for p in parts)
    if total is None and each:
        count = next((m.value for m in found if m.kind == "count"), 1)
        total = each[0].value * count
    if total is None or total <= 0:
        return None
    return _Parts(total, _payments(found, parts, each, dates, total))


def _share_paid_first(
    found: list[_Mention], amounts: list[_Mention], claimed: int | None
) -> tuple[list[_Mention], Fraction | None] | None:
    """先给一半 另一半…, 给一万八 三天内付一半 剩下的…: the share paid first becomes a part, of
    the sum named before it (一万八, 七成) or else of the whole claim (then the total); with it,
    the share that still names the total (七成), if any."""
    first = next((m for m in found if m.kind == "share" and _first_share(found, m)), None)
    if first is None or not (any(m.kind == "rest" for m in found) or _settled_later(found)):
        return None
    whole = [a.value for a in amounts if a.end <= first.start]
    earlier = [m.value for m in found if m.kind == "share" and m.end <= first.start]
    of_share = _of_claim(claimed, earlier[0]) if earlier and claimed else claimed
    base = whole[0] if whole else of_share
    if not base:
        return None
    part = _Mention("amount", first.start, first.end, _of_claim(base, first.value), first.clause)
    named = earlier[0] if earlier and not whole else None
    return sorted([*amounts, part], key=lambda m: m.start), named


def _shares_of_sum(found: list[_Mention], amounts: list[_Mention]) -> list[_Mention] | None:
    """两万 十五号前一半 月底前一半: shares that add up to a sum named before them are its
    parts (not shares of the claim)."""
    shares = [m for m in found if m.kind == "share"]
    if len(shares) < 2 or sum(m.value for m in shares) != 1:
        return None
    base = [a for a in amounts if a.end <= shares[0].start]
    if not base:
        return None
    parts = [
        _Mention("amount", m.start, m.end, _of_claim(base[0].value, m.value), m.clause)
        for m in shares
    ]
    return sorted([*amounts, *parts], key=lambda m: m.start)


def _settled_later(found: list[_Mention]) -> bool:
    """先付一半 下月底付清: a day for paying it all, said after a part paid first (with a count,
    先给七成 分两次付清, the share is the whole sum split)."""
    first = next((m for m in found if "first" in m.tags), None)
    if first is None or any(m.kind == "count" for m in found):
        return False
    return any(m.kind == "date" and "final" in m.tags and m.start > first.end for m in found)


def _first_share(found: list[_Mention], share: _Mention) -> bool:
    """先给一半 …, or 付一半 right before the rest (剩下的…): a share paid first."""
    if "first" in share.tags:
        return True
    after = [m for m in found if m.start >= share.end and m.kind in ("amount", "rest")]
    return "paid" in share.tags and bool(after) and after[0].kind == "rest"


def _leads(parts: list[_Mention], dates: list[_Mention]) -> bool:
    """The first amount is the whole sum when the later ones are its parts and it has no date
    of its own (二十万 … 月底前先付8万 …)."""
    first, later = parts[0], parts[1:]
    if "first" in first.tags or any(d.clause == first.clause for d in dates):
        return False  # 先付两万: paid first, not the whole sum
    if any("rest" in p.tags for p in later):  # 6千 … 剩的4千: 6千 was a part, not the sum
        return bool(first.value == sum(p.value for p in later))
    return first.value >= sum(p.value for p in later)


def _payments(
    found: list[_Mention],
    parts: list[_Mention],
    each: list[_Mention],
    dates: list[_Mention],
    total: int,
) -> list[tuple[int | None, date | None]]:
    used: set[int] = set()
    named: list[tuple[int | None, date | None]] = []
    counts = [m for m in found if m.kind == "count"]
    parts = [p for p in parts if not _split_rest(p, counts)]  # 剩下两万分两次: paid as 余款
    if _dates_in_order(found, parts, dates):
        return [(p.value, d.value) for p, d in zip(parts, dates, strict=True)]
    for p in parts:
        own = [d for d in dates if d.clause == p.clause and id(d) not in used]
        pick = next((d for d in own if d.end <= p.start), None) or (own[0] if own else None)
        if pick is not None:
            used.add(id(pick))
        named.append((p.value, pick.value if pick else None))
    _dates_after(found, parts, dates, used, named)
    free_dates = [d for d in dates if id(d) not in used]
    rest = [m for m in found if m.kind == "rest"]
    once = any(m.kind == "once" for m in found)
    if not named:
        n = counts[0].value if counts else (1 if once else max(1, len(free_dates)))
        if each and not counts:
            n = max(1, total // each[0].value)
        amounts = _even(total, n, each[0].value if each else None)
        final = any(d.tags & {"final"} for d in free_dates)
        return _dated(amounts, _monthly(free_dates, n), final)
    left = total - sum(a or 0 for a, _ in named)
    if left <= 0:
        return named
    after_rest = [c for c in counts if rest and c.start > rest[0].start]
    n = after_rest[0].value if after_rest else 1
    later = [
        d for d in free_dates if not rest or d.start >= rest[0].start or d.clause == rest[0].clause
    ]
    if not rest and not later:
        later = free_dates
    final = any("final" in d.tags for d in later)  # 剩下的年前分两次给清
    return named + _dated(_split(left, n), _monthly(later, n), final)


def _split_rest(part: _Mention, counts: list[_Mention]) -> bool:
    """The remainder named with its own count (余款两万分两次)."""
    return "rest" in part.tags and any(
        c.clause == part.clause and c.start >= part.end for c in counts
    )


def _dates_in_order(found: list[_Mention], parts: list[_Mention], dates: list[_Mention]) -> bool:
    """Parts said first, then as many dates after them (一次1.5w 一次1w 月底和年前): the dates
    apply to the parts in order."""
    if len(parts) < 2 or len(dates) != len(parts) or any(m.kind == "rest" for m in found):
        return False
    own = any(d.clause == p.clause for p in parts for d in dates)
    return not own and all(d.start > parts[-1].end for d in dates)


def _dates_after(
    found: list[_Mention],
    parts: list[_Mention],
    dates: list[_Mention],
    used: set[int],
    named: list[tuple[int | None, date | None]],
) -> None:
    """A part without a date in its clause takes the next date said before anything else
    (6千 下周二 剩的4千 月底)."""
    for i, p in enumerate(parts):
        if named[i][1] is not None:
            continue
        later = [m for m in found if m.start >= p.end and m.kind in ("amount", "rest", "date")]
        nxt = later[0] if later else None
        if nxt is not None and any(d is nxt for d in dates) and id(nxt) not in used:
            used.add(id(nxt))
            named[i] = (named[i][0], nxt.value)


def _monthly(dates: list[_Mention], n: int) -> list[date | None]:
    """The dates said, and when the last is said for every month or week (每个月底, 每周五),
    the plan's dates up to n payments, from the day it starts (这周五开始) or its first day."""
    last = dates[-1] if dates else None
    if last is None or last.every is None or last.value is None:
        return [d.value for d in dates]
    before = dates[-2] if len(dates) > 1 else None
    start = before if before is not None and "start" in before.tags and before.value else None
    first = start.value if start is not None and start.value else last.value
    head: list[date | None] = [d.value for d in dates[:-1] if d is not start]
    return head + [_plan_date(first, last.every, k) for k in range(max(n - len(head), 1))]


def _even(total: int, n: int, each: int | None) -> list[int]:
    if each and each * n <= total:
        return [each] * (n - 1) + [total - each * (n - 1)]
    return _split(total, n)


def _dated(
    amounts: list[int], dues: list[date | None], final: bool = False
) -> list[tuple[int | None, date | None]]:
    """Dates given in order apply to the parts in order; missing dates are None. ``final``: the
    one date said is when everything is paid (分两次 下月底前付完): it goes to the last part."""
    if final and len(dues) == 1 and len(amounts) > 1:
        return [(a, None) for a in amounts[:-1]] + [(amounts[-1], dues[0])]
    return [(a, dues[i] if i < len(dues) else None) for i, a in enumerate(amounts)]


def scope(text: str) -> tuple[bool, tuple[str, ...]]:
    """Whether the words settle every claim for good, and the interim items they name."""
    data = _data()["scope"]
    final = bool(re.search(data["final"], text))
    items: list[str] = []
    for pattern, label in data["interim"]:
        if re.search(pattern, text) and label not in items:
            items.append(label)
    return final, tuple(items)


def _conditions(text: str) -> tuple[str, ...]:
    found = []
    for pattern, label in _data()["conditions"]:
        if re.search(pattern, text) and label not in found:
            found.append(label)
    return tuple(found)


# --- the reader ---------------------------------------------------------------------------------


def _mentions(text: str, today: date, skip: list[tuple[int, int]]) -> list[_Mention]:
    scan = _Scan(text)
    for start, end in skip:
        scan.blank(start, end)
    _read_dates(scan, today)
    _read_markers(scan)
    _read_amounts(scan)
    return sorted(scan.mentions, key=lambda m: m.start)


def _condition_dates(text: str, clauses: list[tuple[int, int]], found: list[_Mention]) -> None:
    """A day said in a clause about a condition and no money (12月31日前补缴社保) is the
    condition's, not a payment's."""
    money = {m.clause for m in found if m.kind in ("amount", "share", "rest", "count", "full")}
    for m in found:
        if m.kind == "date" and m.clause >= 0 and m.clause not in money:
            words = text[slice(*clauses[m.clause])]
            if _conditions(words) and not _patterns()["pay"].search(words):
                m.tags.add("not_due")


def _assign_clauses(mentions: list[_Mention], clauses: list[tuple[int, int]]) -> None:
    for m in mentions:
        m.clause = next((i for i, (s, e) in enumerate(clauses) if s <= m.start < e), -1)


def parse_terms(
    text: str,
    today: date,
    claimed: int | None = None,
    role: str | None = None,
    table: Terms | None = None,
) -> Terms:
    """Read an answer about settlement terms: its kind, total, schedule and conditions.

    ``claimed``: the worker's claim in yuan (what 七成 and 剩下的 refer to); ``role``: who
    wrote it (a mediator records what both sides agreed: an acceptance with its terms);
    ``table``: the terms under discussion, which a counter that names no money changes
    ("可以 但要一次给清": the same total, paid at once).
    """
    text = text if isinstance(text, str) else ""
    clean = folding()(text)  # 冇问题, 唔得, 可义, ２万: spellings folded, same length
    clauses = _clauses(clean)
    dropped, refused = _dropped_clauses(clean, clauses)
    found = _mentions(clean, today, [clauses[i] for i in dropped])
    _assign_clauses(found, clauses)
    _condition_dates(clean, clauses, found)
    parts = _schedule(clean, found, claimed)
    final, interim = scope(clean)
    if parts is None and table is not None and table.total and not refused:
        parts = _reshaped(found, table)
        if parts is not None and not (final or interim):  # 可以 但要一次给清: same money
            final, interim = table.final, table.interim
    share = next((float(m.value) for m in found if m.kind == "share"), None)
    spans = _spans(found)
    if parts is None or parts.total is None:
        kind = _bare_kind(clean, clauses, dropped, refused)
        if kind == "refuse" and _shapes(clean, clauses, found):
            kind = "offer"  # 不同意一次性 只能分三期: turned down, and how to pay it instead
        if kind == "accept" and _counters(clean, found):
            kind = "offer"  # 可以 但要一次给清: how to pay the money on the table, changed
        conditions = _conditions(clean) if kind == "offer" else ()
        return Terms(kind, conditions=conditions, share=share, spans=spans)
    vague = any("vague" in m.tags for m in found if m.kind == "amount")
    schedule = tuple(Payment(int(a or 0), d) for a, d in parts.payments[:MAX_PAYMENTS])
    kind = _kind_with_terms(clean, clauses, role, vague)
    if kind == "unclear":
        return Terms("unclear", share=share, spans=spans)
    conditions = _conditions(clean)
    return Terms(kind, parts.total, schedule, conditions, share, spans, final, interim)


def _reshaped(found: list[_Mention], table: Terms) -> _Parts | None:
    """A counter about how the money on the table is paid (一次给清, 分三次, 月底前)."""
    assert table.total is not None
    kinds = {m.kind for m in found}
    if not kinds & {"once", "count", "date"}:
        return None
    dates = [m for m in found if m.kind == "date" and "not_due" not in m.tags]
    payments = _payments(found, [], [], dates, table.total)
    if "once" in kinds and not dates:
        first_due = next((p.due for p in table.schedule if p.due), None)
        payments = [(table.total, first_due)]
    return _Parts(table.total, payments)


def _bare_kind(text: str, clauses: list[tuple[int, int]], dropped: list[int], refused: bool) -> str:
    if refused:
        return "refuse"
    return "accept" if _accepts(text, clauses, dropped) else "unclear"


def _shapes(text: str, clauses: list[tuple[int, int]], found: list[_Mention]) -> bool:
    """How or when to pay, said without money (一次给清, 分三期, 年前给清; not 过年都回不去)."""
    pay = _patterns()["pay"]
    return any(
        m.kind in ("once", "count")
        or (
            m.kind == "date"
            and "not_due" not in m.tags
            and m.clause >= 0
            and bool(pay.search(text[slice(*clauses[m.clause])]))
        )
        for m in found
    )


def _counters(text: str, found: list[_Mention]) -> bool:
    """An agreement with a but that changes how or when it is paid (可以 但要一次给清) or adds a
    condition (可以 但得开离职证明)."""
    counter = _patterns()["counter"].search(text)
    if counter is None:
        return False
    shapes = {m.kind for m in found} & {"once", "count", "date"}
    return bool(shapes) or bool(_conditions(text[counter.end() :]))


def _kind_with_terms(
    text: str, clauses: list[tuple[int, int]], role: str | None, vague: bool
) -> str:
    pats = _patterns()
    if vague or pats["hedge"].search(pats["hedge_other"].sub("", text)):
        return "unclear"  # 一万出头, 先打五千过来 别的再说: nothing firm to restate
    if role == "mediator":
        return "accept"  # a mediator records what both sides agreed
    if pats["accept_terms"].search(text):
        return "accept"
    opening = text[clauses[0][0] : clauses[0][1]] if clauses else ""
    agreed = pats["accept_opening"].match(opening) and not pats["counter"].search(text)
    return "accept" if agreed else "offer"  # 我同意 一万六: the terms agreed, said again


def _spans(found: list[_Mention]) -> dict[str, tuple[int, int]]:
    spans: dict[str, tuple[int, int]] = {}
    for m in found:
        name = {"date": "due", "count": "instalments"}.get(m.kind, m.kind)
        spans.setdefault(name, (m.start, m.end))
    return spans


def iter_payments(terms: Terms) -> Iterator[tuple[int, Payment]]:
    """The payments numbered from 1."""
    return enumerate(terms.schedule, start=1)
