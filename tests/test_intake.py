"""Transcripts: a worker's first messages, through the real API, database and Redis."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.runtime import Runtime
from storage.models import AuditEvent, Message, OutboundMessage
from tests.chat import Chat


def test_worker_complains_and_is_asked_one_missing_fact_at_a_time(chat: Chat) -> None:
    worker = chat.login("worker", "曾师傅")
    worker.says("老板拖欠我三个月工资了")
    worker.hears("拖欠工资")  # names the understood dispute type
    worker.hears("“拖欠”")  # and why: the words it read
    worker.hears("哪家单位")  # first missing fact: the employer
    assert worker.last["case"]["state"] == "intake"
    assert worker.last["case"]["facts"]["months"] == 3

    worker.says("泉州鑫达鞋业有限公司")
    worker.hears("在哪里上班")
    worker.says("洛江区万安街道")
    worker.hears("多少钱")
    worker.says("两万四")
    worker.hears("每个月工资")
    worker.says("八千")
    worker.hears("干了多久")
    worker.says("两年")
    worker.hears("还在这家单位上班吗")
    assert ("还在上班", "answer:还在上班") in worker.options()
    worker.taps("answer:还在上班")
    worker.hears("几个人")
    worker.says("就我自己")
    worker.hears("情况我记下了")
    worker.hears("金额：24000元")
    worker.hears("建议先和单位协商")  # triage, explained (ECNMR-8 answer period)
    case = worker.case
    assert case["state"] == "awaiting_consent"
    assert case["facts"] == {
        "months": 3,
        "employer": "泉州鑫达鞋业有限公司",
        "place_code": "350504001",
        "place": "福建省泉州市洛江区万安街道",
        "amount": 24000,
        "monthly_wage": 8000,
        "service_months": 24,
        "employed": True,
        "headcount": 1,
    }
    assert [m["from_role"] for m in case["messages"]][:2] == ["worker", "system"]


def test_a_message_without_case_id_continues_the_unfinished_intake(chat: Chat) -> None:
    worker = chat.login("worker", "小林")
    worker.says("公司欠我工资两个月没发")
    first_case = worker.case_id
    worker.says("鑫达鞋厂", in_case=False)
    assert worker.case_id == first_case
    assert worker.case["facts"]["employer"] == "鑫达鞋厂"


def test_facts_already_given_are_not_asked_again(chat: Chat) -> None:
    worker = chat.login("worker", "老王")
    worker.says("我在恒通专汽厂上班，厂里欠了我八千五的工资")
    worker.hears("在哪里上班")
    facts = worker.last["case"]["facts"]
    assert facts["employer"] == "恒通专汽厂" and facts["amount"] == 8500


def test_an_answer_that_makes_no_sense_is_asked_again_and_loses_nothing(chat: Chat) -> None:
    worker = chat.login("worker", "阿梅")
    worker.says("鑫达鞋厂老板拖欠工资")
    worker.says("万安街道")
    worker.hears("多少钱")
    worker.says("不太好说呢")
    worker.hears("没看明白")
    worker.hears("多少钱")
    worker.says("跳过")
    worker.hears("几个月")
    assert worker.case["facts"]["amount"] is None  # known to be unknown, not asked again


def test_collective_dispute_is_flagged_from_the_headcount(chat: Chat) -> None:
    worker = chat.login("worker", "班长老周")
    worker.says("工地包工头拖欠我们工资")
    for answer in ("宏达建筑工地", "洛江区", "三十万", "四个月", "七千五", "三年", "还在"):
        worker.says(answer)
    worker.says("二十几个人")
    case = worker.case
    assert case["facts"]["headcount"] == 20 and case["facts"]["headcount_approx"] is True
    assert "collective" in case["flags"]  # LDMAL-7


def test_a_non_labour_question_gets_a_pointer_and_no_case(chat: Chat) -> None:
    worker = chat.login("worker", "路人")
    worker.says("我想和老公离婚，孩子抚养权怎么判")
    worker.hears("12348")
    assert worker.last["case"] is None
    assert worker.get("/api/v1/cases").get_json()["cases"] == []


def test_a_greeting_gets_a_welcome_and_no_case(chat: Chat) -> None:
    worker = chat.login("worker", "新用户")
    worker.says("你好")
    worker.hears("调解助手")
    assert worker.last["case"] is None


def test_worker_withdraws_after_confirming(chat: Chat, runtime: Runtime) -> None:
    worker = chat.login("worker", "小陈")
    worker.says("单位不给交社保")
    worker.says("撤回")
    assert ("确认撤回", "withdraw_confirm") in worker.options()
    worker.says("不撤回")
    worker.hears("继续")
    assert worker.case["state"] == "intake"
    worker.taps("withdraw_confirm")
    worker.hears("已撤回")
    assert worker.case["state"] == "closed"
    with runtime.store.transaction() as session:
        rules = session.scalars(select(AuditEvent.rule).where(AuditEvent.to_state == "closed"))
        assert list(rules) == ["PIPL-15"]
    worker.says("还在吗")
    worker.hears("已经结束")


def test_same_msg_id_twice_stores_one_message_and_returns_the_first_reply(
    chat: Chat, runtime: Runtime
) -> None:
    worker = chat.login("worker", "曾师傅")
    first = worker.says("老板拖欠我三个月工资了", msg_id="m-1")
    again = worker.says("老板拖欠我三个月工资了", msg_id="m-1", in_case=False)
    assert again == first
    with runtime.store.transaction() as session:
        inbound = session.scalar(select(func.count()).where(Message.direction == "in"))
        outbound = session.scalar(select(func.count()).select_from(OutboundMessage))
    assert inbound == 1 and outbound == 1
    assert len(worker.get("/api/v1/cases").get_json()["cases"]) == 1


def test_the_same_client_msg_id_from_two_people_is_two_messages(chat: Chat) -> None:
    one, two = chat.login("worker", "甲"), chat.login("worker", "乙")
    one.says("老板拖欠我工资", msg_id="1")
    two.says("公司不给我交社保", msg_id="1")
    assert one.case_id != two.case_id


def test_registration_notice_reaches_the_inbox_through_the_worker(
    chat: Chat, runtime: Runtime
) -> None:
    worker = chat.login("worker", "曾师傅")
    worker.says("老板拖欠我三个月工资了")
    assert worker.inbox() == []  # queued: not delivered until the RQ job runs
    chat.run_jobs()
    items = worker.inbox()
    assert len(items) == 1 and "已于" in items[0]["text"] and items[0]["case_id"] == worker.case_id
    worker.post("/api/v1/inbox/read", {"ids": [items[0]["id"]]})
    assert worker.inbox() == []
    with runtime.store.transaction() as session:
        row = session.scalars(select(OutboundMessage)).one()
    assert (row.status, row.attempts) == ("sent", 1)


def test_chat_text_is_encrypted_at_rest(chat: Chat, runtime: Runtime) -> None:
    worker = chat.login("worker", "曾师傅")
    worker.says("老板拖欠我三个月工资了，电话13812345678")
    with runtime.store.transaction() as session:
        stored = list(session.scalars(select(Message.text_enc)))
    # (the whole number: a base64 ciphertext may well contain "138" by chance)
    assert stored and not any("拖欠" in s or "13812345678" in s for s in stored)
    assert "老板拖欠我三个月工资了，电话13812345678" in map(runtime.store.cipher.decrypt, stored)
