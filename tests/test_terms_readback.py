"""Transcripts: terms as people say them are read back to their author, reach the other side
only once confirmed, and come out right in the agreement and the follow-up dates."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask

from bot.clock import CHINA, Clock
from bot.runtime import Runtime
from tests.chat import Chat
from tests.test_console import Desk, lin  # noqa: F401
from tests.test_mediation import in_mediation, quanzhou, signed_by_everyone  # noqa: F401
from tests.test_negotiation import complain, invite_employer

MONDAY = datetime(2026, 11, 16, 10, 0, tzinfo=CHINA)


@pytest.fixture(autouse=True)
def pinned(clock: Clock) -> None:
    clock.set_to(MONDAY)


def follow_up_days(person: object) -> list[str]:
    case = person.case  # type: ignore[attr-defined]
    return [d["due_at"][:10] for d in case["deadlines"] if d["kind"] == "instalment"]


def test_two_payments_of_different_amounts_reach_the_agreement_and_the_follow_up(
    chat: Chat,
    runtime: Runtime,
    quanzhou: None,  # noqa: F811
) -> None:
    worker, employer, mediator = in_mediation(chat, runtime)
    mediator.says("调解成功：单位支付16000元，12月31日前付10000元，2027年1月31日前付6000元")
    mediator.hears(
        "我理解的调解结果是：共16000元，分2次：第1次2026年12月31日前付10000元；"
        "第2次2027年1月31日前付6000元。"
    )
    chat.run_jobs()
    assert not any("调解协议" in i["text"] for i in worker.inbox())  # not before 确认
    mediator.says("确认")
    mediator.hears("已记录调解结果")
    text = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()["text"]
    assert "第1期：2026年12月31日前支付10000元" in text
    assert "第2期：2027年1月31日前支付6000元" in text
    signed_by_everyone(worker, employer, mediator)
    assert worker.case["state"] == "followup"
    assert follow_up_days(worker) == ["2027-01-01", "2027-02-01"]  # the day after each


def test_a_remainder_is_what_is_left_and_a_correction_is_read_back_again(
    chat: Chat,
    runtime: Runtime,
    quanzhou: None,  # noqa: F811
) -> None:
    worker, employer, mediator = in_mediation(chat, runtime)
    mediator.says("调解成功：总包单位代付28万，分两期，12月31日前付15万，春节前付清余款13万")
    mediator.hears("共280000元，分2次：第1次2026年12月31日前付150000元；")
    mediator.hears("第2次2027年2月5日前付130000元")
    mediator.says("调解成功：总包单位代付28万，分两期，12月31日前付15万，1月20号前付清余款13万")
    mediator.hears("第2次2027年1月20日前付130000元")
    mediator.says("对的")
    signed_by_everyone(worker, employer, mediator)
    assert follow_up_days(worker) == ["2027-01-01", "2027-01-21"]


def test_the_employers_words_are_read_back_before_the_worker_hears_them(chat: Chat) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    employer.says("先给6000 剩下的过年前给")
    employer.hears("我理解您的方案是：共24000元，分2次：第1次付6000元（没说日期）；")
    employer.hears("第2次2027年2月5日前付18000元")
    chat.run_jobs()
    assert not any("单位提出方案" in i["text"] for i in worker.inbox())
    employer.taps("confirm_agreement")
    employer.hears("已把您的方案转给对方")
    chat.run_jobs()
    assert any("第2次2027年2月5日前付18000元" in i["text"] for i in worker.inbox())

    worker.says("可以 但要一次给清")  # a counter in words: the same total, at once
    worker.hears("我理解您的方案是：共24000元")
    worker.says("至少要两万四 月底前")
    worker.hears("共24000元，2026年11月30日前一次付清")
    worker.says("确认")
    employer.says("行 就这样")
    employer.hears("用人单位向劳动者支付24000元")
    worker.says("确认协议")
    employer.says("确认协议")
    assert follow_up_days(worker) == ["2026-12-01"]


def test_a_refusal_in_words_is_passed_on_and_the_talk_goes_on(chat: Chat) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    employer.says("一万 月底前")
    employer.says("确认")
    worker.says("不行 太少了")
    worker.hears("不接受")
    chat.run_jobs()
    assert any("劳动者不接受方案" in i["text"] for i in employer.inbox())
    assert worker.case["state"] == "negotiating"


def test_the_console_reads_the_outcome_back_before_the_agreement(
    app: Flask,
    chat: Chat,
    runtime: Runtime,
    lin: str,  # noqa: F811
) -> None:
    worker, _, _ = in_mediation(chat, runtime)
    desk = Desk(app)
    desk.login("lin")
    path = f"/console/cases/{worker.case_id}/actions"
    desk.open(f"/console/cases/{worker.case_id}")
    terms = "单位支付16000元，12月31日前付10000元，2027年1月31日前付6000元"
    desk.submit(path, {"action": "mediation_success", "terms": terms})
    desk.sees("我理解的调解结果是：共16000元，分2次")
    desk.open(f"/console/cases/{worker.case_id}")
    desk.sees("待您确认的调解结果")
    assert worker.get(f"/api/v1/cases/{worker.case_id}/agreement").status_code == 404
    desk.submit(path, {"action": "confirm_outcome"})
    desk.sees("已记录调解结果")
    text = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()["text"]
    assert "第2期：2027年1月31日前支付6000元" in text


def test_the_employers_first_part_and_rest_accepted_in_words_reach_the_agreement(
    chat: Chat,
) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    employer.says("先给6000 剩下的过年前给")
    employer.hears("第1次付6000元（没说日期）；第2次2027年2月5日前付18000元")
    employer.says("对")
    chat.run_jobs()
    assert any("第1次付6000元（没说日期）" in i["text"] for i in worker.inbox())
    worker.says("行 就这样")
    worker.hears("用人单位向劳动者支付24000元")
    text = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()["text"]
    assert "第2期：2027年2月5日前支付18000元" in text
    worker.says("确认协议")
    employer.says("确认协议")
    assert worker.case["state"] == "followup"
    assert follow_up_days(worker) == ["2026-12-02", "2027-02-06"]  # undated: 15 days after


def test_the_console_reads_a_remainder_back_and_it_reaches_the_follow_up(
    app: Flask,
    chat: Chat,
    runtime: Runtime,
    lin: str,  # noqa: F811
) -> None:
    worker, employer, _ = in_mediation(chat, runtime)
    desk = Desk(app)
    desk.login("lin")
    path = f"/console/cases/{worker.case_id}/actions"
    terms = "调解成功：总包单位代付28万，分两期，12月31日前付15万，春节前付清余款13万"
    desk.submit(path, {"action": "mediation_success", "terms": terms})
    desk.sees("共280000元，分2次：第1次2026年12月31日前付150000元；")
    desk.sees("第2次2027年2月5日前付130000元")
    chat.run_jobs()
    assert not any("调解协议" in i["text"] for i in worker.inbox())
    desk.submit(path, {"action": "confirm_outcome"})
    desk.sees("已记录调解结果")
    text = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()["text"]
    assert "第1期：2026年12月31日前支付150000元" in text
    assert "第2期：2027年2月5日前支付130000元" in text
    worker.says("确认协议")
    employer.says("确认协议")
    desk.submit(path, {"action": "seal_agreement"})  # the organization's seal: now effective
    assert follow_up_days(worker) == ["2027-01-01", "2027-02-06"]


def test_the_console_reads_the_employers_words_back_with_the_claim(
    app: Flask,
    chat: Chat,
    runtime: Runtime,
    lin: str,  # noqa: F811
) -> None:
    worker, employer, _ = in_mediation(chat, runtime)
    desk = Desk(app)
    desk.login("lin")
    path = f"/console/cases/{worker.case_id}/actions"
    desk.submit(path, {"action": "mediation_success", "terms": "先给6000 剩下的过年前给"})
    desk.sees("第1次付6000元（没说日期）；第2次2027年2月5日前付18000元")
    desk.submit(path, {"action": "confirm_outcome"})
    text = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()["text"]
    assert "第2期：2027年2月5日前支付18000元" in text
    worker.says("确认协议")
    employer.says("确认协议")
    desk.submit(path, {"action": "seal_agreement"})
    assert follow_up_days(worker) == ["2026-12-02", "2027-02-06"]  # undated: 15 days after
