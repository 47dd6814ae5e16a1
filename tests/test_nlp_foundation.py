"""Tests for the nlp foundation: number parsing, keyword classification, fact extraction."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp import Classification, Fact, Label, Match, classify, extract, warm_up
from nlp.numbers import parse_cn_number

_CN_DIGITS = "零一二三四五六七八九"
TODAY = date(2025, 3, 20)  # what relative dates count from


def _render_section(n: int) -> str:
    """Render 1..9999 in standard Chinese numerals, with 零 for inner gaps."""
    out: list[str] = []
    gap = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit % 10
        if digit == 0:
            gap = bool(out)
            continue
        if gap:
            out.append("零")
            gap = False
        out.append(_CN_DIGITS[digit] + name)
    return "".join(out)


def _render(n: int) -> str:
    """Render 1..10^8 in full form (一十 kept inside; leading 一十 becomes 十 later)."""
    for unit, name in ((10**8, "亿"), (10**4, "万")):
        if n >= unit:
            high, low = divmod(n, unit)
            text = _render(high) + name
            if low:
                text += ("零" if low < unit // 10 else "") + _render(low)
            return text
    return _render_section(n)


def render_cn(n: int) -> str:
    """Standard Chinese numerals: 15 → 十五, 100010 → 十万零一十, 1005 → 一千零五."""
    text = _render(n)
    return text[1:] if text.startswith("一十") else text


def test_renderer_examples() -> None:
    assert render_cn(15) == "十五"
    assert render_cn(110) == "一百一十"
    assert render_cn(1005) == "一千零五"
    assert render_cn(100010) == "十万零一十"
    assert render_cn(10**8) == "一亿"


@given(st.integers(min_value=1, max_value=10**8))
def test_standard_chinese_numerals_round_trip(n: int) -> None:
    assert parse_cn_number(render_cn(n)) == n


@given(st.integers(min_value=1, max_value=10**8))
def test_arabic_numerals_round_trip(n: int) -> None:
    assert parse_cn_number(str(n)) == n


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一万二", 12000),
        ("三万二", 32000),
        ("2万8", 28000),
        ("八千五", 8500),
        ("三百五", 350),
        ("1.5万", 15000),
        ("5k", 5000),
        ("5K", 5000),
        ("3w", 30000),
        ("两千", 2000),
        ("壹万贰仟", 12000),
        ("二〇二三", 2023),
        ("一千零五", 1005),
        ("一点五万", 15000),
        ("12,000", 12000),
        ("3.5", 3.5),
        ("５ｋ", 5000),
    ],
)
def test_colloquial_numbers(text: str, value: float) -> None:
    assert parse_cn_number(text) == value


@pytest.mark.parametrize("text", ["", "   ", "abc", "工资", "5五", "²"])
def test_non_numbers(text: str) -> None:
    assert parse_cn_number(text) is None


def _terms(label: Label) -> dict[str, Match]:
    """Map matched term → match, for readable assertions."""
    return {m.term: m for m in label.matches}


def test_wage_arrears_with_positions() -> None:
    text = "老板拖欠我三个月工资了"
    result = classify(text)
    assert result.dispute_types[0] == "wage_arrears"
    assert result.is_labor and result.not_labor is None
    terms = _terms(result.labels[0])
    assert {"拖欠", "工资"} <= set(terms)
    assert (terms["拖欠"].start, terms["拖欠"].end) == (2, 4)
    assert text[terms["工资"].start : terms["工资"].end] == "工资"


def test_work_injury() -> None:
    result = classify("我在厂里操作冲床把手指压断了，老板说不算工伤，只给两千块")
    assert "work_injury" in result.dispute_types


def test_negated_term_does_not_count() -> None:
    result = classify("没有拖欠工资，就是不给交社保")
    assert "social_insurance" in result.dispute_types
    assert "wage_arrears" not in result.dispute_types


def test_question_form_is_not_negation() -> None:
    assert "work_injury" in classify("上班路上摔了一跤，这个是不是工伤？").dispute_types


def test_missing_contract_is_the_complaint() -> None:
    result = classify("干了快一年了，公司一直没跟我签劳动合同")
    assert "no_contract" in result.dispute_types


def test_divorce_is_not_labor() -> None:
    result = classify("我想和老公离婚，孩子的抚养权怎么判？")
    assert result.labels == ()
    assert not result.is_labor
    assert result.not_labor is not None and result.not_labor.name == "not_labor"


def test_greeting_has_nothing() -> None:
    result = classify("你好")
    assert result == Classification((), (), None)


def test_other_when_labour_but_no_type() -> None:
    result = classify("公司要把我从市区的岗位调到郊区的仓库，我不想去")
    assert result.dispute_types == ("other",)


def test_collective_from_headcount() -> None:
    assert "collective" in classify("老板欠了我们工钱", headcount=25).flag_names
    assert "collective" not in classify("老板欠了我们工钱", headcount=3).flag_names


def test_collective_from_text() -> None:
    assert "collective" in classify("全体员工三个月没发工资了").flag_names
    assert "collective" in classify("我们三十多个工友的工资都没结").flag_names


def test_platform_and_construction_flags() -> None:
    assert "platform" in classify("我是美团外卖骑手，送餐路上被车撞了").flag_names
    assert "construction" in classify("包工头拿了工程款跑路了").flag_names


@pytest.mark.parametrize(
    "text",
    ["工资拖了半年，再不给我就去跳楼", "我们明天去公司堵门拉横幅", "砸伤了腿，现在还在医院躺着"],
)
def test_urgent(text: str) -> None:
    assert "urgent" in classify(text).flag_names


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀😀🙏",
        "<script>alert('工资')</script><p>&nbsp;</p>",
        "拖欠" * 3000,
        "啊" * 6000,
        "\x00\ud800",
        "ＨＲ说Ｎ＋１",
    ],
)
def test_adversarial_inputs_never_raise(text: str) -> None:
    result = classify(text)
    assert isinstance(result, Classification)
    assert isinstance(extract(text, TODAY), dict)


@pytest.mark.parametrize("text", ["", "   ", "😀😀🙏", "啊" * 6000])
def test_empty_like_inputs_have_no_labels(text: str) -> None:
    assert classify(text).labels == ()


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Load the tokenizer first: its one-off second would blow a hypothesis deadline."""
    warm_up()


