"""Pull facts out of a worker's message: money, durations, dates, headcount, employer, place,
and phone / ID numbers (detected so they can be masked, see :func:`mask_personal`).

Fact names: amount (yuan, int), months (months of unpaid wages), service_months (length of
service), headcount, employer, place (a county or township as written; detail has the admin
chain, code and full display name),
date / entry_date / left_date (ISO text; detail has the first day and the precision),
phone and id_number (masked values).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any

from nlp import answers, regions
from nlp.dates import find_dates
from nlp.features import folding
from nlp.numbers import mask_long_runs, parse_cn_number, without_counted_one
from nlp.taxonomy import load

_DIG = "零〇一二两俩仨三四五六七八九壹贰叁肆伍陆柒捌玖"
# Atomic and possessive: a run of digits can be cut into numerals in exponentially many
# ways, and a search that must fail (the headcount pre-check on "000…0x") would try them all.
_ARABIC = r"(?>[0-9０-９]+(?:,[0-9]{3})*(?:\.[0-9０-９]+)?)"
# A numeral must start with a digit (or 十/几十) so words like 万一 are not numbers.
NUMBER = re.compile(
    rf"(?:几(?=[十百千万])|{_ARABIC}|[{_DIG}十拾])(?:{_ARABIC}|[{_DIG}十拾百佰千仟万萬亿億])*+"
    r"(?:[kKwWｋＫｗＷ](?:[0-9](?![0-9]))?(?![a-zA-Z]))?"  # 2w4: 24000
)
_CONDITION_BEFORE = re.compile(r"(?:(?:不|没|未)(?:干|做|上)?(?:满|够)|不到)$")
_CONDITION_VERB = re.compile(r"(?:满|(?:再|在)(?:干|做|上|等))$")  # 再干一个月就给: 在 as typed
_CONDITION_AFTER = re.compile(r"的?(?:才|就|以后|之后|后|再|退|给|还|发|转正|交)")
# 17年3月 / 19年的3月 are dates, not durations.
_DATE_TAIL = re.compile(r"的?[0-9０-９一二三四五六七八九十]{1,3}月")
_MONEY_MAGNITUDE = set("千仟万萬亿億kKwWｋＫｗＷ")
_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_HALF = {"半年": 6.0, "半个月": 0.5}
# Two neighbouring digits are a range, not a number: 五六个工友, 七八天.
_DIGIT_ORDER = "一二三四五六七八九"
_RANGE = re.compile("|".join(_DIGIT_ORDER[i : i + 2] for i in range(8)))


@dataclass(frozen=True)
class Fact:
    """One extracted fact with its span in the original text."""

    name: str
    value: int | float | str
    approx: bool
    start: int
    end: int
    detail: Mapping[str, Any] | None = None


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
        raw, end = without_counted_one(m.group(), text, m.end())
        before = text[max(0, m.start() - 3) : m.start()]
        approx = raw.startswith("几") or any(before.endswith(p) for p in cfg["approx_prefixes"])
        value = parse_cn_number("一" + raw[1:] if raw.startswith("几") else raw)
        if _RANGE.fullmatch(raw) and _DIGIT_ORDER.find(raw) >= 0:  # 五六个: five or six
            value, approx = _DIGIT_ORDER.index(raw[0]) + 1, True
        if value is None:
            continue
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
    if n.raw in ("俩", "仨") and text.startswith(
        "月", n.end
    ):  # 俩月 / 仨月: never a calendar month
        return Fact("months", float(n.value), n.approx, n.start, n.end + 1)
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
    near = text[max(0, n.start - 4) : n.start]
    if any(w in near for w in cfg["money_on_hand"]):
        return None  # 兜里就剩二十块: what the worker has left, not what is owed
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
    """First named workplace: 泉州鑫达鞋业有限公司, 鑫达鞋厂. Where a name starts is read on
    the folded text (长安镇嘅宏基塑胶厂 as 长安镇的…), the name itself kept as typed."""
    pattern = _suffix_re()
    folded = folding()(text)
    for m in pattern.finditer(text):
        end = m.end()
        # 鑫达集团有限公司: company-type suffixes chain; a lone 店 after 饭店 (店长) does not.
        while (nxt := pattern.match(text, end)) and len(nxt.group()) >= 2:
            end = nxt.end()
        start = _name_start(folded, m.start(), cfg)
        prefix = text[start : m.start()]
        # 饭店店长: a suffix right after another suffix is not a new name.
        stacked = any(prefix.endswith(x) for x in cfg["employer_suffixes"])
        generic = prefix in cfg["employer_generic"]
        if len(prefix) >= cfg["employer_min_prefix"] and not generic and not stacked:
            return Fact("employer", text[start:end], False, start, end)
    return None


def _duration_kind(text: str, fact: Fact, cfg: dict[str, Any]) -> str | None:
    """months (of unpaid wages), service_months, or None when the words do not say."""
    before_it = text[: fact.start]
    if _CONDITION_BEFORE.search(before_it) or (
        _CONDITION_VERB.search(before_it) and _CONDITION_AFTER.match(text, fact.end)
    ):
        return None  # 干不满一年不给 / 干满一年才退: a condition, not the time worked or owed
    before = _clause(text[max(0, fact.start - cfg["duration_window"]) : fact.start], cfg, tail=True)
    after = _clause(text[fact.end : fact.end + cfg["duration_window"]], cfg, tail=False)
    if any(cue in before or cue in after for cue in cfg["arrears_cues"]):
        return "months"
    if any(cue in before for cue in cfg["service_cues"]):
        return "service_months"
    # 三个月的工资: a bare duration next to wages is the arrears; 三年没交社保 is neither.
    return "months" if any(w in before or w in after for w in cfg["wage_words"]) else None


def _clause(chunk: str, cfg: dict[str, Any], tail: bool) -> str:
    """The part of chunk in the fact's clause (after the last or before the first break)."""
    breaks = [i for i, ch in enumerate(chunk) if ch in cfg["clause_breaks"]]
    if not breaks:
        return chunk
    return chunk[breaks[-1] + 1 :] if tail else chunk[: breaks[0]]


