"""Transcripts: triage explains the route, the limitation and what the law gives."""

from __future__ import annotations

from datetime import date

from handlers import deadlines, triage
from tests.chat import Chat
from tests.support.stub import StubWorker


def test_a_worker_who_left_hears_what_n_depends_on_with_the_figures_used(chat: Chat) -> None:
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
    # 辞退 in the first message says why the job ended: N is due, 2N if it was unlawful.
    worker.hears("经济补偿约18000元（工作年限折算3个月 × 月工资6000元）")
    worker.hears("可以改为要二倍赔偿金，约36000元")
    [n] = worker.case["triage"]["calculations"]
    assert n["inputs"]["monthly_wage"] == 6000 and n["inputs"]["service_months"] == 30
    assert n["inputs"]["left_reason"] == "dismissed"


def test_why_the_job_ended_is_asked_when_not_said(chat: Chat) -> None:
    worker = chat.login("worker", "小林")
    worker.says("公司不给经济补偿 我已经不在那干了")
    worker.says("泉州鑫达鞋业有限公司")
    worker.says("洛江区万安街道")
    worker.says("六千")
    worker.says("两年半")
    worker.says("已经离开")
    worker.says("今年10月")
    worker.hears("是怎么离开的")
    worker.says("合同到期 他们不续了")
    worker.says("就我自己")
    worker.hears("经济补偿约18000元")
    [n] = worker.case["triage"]["calculations"]
    assert n["inputs"]["left_reason"] == "contract_ended"


def test_a_worker_who_does_not_say_why_hears_what_n_depends_on(chat: Chat) -> None:
    worker = chat.login("worker", "小林")
    worker.says("公司不给经济补偿 我已经不在那干了")
    answers = ("泉州鑫达鞋业有限公司", "洛江区万安街道", "六千", "两年半", "已经离开", "今年10月")
    for text in answers:
        worker.says(text)
    worker.hears("是怎么离开的")
    worker.says("跳过")
    worker.says("就我自己")
    worker.hears("有没有经济补偿，要看您是怎么离开的（《劳动合同法》第四十六条）")
    worker.hears("如果是被单位辞退，而且辞退没有合法理由，可以改为要二倍赔偿金，约36000元")
    [n] = worker.case["triage"]["calculations"]
    assert n["inputs"]["left_reason"] is None


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
    # LDMAL-27 para 4: wages are not limited during the job, one year from leaving after it.
    worker.hears(
        "拖欠的工资、加班费在职期间不受一年时效限制，离职后要在离职之日起一年内申请劳动仲裁"
    )
    assert not any("知道或者应当知道" in reply for reply in worker.replies)


def test_a_social_insurance_claim_runs_from_when_the_worker_knew_not_from_leaving(
    chat: Chat,
) -> None:
    worker = chat.login("worker", "老郑")
    worker.says("鑫达鞋厂这几年一直没给我交社保")
    worker.says("洛江区")
    worker.says("每月四千")
    worker.says("干了三年")
    worker.says("离职了")
    worker.says(_thirteen_months_ago(chat))
    worker.says("就我一个")
    assert worker.case["dispute_types"] == ["social_insurance"]
    # LDMAL-27 para 1: a year from when the worker knew or should have known, a day the
    # product does not know: said in words, and no clock is invented from the leaving date.
    worker.hears("社保要在一年内申请劳动仲裁，从您知道或者应当知道权利被侵害之日起算")
    assert not any("离职之日起" in reply for reply in worker.replies)
    assert "limitation" not in [d["kind"] for d in worker.case["deadlines"]]


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
    # Left in August 2026 (read as 1 August): the year's last day, Sunday 1 August 2027, gives
    # way to Monday 2 August, to its 24:00 (民法典-202/203).
    assert clocks["limitation"]["due_at"].startswith("2027-08-03T00:00")
    worker.post("/api/v1/dev/clock", {"advance": "P230D"})  # into the last month
    chat.run_jobs()
    assert any("劳动仲裁申请时效" in i["text"] for i in worker.inbox())


def _months_ago(chat: Chat, months: int) -> str:
    from handlers.texts import CHINA

    today = chat.runtime.clock.now().astimezone(CHINA).date()
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12}年{index % 12 + 1}月"


def _compensation_notes(left_reason: str | None) -> str:
    facts = {"monthly_wage": 6000, "service_months": 30, "employed": False}
    if left_reason:
        facts["left_reason"] = left_reason
    decision = triage.decide(("termination_compensation",), (), facts, date(2026, 11, 16))
    return "\n".join(decision.notes)


def test_a_worker_who_resigned_is_not_promised_n_nor_2n() -> None:
    said = _compensation_notes("resigned")
    assert "自己辞职的，一般没有经济补偿（《劳动合同法》第四十六条）" in said
    assert (
        "因为单位欠薪、不交社保等才辞职，可以要经济补偿，约18000元（《劳动合同法》第三十八条）"
        in said
    )
    assert "二倍" not in said and "按《劳动合同法》第四十七条" not in said


def test_a_worker_forced_out_by_unpaid_wages_gets_n_but_no_2n() -> None:
    said = _compensation_notes("forced")
    assert "按《劳动合同法》第四十七条，经济补偿约18000元" in said
    assert "二倍" not in said


