"""Transcripts: triage explains the route, the limitation and what the law gives."""

from __future__ import annotations

from tests.chat import Chat


def test_dismissed_worker_hears_n_and_2n_with_the_figures_used(chat: Chat) -> None:
    worker = chat.login("worker", "小林")
    worker.says("我被公司辞退了，没给任何补偿")
    worker.says("泉州鑫达鞋业有限公司")
    worker.says("洛江区万安街道")
    worker.hears("每个月工资")
    worker.says("六千")
    worker.hears("干了多久")
    worker.says("两年半")
    worker.says("已经离开")
    worker.hears("什么时候离开")
    worker.says("今年10月")
    worker.says("就我自己")
    worker.hears("经济补偿约18000元")
    worker.hears("3个月 × 月工资6000元")
    worker.hears("按《劳动合同法》第四十七条，经济补偿约18000元")
    worker.hears("约36000元（《劳动合同法》第八十七条）")
    [n] = worker.case["triage"]["calculations"]
    assert n["inputs"]["monthly_wage"] == 6000 and n["inputs"]["service_months"] == 30


def test_worker_who_left_thirteen_months_ago_is_warned_of_the_limitation(chat: Chat) -> None:
    worker = chat.login("worker", "老杨")
    worker.says("鑫达鞋厂还欠我两个月工资八千块没给")
    worker.says("洛江区")
    worker.says("每月四千")
    worker.says("干了一年")
    worker.says("离职了")
    worker.says(_thirteen_months_ago(chat))
    worker.says("就我一个")
    worker.hears("离职已经13个月")
    worker.hears("《劳动争议调解仲裁法》第二十七条")


def test_worker_still_employed_gets_no_limitation_warning(chat: Chat) -> None:
    worker = chat.login("worker", "小周")
    worker.says("鑫达鞋厂欠我两个月工资八千块")
    worker.says("洛江区")
    worker.says("每月四千")
    worker.says("干了一年")
    worker.says("还在上班")
    worker.says("就我自己")
    assert not any("时效" in reply for reply in worker.replies)


def test_worker_corrects_an_amount_before_consenting(chat: Chat) -> None:
    worker = chat.login("worker", "曾师傅")
    worker.says("泉州鑫达鞋业有限公司拖欠我三个月工资，一共两万四")
    worker.says("洛江区万安街道")
    worker.says("每月八千")
    worker.says("干了两年")
    worker.says("还在上班")
    worker.says("就我自己")
    worker.hears("金额：24000元")
    worker.says("不对，是三万二")
    worker.hears("已更正：金额：32000元")
    worker.hears("金额：32000元")  # the consent question now shows the corrected amount
    assert worker.case["facts"]["amount"] == 32000


def test_work_injury_gets_the_determination_step_explained(chat: Chat) -> None:
    worker = chat.login("worker", "老黄")
    worker.says("我在鑫达鞋厂上班时手被机器压伤了，厂里不管")
    worker.says("洛江区")
    worker.says("每月五千")
    worker.says("干了三年")
    worker.says("还在")
    worker.says("就我自己")
    worker.hears("工伤认定")
    worker.hears("《工伤保险条例》第十七条")


def _thirteen_months_ago(chat: Chat) -> str:
    from handlers.texts import CHINA

    today = chat.runtime.clock.now().astimezone(CHINA).date()
    months = today.year * 12 + today.month - 1 - 13
    return f"{months // 12}年{months % 12 + 1}月"


def test_a_worker_who_left_gets_a_limitation_clock_and_a_reminder(chat: Chat) -> None:
    worker = chat.login("worker", "老刘")
    worker.says("鑫达鞋厂还欠我两个月工资八千块没给")
    worker.says("洛江区")
    worker.says("每月四千")
    worker.says("干了一年")
    worker.says("离职了")
    worker.says(_months_ago(chat, 3))
    worker.says("就我一个")
    clocks = {d["kind"]: d for d in worker.case["deadlines"]}
    assert clocks["limitation"]["rule"] == "LDMAL-27"
    worker.post("/api/v1/dev/clock", {"advance": "P230D"})  # into the last month
    chat.run_jobs()
    assert any("劳动仲裁申请时效" in i["text"] for i in worker.inbox())


def _months_ago(chat: Chat, months: int) -> str:
    from handlers.texts import CHINA

    today = chat.runtime.clock.now().astimezone(CHINA).date()
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12}年{index % 12 + 1}月"
