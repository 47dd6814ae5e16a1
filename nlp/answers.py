"""A worker's short answer, read for the question it answers.

"鸿运达鞋材 在万安那边" to "哪家单位" is the name 鸿运达鞋材; "厂里六七十号人呢
就把俺一个撵走了" to "涉及几个人" is one person; "一个月四千底薪 三个月一万二" to
"一共多少钱" owes 12000 at 4000 a month.
The words are data (data/answers.json); nothing here knows the conversation's state.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp import regions
from nlp.features import folding
from nlp.numbers import parse_cn_number, without_counted_one
from nlp.taxonomy import load

DATA_PATH = Path(__file__).parent / "data" / "answers.json"
_CLAUSE = re.compile(r"[\s,，。;；、!！?？~～…]+")
_CN = "零〇一二两俩仨三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
# 2w4 / 1w1 (phone keyboards' 万), 5k, 4300, 一万二, 七八千 (a range: the lower bound, approximate).
NUMERAL = re.compile(
    rf"(?P<arabic>[0-9]+(?:\.[0-9]+)?(?:[wW万千kK](?:[0-9](?![0-9]))?)?)"
    rf"|(?P<range>[一二三四五六七八九](?=[二三四五六七八九](?:[十百千万]|[个人名位号天块元])))?"
    rf"(?P<cn>[{_CN}]+)"
)


@lru_cache(maxsize=1)
def _approx() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The estimate markers after and before a figure, shared with nlp.extract (taxonomy)."""
    cfg = load().extract
    after = "|".join(map(re.escape, sorted(cfg["approx_suffixes"], key=len, reverse=True)))
    before = "|".join(map(re.escape, sorted(cfg["approx_prefixes"], key=len, reverse=True)))
    return re.compile(rf"^(?:{after})"), re.compile(rf"(?:{before})$")


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    with DATA_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@lru_cache(maxsize=64)
def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _rule(*path: str) -> re.Pattern[str]:
    node: Any = _rules()
    for key in path:
        node = node[key]
    return _re(str(node))


def is_unknown(text: str) -> bool:
    """不知道 / 说不清 / 不想说: the worker cannot or will not say."""
    return bool(_rule("unknown").search(text.strip()))


@dataclass(frozen=True)
class Quantity:
    """A number in an answer, where it stands and whether it was said as an estimate."""

    value: int | float
    approx: bool
    start: int
    end: int


# 三十来万 / 一万多块: the estimate marker inside the numeral moves after it (三十万来), so the
# figure is read whole and marked approximate; one character for one keeps the spans.
_INNER_APPROX = re.compile(r"([十百千])(来|多|余)([万千])")


def quantities(text: str) -> list[Quantity]:
    """Every numeral of the answer, in order (几 alone is not a number)."""
    text = _INNER_APPROX.sub(r"\1\3\2", text)
    found = []
    for m in NUMERAL.finditer(text):
        raw, end = without_counted_one(m.group("arabic") or m.group("cn") or "", text, m.end())
        bare_unit = raw in ("十", "百", "千", "万") and not m.group("range")
        if bare_unit and m.start() and text[m.start() - 1] == "几" and raw == "十":
            found.append(Quantity(20, True, m.start() - 1, m.end()))  # 几十个人: twenty or more
            continue
        if bare_unit and not (raw in ("十", "百") and re.match(r"[几多来余]", text[m.end() :])):
            continue  # 十几个人 / 百来号人: ten, a hundred or more
        value = parse_cn_number(raw)
        if value is None or (isinstance(value, float) and value != value):
            continue
        if m.group("range"):  # 七八千 → 7000, 五六个 → 5: the lower bound, an estimate
            unit = parse_cn_number("一" + raw[1:]) if len(raw) > 1 else 1
            low = parse_cn_number(m.group("range"))
            if unit and low:
                value = low * unit
        after, before = _approx()
        approx = bool(m.group("range")) or bool(after.match(text[end:]))
        approx = approx or bool(before.search(text[: m.start()]))
        found.append(Quantity(value, approx, m.start(), end))
    return found


def _before(text: str, q: Quantity) -> str:
    """The words of the numeral's own clause before it."""
    return _CLAUSE.split(text[: q.start])[-1]