_NAME_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,12}")


_WORKPLACE_CALLED = re.compile(
    r"(?:厂子?|工厂|公司|店|饭店|酒店|工地|单位|项目|厂名|公司名|店名)(?:的名字)?(?:叫做?|名叫)"
)


def _called(text: str) -> Fact | None:
    """一个厂子叫金瑞食品: the name said after 叫, read as an answer to "哪家单位" would be."""
    m = _WORKPLACE_CALLED.search(text)
    if m is None:
        return None
    name = answers.employer_name(text[m.end() :])
    if not name:
        return None
    start = text.find(name, m.end())
    return Fact("employer", name, False, start, start + len(name)) if start >= 0 else None


def _named_after_place(text: str, place: Fact | None, cfg: dict[str, Any]) -> Fact | None:
    """随州曾都区恒通专汽欠我…: a short name right after the place and before a complaint verb."""
    if place is None or place.detail is None or place.detail.get("level") == "province":
        return None
    run = _NAME_RUN.match(text, place.end)
    if run is None:
        return None
    cut = min((i for w in cfg["name_enders"] if (i := run.group().find(w)) > 0), default=-1)
    name = run.group()[:cut] if cut > 0 else ""
    if not 2 <= len(name) <= cfg["name_max_len"] or name in cfg["employer_generic"]:
        return None
    return Fact("employer", name, True, place.end, place.end + len(name))


def _date_facts(text: str, today: date, cfg: dict[str, Any]) -> dict[str, Fact]:
    """date (the first one), entry_date and left_date (by the verb next to them)."""
    facts: dict[str, Fact] = {}
    for found in find_dates(text, today):
        detail = {"date": found.value.isoformat(), "precision": found.precision}
        fact = Fact("date", found.text, False, found.start, found.end, detail)
        facts.setdefault("date", fact)
        near = _clause(text[found.end : found.end + cfg["date_role_window"]], cfg, tail=False)
        for role in ("entry_date", "left_date"):
            if role not in facts and any(cue in near for cue in cfg[role + "_cues"]):
                facts[role] = Fact(role, found.text, False, found.start, found.end, detail)
    return facts


