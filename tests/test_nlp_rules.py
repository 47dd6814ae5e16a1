"""Rule families of the classifier, on sentences written the way workers type (our own).

tests/data/nlp_phrasings.jsonl holds one or more sentences per family (colloquial, typos,
voice-to-text, dialect flavour); each must get exactly its labels and flags.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.intents import WORDS_PATH as INTENTS
from nlp import classify
from nlp.answers import DATA_PATH as ANSWERS
from nlp.classify import URGENT_PATH, urgency
from nlp.evaluate import read_jsonl
from nlp.features import folding
from nlp.taxonomy import DATA_PATH, FOLD_TABLE, first_chars, load, needed_chars

PHRASINGS = read_jsonl(Path(__file__).parent / "data" / "nlp_phrasings.jsonl")


@pytest.mark.parametrize("row", PHRASINGS, ids=[row["id"] for row in PHRASINGS])
def test_how_workers_write(row: dict[str, Any]) -> None:
    result = classify(row["text"])
    got = set(result.dispute_types) or ({"not_labor"} if result.not_labor else set())
    assert got == set(row["labels"]), row["text"]
    assert set(result.flag_names) == set(row["flags"]), row["text"]


def test_injury_for_a_private_employer_also_asks_who_employed_whom() -> None:
    # Civil Code art. 1192 (个人劳务): the employment question comes with the injury.
    result = classify("给个体老板干活时从梯子上摔下来骨折了")
    assert {"work_injury", "labor_relation"} <= set(result.dispute_types)
    labor = next(label for label in result.labels if label.name == "labor_relation")
    assert [m.term for m in labor.matches] == ["个体"]


def test_injury_at_a_company_is_only_an_injury() -> None:
    assert classify("在公司车间干活时手被机器压伤了").dispute_types == ("work_injury",)


def test_a_weak_pay_hint_in_a_job_question_leans_to_wage_arrears() -> None:
    assert classify("我在单位上班，这几个月的工资条对不上").dispute_types == ("wage_arrears",)


def test_a_job_question_without_any_hint_stays_other() -> None:
    assert classify("我在这家公司上班三年了，想问问老板这样做合理吗").dispute_types == ("other",)


def test_firm_evidence_is_kept_beside_a_stronger_dispute() -> None:
    result = classify("入职两年一直没签合同，公司也从来不交社保，社保断缴了好几个月")
    assert {"social_insurance", "no_contract"} <= set(result.dispute_types)


def test_a_side_remark_is_still_dropped() -> None:
    result = classify("辞职后社保断缴了，失业金和养老保险怎么补缴")
    assert result.dispute_types == ("social_insurance",)


def test_not_paying_compensation_is_not_unpaid_wages() -> None:
    assert classify("公司不支付经济补偿金就让我们走").dispute_types == ("termination_compensation",)


def test_not_issuing_a_certificate_is_not_unpaid_wages() -> None:
    assert "wage_arrears" not in classify("老板不给开离职证明，我入不了新单位").dispute_types


def test_labour_flags_are_dropped_when_the_message_is_not_about_labour() -> None:
    result = classify("房东找的装修队把我家墙弄裂了，要离婚的老公也不管")
    assert result.not_labor is not None and result.flag_names == ()


def test_urgent_stays_whatever_the_topic() -> None:
    result = classify("离婚官司打了两年，我真的不想活了")
    assert result.not_labor is not None and "urgent" in result.flag_names


@given(st.text(alphabet=st.sampled_from("工资欠拖a1Z伤时打5万，。😀<>"), max_size=60))
def test_matches_always_point_into_the_text(text: str) -> None:
    result = classify(text)
    for label in (*result.labels, *result.flags):
        for match in label.matches:
            assert text[match.start : match.end] == match.term


def test_other_wins_when_its_own_terms_outweigh_the_rest() -> None:
    result = classify("签了竞业协议，辞职以后不让去同行干")
    assert result.dispute_types[0] == "other"


def test_other_stays_a_residual_beside_a_stronger_type() -> None:
    result = classify("试用期被辞退了，公司不给任何补偿")
    assert result.dispute_types == ("termination_compensation",)


@pytest.mark.parametrize(
    ("pattern", "first"),
    [
        ("(?:没|没有)给", {"没"}),
        ("(?:一个)?(?:礼拜|周)干", {"一", "礼", "周"}),
        ("[0-9]{2,}人", set("0123456789")),
        ("(?=工)工资", {"工"}),
        ("(?:多)?", None),
        (".{0,3}伤", None),
        ("[^，]伤", None),
    ],
)
def test_first_chars_of_a_pattern(pattern: str, first: set[str] | None) -> None:
    found = first_chars(pattern)
    assert (found if found is None else set(found)) == first


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        ("合同[^，]{0,6}没签", {"合", "同", "没", "签"}),
        ("(?:没|没有)给", {"没", "给"}),
        ("(?:我|俺)开(?:了)?店", {"开", "店"}),
        ("(?:只|才)(?<!补偿.)给", {"给"}),
        ("(?:多)?人", {"人"}),
        ("[0-9]+块?", set()),
    ],
)
def test_needed_chars_of_a_pattern(pattern: str, needs: set[str]) -> None:
    assert set(needed_chars(pattern)) == needs


PATTERN_CHARS = "没有给我发工资钱一二3个月被砍手伤了礼拜干7天，"


@given(st.text(alphabet=st.sampled_from(PATTERN_CHARS), max_size=30))
def test_a_pattern_never_matches_without_one_of_its_first_chars(text: str) -> None:
    for pattern in load().patterns:
        if pattern.first is not None and pattern.regex.search(text):
            assert not set(text).isdisjoint(pattern.first), pattern.regex.pattern


@given(st.text(alphabet=st.sampled_from(PATTERN_CHARS + "合同签社保开店拖欠俺"), max_size=30))
def test_a_pattern_never_matches_without_its_needed_chars(text: str) -> None:
    for pattern in load().patterns:
        if pattern.regex.search(text):
            assert pattern.needs <= set(text), pattern.regex.pattern


@pytest.mark.parametrize(
    "text",
    [
        "我不想活了，老板欠我三个月工资",
        "我想离婚，他说要杀了我",
        "在工地摔瘫痪了",
        "老板欠我三个月工资",
    ],
)
def test_urgent_flag_is_exactly_the_urgency_detector(text: str) -> None:
    assert ("urgent" in classify(text).flag_names) == (urgency(text) is not None)


def test_spelling_folds_reach_the_keyword_scan() -> None:
    result = classify("老版欠我公资三个月")
    assert "wage_arrears" in result.dispute_types
    assert [m.term for m in result.labels[0].matches if m.term in ("老版", "公资")]


def _taxonomy_strings() -> list[str]:
    raw = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    groups = [*raw["disputes"].values(), *raw["flags"].values()]
    groups += [raw["labor_context"], raw["not_labor"], *raw["hard_negatives"].values()]
    found = [
        key
        for g in groups
        for part in ("terms", "if_negated", "patterns")
        for key in g.get(part, {})
    ]
    return found + raw["negation"]["cues"] + raw["negation"]["lack_cues"]


def test_the_taxonomy_is_written_as_the_scan_reads_it() -> None:
    # The scan reads folded text (俺→我, 冇→没, 补尝→补偿): a term spelled otherwise never
    # matches. Width and case are folded too, which a pattern's character classes allow for.
    fold = folding()
    unread = [s for s in _taxonomy_strings() if fold(s) != s.translate(FOLD_TABLE)]
    assert unread == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("薛家湾的煤矿上 欠俺们四个月工资了 俺们是井下采煤的", "wage_arrears"),
        ("俺们厂子欠俺工资半年了", "wage_arrears"),
        ("老细冇出粮成两个月", "wage_arrears"),
        ("干了三年说辞就辞 补尝一分没有", "termination_compensation"),
    ],
)
def test_dialect_spellings_read_like_the_common_ones(text: str, expected: str) -> None:
    assert expected in classify(text).dispute_types


def test_the_intent_words_are_written_as_they_are_read() -> None:
    # handlers.intents reads a message through the same folds: 唔想搞 is matched as 不想搞.
    raw = json.loads(INTENTS.read_text(encoding="utf-8"))
    fold = folding()
    unread = [k for k, rx in raw.items() if k[0] != "_" and fold(rx) != rx.translate(FOLD_TABLE)]
    assert unread == []


def test_the_urgency_rules_are_written_as_they_are_read() -> None:
    raw = json.loads(URGENT_PATH.read_text(encoding="utf-8"))
    fold = folding()
    written = [
        x
        for kind in raw["kinds"].values()
        for x in (*kind.get("terms", ()), *kind.get("patterns", ()))
    ]
    unread = [x for x in written + raw["negation"]["cues"] if fold(x) != x.translate(FOLD_TABLE)]
    assert unread == []


def test_pain_without_care_is_urgent() -> None:
    found = urgency("手被烫伤了 起了好多大泡 主管不给请假去医院 说涂点药膏就行 现在痛得受不了")
    assert found is not None and found.kind == "medical"
    assert urgency("厂里不让请假 说没人顶班") is None


def test_the_employer_words_are_written_as_they_are_read() -> None:
    # nlp.answers.employer_name reads an answer through the folds: 俺们厂 is matched as 我们厂.
    raw = json.loads(ANSWERS.read_text(encoding="utf-8"))["employer"]
    fold = folding()
    unread = [
        k
        for k, rx in raw.items()
        if k[0] != "_" and isinstance(rx, str) and fold(rx) != rx.translate(FOLD_TABLE)
    ]
    assert unread == []