# Money ------------------------------------------------------------------------------------


def money_roles(text: str, strict: bool = False) -> dict[str, Quantity]:
    """amount (owed in all) and monthly_wage in an answer about money, by the words around
    each figure; a bare figure is ``bare`` (the question asked decides what it is). ``strict``
    (a whole complaint, not an answer): 工资 alone does not make a figure the monthly wage."""
    monthly = ("money", "monthly_strict") if strict else ("money", "monthly")
    roles: dict[str, Quantity] = {}
    text = _INNER_APPROX.sub(r"\1\3\2", text)
    for q in quantities(text):
        if q.value < 10 and not re.match(r"[wW万千kK]", text[q.end - 1 : q.end]):
            continue  # 三个月, 一个人: counts, not money
        after = text[q.end : q.end + 4]
        if re.match(r"(?:个?月|年|天|人|个|号|日|点|岁|小时|钟)", after):
            continue
        before = _before(text, q)
        if _rule("money", "daily").search(before) or re.match(r"^(?:一天|每天|/天)", after):
            continue
        if re.search(r"个月的$|[两俩仨三四五六七八九十几0-9]个?月的?(?:工资|工钱|钱)$", before):
            roles["amount"] = q  # 最后一个月的四千二 / 三个月的工资一万二: pay owed
        elif _rule(*monthly).search(before) or _rule("money", "monthly_after").match(after):
            roles.setdefault("monthly_wage", q)
        elif _rule("money", "total").search(before) or re.search(r"个月的?$", before):
            roles["amount"] = q
        else:
            roles.setdefault("bare", q)
    return roles


_MONTH_NAMED = re.compile(
    r"(?<![0-9一二三四五六七八九十])(?:上上个?|上个?|这个?|本|[0-9]{1,2}|十[一二]|[一二三四五六七八九十])月(?!薪|工资|底薪)"
)


def months_named(text: str) -> int | None:
    """The months an answer names one by one: "就上个月的" is one, "10月跟11月的" two."""
    named = {m.group() for m in _MONTH_NAMED.finditer(text)}
    return len(named) or None


# Employer ---------------------------------------------------------------------------------


def employer_name(text: str) -> str | None:
    """The name of the workplace in an answer to "哪家单位", never the sentence around it:
    a name given after 叫/是 wins (the last one: "都叫它王家服装厂 正经名字叫绣娘服饰"),
    else the first clause that is a name, without 在…/…那边/…的工地. The answer is read
    through the spelling folds (长安镇嘅宏基塑胶厂 as 长安镇的…), the name kept as typed."""
    folded = folding()(text)
    name = _employer_in(folded)
    if name is None:
        return None
    at = folded.find(name)  # the folds keep the length: the same place in what was typed
    return text[at : at + len(name)] if at >= 0 else name


def _employer_in(text: str) -> str | None:
    cfg = _rules()["employer"]
    named = _named_by_cue(text, cfg)
    if named:
        return named
    if _re(cfg["no_company"]).search(text) and (person := _person_named(text, cfg)):
        return person  # 老板叫王建国 没有公司: the boss himself employs
    for clause in _CLAUSE.split(text):
        name = _clean(clause, cfg)
        if name:
            return name
    return None


def _named_by_cue(text: str, cfg: dict[str, Any]) -> str | None:
    found = None
    for clause in _CLAUSE.split(text):
        for m in re.finditer(cfg["name_cue"], clause):
            if _re(cfg["person_cue"]).search(clause[: m.end()]):
                continue  # 包工头叫老黄: a person, not the workplace
            name = _clean(clause[m.end() :].removeprefix("它").removeprefix("做"), cfg)
            if name:
                found = name
    return found


def _person_named(text: str, cfg: dict[str, Any]) -> str | None:
    """The person named after 老板叫 / 老板是 (王建国), for a boss without a company."""
    for m in re.finditer(cfg["name_cue"], text):
        if not _re(cfg["person_cue"]).search(text[: m.end()]):
            continue
        name = _CLAUSE.split(text[m.end() :])[0]
        if 2 <= len(name) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", name):
            return name
    return None