def _place(text: str, near: str | None) -> Fact | None:
    place, looked_up = regions.resolve(text, near), text
    while place is not None and answers.place_in_name(looked_up, place.start, place.end):
        # 永兴鞋业: a company's name, not the county 永兴; look past it
        looked_up = (
            looked_up[: place.start] + "　" * (place.end - place.start) + looked_up[place.end :]
        )
        place = regions.resolve(looked_up, near)
    if place is None:
        return None
    detail = {**place.as_dict(), "display": place.display}
    # The value is the place as the worker wrote it (洛江区万安街道); detail has the full chain.
    return Fact("place", text[place.start : place.end], place.ambiguous, *_span(place), detail)


def _span(place: regions.Place) -> tuple[int, int]:
    return place.start, place.end


def _number_facts(text: str, cfg: dict[str, Any]) -> dict[str, Fact]:
    """amount, months, service_months and headcount from the numerals of the text."""
    facts: dict[str, Fact] = {}
    money: list[tuple[int, Fact]] = []
    durations: list[Fact] = list(_half_months(text))
    heads: list[Fact] = []
    for n in _numbers(text, cfg):
        if answers.own_share(text, n.start, n.end):
            continue  # 我一个人的一万九: the worker's own part, said with the sum
        if head := _headcount(text, n, cfg):
            heads.append(head)
        elif month := _months(text, n):
            durations.append(month)
        elif found := _money(text, n, cfg):
            money.append(found)
    if money:
        facts["amount"] = min(money, key=lambda rf: (rf[0], rf[1].start))[1]
    for fact in sorted(durations, key=lambda f: f.start):
        kind = _duration_kind(text, fact, cfg)
        if kind is not None:
            facts.setdefault(kind, replace(fact, name=kind))
    heads = [h for h in heads if not answers.workplace_size(text, h.start, h.end)]
    if heads:
        facts["headcount"] = max(heads, key=lambda f: (f.value, -f.start))
    return facts


def duration_months(text: str) -> float | None:
    """The first duration in a short answer, in months ("两年半" → 30), whatever it is about;
    extract() keeps a duration only when its context says what it measures."""
    text = text[: load().max_chars] if isinstance(text, str) else ""
    found = [f for n in _numbers(text, _cfg()) if (f := _months(text, n))]
    found += list(_half_months(text))
    return float(min(found, key=lambda f: f.start).value) if found else None


@lru_cache(maxsize=1)
def _headcount_re() -> re.Pattern[str]:
    """A numeral, maybe 多/几, maybe 个/名/位, then a person noun: a cheap pre-check."""
    cfg = _cfg()
    words = sorted(cfg["person_nouns"] + cfg["person_classifiers"], key=len, reverse=True)
    suffixes = "|".join(map(re.escape, cfg["approx_suffixes"]))
    return re.compile(rf"(?:{NUMBER.pattern})(?:{suffixes})?(?:{'|'.join(words)})")


def headcount(text: str) -> Fact | None:
    """Only the headcount of a message (cheap: no place or date look-up)."""
    text = text[: load().max_chars] if isinstance(text, str) else ""
    if not _headcount_re().search(mask_long_runs(text)):
        return None
    return _number_facts(mask_long_runs(_without_personal(text)), _cfg()).get("headcount")


def extract(text: str, today: date | None = None, near: str | None = None) -> dict[str, Fact]:
    """Extract the facts of a message; missing ones are absent. Never raises on odd input.

    `today` anchors relative dates (去年12月); `near` is an admin code already known for the
    case, used to resolve a place name that exists in several regions (万安街道).
    """
    cfg = _cfg()
    text = text[: load().max_chars] if isinstance(text, str) else ""
    facts = _number_facts(mask_long_runs(_without_personal(text)), cfg)
    place = _place(text, near)
    employer = _employer(text, cfg) or _called(text) or _named_after_place(text, place, cfg)
    here = str(place.detail["code"]) if place is not None and place.detail else None
    if employer is not None and answers.proper_name(str(employer.value), here):
        facts["employer"] = employer
    # Only a county or township can be routed to its mediation centre (design.md, routing
    # step 5): for a bare 泉州 or 安徽 intake still asks where (nlp.regions.resolve has it).
    if place is not None and place.detail and place.detail["level"] in ("county", "township"):
        facts["place"] = place
    facts.update(_date_facts(text, today or date.today(), cfg))
    facts.update(personal_facts(text))
    return facts