@given(st.text(max_size=300))
def test_any_text_never_raises(text: str) -> None:
    result = classify(text)
    for label in result.labels + result.flags:
        for m in label.matches:
            assert 0 <= m.start < m.end <= len(text)
            assert text[m.start : m.end] == m.term


@pytest.mark.parametrize(
    ("text", "name", "value", "approx"),
    [
        ("老板还欠我一万二", "amount", 12000, False),
        ("一共欠了三万二", "amount", 32000, False),
        ("工资2万8没给", "amount", 28000, False),
        ("每个月8000元", "amount", 8000, False),
        ("说好的八千五只给了一半", "amount", 8500, False),
        ("月薪5k", "amount", 5000, False),
        ("月薪5K", "amount", 5000, False),
        ("补偿1.5万", "amount", 15000, False),
        ("欠我3w", "amount", 30000, False),
        ("欠了三万多", "amount", 30000, True),
        ("就给了两千块", "amount", 2000, False),
        ("拖了三个月", "months", 3.0, False),
        ("干了半年", "service_months", 6.0, False),
        ("做了一年半", "service_months", 18.0, False),
        ("干了两年", "service_months", 24.0, False),
        ("3个月没发", "months", 3.0, False),
        ("干了3年5个月", "service_months", 41.0, False),
        ("我们二十几个人", "headcount", 20, True),
        ("二十几个工友一起", "headcount", 20, True),
        ("30多名工人", "headcount", 30, True),
        ("我们5个人", "headcount", 5, False),
        ("十几个人", "headcount", 10, True),
        ("泉州鑫达鞋业有限公司欠薪", "employer", "泉州鑫达鞋业有限公司", False),
        ("恒通专汽厂", "employer", "恒通专汽厂", False),
        ("我在鑫达鞋厂上班", "employer", "鑫达鞋厂", False),
        ("老板欠我钱，宏远建材公司的", "employer", "宏远建材公司", False),
    ],
)
def test_extract_table(text: str, name: str, value: object, approx: bool) -> None:
    fact = extract(text, TODAY)[name]
    assert isinstance(fact, Fact)
    assert (fact.value, fact.approx) == (value, approx)
    assert name == "employer" or fact.start < fact.end
    if name == "employer":
        assert text[fact.start : fact.end] == value


@pytest.mark.parametrize(
    "text", ["欠了三个月工资", "2019年3月入职", "我在公司上班", "在一家工厂干活", "第3天"]
)
def test_no_spurious_facts(text: str) -> None:
    facts = extract(text, TODAY)
    assert "amount" not in facts
    assert "employer" not in facts


def test_months_are_not_money() -> None:
    facts = extract("老板欠我三个月工资，一共一万二", TODAY)
    assert facts["months"].value == 3.0
    assert facts["amount"].value == 12000


@pytest.mark.parametrize("text", ["1" * 5000, "一" * 40, "9" * 33])
def test_a_numeral_too_long_to_be_a_quantity_is_no_number(text: str) -> None:
    assert parse_cn_number(text) is None


def test_long_numeral_runs_are_blanked_one_char_for_one() -> None:
    from nlp.numbers import mask_long_runs

    text = "欠我" + "1" * 40 + "元，电话13800138000"
    masked = mask_long_runs(text)
    assert len(masked) == len(text)
    assert masked == "欠我" + "#" * 40 + "元，电话13800138000"
