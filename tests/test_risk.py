"""The risk ledger (风险台账): rules as data, fired once per case, told to administrators."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.runtime import Runtime
from handlers import risk
from storage.models import RiskAlert
from tests.chat import Chat


def facts(**overrides: object) -> risk.RiskFacts:
    base: dict[str, object] = {
        "dispute_types": ("wage_arrears",),
        "flags": (),
        "headcount": 1,
        "terms": (),
        "today": date(2026, 6, 1),
    }
    return risk.RiskFacts(**{**base, **overrides})  # type: ignore[arg-type]


def kinds(fired: list[risk.RiskRule]) -> set[str]:
    return {rule.kind for rule in fired}


def test_wage_arrears_of_ten_or_more_workers() -> None:
    assert kinds(risk.evaluate(facts(headcount=9))) == set()
    assert kinds(risk.evaluate(facts(headcount=10))) == {"mass_wage_arrears"}
    other = facts(dispute_types=("social_insurance",), headcount=30)
    assert kinds(risk.evaluate(other)) == {"collective"}


def test_construction_wages_before_spring_festival() -> None:
    # 春节 2027 falls on 6 February: 60 days before it is early December.
    site = facts(flags=("construction",))
    assert "festival_wages" not in kinds(risk.evaluate(site))  # June
    assert "festival_wages" in kinds(
        risk.evaluate(facts(flags=("construction",), today=date(2026, 12, 20)))
    )


def test_layoffs_and_urgent_cases() -> None:
    assert "layoff" in kinds(risk.evaluate(facts(terms=("裁员",))))
    assert "urgent" in kinds(risk.evaluate(facts(flags=("urgent",))))


def test_the_same_employer_counts_with_and_without_its_legal_suffix() -> None:
    assert risk.employer_key("泉州鑫达鞋业有限公司") == risk.employer_key("泉州鑫达鞋业")
    assert risk.employer_key(" 鑫达 鞋厂") == "鑫达鞋"


def test_repeat_employer_fires_on_the_third_case_and_not_before(
    chat: Chat, runtime: Runtime
) -> None:
    admin = chat.login("admin", "区人社局")
    for number in range(1, 4):
        worker = chat.login("worker", f"工人{number}")
        worker.says(f"泉州鑫达鞋业有限公司拖欠我{number}个月工资，一共八千")
        worker.says("洛江区万安街道")
        worker.says("每月八千")
        worker.says("干了两年")
        worker.says("还在上班")
        worker.says("就我自己")
        with runtime.store.transaction() as session:
            alerts = list(session.scalars(select(RiskAlert.kind)))
        assert ("repeat_employer" in alerts) == (number == 3)
    chat.run_jobs()
    assert any("同一单位多次被投诉" in i["text"] for i in admin.inbox())
