"""Transcripts: consent, the employer's invitation, the 5-day answer clock, escalation."""

from __future__ import annotations

from sqlalchemy import select

from bot.runtime import Runtime
from storage.models import Consent, Deadline, Message, Party
from tests.chat import Chat, Person


def complain(chat: Chat, name: str = "曾师傅") -> Person:
    """A worker tells the whole story and reaches the consent question."""
    worker = chat.login("worker", name)
    worker.says("泉州鑫达鞋业有限公司拖欠我三个月工资，一共两万四")
    worker.says("洛江区万安街道")
    worker.says("每月八千")
    worker.says("干了两年")
    worker.says("还在上班")
    worker.says("就我自己")
    return worker


def invite_employer(chat: Chat, worker: Person, *, consent: bool = True) -> Person:
    if consent:
        worker.taps("consent_employer")
    token = worker.case["invitation"]["token"]
    employer = chat.login("employer", "鑫达鞋业 王经理")
    joined = employer.post(f"/api/v1/invitations/{token}/join", {})
    assert joined.status_code == 200, joined.get_json()
    employer.case_id = worker.case_id
    return employer


def advance(person: Person, period: str) -> None:
    response = person.post("/api/v1/dev/clock", {"advance": period})
    assert response.status_code == 200, response.get_json()


def test_worker_sees_exactly_what_will_be_shared_before_consenting(chat: Chat) -> None:
    worker = complain(chat)
    worker.hears("会把以下信息告诉泉州鑫达鞋业有限公司")
    worker.hears("您的称呼：曾师傅")
    worker.hears("金额：24000元")
    worker.hears("不会提供您的电话和身份证号")
    assert ("同意联系单位", "consent_employer") in worker.options()
    assert "invitation" not in worker.case  # nothing leaves before consent (PIPL-23)

    worker.says("暂不同意")
    worker.hears("由调解员出面")  # not the employer: a mediator is offered instead
    assert worker.case["state"] == "awaiting_consent"
    worker.says("同意联系单位")  # and the worker may still change their mind
    worker.hears("邀请单位")
    case = worker.case
    assert case["state"] == "negotiating" and case["invitation"]["path"].endswith(
        case["invitation"]["token"]
    )
    # The employer's 5 days wait until it has the request (ECNMR-8): only the invitation runs.
    [clock] = case["deadlines"]
    assert (clock["kind"], clock["rule"]) == ("invitation", "ECNMR-12")
    [waiting] = case["not_started"]
    assert (waiting["kind"], waiting["starts"], waiting["length"], waiting["rule"]) == (
        "employer_answer",
        "employer_received",
        5,
        "ECNMR-8",
    )


def test_employer_joins_sees_only_what_was_consented_and_answers(
    chat: Chat, runtime: Runtime
) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    chat.run_jobs()
    assert any("已打开邀请、加入协商" in item["text"] for item in worker.inbox())
    [welcome] = employer.inbox()
    assert "曾师傅" in welcome["text"] and "拒绝协商" in welcome["text"]
    seen = employer.case
    assert seen["my_role"] == "employer" and "reasons" not in seen and "invitation" not in seen
    assert seen["facts"] == {
        "employer": "泉州鑫达鞋业有限公司",
        "place": "福建省泉州市洛江区万安街道",
        "amount": 24000,
        "months": 3,
        "headcount": 1,
    }

    employer.says("这个月订单少，资金有点紧张")
    employer.hears("已转达")
    chat.run_jobs()
    assert any("单位回复：这个月订单少" in i["text"] for i in worker.inbox())
    assert [d["kind"] for d in worker.case["deadlines"]] == ["negotiation"]  # answered in time
    worker.says("那也不能一直拖着")
    chat.run_jobs()
    assert any("劳动者：那也不能一直拖着" in i["text"] for i in employer.inbox())