def test_a_dismissed_worker_gets_n_and_hears_of_2n_if_the_dismissal_was_unlawful() -> None:
    said = _compensation_notes("dismissed")
    assert "按《劳动合同法》第四十七条，经济补偿约18000元" in said
    assert (
        "严重违纪等过错才辞退，要看理由是否属实，属实的没有经济补偿（《劳动合同法》第三十九条）"
        in said
    )
    assert "如果单位解除没有合法理由，属于违法解除，可以改为要二倍赔偿金，约36000元" in said


def test_i_resigned_myself_hears_that_n_depends_on_why() -> None:
    worker = StubWorker(date(2026, 11, 16))
    for text in ("我自己辞职了，公司不给经济补偿", "泉州鑫达鞋业有限公司", "洛江区万安街道"):
        worker.says(text)
    for text in ("六千", "两年半", "已经离开", "今年10月", "就我自己"):
        worker.says(text)
    said = "\n".join(worker.replies)
    assert "自己辞职的，一般没有经济补偿" in said
    assert "按《劳动合同法》第四十七条，经济补偿约" not in said  # N is not promised


def _worker_tells(*messages: str) -> StubWorker:
    worker = StubWorker(date(2026, 11, 16))
    for text in messages:
        worker.says(text)
    return worker


def test_a_manager_dismissed_in_tianjin_hears_the_cap_with_its_city_and_year() -> None:
    worker = _worker_tells(
        "天津鑫达有限公司把我辞退了，没给补偿",
        "天津市和平区",
        "月薪五万",
        "干了十五年",
        "已经离开",
        "上个月",
        "就我自己",
    )
    said = "\n".join(worker.replies)
    # LCL-47: 3 × (142437 / 12) = 35609.25, not rounded down; 12 years at most.
    assert "经济补偿约427311元（工作年限折算12个月 × 月工资35609.25元）" in said
    assert "月工资超过天津市2024年职工月平均工资11869.75元的3倍" in said


def test_a_high_earner_in_changchun_is_told_no_city_figure_is_available() -> None:
    worker = _worker_tells(
        "长春鑫达有限公司把我辞退了，没给补偿",
        "长春市朝阳区",
        "月薪五万",
        "干了十五年",
        "已经离开",
        "上个月",
        "就我自己",
    )
    said = "\n".join(worker.replies)
    assert "经济补偿约750000元（工作年限折算15个月 × 月工资50000元）" in said
    assert "暂无长春市的职工月平均工资数据，没法判断是否超过“当地月平均工资3倍”的封顶" in said
    assert "基数按" not in said  # no other figure (吉林's own average) stands in for the city's


def test_double_wage_counts_the_months_without_a_contract_not_the_time_worked() -> None:
    worker = _worker_tells(
        "泉州鑫达鞋业有限公司入职时没签劳动合同", "洛江区万安街道", "六千", "干了两年"
    )
    assert "有多久没签书面劳动合同" in worker.replies[0]
    for text in ("三个月后才签", "还在上班", "就我自己"):
        worker.says(text)
    said = "\n".join(worker.replies)
    assert "未签合同时长：3个月" in said
    # LCL-82: from the 2nd month: 2 months, not 11 from two years of service
    assert "约12000元（2个月 × 月工资6000元）" in said


def test_never_signed_counts_from_the_second_month_up_to_eleven() -> None:
    worker = _worker_tells(
        "泉州鑫达鞋业有限公司一直不跟我签劳动合同", "洛江区万安街道", "六千", "干了两年"
    )
    for text in ("一直没签", "还在上班", "就我自己"):
        worker.says(text)
    said = "\n".join(worker.replies)
    assert "未签合同时长：一直没签" in said
    assert "约66000元（11个月 × 月工资6000元）" in said


def test_a_part_month_without_a_contract_is_paid_by_its_days() -> None:
    worker = _worker_tells(
        "泉州鑫达鞋业有限公司一直不跟我签劳动合同", "洛江区万安街道", "六千", "干了两年"
    )
    for text in ("七个月零十天", "还在上班", "就我自己"):
        worker.says(text)
    said = "\n".join(worker.replies)
    assert "未签合同时长：7个月10天" in said
    assert "约38000元（6个月10天 × 月工资6000元）" in said  # 6 × 6000 + 10/30 × 6000


def test_months_without_a_contract_not_known_computes_no_double_wage() -> None:
    worker = _worker_tells(
        "泉州鑫达鞋业有限公司一直不跟我签劳动合同", "洛江区万安街道", "六千", "干了两年"
    )
    for text in ("跳过", "还在上班", "就我自己"):
        worker.says(text)
    said = "\n".join(worker.replies)
    assert "您没说清有几个月没签合同，所以先没算" in said
    assert "× 月工资6000元" not in said


def test_the_limitation_runs_from_leaving_only_for_the_claims_the_law_says() -> None:
    left = {"employed": False, "left_date": "2026-08-20"}
    assert deadlines.limitation_start(("wage_arrears",), left) == date(2026, 8, 20)
    assert deadlines.limitation_start(("overtime",), left) == date(2026, 8, 20)
    assert deadlines.limitation_start(("termination_compensation",), left) == date(2026, 8, 20)
    assert deadlines.limitation_start(("social_insurance",), left) is None
    assert deadlines.limitation_start(("wage_arrears", "social_insurance"), left) == date(
        2026, 8, 20
    )
    # Still in the job: wage arrears are not limited while it lasts (LDMAL-27 para 4).
    assert deadlines.limitation_start(("wage_arrears",), {"employed": True}) is None
