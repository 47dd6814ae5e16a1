"""Transcripts: protections and routes a worker should know of, each naming its law
(pregnancy, ID cards and deposits, a 支付令 for wages, 社保征缴, a boss who has run off, and
what an arbitration means for small claims, with legal aid)."""

from __future__ import annotations

from datetime import date

from bot.runtime import Runtime
from handlers import triage
from tests.chat import Chat
from tests.support.stub import StubWorker
from tests.test_mediation import (
    WANAN,
    escalate_silent_employer,
    mediator_of,
    quanzhou,  # noqa: F401 (fixture)
)
from tests.test_negotiation import advance

MONDAY = date(2026, 11, 16)
REST = ("洛江区万安街道", "六千", "干了两年")


def _worker_tells(*messages: str) -> StubWorker:
    worker = StubWorker(MONDAY)
    for text in messages:
        worker.says(text)
    return worker


def _said(worker: StubWorker) -> str:
    return "\n".join(worker.replies)


def test_a_pregnant_worker_dismissed_as_unfit_hears_she_is_protected() -> None:
    worker = _worker_tells(
        "我怀孕三个月了，泉州鑫达鞋业有限公司说我不能胜任把我辞退了",
        *REST,
        "已经离开",
        "上个月",
        "就我自己",
    )
    said = _said(worker)
    assert "您在孕期、产期或哺乳期，单位不能以不能胜任、经济性裁员、情况变化等理由辞退您" in said
    assert "（《劳动合同法》第四十二条）" in said and "（《劳动合同法》第四十八条）" in said
    assert "合同到期的，也要延续到哺乳期结束（《劳动合同法》第四十五条）" in said


def test_a_worker_not_pregnant_hears_nothing_of_it() -> None:
    worker = _worker_tells(
        "泉州鑫达鞋业有限公司说我不能胜任把我辞退了", *REST, "已经离开", "上个月", "就我自己"
    )
    assert "孕期" not in _said(worker)


def test_an_id_card_kept_and_a_deposit_taken_go_to_labour_inspection() -> None:
    worker = _worker_tells(
        "泉州鑫达鞋业有限公司入职扣了我的身份证，还收了500押金", *REST, "还在", "就我自己"
    )
    said = _said(worker)
    assert "单位扣押身份证等证件、收押金或保证金，都是法律禁止的（《劳动合同法》第九条）" in said
    assert "劳动保障监察投诉，或拨打12333" in said and "（《劳动合同法》第八十四条）" in said


def test_unpaid_wages_may_go_straight_to_the_court_for_a_payment_order() -> None:
    worker = _worker_tells("泉州鑫达鞋业有限公司拖欠我两个月工资一万二", *REST, "还在", "就我自己")
    assert "也可以直接向当地法院申请支付令（《劳动合同法》第三十条）" in _said(worker)


def test_unpaid_social_insurance_goes_to_12333_and_the_collection_agency() -> None:
    worker = _worker_tells("泉州鑫达鞋业有限公司不给交社保", *REST, "还在", "就我自己")
    said = _said(worker)
    assert "可以拨打12333或向当地社保经办机构反映" in said
    assert "由社会保险费征收机构责令单位限期补缴（《社会保险法》第六十三条）" in said


def test_a_boss_who_has_run_off_is_not_one_to_negotiate_with() -> None:
    worker = _worker_tells(
        "泉州鑫达鞋业有限公司老板跑了，欠我两个月工资一万二", *REST, "还在", "就我自己"
    )
    said = _said(worker)
    assert "建议先和单位协商" not in said
    assert "建议直接交给调解组织处理，原因：老板已经联系不上，没法先和单位协商" in said
    assert "向当地劳动保障监察投诉或拨打12333" in said
    assert "（《劳动合同法》第八十五条）" in said
    assert worker.case is not None and worker.case.state.value == "awaiting_consent"


def test_a_boss_run_off_said_in_an_answer_still_changes_the_route() -> None:
    worker = _worker_tells(
        "泉州鑫达鞋业有限公司拖欠我两个月工资一万二", *REST, "还在", "老板跑了 联系不上"
    )
    worker.says("就我自己")
    said = _said(worker)
    assert "建议先和单位协商" not in said
    assert "老板已经联系不上" in said


def test_arbitration_help_names_the_local_final_award_limit_and_legal_aid() -> None:
    said = triage.arbitration_help("350504001")  # 洛江区: 福建 tier 2, 2195 yuan
    assert "申请劳动仲裁不收费（《劳动争议调解仲裁法》第五十三条）" in said
    assert "当地月最低工资12个月的金额（2195元×12＝26340元）" in said
    assert "仲裁裁决对单位是终局的" in said and "（《劳动争议调解仲裁法》第四十七条）" in said
    assert "12348公共法律服务热线申请法律援助（《法律援助法》第三十一条）" in said


def test_without_the_places_tier_no_limit_figure_is_given() -> None:
    said = triage.arbitration_help("350300")  # 莆田: no tier in the data
    assert "每一项不超过当地月最低工资12个月的金额的" in said and "×12" not in said


def test_arbitration_advised_after_fifteen_days_tells_the_worker_of_legal_aid(
    chat: Chat,
    runtime: Runtime,
    quanzhou: None,  # noqa: F811 (fixture)
) -> None:
    worker = escalate_silent_employer(chat)
    mediator = mediator_of(chat, runtime, WANAN)
    mediator.case_id = worker.case_id
    mediator.taps("accept_case")
    advance(worker, "P18D")  # past 24:00 of the 15th day, moved past a weekend
    chat.run_jobs()
    assert worker.case["state"] == "arbitration_advised"
    help_text = next(i["text"] for i in worker.inbox() if "12348" in i["text"])
    assert "（2195元×12＝26340元）" in help_text and "仲裁裁决对单位是终局的" in help_text
    assert not any("12348" in i["text"] for i in mediator.inbox())
