"""Property-based fuzzing of the NLP (hypothesis): whatever a worker types — mixed scripts,
full-width digits, control characters, emoji, a pasted novel — classification, extraction,
masking and the reading of settlement terms never raise, point only inside the text, never
find a negative amount, and give the same answer twice.

The number of generated texts follows the fuzz setting TIAOJIE_FUZZ_EXAMPLES (default 10,000,
the API fuzz run's total): half as many texts here, spread over the properties.
"""

from __future__ import annotations

import os
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp import classify, extract, mask_personal, parse_terms, warm_up
from nlp.extract import duration_months, headcount
from nlp.numbers import mask_long_runs, parse_cn_number
from nlp.regions import resolve

TOTAL = int(os.environ.get("TIAOJIE_FUZZ_EXAMPLES", "10000"))
PROPERTIES = 8
EXAMPLES = max(10, TOTAL // 2 // PROPERTIES)
TODAY = date(2026, 11, 28)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # speed lives in benchmarks and test_nlp_extract's adversarial timings
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# What workers' messages are made of: the words the taxonomy and extractors look for, numbers
# in every script, places, and what a phone keyboard or a paste adds around them.
WORDS = [
    "老板", "拖欠", "工资", "欠薪", "三个月", "两万四", "2万8", "1.5万", "5k", "3w", "一万二",
    "元", "块", "多", "几", "个", "人", "工友", "我们", "二十几个", "泉州", "洛江区", "万安街道",
    "鞋业有限公司", "工地", "包工头", "辞退", "开除", "工伤", "社保", "加班费", "经济补偿",
    "没有", "木有", "不", "没得", "冇", "出粮", "跳楼", "年底", "月底前", "分两次", "七成",
    "百分之五十", "一半", "打八折", "去年12月", "2026年2月30日", "春节", "下月初",
    "13912345678", "350504199001011234", "6222 0210 0123 4567",
]  # fmt: skip
DIGITS = st.sampled_from("0123456789０１２３４５６７８９零一二两三四五六七八九十百千万亿点.,，")
ODD = st.sampled_from(
    [
        "\x00",
        "\x1b[31m",
        "\u200b",
        "\ufeff",
        "\r\n",
        "\t",
        "😀",
        "🙏",
        "<script>",
        "'\"",
        "\\",
        "％",
    ]
)
FRAGMENT = st.one_of(
    st.sampled_from(WORDS),
    st.text(DIGITS, min_size=1, max_size=40),
    ODD,
    st.text(max_size=8),  # any unicode, any script
)
SHORT = st.one_of(st.lists(FRAGMENT, max_size=30).map("".join), st.text(max_size=300))
# Very long (one text in ten): a repeated fragment, up to 6,000 characters.
LONG = st.tuples(FRAGMENT, st.integers(1, 1500)).map(lambda fr: (fr[0] * fr[1])[:6000])
TEXT = st.integers(0, 9).flatmap(lambda k: LONG if k == 0 else SHORT)


def setup_module() -> None:
    warm_up()


def inside(text: str, start: int, end: int) -> bool:
    return 0 <= start <= end <= len(text)


@FUZZ
@given(TEXT)
def test_classification_never_raises_and_points_at_its_words(text: str) -> None:
    result = classify(text)
    labels = [*result.labels, *result.flags, *([result.not_labor] if result.not_labor else [])]
    for label in labels:
        for match in label.matches:
            assert inside(text, match.start, match.end) and match.start < match.end
            assert text[match.start : match.end] == match.term
    assert classify(text) == result  # deterministic: the same words, the same reading


@FUZZ
@given(TEXT)
def test_extracted_facts_lie_inside_the_text_and_amounts_are_not_negative(text: str) -> None:
    facts = extract(text, TODAY)
    for name, fact in facts.items():
        assert fact.name == name and inside(text, fact.start, fact.end), (name, fact)
        if name in ("amount", "months", "headcount", "service_months", "arrears_months"):
            assert isinstance(fact.value, int | float) and fact.value >= 0, fact
    assert extract(text, TODAY) == facts


@FUZZ
@given(TEXT)
def test_masking_keeps_the_length_hides_numbers_and_is_idempotent(text: str) -> None:
    masked = mask_personal(text)
    assert len(masked) == len(text)  # spans computed on either text stay valid
    assert mask_personal(masked) == masked
    for fact in extract(masked, TODAY).values():
        if fact.name in ("phone", "id_number"):
            assert "*" in str(fact.value)


@FUZZ
@given(TEXT)
def test_settlement_terms_are_read_without_raising_and_within_the_text(text: str) -> None:
    terms = parse_terms(text, TODAY)
    assert terms.amount is None or terms.amount >= 0
    assert terms.share is None or 0 < terms.share <= 10, terms  # 七成, 150%: a share, not junk
    assert terms.instalments is None or terms.instalments >= 1
    for start, end in terms.spans.values():
        assert inside(text, start, end)
    assert parse_terms(text, TODAY) == terms


@FUZZ
@given(TEXT)
def test_long_numeral_runs_are_blanked_one_for_one_and_once(text: str) -> None:
    blanked = mask_long_runs(text)
    assert len(blanked) == len(text) and mask_long_runs(blanked) == blanked


@FUZZ
@given(TEXT)
def test_places_headcounts_and_durations_never_raise(text: str) -> None:
    place = resolve(text)
    if place is not None:
        assert inside(text, place.start, place.end)
    count = headcount(text)
    # "0人" reads as a headcount of 0: odd but harmless (collective starts at 10, LDMAL-7).
    assert count is None or (count.value >= 0 and inside(text, count.start, count.end))
    months = duration_months(text)
    assert months is None or months >= 0


@FUZZ
@given(st.one_of(st.text(DIGITS, max_size=40), st.text(max_size=40)))
def test_any_numeral_string_parses_to_a_number_or_none(raw: str) -> None:
    value = parse_cn_number(raw)
    assert value is None or (isinstance(value, int | float) and value >= 0)
    assert parse_cn_number(raw) == value


def test_numbers_typed_full_width_are_masked_like_ascii_ones() -> None:
    text = "电话１３９１２３４５６７８，身份证１１０１０５１９４９１２３１００２Ｘ"
    assert mask_personal(text) == "电话１３９****５６７８，身份证１１０***********００２Ｘ"
    facts = extract(text, TODAY)
    assert facts["phone"].value == "139****5678" and facts["id_number"].detail == {
        "checksum_ok": True
    }


@FUZZ
@given(st.integers(0, 10**12), st.sampled_from(["", "元", "块", "块钱"]))
def test_full_width_digits_read_like_ascii_ones(amount: int, unit: str) -> None:
    ascii_text = f"老板欠我{amount}{unit}工资"
    wide_text = ascii_text.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    assert parse_cn_number(str(amount)) == parse_cn_number(
        str(amount).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    )
    a, w = extract(ascii_text, TODAY).get("amount"), extract(wide_text, TODAY).get("amount")
    assert (a and (a.value, a.start, a.end)) == (w and (w.value, w.start, w.end))
