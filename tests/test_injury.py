"""Transcripts: a work injury is settled for good only after 工伤认定 and 伤残等级鉴定 are
recorded; before that only interim terms (medical costs, wages during treatment), on every path:
negotiation and mediation, chat and console."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from bot.runtime import Runtime
from nlp.answers import injury_progress
from tests.chat import Chat, Person
from tests.test_console import Desk, lin  # noqa: F401 (fixture)
from tests.test_mediation import WANAN, mediator_of, quanzhou  # noqa: F401 (fixture)
from tests.test_negotiation import invite_employer


def injured(chat: Chat) -> Person:
    """A worker hurt at the machine; the case is a work injury and reaches consent."""
    worker = chat.login("worker", "老黄")
    worker.says("我在泉州鑫达鞋业有限公司上班时手被机器压伤了，厂里不管")
    worker.says("洛江区万安街道")
    worker.says("每月五千")
    worker.says("干了三年")
    worker.says("还在")
    worker.says("就我自己")
    assert "work_injury" in worker.case["dispute_types"]
    return worker


def in_injury_mediation(chat: Chat, runtime: Runtime) -> tuple[Person, Person, Person]:
    worker = injured(chat)
    employer = invite_employer(chat, worker)
    worker.says("转人工")
    worker.says("同意")
    mediator = mediator_of(chat, runtime, WANAN)
    mediator.case_id = worker.case_id
    mediator.taps("accept_case")
    return worker, employer, mediator


def test_a_full_and_final_offer_before_determination_is_refused_with_the_next_step(
    chat: Chat,
) -> None:
    worker = injured(chat)
    employer = invite_employer(chat, worker)
    employer.says("给你五千，一次性了结，以后不再追究")
    employer.hears("工伤认定和伤残等级鉴定都有结果之前，不能签“一次性了结”")
    employer.hears("单位应在事故发生之日起30日内申请工伤认定")
    employer.hears("可以在1年内向当地人社局申请（《工伤保险条例》第十七条）")
    assert not any("我理解您的方案" in reply for reply in employer.replies)
    chat.run_jobs()
    assert not any("单位提出方案" in i["text"] for i in worker.inbox())
    worker.says("同意")  # nothing is on the table: no agreement can come of it
    assert worker.get(f"/api/v1/cases/{worker.case_id}/agreement").status_code == 404


def test_medical_costs_before_determination_are_agreed_as_interim_terms(chat: Chat) -> None:
    worker = injured(chat)
    employer = invite_employer(chat, worker)
    employer.says("先付医疗费八千，月底前付")
    employer.hears("临时约定：医疗费，不是一次性了结")
    employer.says("确认")
    worker.says("同意")
    worker.hears("是临时约定，不是一次性了结")
    text = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()["text"]
    assert "本协议只约定医疗费，是临时约定" in text
    assert "劳动者申请工伤认定、劳动能力鉴定和依法享受工伤保险待遇的权利不受影响" in text
    assert "不再主张其他权利" not in text


def test_once_determination_and_grade_are_said_a_final_settlement_may_be_agreed(
    chat: Chat,
) -> None:
    worker = injured(chat)
    employer = invite_employer(chat, worker)
    worker.says("认定下来了 九级")
    worker.hears("记下了：工伤认定已做，伤残等级9级。认定和鉴定都有结果了")
    facts = worker.case["facts"]
    assert (facts["injury_determined"], facts["disability_assessed"]) == (True, True)
    assert facts["disability_grade"] == 9
    chat.run_jobs()
    assert not any("九级" in i["text"] for i in employer.inbox())  # health details stay
    employer.says("八万，月底前一次付清，一次性了结")
    employer.hears("我理解您的方案是：共80000元")
    employer.says("确认")
    worker.says("同意")
    text = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()["text"]
    assert "用人单位向劳动者支付80000元" in text and "不再主张其他权利" in text


def test_determination_alone_is_not_enough_for_a_final_settlement(chat: Chat) -> None:
    worker = injured(chat)
    employer = invite_employer(chat, worker)
    worker.says("工伤认定下来了，鉴定还没做")
    worker.hears("记下了：工伤认定已做，伤残等级鉴定还没做。在认定和鉴定都有结果之前")
    employer.says("三万，月底前付清")  # names no interim item: it would settle everything
    employer.hears("不能签“一次性了结”")


def test_a_mediator_cannot_record_a_final_injury_agreement_before_the_grade(
    chat: Chat,
    runtime: Runtime,
    quanzhou: None,  # noqa: F811
) -> None:
    worker, _, mediator = in_injury_mediation(chat, runtime)
    mediator.says("调解成功：单位一次性赔偿五万，月底前付清，以后不再追究")
    mediator.hears("工伤认定和伤残等级鉴定都有结果之前")
    mediator.says("确认")  # nothing was read back: there is nothing to confirm
    assert worker.get(f"/api/v1/cases/{worker.case_id}/agreement").status_code == 404
    mediator.says("认定下来了 十级")
    mediator.hears("记下了：工伤认定已做，伤残等级10级")
    mediator.says("调解成功：单位一次性赔偿五万，月底前付清，以后不再追究")
    mediator.hears("我理解的调解结果是：共50000元")
    mediator.says("确认")
    mediator.hears("已记录调解结果")
    agreement = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()
    assert agreement["kind"] == "mediation" and "不再主张其他权利" in agreement["text"]


def test_the_worker_tells_the_mediator_where_the_injury_stands(
    chat: Chat,
    runtime: Runtime,
    quanzhou: None,  # noqa: F811
) -> None:
    worker, _, mediator = in_injury_mediation(chat, runtime)
    worker.says("工伤认定还没下来")
    worker.hears("记下了：工伤认定还没做")
    assert worker.case["facts"]["injury_determined"] is False
    chat.run_jobs()
    assert any("工伤认定还没下来" in i["text"] for i in mediator.inbox())


def test_the_console_refuses_a_final_injury_agreement_and_allows_interim_terms(
    app: Flask,
    chat: Chat,
    runtime: Runtime,
    lin: str,  # noqa: F811
) -> None:
    worker = injured(chat)
    invite_employer(chat, worker)
    worker.says("转人工")
    worker.says("同意")
    desk = Desk(app)
    desk.login("lin")
    desk.open(f"/console/cases/{worker.case_id}")
    path = f"/console/cases/{worker.case_id}/actions"
    desk.submit(path, {"action": "accept_case"})
    desk.submit(path, {"action": "mediation_success", "terms": "单位赔五万，私了"})
    desk.sees("不能签“一次性了结”")
    terms = "单位月底前支付停工留薪期工资一万"
    desk.submit(path, {"action": "mediation_success", "terms": terms})
    desk.sees("临时约定：停工留薪期工资，不是一次性了结")
    desk.submit(path, {"action": "confirm_outcome"})
    text = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()["text"]
    assert "本协议只约定停工留薪期工资，是临时约定" in text


@pytest.mark.parametrize(
    ("said", "recorded"),
    [
        ("认定下来了 九级", {"injury_determined": True, "disability_assessed": True, "grade": 9}),
        ("工伤认定书拿到了，伤残七级", {"injury_determined": True, "grade": 7}),
        ("认定是工伤，还在做鉴定", {"injury_determined": True, "disability_assessed": False}),
        ("还没认定下来", {"injury_determined": False}),
        ("已经申请工伤认定了", {"injury_determined": False}),  # applied for, not decided
        ("厂里不给认定", {"injury_determined": False}),
        ("鉴定了 不够级", {"disability_assessed": True, "grade": 0}),
        ("没做工伤认定也没做鉴定", {"injury_determined": False, "disability_assessed": False}),
        ("我是一级建造师", {}),
        ("手被机器压伤了", {}),
    ],
)
def test_where_an_injury_stands_is_read_from_words(said: str, recorded: dict[str, Any]) -> None:
    read = injury_progress(said)
    expected = {("disability_grade" if k == "grade" else k): v for k, v in recorded.items()}
    assert {k: read[k] for k in expected} == expected and (read != {}) == bool(expected)