def test_employer_silent_for_five_days_escalates_naming_the_regulation(chat: Chat) -> None:
    worker = complain(chat)  # Monday 16 November 2026, 10:00
    invite_employer(chat, worker)  # opened at once: the last day is Saturday 21 November,
    # a rest day, so Monday 23 November is the last day instead (民法典-203).
    advance(worker, "P6D")
    chat.run_jobs()
    assert worker.case["state"] == "negotiating"
    reminders = [i["text"] for i in worker.inbox() if "单位答复期限将在" in i["text"]]
    assert reminders and "2026年11月23日24时" in reminders[0]  # the day before the last
    advance(worker, "P1DT13H59M")  # Monday 23 November, 23:59
    chat.run_jobs()
    assert worker.case["state"] == "negotiating"
    advance(worker, "PT2M")
    chat.run_jobs()
    case = worker.case
    assert case["state"] == "escalated" and case["deadlines"] == []
    inbox = [i["text"] for i in worker.inbox()]
    assert any("5日内未答复" in t and "《企业劳动争议协商调解规定》" in t for t in inbox)
    # Nothing went to a mediator yet: the worker is asked first, and not told it was transferred.
    assert any("需要您同意" in t for t in inbox)
    assert not any("已为您转交" in t or "已为您申请" in t for t in inbox)


def test_an_invitation_opened_on_day_four_still_gives_the_employer_five_days(chat: Chat) -> None:
    worker = complain(chat)  # Monday 16 November 2026, 10:00
    worker.taps("consent_employer")
    worker.hears("单位收到邀请（打开邀请）后5日内应当答复")
    advance(worker, "P4D")  # the worker forwards it on Friday 20 November
    employer = invite_employer(chat, worker, consent=False)
    chat.run_jobs()
    # Days 21..25 November: the last day is Wednesday 25 November, to its 24:00 (民法典-201).
    joined = [i["text"] for i in worker.inbox() if "已打开邀请" in i["text"]]
    assert joined and "应在2026年11月25日24时前答复" in joined[0]
    assert any("请在2026年11月25日24时前" in i["text"] for i in employer.inbox())
    case = worker.case
    [clock] = case["deadlines"]
    assert clock["kind"] == "employer_answer" and clock["due_at"].startswith("2026-11-26T00:00")
    assert case["not_started"] == []
    advance(worker, "P5DT13H59M")  # Wednesday 25 November, 23:59: still the employer's time
    chat.run_jobs()
    assert worker.case["state"] == "negotiating"
    advance(worker, "PT2M")
    chat.run_jobs()
    assert worker.case["state"] == "escalated"


def test_an_unopened_invitation_is_renewed_and_mediation_offered(chat: Chat) -> None:
    worker = complain(chat)  # Monday 16 November 2026, 10:00
    worker.taps("consent_employer")
    first = worker.case["invitation"]["token"]
    # The invitation's last day, Saturday 21 November, gives way to Monday 23 (民法典-203).
    advance(worker, "P5D")  # Saturday 21 November: reminded two days before the last day
    chat.run_jobs()
    assert any("协商邀请有效期将在2026年11月23日24时到期" in i["text"] for i in worker.inbox())
    advance(worker, "P2DT14H1M")  # Tuesday 24 November, 00:01
    chat.run_jobs()
    case = worker.case
    assert case["state"] == "negotiating"  # not a refusal: the employer never had the request
    assert case["invitation"]["token"] != first
    assert [d["kind"] for d in case["deadlines"]] == ["invitation_renewed"]
    assert [c["kind"] for c in case["not_started"]] == ["employer_answer"]
    [told] = [i["text"] for i in worker.inbox() if "还没有打开" in i["text"]]
    assert "5日答复期还没有开始算" in told and "同意转调解" in told
    worker.says("同意转调解")
    assert worker.case["state"] == "escalated"


def test_an_invitation_never_opened_ends_negotiation(chat: Chat) -> None:
    worker = complain(chat)
    worker.taps("consent_employer")
    advance(worker, "P8D")  # the first invitation ran out: renewed
    chat.run_jobs()
    advance(worker, "P8D")  # the renewed one too
    chat.run_jobs()
    case = worker.case
    assert case["state"] == "escalated" and case["deadlines"] == []
    inbox = [i["text"] for i in worker.inbox()]
    assert any("一直没有打开邀请" in t and "不算单位拒绝" in t for t in inbox)
    assert any("需要您同意" in t for t in inbox)


def test_an_answer_stops_the_clock_so_day_five_changes_nothing(chat: Chat) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    advance(worker, "P2D")
    employer.says("我们愿意谈")
    advance(worker, "P4D")
    assert worker.case["state"] == "negotiating"


def test_employer_refusing_to_negotiate_escalates(chat: Chat) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    employer.says("拒绝协商")
    employer.hears("按《企业劳动争议协商调解规定》，劳动者可以申请调解或仲裁")
    assert worker.case["state"] == "escalated"