def _clean(clause: str, cfg: dict[str, Any]) -> str | None:
    name = _re(cfg["lead"]).sub("", clause.strip())
    for _ in range(2):
        name = _re(cfg["tail"]).sub("", name)
    if not 2 <= len(name) <= cfg["max_len"] or _re(cfg["not_a_name"]).search(name):
        return None
    figures = sum(q.end - q.start for q in quantities(name))
    if figures * 2 > len(name) or re.search(r"一共|总共|[块元]$", name):
        return None  # 一共一万六 / 八千: a sum said to the wrong question, not a name
    if _re(cfg["person_name"]).search(name) or is_unknown(name):
        return None
    if _only_a_place(name):
        return None  # 泉州丰泽区 / 白沙镇: a place, not a name
    where, of, rest = name.partition("的")
    if of and len(rest) >= 2 and _only_a_place(where):
        return rest  # 长安镇的宏基塑胶厂: the place it is in, then the name
    return name


def _only_a_place(text: str) -> bool:
    named = sum(m.end - m.start for m in regions.gazetteer().mentions(text))
    return named >= len(text) - 1


# Still working there ------------------------------------------------------------------------


def employed(text: str) -> bool | None:
    """Still working there (True), left (False), or not said (None). The first cue decides:
    "还在 月底走" is still there; a leaving still to come ("月底就不让来了") is too; being on
    leave ("在家养伤") is still being there, a leaving said with it is not."""
    still = _rule("employed", "still").search(text)
    gone = _rule("employed", "gone").search(text)
    if gone and (still is None or gone.start() < still.start()):
        future = _rule("employed", "future").search(text[: gone.start()])
        if future and not gone.group().startswith("没"):  # 过完年就没去了: past, not planned
            return True
        # 还没离开, 没走: a leaving denied is still being there
        return bool(re.search(r"(?:还没|没有?|不是|不会)$", text[: gone.start()]))
    if still:
        return True
    # 在家养伤 / 放假了等通知: on leave is still employed, unless a leaving is said as well
    # ("休产假的时候被辞了")
    return True if _rule("employed", "on_leave").search(text) else None


# Why the job ended --------------------------------------------------------------------------


def left_reason(text: str) -> str | None:
    """Why the job ended (dismissed, laid_off, contract_ended, agreed, employer_closed, forced,
    resigned), or None: the earliest cue wins; "想辞职" and "没被开" say nothing yet."""
    cues = _rules()["left_reason"]
    not_yet = _re(cues["not_yet"])
    found: list[tuple[int, int, str]] = []
    for order, (reason, pattern) in enumerate(cues.items()):
        if reason.startswith("_") or reason == "not_yet":
            continue
        for m in _re(pattern).finditer(text):
            if not not_yet.search(text[max(0, m.start() - 3) : m.start()]):
                found.append((m.start(), order, reason))
                break
    reasons = {reason for _, _, reason in found}
    if {"forced", "resigned"} <= reasons:
        return "forced"  # 我自己辞的 他老拖工资我才走的: a resignation the employer caused
    return min(found)[2] if found else None


# A written contract ---------------------------------------------------------------------


def never_signed(text: str) -> bool:
    """一直没签 / 从来没签过: no written contract the whole time worked."""
    return bool(_rule("contract", "never").search(text.strip()))


def days_said(text: str) -> int | None:
    """The days of a duration ("七个月零十天" → 10), or None."""
    found = _rule("contract", "days").search(text)
    if found is None:
        return None
    value = parse_cn_number(found.group("n"))
    return int(value) if value is not None and value >= 0 else None


# Where a work injury stands -----------------------------------------------------------------

_GRADES = {c: n for n, c in enumerate("一二三四五六七八九十", start=1)}


