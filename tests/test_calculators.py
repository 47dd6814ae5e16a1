"""What the law gives (LCL), with the local figures used — checked by hand-worked examples."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers import calculators as calc
from handlers import texts, triage


@pytest.mark.parametrize(
    ("months", "years"),
    [
        (0, 0.0),
        (3, 0.5),
        (5, 0.5),
        (6, 1.0),
        (11, 1.0),
        (12, 1.0),
        (13, 1.5),
        (18, 2.0),
        (30, 3.0),
        (41, 3.5),
    ],
)
def test_years_of_service_count_as_lcl_47_says(months: int, years: float) -> None:
    assert calc.compensation_years(months) == years


def test_compensation_for_two_and_a_half_years_in_luojiang() -> None:
    result = calc.economic_compensation(6000, 30, "350504001")
    assert (result.amount, result.rule) == (18000, "LCL-47")
    assert result.inputs["minimum_source"] == "福建省第2档"


def test_a_wage_below_the_local_minimum_is_raised_to_it() -> None:
    result = calc.economic_compensation(1500, 7, "350504")
    assert result.amount == 2195 and result.inputs["base"] == 2195


def test_a_high_wage_in_tianjin_is_capped_at_three_times_its_average_not_rounded_down() -> None:
    result = calc.economic_compensation(60000, 200, "120101")  # 天津 和平区: a 直辖市
    cap = 3 * 142437 / 12  # 35609.25: the figure is not rounded down
    assert result.inputs["base"] == cap and result.inputs["years"] == 12
    assert result.amount == 427311  # 35609.25 × 12
    assert (result.inputs["average_area"], result.inputs["average_year"]) == ("天津市", 2024)
    assert result.inputs["notes"] == [
        "月工资超过天津市2024年职工月平均工资11869.75元的3倍，基数按35609.25元、"
        "年限最多按12年计（所用数据为城镇非私营单位就业人员平均工资）"
    ]


def test_a_provinces_own_average_is_not_the_employers_citys() -> None:
    result = calc.economic_compensation(60000, 200, "320505")  # 苏州: only 江苏's figure is known
    assert result.inputs["average_monthly"] is None and result.inputs["average_area"] == "苏州市"
    assert result.amount == 60000 * calc.compensation_years(200)  # no cap, and said so
    assert result.inputs["notes"] == [texts.CALC_NO_AVERAGE.format(area="苏州市")]


@pytest.mark.parametrize(
    ("code", "city"), [("220102", "长春市"), ("420102", "武汉市"), ("630102", "西宁市")]
)
def test_without_the_citys_average_wage_the_worker_is_told_plainly(code: str, city: str) -> None:
    result = calc.economic_compensation(30000, 24, code)  # 吉林, 湖北, 青海
    assert result.inputs["average_monthly"] is None and result.amount == 60000
    facts = {"monthly_wage": 30000, "service_months": 24, "place_code": code}
    decision = triage.decide(("termination_compensation",), (), facts, date(2026, 11, 16))
    said = (
        f"说明：暂无{city}的职工月平均工资数据，没法判断是否超过“当地月平均工资3倍”的封顶，没有封顶"
    )
    assert any(said in note for note in decision.notes)


def test_unlawful_termination_is_twice_n() -> None:
    n = calc.economic_compensation(5000, 30)
    assert calc.unlawful_termination(5000, 30).amount == 2 * n.amount


@pytest.mark.parametrize(("months", "counted"), [(1, 0), (2, 1), (8, 7), (12, 11), (30, 11)])
def test_double_wage_counts_from_the_second_month_up_to_eleven(months: int, counted: int) -> None:
    result = calc.double_wage(5000, months)
    assert result.inputs["months_counted"] == counted and result.amount == 5000 * counted
    assert result.inputs["days_counted"] == 0


def test_a_part_month_without_a_contract_counts_by_its_days() -> None:
    result = calc.double_wage(6000, 7 + 10 / 30)  # 七个月零十天: 6 months and 10 days count
    assert (result.inputs["months_counted"], result.inputs["days_counted"]) == (6, 10)
    assert result.amount == 6000 * 6 + 2000


def test_half_a_month_without_a_contract_counts_nothing() -> None:
    assert calc.double_wage(6000, 0.5).amount == 0  # the first month is the law's month to sign


def test_overtime_rates_follow_article_44() -> None:
    assert calc.overtime_hourly(4350) == {"workday": 38, "rest_day": 50, "holiday": 75}


def test_an_unknown_place_uses_no_local_figures() -> None:
    assert calc.local_wages(None).minimum is None
    assert calc.economic_compensation(1000, 12).amount == 1000


@given(st.integers(1, 100_000), st.integers(0, 600))
def test_compensation_is_never_negative_and_never_more_than_2n(wage: int, months: int) -> None:
    n = calc.economic_compensation(wage, months, "350504")
    assert 0 <= n.amount <= calc.unlawful_termination(wage, months, "350504").amount