# Personal numbers (PIPL-28: ID numbers and accounts are sensitive): detect, never echo.
PHONE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
LANDLINE = re.compile(r"(?<![0-9])0[1-9][0-9]{1,2}-[0-9]{7,8}(?![0-9])")
ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9A-Za-z])"
)
BANK_CARD = re.compile(r"(?<![0-9])[1-9][0-9]{3}(?:[ -]?[0-9]{4}){3}(?:[0-9]{0,3})(?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_checksum_ok(number: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID number."""
    number = number.translate(_NARROW)
    total = sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _mask(raw: str, keep_head: int, keep_tail: int) -> str:
    digits = [i for i, c in enumerate(raw) if c.isalnum()]
    hidden = set(digits[keep_head : len(digits) - keep_tail])
    return "".join("*" if i in hidden else c for i, c in enumerate(raw))


_MASKS = ((ID_NUMBER, 3, 4), (BANK_CARD, 0, 4), (PHONE, 3, 4), (LANDLINE, 4, 2))
# A full-width keyboard types ０-９ and Ｘ: the same numbers, found and masked the same way.
# Patterns run on a narrowed copy (one character for one, so spans match the original).
_NARROW = {c + 0xFEE0: c for c in (*range(0x30, 0x3A), ord("X"), ord("x"))}


def _replace(pattern: re.Pattern[str], text: str, new: Callable[[str], str]) -> str:
    """``pattern.sub`` matching full-width digits too; ``new`` gets the original characters."""
    parts, last = [], 0
    for m in pattern.finditer(text.translate(_NARROW)):
        parts += [text[last : m.start()], new(text[m.start() : m.end()])]
        last = m.end()
    return "".join([*parts, text[last:]])


# Every number _MASKS finds has 10 digits or more (the shortest, a landline 010-1234567),
# ASCII or full-width, with at most one space or dash between two of them; text without such
# a run is returned at once (logs and audit reasons pass through here on every request).
_MAYBE_PERSONAL = re.compile(r"[0-9０-９](?:[ -]?[0-9０-９]){9}")


def mobile_number(text: str) -> str | None:
    """The first mobile number in the text as its 11 ASCII digits: typed full-width (many
    phones' keyboards: １３９…), in groups (139 1234 5678) or after +86, it is one number."""
    found = PHONE.search(text.translate(_NARROW))
    return re.sub(r"[^0-9]", "", found.group())[-11:] if found else None


def mask_personal(text: str) -> str:
    """The text with ID, bank-card and phone numbers masked (for logs, shares and exports)."""
    if not _MAYBE_PERSONAL.search(text):
        return text
    for pattern, head, tail in _MASKS:
        text = _replace(pattern, text, _masker(head, tail))
    return text


def _masker(head: int, tail: int) -> Callable[[str], str]:
    return lambda raw: _mask(raw, head, tail)


def _without_personal(text: str) -> str:
    """Personal numbers blanked (same length) so they are not read as money or dates."""
    for pattern, _, _ in _MASKS:
        text = _replace(pattern, text, lambda raw: "＃" * len(raw))
    return text


def personal_facts(text: str) -> dict[str, Fact]:
    """phone and id_number facts with masked values (the span points at the raw number)."""
    facts: dict[str, Fact] = {}
    text = text.translate(_NARROW)
    if m := ID_NUMBER.search(text):
        detail = {"checksum_ok": id_checksum_ok(m.group())}
        facts["id_number"] = Fact("id_number", _mask(m.group(), 3, 4), False, *m.span(), detail)
    for pattern, kind in ((PHONE, "mobile"), (LANDLINE, "landline")):
        if "phone" not in facts and (m := pattern.search(_blank(text, facts.get("id_number")))):
            value = _mask(m.group(), 3, 4) if kind == "mobile" else _mask(m.group(), 4, 2)
            facts["phone"] = Fact("phone", value, False, *m.span(), {"kind": kind})
    return facts


def _blank(text: str, fact: Fact | None) -> str:
    if fact is None:
        return text
    return text[: fact.start] + "＃" * (fact.end - fact.start) + text[fact.end :]