def injury_progress(text: str) -> dict[str, bool | int]:
    """What the words say of 工伤认定 and 伤残等级鉴定: injury_determined and
    disability_assessed (True done, False not yet) and disability_grade (1 … 10; 0: below
    every grade); only what was said. "认定下来了 九级" is determined and assessed at grade 9."""
    cues = _rules()["injury"]
    found: dict[str, bool | int] = {}
    for fact, step in (("injury_determined", "determined"), ("disability_assessed", "assessed")):
        said = _last_said(text, cues[f"{step}_done"], cues[f"{step}_not_done"], cues["denied"])
        if said is not None:
            found[fact] = said
    grade = _re(cues["grade"]).search(text)
    if grade:
        raw = grade.group(1)
        found["disability_grade"] = _GRADES[raw] if raw in _GRADES else int(raw)
        found["disability_assessed"] = True
    elif _re(cues["no_grade"]).search(text):
        found["disability_grade"] = 0  # assessed, below every grade
        found["disability_assessed"] = True
    return found


def _last_said(text: str, done: str, not_done: str, denied: str) -> bool | None:
    """Done (True) or not yet (False) by the last cue of either; a done cue right after a
    denial (还没认定下来) is not one."""
    said: list[tuple[int, bool]] = [(m.start(), False) for m in _re(not_done).finditer(text)]
    for m in _re(done).finditer(text):
        if not _re(denied).search(text[max(0, m.start() - 3) : m.start()]):
            said.append((m.start(), True))
    return max(said)[1] if said else None


# People in the dispute ----------------------------------------------------------------------


def people(text: str) -> Quantity | None:
    """How many people the dispute is about: "就我一个" is one even when the workplace has
    hundreds ("厂里三百多人 这回就开了我一个"); the size of the workplace is not a headcount."""
    cfg = _rules()["people"]
    alone = _re(cfg["alone"]).search(text)
    if alone and not _re(cfg["with_others"]).match(text[alone.end() :]):  # 就我跟我老伴俩人
        return Quantity(1, False, alone.start(), alone.end())
    best, groups = None, []
    money = {
        q.start
        for role, q in money_roles(text).items()
        if role != "bare" or q.value >= 1000 or re.match(r"[块元]", text[q.end : q.end + 1])
    }
    for q in quantities(text):
        if not isinstance(q.value, int) or q.value < 1 or not _counts_people(text, q, cfg):
            continue
        if q.start in money:
            continue  # 一个月六千五: a wage said for the wrong question, not 6500 people
        if workplace_size(text, q.start, q.end) or own_share(text, q.start, q.end):
            continue
        groups.append(q)
        if best is None or (best.approx and not q.approx):
            best = q  # 十几个 我们组14个: the exact figure said after the estimate
    if len(groups) > 1 and _re(cfg["summed"]).search(text) and not any(g.approx for g in groups):
        total = sum(int(g.value) for g in groups)  # 后厨仨 前厅五个 都没给
        return Quantity(total, False, groups[0].start, groups[-1].end)
    return best


_PERSON = re.compile(r"(?:多|来|几|余)?(?:个|名|位|号)?(?:人|工友|工人|员工|同事|兄弟|老乡|师傅)")
_CLASSIFIER = re.compile(r"(?:多|来|几|余)?(?:个|名|位|号)")
_BARE_END = re.compile(r"(?:多|来|几|余|左右|上下)?(?:[\s，,。!！?？~～]|$)")


def _counts_people(text: str, q: Quantity, cfg: dict[str, Any]) -> bool:
    """十二个人 / 五个都没拿到 / 我们仨 / a bare 八十多: people; 一个班组 / 三个月: not."""
    rest = text[q.end :]
    if _PERSON.match(rest) or _BARE_END.match(rest):
        return True
    classifier = _CLASSIFIER.match(rest)
    after = rest[classifier.end() :] if classifier is not None else rest
    if _re(cfg["not_people_after"]).match(after):
        return False  # 一个小组 / 三个月
    if classifier is not None and _re(cfg["after_count"]).match(after):
        return True  # 五个都没拿到
    counted = classifier is not None or text[q.start : q.end] in ("俩", "仨")  # not 我们四川
    return counted and bool(_re(cfg["group_then_count"]).search(text[: q.start]))


def own_share(text: str, start: int, end: int) -> bool:
    """Whether the one person counted at text[start:end] comes with a sum ("我一个人的一万九",
    "一人一万多"): the worker's own part or a sum per head, not how many are in the dispute."""
    return text[start:end] in ("一", "1") and bool(
        _re(_rules()["people"]["share_after"]).match(text[end:])
    )