def test_collective_dispute_goes_straight_to_mediation_after_consent(chat: Chat) -> None:
    worker = chat.login("worker", "班长老周")
    worker.says("宏达建筑工地包工头拖欠我们二十三个工友四个月工资，一共三十万")
    worker.says("洛江区")
    worker.says("每月三千七")
    worker.says("干了三年")
    worker.says("还在干")
    worker.hears("集体争议（《劳动争议调解仲裁法》第七条）")
    assert ("同意转调解", "consent_mediator") in worker.options()
    worker.says("同意联系单位")  # not what triage proposed: asked again, nothing happens
    assert worker.case["state"] == "awaiting_consent"
    worker.says("同意")
    case = worker.case
    assert case["state"] == "escalated" and "collective" in case["flags"]
    assert case["triage"]["route"] == "escalate"


def test_invitation_is_one_time_and_for_employers_only(chat: Chat) -> None:
    worker = complain(chat)
    worker.taps("consent_employer")
    token = worker.case["invitation"]["token"]
    other_worker = chat.login("worker", "别人")
    assert other_worker.post(f"/api/v1/invitations/{token}/join", {}).status_code == 403
    unknown = chat.login("employer", "路人公司").post("/api/v1/invitations/nope/join", {})
    assert unknown.status_code == 404
    assert (
        chat.login("employer", "王经理").post(f"/api/v1/invitations/{token}/join", {}).status_code
        == 200
    )
    again = chat.login("employer", "李经理").post(f"/api/v1/invitations/{token}/join", {})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invitation_used"


def test_withdrawing_stops_sharing_and_tells_the_employer(chat: Chat, runtime: Runtime) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    worker.says("撤回")
    worker.taps("withdraw_confirm")
    chat.run_jobs()
    assert any("劳动者已撤回" in i["text"] for i in employer.inbox())
    assert worker.case["state"] == "closed" and worker.case["deadlines"] == []
    with runtime.store.transaction() as session:
        assert all(c.withdrawn_at for c in session.scalars(select(Consent)))
        assert {d.status for d in session.scalars(select(Deadline))} == {"cancelled"}


def test_worker_asks_to_delete_their_data(chat: Chat, runtime: Runtime) -> None:
    worker = complain(chat)
    worker.taps("consent_employer")
    worker.says("删除我的信息")
    worker.hears("无法恢复")
    worker.taps("erase_confirm")
    worker.hears("保留了案件编号")
    with runtime.store.transaction() as session:
        party = session.scalars(select(Party).where(Party.role == "worker")).one()
        assert party.display_name == "已删除" and party.openid is None
        texts = [runtime.store.cipher.decrypt(m.text_enc) for m in session.scalars(select(Message))]
    assert not any("鑫达" in t or "两万四" in t or "曾师傅" in t for t in texts)
    again = chat.login("worker", "曾师傅")  # the same person starts afresh, with nothing old
    assert again.get("/api/v1/cases").get_json()["cases"] == []


def test_dev_clock_takes_iso_durations_only(chat: Chat) -> None:
    worker = chat.login("worker", "测试")
    for bad in ("5 days", "P", "PT", "P1Y", "", "-P1D"):
        assert worker.post("/api/v1/dev/clock", {"advance": bad}).status_code == 400
    assert worker.post("/api/v1/dev/clock", {"advance": "PT12H"}).status_code == 200


def test_worker_asks_for_a_person_mid_negotiation(chat: Chat) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    worker.says("转人工")
    worker.hears("人工处理（《个人信息保护法》第二十四条）")
    worker.hears("提供给调解员")  # consent to the mediator is asked separately (PIPL-23)
    assert worker.case["state"] == "negotiating"
    worker.says("同意")
    assert worker.case["state"] == "escalated" and worker.case["deadlines"] == []
    chat.run_jobs()
    assert any("劳动者已申请调解" in i["text"] for i in employer.inbox())


def test_worker_asks_for_a_person_during_intake(chat: Chat) -> None:
    worker = chat.login("worker", "阿芳")
    worker.says("老板欠我工资")
    worker.says("能找个真人跟我说吗")  # PIPL-24: yes, once the few questions left are answered
    worker.hears("调解员是真人")
    worker.hears("哪家单位")  # the question still open, asked again
    assert worker.case["state"] == "intake"
