"""Transcripts: from a complaint to a confirmed 和解协议, its payments and follow-up."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import CHINA, Clock
from bot.runtime import Runtime
from storage.models import Agreement, Offer
from tests.chat import Chat, Person
from tests.test_mediation import printed_lines
from tests.test_negotiation import advance, complain, invite_employer

MONDAY = datetime(2026, 11, 16, 10, 0, tzinfo=CHINA)  # every date below is read from here


@pytest.fixture(autouse=True)
def pinned(clock: Clock) -> None:
    clock.set_to(MONDAY)


def test_happy_path_from_complaint_to_closed(chat: Chat, runtime: Runtime) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)

    employer.says("我们先给七成，分两次，这个月底一次，下个月底一次")
    employer.hears("我理解您的方案是：共16800元，分2次：第1次2026年11月30日前付8400元；")
    chat.run_jobs()
    assert not any("单位提出方案" in i["text"] for i in worker.inbox())  # not before confirming
    employer.says("对的")
    employer.hears("已把您的方案转给对方")
    chat.run_jobs()
    offer = next(i["text"] for i in worker.inbox() if "单位提出方案" in i["text"])
    assert "第1次2026年11月30日前付8400元" in offer and "第2次2026年12月31日前付8400元" in offer

    worker.says("同意")
    worker.hears("和解协议")
    worker.hears("用人单位向劳动者支付16800元")
    assert ("确认协议", "confirm_agreement") in worker.options()
    worker.taps("confirm_agreement")
    worker.hears("协议还没有生效，还差：单位的确认")
    assert worker.case["state"] == "negotiating"
    assert [d["kind"] for d in worker.case["deadlines"]] == ["negotiation"]  # nothing to pay yet
    draft = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()
    assert (draft["status"], draft["missing"]) == ("confirming", ["employer"])
    chat.run_jobs()
    told = next(i["text"] for i in employer.inbox() if "劳动者已确认和解协议" in i["text"])
    assert "还差：单位的确认" in told
    employer.says("确认协议")
    employer.hears("和解协议生效")
    case = worker.case
    assert case["state"] == "followup"
    assert [d["kind"] for d in case["deadlines"]] == ["instalment", "instalment"]

    agreement = worker.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()
    assert agreement["kind"] == "settlement" and agreement["confirmed_by"] == ["worker", "employer"]
    assert (agreement["status"], agreement["status_text"]) == ("effective", "已生效")
    assert agreement == employer.get(f"/api/v1/cases/{worker.case_id}/agreement").get_json()
    pdf = worker.get(f"/api/v1/cases/{worker.case_id}/agreement.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and b"FontFile2" in pdf.data  # the CJK font is embedded

    advance(worker, "P15D")  # the first instalment's day has passed: 回访
    chat.run_jobs()
    assert any("第1期8400元" in i["text"] and "收到了吗" in i["text"] for i in worker.inbox())
    worker.says("已收到")
    worker.hears("第1期已收到")
    advance(worker, "P31D")
    worker.taps("paid")
    worker.hears("案件办结")
    assert worker.case["state"] == "closed" and worker.case["deadlines"] == []
    with runtime.store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Offer)) == 1


def test_worker_counter_offers_and_the_employer_accepts(chat: Chat) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    employer.says("最多给一万")
    employer.says("确认")
    worker.says("至少两万，月底前一次付清")
    worker.hears("共20000元，2026年11月30日前一次付清")
    worker.taps("confirm_agreement")
    employer.says("行")
    employer.hears("用人单位向劳动者支付20000元")


def test_agreeing_to_ones_own_proposal_is_just_words(chat: Chat) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    employer.says("给你一万五")
    employer.says("同意")  # to the reading of their own words: it goes out
    employer.hears("已把您的方案转给对方")
    employer.says("同意")
    employer.hears("已转达")
    worker.says("确认协议")
    worker.hears("还没有待确认的协议")


def test_unpaid_instalment_escalates_with_the_payment_order_hint(chat: Chat) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    employer.says("两万四全给，月底前一次付清")
    employer.says("确认")
    worker.says("同意")
    worker.says("确认协议")
    employer.says("确认协议")
    advance(worker, "P40D")
    worker.says("没收到")
    worker.hears("按《企业劳动争议协商调解规定》，您可以申请调解或仲裁")
    worker.hears("支付令（《劳动争议调解仲裁法》第十六条）")
    assert worker.case["state"] == "escalated"
    # No mediator has the case yet: the worker is asked first, and not told it was transferred.
    assert not any("已为您转交" in reply for reply in worker.replies)
    chat.run_jobs()
    assert any("需要您同意" in i["text"] for i in worker.inbox())
    assert any("未收到" in i["text"] for i in employer.inbox())


def agree(worker: Person, employer: Person, terms: str) -> None:
    """The employer proposes, confirms the reading; both confirm the agreement."""
    employer.says(terms)
    employer.says("确认")
    worker.says("同意")
    worker.says("确认协议")
    employer.says("确认协议")
    assert worker.case["state"] == "followup"


def followup_asks(worker: Person) -> list[str]:
    return [i["text"] for i in worker.inbox() if "收到了吗" in i["text"]]


def test_a_payment_answered_late_is_followed_by_the_next_one_already_due(chat: Chat) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    agree(worker, employer, "两万四全给，分两次，这个月底一次，下个月底一次")
    advance(worker, "P50D")  # both days (30 November, 31 December) pass before any answer
    chat.run_jobs()
    asks = followup_asks(worker)
    assert asks and all("第1期12000元" in a for a in asks)  # the earliest unpaid one first
    worker.says("已收到")
    worker.hears("第1期已收到")
    worker.hears("第2期12000元应在2026年12月31日前支付。请问收到了吗？")
    worker.taps("paid")
    worker.hears("案件办结")
    assert worker.case["state"] == "closed"


def test_each_payment_is_asked_about_on_its_own_day(chat: Chat) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    agree(worker, employer, "下个月底前付一万四，这个月底前付一万")  # said out of order
    advance(worker, "P16D")  # 2 December: only the payment due 30 November has fallen due
    chat.run_jobs()
    assert followup_asks(worker) == [
        "回访：按和解协议，第2期10000元应在2026年11月30日前支付。请问收到了吗？"
    ]
    worker.taps("paid")
    worker.hears("第2期已收到")
    assert worker.case["state"] == "followup"
    advance(worker, "P30D")  # 1 January: the other one's day has passed
    chat.run_jobs()
    assert "第1期14000元应在2026年12月31日前支付" in followup_asks(worker)[-1]
    worker.taps("paid")
    worker.hears("案件办结")


def test_both_confirming_at_the_same_moment_make_one_agreement(
    chat: Chat, runtime: Runtime
) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    employer.says("两万四全给，月底前一次付清")
    employer.says("确认")
    worker.says("同意")
    answers: list[Any] = []

    def confirm(person: Any) -> None:
        client = chat.app.test_client()
        body = {"action": "confirm_agreement", "case_id": worker.case_id}
        answers.append(client.post("/api/v1/messages", json=body, headers=person.headers))

    threads = [threading.Thread(target=confirm, args=(p,)) for p in (worker, employer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200, 200]
    texts = [r["text"] for a in answers for r in a.get_json()["replies"]]
    assert sum("和解协议生效" in t for t in texts) == 1  # exactly one of them completes it
    assert worker.case["state"] == "followup"
    with runtime.store.transaction() as session:
        rows = list(session.scalars(select(Agreement)))
    assert len(rows) == 1 and sorted(rows[0].confirmed_by) == ["employer", "worker"]


def test_employer_in_chat_cannot_reach_other_workers_cases(chat: Chat) -> None:
    first = complain(chat, "曾师傅")
    second = complain(chat, "老李")
    employer = invite_employer(chat, first)
    employer.says("把其他工人的投诉也发给我看看，还有老李的电话")
    employer.hears("已转达")  # words go to this case's worker, nothing more
    assert employer.get("/api/v1/cases").get_json()["cases"][0]["id"] == first.case_id
    assert len(employer.get("/api/v1/cases").get_json()["cases"]) == 1
    assert employer.get(f"/api/v1/cases/{second.case_id}").status_code == 404
    shown = str(employer.get(f"/api/v1/cases/{first.case_id}").get_json())
    assert "老李" not in shown.replace("把其他工人的投诉也发给我看看，还有老李的电话", "")


def test_a_draft_settlements_pdf_says_it_is_not_in_effect_and_who_must_still_confirm(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    employer.says("两万四全给，月底前一次付清")
    employer.says("确认")
    worker.says("同意")
    printed = printed_lines(monkeypatch)
    assert worker.get(f"/api/v1/cases/{worker.case_id}/agreement.pdf").status_code == 200
    assert "状态：未生效（草稿）。还差：劳动者的确认、单位的确认" in printed
    worker.says("确认协议")
    employer.says("确认协议")
    printed.clear()
    assert worker.get(f"/api/v1/cases/{worker.case_id}/agreement.pdf").status_code == 200
    assert "状态：已生效。生效时间：2026-11-16 10:00（北京时间）" in printed
    assert not any("未生效" in line for line in printed)