def workplace_size(text: str, start: int, end: int) -> bool:
    """Whether the people counted at text[start:end] are the size of the workplace ("厂里两百多人
    就开了我一个") rather than those in the dispute ("厂里两百多人都没拿到")."""
    cfg = _rules()["people"]
    rest_of_clause = _CLAUSE.split(text[end:])[0]
    before = _CLAUSE.split(text[:start])[-1]
    if _re(cfg["group_cue"]).search(rest_of_clause):
        return False
    # 鸿达五金厂一百多号人 老板就把我一个开了: the worker alone is in the dispute
    return bool(_re(cfg["size_cue"]).search(before) or _re(cfg["alone"]).search(text[end:]))


# A name, not a description ------------------------------------------------------------------


_FACILITY = re.compile(r"厂|工厂|车间|店|工地")
_FACILITY_END = re.compile(r"(?:厂|厂子|工厂|车间|店|工地|馆|铺|行)$")
_DIVISION_END = re.compile(r"(?:省|市|区|县|旗|镇|乡|街道|开发区|新区)$")


def place_in_name(text: str, start: int, end: int) -> bool:
    """Whether the place named at text[start:end] is part of a company's name: 永兴鞋业 and
    长安汽配 are companies (a bare place name, then an industry); 晋江鞋厂, 昆山电子厂, 永兴县
    and 东莞长安电子厂 name places."""
    said = text[start:end]
    if _DIVISION_END.search(said) or len(regions.gazetteer().mentions(said)) > 1:
        return False  # 东莞长安电子厂: a factory in 东莞长安, named by the place it is in
    industry = _rule("employer", "industry_after_place").match(text, end)
    # 昆山电子厂: an electronics factory in 昆山, a description rather than a name
    return industry is not None and not _FACILITY.match(text, industry.end())


def proper_name(name: str, here: str | None) -> bool:
    """Whether a workplace named in passing has a name of its own: 泉州鑫达鞋业 and 晋江永兴鞋材厂
    do (鑫达, 永兴), 藁城塑料厂 (the place worked in and a trade), 怀孕了才发现公司 and
    一个汽车服务公司 do not. A place in the name counts as a name unless it is where the
    message says the work is (永兴 is a county in Hunan, not the 晋江 the worker is in).
    ``here``: the division code the message names, if any."""
    cfg = _rules()["employer"]
    if _re(cfg["not_proper"]).search(name):
        return False
    if len(_re(cfg["suffix"]).sub("", name)) <= 2:
        return False  # 焦化厂, 洗车店, 派遣公司: what kind of place, not which one
    places = regions.gazetteer()
    chain = set(places.chain(here)) if here else set()
    rest = name
    for mention in places.mentions(name):
        local = bool(here) and any(
            code in chain or here in places.chain(code) for code in mention.candidates
        )
        if local:
            rest = rest.replace(name[mention.start : mention.end], " ", 1)
    if here and (town := places.township_in(rest, here[:6])):  # 九亭电子厂 in 松江
        rest = rest[: town[1]] + " " * (town[2] - town[1]) + rest[town[2] :]
    elif (town := places.unique_township(rest)) and town[1] == 0 and _FACILITY_END.search(name):
        rest = " " * town[2] + rest[town[2] :]  # 小榄灯饰厂: the one 小榄 in China, a trade
    bare = _FACILITY_END.sub("", rest)  # 打火机 in 邵东打火机厂: before the trade words go
    rest = _re(cfg["trades"]).sub(" ", rest)
    rest = _re(cfg["fillers"]).sub(" ", rest)
    core = re.sub(r"[\s\W\d]", "", rest)
    if _FACILITY_END.search(name) and _common_word(re.sub(r"[\s\W\d]", "", bare)):
        return False  # 邵东打火机厂, 牛肉面馆: what it makes or sells, not which one
    return len(core) >= 2


_COMMON_FREQ = 20  # a word this frequent in jieba's dictionary is an ordinary word, not a brand


def _common_word(word: str) -> bool:
    from nlp.tokenizer import lexicon  # jieba only when a name is checked

    return 2 <= len(word) <= 4 and lexicon().tokenizer.FREQ.get(word, 0) >= _COMMON_FREQ
