"""Pull simple facts (amount, months, headcount, employer) out of a worker's message."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nlp.numbers import parse_cn_number
from nlp.taxonomy import load

_DIG = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_ARABIC = r"[0-9０-９]+(?:,[0-9]{3})*(?:\.[0-9０-９]+)?"
# A numeral must start with a digit (or 十/几十) so words like 万一 are not numbers.
NUMBER = re.compile(
    rf"(?:几(?=[十百千万])|{_ARABIC}|[{_DIG}十拾])(?:{_ARABIC}|[{_DIG}十拾百佰千仟万萬亿億])*"
    r"(?:[kKwWｋＫｗＷ](?![a-zA-Z]))?"
)
# 17年3月 / 19年的3月 are dates, not durations.
_DATE_TAIL = re.compile(r"的?[0-9０-９一二三四五六七八九十]{1,3}月")
_MONEY_MAGNITUDE = set("千仟万萬亿億kKwWｋＫｗＷ")
_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_HALF = {"半年": 6.0, "半个月": 0.5}


@dataclass(frozen=True)
class Fact:
    """One extracted fact with its span in the original text."""

    name: str
    value: int | float | str
    approx: bool
    start: int
    end: int


@dataclass(frozen=True)
class _Num:
    """A numeral found in the text, with approximation markers already consumed."""

    value: int | float
    approx: bool
    start: int
    end: int  # after the numeral and any 多/几/余 suffix
    raw: str


def _cfg() -> dict[str, Any]:
    """The extraction section of the taxonomy."""
    return load().extract


def _numbers(text: str, cfg: dict[str, Any]) -> Iterator[_Num]:
    """Yield every parseable numeral with its approx markers."""
    for m in NUMBER.finditer(text):
        raw = m.group()
        before = text[max(0, m.start() - 3) : m.start()]
        approx = raw.startswith("几") or any(before.endswith(p) for p in cfg["approx_prefixes"])
        value = parse_cn_number("一" + raw[1:] if raw.startswith("几") else raw)
        if value is None:
            continue
        end = m.end()
        suffix = next((s for s in cfg["approx_suffixes"] if text.startswith(s, end)), "")
        yield _Num(value, approx or bool(suffix), m.start(), end + len(suffix), raw)


def _after(text: str, pos: int, words: list[str]) -> str:
    """The longest of `words` starting at pos, or ''."""
    return max((w for w in words if text.startswith(w, pos)), key=len, default="")


def _headcount(text: str, n: _Num, cfg: dict[str, Any]) -> Fact | None:
    """二十几个工友 / 30多名工人 / 5个人 → headcount."""
    pos = n.end + len(_after(text, n.end, cfg["person_classifiers"]))
    noun = _after(text, pos, cfg["person_nouns"])
    if not noun or not isinstance(n.value, int):
        return None
    return Fact("headcount", n.value, n.approx, n.start, pos + len(noun))


def _months(text: str, n: _Num) -> Fact | None:
    """三个月 / 一年半 / 3年5个月 → months."""
    for unit, extra in (("个半月", 0.5), ("个月", 0.0)):
        if text.startswith(unit, n.end):
            return Fact("months", float(n.value) + extra, n.approx, n.start, n.end + len(unit))
    if not text.startswith("年", n.end) or _is_year_date(text, n):
        return None
    months, end = float(n.value) * 12, n.end + 1
    if text.startswith("半", end):
        months, end = months + 6, end + 1
    elif (tail := NUMBER.match(text, end)) and text.startswith("个月", tail.end()):
        months, end = months + float(parse_cn_number(tail.group()) or 0), tail.end() + 2
    more = text.startswith("多", end)
    return Fact("months", months, n.approx or more, n.start, end + int(more))


def _is_year_date(text: str, n: _Num) -> bool:
    """2016年, 17年3月: a calendar year rather than a duration."""
    digits = sum(c.isdigit() for c in n.raw)
    return digits > 2 or n.value > 60 or bool(_DATE_TAIL.match(text, n.end + 1))


def _money(text: str, n: _Num, cfg: dict[str, Any]) -> tuple[int, Fact] | None:
    """(rank, fact) for a numeral that is money; rank 0 has a unit, 1 only context."""
    unit = _after(text, n.end, cfg["money_units"])
    if not unit and _after(text, n.end, cfg["measure_words"]):
        return None
    fact = Fact("amount", round(n.value), n.approx, n.start, n.end + len(unit))
    if unit or _MONEY_MAGNITUDE & set(n.raw):
        return 0, fact
    before = text[max(0, n.start - cfg["context_window"]) : n.start]
    if n.value >= cfg["min_context_amount"] and any(w in before for w in cfg["money_context"]):
        return 1, fact
    return None


def _half_months(text: str) -> Iterator[Fact]:
    """半年 / 半个月 without a leading numeral."""
    for word, months in _HALF.items():
        for m in re.finditer(word, text):
            if not (m.start() and NUMBER.fullmatch(text[m.start() - 1])):
                yield Fact("months", months, False, m.start(), m.end())


@lru_cache(maxsize=1)
def _suffix_re() -> re.Pattern[str]:
    """Alternation of employer suffixes, longest first."""
    suffixes = sorted(_cfg()["employer_suffixes"], key=len, reverse=True)
    return re.compile("|".join(map(re.escape, suffixes)))


def _name_start(text: str, end: int, cfg: dict[str, Any]) -> int:
    """Walk back from a suffix over name chars, then cut after the last stop word (在, 老板…)."""
    start = end
    while start > 0 and end - start < cfg["employer_max_len"] and _NAME_CHAR.match(text[start - 1]):
        start -= 1
    run = text[start:end]
    cut = max((run.rfind(w) + len(w) for w in cfg["employer_stops"] if w in run), default=0)
    return start + cut


def _employer(text: str, cfg: dict[str, Any]) -> Fact | None:
    """First named workplace: 泉州鑫达鞋业有限公司, 鑫达鞋厂."""
    pattern = _suffix_re()
    for m in pattern.finditer(text):
        end = m.end()
        # 鑫达集团有限公司: company-type suffixes chain; a lone 店 after 饭店 (店长) does not.
        while (nxt := pattern.match(text, end)) and len(nxt.group()) >= 2:
            end = nxt.end()
        start = _name_start(text, m.start(), cfg)
        prefix = text[start : m.start()]
        # 饭店店长: a suffix right after another suffix is not a new name.
        stacked = any(prefix.endswith(x) for x in cfg["employer_suffixes"])
        generic = prefix in cfg["employer_generic"]
        if len(prefix) >= cfg["employer_min_prefix"] and not generic and not stacked:
            return Fact("employer", text[start:end], False, start, end)
    return None


def extract(text: str) -> dict[str, Fact]:
    """Extract amount, months, headcount and employer facts; missing ones are absent."""
    cfg = _cfg()
    text = text[: load().max_chars] if isinstance(text, str) else ""
    facts: dict[str, Fact] = {}
    money: list[tuple[int, Fact]] = []
    months: list[Fact] = list(_half_months(text))
    heads: list[Fact] = []
    for n in _numbers(text, cfg):
        if head := _headcount(text, n, cfg):
            heads.append(head)
        elif month := _months(text, n):
            months.append(month)
        elif found := _money(text, n, cfg):
            money.append(found)
    if money:
        facts["amount"] = min(money, key=lambda rf: (rf[0], rf[1].start))[1]
    if months:
        facts["months"] = min(months, key=lambda f: f.start)
    if heads:
        facts["headcount"] = max(heads, key=lambda f: (f.value, -f.start))
    if employer := _employer(text, cfg):
        facts["employer"] = employer
    return facts
