"""Transcripts: escalation to the nearest suitable organization, mediators in the case chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot import orgs, pdf
from bot.config import Settings
from bot.runtime import Runtime
from handlers.texts import CHINA
from storage.models import Assignment, Organization, RiskAlert
from tests.chat import Chat, Person
from tests.test_negotiation import advance, complain, invite_employer

WANAN = "泉州市洛江区万安街道劳动人事争议调解中心"
LUOJIANG = "泉州市洛江区劳动人事争议仲裁院调解中心"


@pytest.fixture
def quanzhou(runtime: Runtime) -> None:
    """The generated directory of 泉州 (marked generated), as `tiaojie orgs generate` makes it."""
    with runtime.store.transaction() as session:
        orgs.generate_directory(session, "350500", runtime.clock.now())


def org_id(runtime: Runtime, name: str) -> str:
    with runtime.store.transaction() as session:
        return session.scalars(select(Organization.id).where(Organization.name == name)).one()


def mediator_of(chat: Chat, runtime: Runtime, org: str, name: str = "林调解员") -> Person:
    person = chat.login_mediator(name, org_id(runtime, org))
    return person


def in_mediation(chat: Chat, runtime: Runtime) -> tuple[Person, Person, Person]:
    """Worker and employer ask for a person mid-negotiation; the street centre accepts."""
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    worker.says("转人工")
    worker.says("同意")
    mediator = mediator_of(chat, runtime, WANAN)
    mediator.case_id = worker.case_id
    mediator.taps("accept_case")
    return worker, employer, mediator


def mediation_recorded(chat: Chat, runtime: Runtime) -> tuple[Person, Person, Person]:
    """In mediation, and the mediator records success with the terms."""
    worker, employer, mediator = in_mediation(chat, runtime)
    mediator.says("调解成功：单位支付两万，月底前一次付清")
    mediator.hears("我理解的调解结果是")  # read back first: nothing reaches the parties yet
    mediator.says("确认")
    return worker, employer, mediator


def signed_by_everyone(worker: Person, employer: Person, mediator: Person) -> None:
    """Both parties confirm the 调解协议书, then the mediator seals it for the organization."""
    worker.says("确认协议")
    employer.says("确认协议")
    mediator.says("盖章确认")
    mediator.hears("调解协议生效")


def escalate_silent_employer(chat: Chat) -> Person:
    """A factory wage case in 万安街道; the employer opens the invitation and never answers;
    the worker agrees to mediation."""
    worker = complain(chat)  # Monday 16 November 2026, 10:00
    invite_employer(chat, worker)
    # 5 days to Saturday 21 November, a rest day: they end at 24:00 on Monday 23 (民法典-203).
    advance(worker, "P7DT14H1M")  # Tuesday 24 November, 00:01
    chat.run_jobs()
    assert any("同意转调解" in i["text"] for i in worker.inbox())
    worker.says("同意转调解")
    return worker


def test_factory_wage_case_goes_to_the_street_centre_with_reasons(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    worker = escalate_silent_employer(chat)
    worker.hears("我来为您找合适的调解组织")
    worker.hears(f"已为您转交：{WANAN}")
    worker.hears("由当地乡镇（街道）调解中心就近处理")
    worker.hears("3个工作日内决定是否受理（《企业劳动争议协商调解规定》）")
    route = worker.case["route"]
    assert route["org"]["name"] == WANAN and route["status"] == "offered"
    assert route["reasons"][0]["rule"] == "LDMAL-10" and len(route["alternatives"]) == 2
    assert [d["kind"] for d in worker.case["deadlines"]] == ["org_acceptance"]


def test_collective_case_goes_to_the_county_centre_with_a_risk_alert(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    admin = chat.login("admin", "洛江区人社局")
    worker = chat.login("worker", "班长老周")
    worker.says("宏达建筑工地包工头拖欠我们二十三个工友四个月工资，一共三十万")
    worker.says("洛江区万安街道")
    worker.says("每月三千七")
    worker.says("干了三年")
    worker.says("还在干")
    worker.says("同意")
    worker.hears(f"已为您转交：{LUOJIANG}")
    worker.hears("集体争议")
    with runtime.store.transaction() as session:
        alert = session.scalars(select(RiskAlert)).one()
    assert alert.kind == "mass_wage_arrears" and alert.region_code == "350504001"
    chat.run_jobs()
    assert any("风险预警" in i["text"] for i in admin.inbox())


def test_a_decline_reroutes_to_the_next_organization(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    worker = escalate_silent_employer(chat)
    mediator = mediator_of(chat, runtime, WANAN)
    mediator.case_id = worker.case_id
    mediator.says("看看")
    assert ("不受理", "decline_case") in mediator.options()
    mediator.taps("decline_case")
    mediator.hears("已退回")
    route = worker.case["route"]
    assert route["org"]["name"] == LUOJIANG and route["status"] == "offered"
    with runtime.store.transaction() as session:
        statuses = list(session.scalars(select(Assignment.status).order_by(Assignment.id)))
    assert statuses == ["declined", "offered"]
    # Need to know (PIPL): an organization that declined no longer sees the case.
    assert mediator.get(f"/api/v1/cases/{worker.case_id}").status_code == 404


def test_three_working_days_of_silence_span_the_national_day_holiday(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    # Offered on Wednesday 30 September 2026; 1–7 October are holidays and Saturday 10 October
    # is a 调休 working day: the third working day is 10 October, to its 24:00.
    runtime.clock.set_to(datetime(2026, 9, 24, 10, 0, tzinfo=CHINA))
    worker = complain(chat)
    invite_employer(chat, worker)  # the employer's 5 days end at 24:00 on 29 September
    advance(worker, "P5DT15H")  # 30 September, 01:00
    worker.says("同意转调解")
    [clock] = worker.case["deadlines"]
    assert clock["kind"] == "org_acceptance" and clock["due_at"].startswith("2026-10-11T00:00")
    advance(worker, "P9D")  # 9 October: still waiting
    assert worker.case["route"]["org"]["name"] == WANAN
    advance(worker, "P2D")  # 11 October: silence counts as not accepted
    assert worker.case["route"]["org"]["name"] == LUOJIANG


def test_a_mediators_reply_reaches_both_parties(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    worker, employer, mediator = in_mediation(chat, runtime)
    mediator.hears("调解期限到")
    assert worker.case["state"] == "mediating"
    mediator.says("请双方明天上午九点到万安街道调解中心")
    assert ("调解成功", "mediation_success") in mediator.options()
    chat.run_jobs()
    for party in (worker, employer):
        assert any("林调解员：请双方明天上午九点" in i["text"] for i in party.inbox())
    worker.says("好的我会去")
    chat.run_jobs()
    assert any("劳动者：好的我会去" in i["text"] for i in mediator.inbox())
    assert not any("好的我会去" in i["text"] for i in employer.inbox())


def test_fifteen_days_without_agreement_advise_arbitration_naming_the_commission(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    worker = escalate_silent_employer(chat)
    mediator = mediator_of(chat, runtime, WANAN)
    mediator.case_id = worker.case_id
    mediator.taps("accept_case")  # received Tuesday 24 November: 15 days to 9 December
    advance(worker, "P15DT23H")  # 9 December, 23:01: the last day is not over
    chat.run_jobs()
    assert worker.case["state"] == "mediating"
    advance(worker, "PT1H")  # 10 December, 00:01
    chat.run_jobs()
    assert worker.case["state"] == "arbitration_advised"
    advice = next(i["text"] for i in worker.inbox() if "15日" in i["text"])
    assert "泉州市洛江区劳动人事争议仲裁委员会" in advice
    assert "《劳动争议调解仲裁法》第二十一条" in advice


def agreement_of(person: Person) -> dict[str, Any]:
    response = person.get(f"/api/v1/cases/{person.case_id}/agreement")
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_a_mediation_agreement_takes_effect_with_both_parties_and_the_seal(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    worker, employer, mediator = mediation_recorded(chat, runtime)
    mediator.hears("等待双方确认")
    assert agreement_of(worker)["missing"] == ["worker", "employer", "organization"]
    worker.says("确认协议")
    worker.hears("协议还没有生效，还差：单位的确认、调解组织的盖章")
    employer.says("确认协议")
    employer.hears("还差：调解组织的盖章")
    assert not any("生效，对双方" in r for r in employer.replies)
    case = worker.case
    assert case["state"] == "mediating" and [d["kind"] for d in case["deadlines"]] == ["mediation"]
    assert agreement_of(worker)["status"] == "confirming"
    chat.run_jobs()
    assert any("请加盖调解组织印章" in i["text"] for i in mediator.inbox())
    told = "单位已确认调解协议书。协议还没有生效，还差：调解组织的盖章。"
    assert told in [i["text"] for i in worker.inbox()]  # not asked to confirm a second time

    mediator.says("盖章确认")  # the organization's seal, affixed by its mediator (LDMAL-14)
    mediator.hears("调解组织已盖章，调解协议生效")
    case = worker.case
    assert case["state"] == "followup"
    kinds = sorted(d["kind"] for d in case["deadlines"])
    assert kinds == ["arbitral_review", "instalment", "judicial_confirmation"]
    agreement = agreement_of(worker)
    assert agreement["kind"] == "mediation" and "调解协议书" in agreement["text"]
    assert agreement["confirmed_by"] == ["mediator", "worker", "employer", "organization"]
    assert (agreement["status"], agreement["missing"]) == ("effective", [])
    chat.run_jobs()
    assert any("调解协议生效" in i["text"] for i in worker.inbox())


def test_a_mediation_agreement_without_the_employer_stays_a_draft_that_says_who_is_missing(
    chat: Chat, runtime: Runtime, quanzhou: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = escalate_silent_employer(chat)  # the employer never answers nor confirms
    mediator = mediator_of(chat, runtime, WANAN)
    mediator.case_id = worker.case_id
    mediator.taps("accept_case")
    mediator.says("调解成功：单位支付两万，月底前一次付清")
    mediator.says("确认")
    worker.says("确认协议")
    worker.hears("协议还没有生效，还差：单位的确认")
    mediator.says("盖章确认")
    mediator.hears("现在还不能盖章：还差单位的确认")

    case = worker.case
    assert case["state"] == "mediating"
    assert [d["kind"] for d in case["deadlines"]] == ["mediation"]  # no payment clocks
    agreement = agreement_of(worker)
    assert agreement["effective_at"] is None and agreement["status"] == "confirming"
    assert agreement["missing"] == ["employer", "organization"]
    assert agreement["status_text"] == "确认中，未生效，还差：单位的确认、调解组织的盖章"
    printed = printed_lines(monkeypatch)
    assert worker.get(f"/api/v1/cases/{worker.case_id}/agreement.pdf").status_code == 200
    assert "状态：未生效（草稿）。还差：单位的确认、调解组织的盖章" in printed
    assert not any("已生效" in line for line in printed)
    chat.run_jobs()
    assert not any("调解协议生效，对双方" in i["text"] for i in worker.inbox())
    worker.says("没收到")  # nothing is due under a draft: no 支付令 is suggested
    assert not any("支付令" in reply for reply in worker.replies)


def printed_lines(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every paragraph the agreement PDF prints, as given to reportlab."""
    printed: list[str] = []
    real = pdf.Paragraph

    def paragraph(text: str, *args: Any, **kwargs: Any) -> Any:
        printed.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(pdf, "Paragraph", paragraph)
    return printed


def test_worker_picks_another_organization(chat: Chat, runtime: Runtime, quanzhou: None) -> None:
    worker = escalate_silent_employer(chat)
    worker.says("换一个")
    label, action = worker.options()[0]
    worker.taps(action)
    assert worker.case["route"]["org"]["name"] == label


def test_a_mediator_of_another_organization_sees_nothing(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    worker = escalate_silent_employer(chat)
    other = mediator_of(chat, runtime, "泉州市洛江区双阳街道劳动人事争议调解中心", "别的调解员")
    assert other.get(f"/api/v1/cases/{worker.case_id}").status_code == 404
    assert other.get("/api/v1/cases").get_json()["cases"] == []


def test_mediator_records_that_the_worker_withdrew(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    worker = escalate_silent_employer(chat)
    mediator = mediator_of(chat, runtime, WANAN)
    mediator.case_id = worker.case_id
    mediator.taps("accept_case")
    mediator.taps("mediation_withdrawn")
    assert worker.case["state"] == "closed" and worker.case["deadlines"] == []


def test_offers_go_to_the_least_loaded_mediator(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    busy = mediator_of(chat, runtime, WANAN, "忙碌的调解员")
    idle = mediator_of(chat, runtime, WANAN, "空闲的调解员")
    first = escalate_silent_employer(chat)
    busy.case_id = first.case_id
    busy.taps("accept_case")
    second = chat.login("worker", "第二位工人")
    second.says("泉州鑫达鞋业有限公司拖欠我两个月工资，一共一万二")
    second.says("洛江区万安街道")
    second.says("每月六千")
    second.says("干了一年")
    second.says("还在上班")
    second.says("就我自己")
    second.says("转人工")
    second.says("同意")
    chat.run_jobs()
    offered = [i for i in idle.inbox() if "新案件待受理" in i["text"]]
    assert [i["case_id"] for i in offered] == [second.case_id]


def test_a_court_entrusted_case_is_routed_with_a_thirty_day_feedback_clock(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    admin = chat.login("admin", "洛江区人社局")
    body = {
        "court": "泉州市洛江区人民法院",
        "court_case_no": "(2026)闽0504民初123号",
        "worker_name": "陈某",
        "employer": "泉州鑫达鞋业有限公司",
        "summary": "追索劳动报酬，拖欠工资三个月",
        "place": "洛江区万安街道",
        "amount": 18000,
    }
    response = admin.post("/api/v1/admin/court-cases", body)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["state"] == "escalated" and case["route"]["org"]["name"] == WANAN
    assert {d["kind"]: d["rule"] for d in case["deadlines"]}["court_feedback"] == "SEED-SZ"
    mediator = mediator_of(chat, runtime, WANAN)
    assert mediator.get(f"/api/v1/cases/{case['id']}").status_code == 200
    mediator.case_id = case["id"]
    mediator.taps("accept_case")
    mediator.taps("mediation_failed")  # the stage ends; the court still awaits its feedback
    kinds = [d["kind"] for d in mediator.get(f"/api/v1/cases/{case['id']}").get_json()["deadlines"]]
    assert kinds == ["court_feedback"]
    done = admin.post(
        f"/api/v1/admin/court-cases/{case['id']}/feedback", {"feedback": "调解成功，已履行"}
    )
    assert done.status_code == 200
    again = admin.post(f"/api/v1/admin/court-cases/{case['id']}/feedback", {"feedback": "x"})
    assert again.status_code == 409
    worker = chat.login("worker", "路人")
    assert worker.post("/api/v1/admin/court-cases", body).status_code == 403


def test_a_local_rule_can_send_collective_cases_to_the_street_centre(
    settings: Settings, runtime: Runtime, quanzhou: None
) -> None:
    from bot.app import create_app

    local = Settings(**{**settings.__dict__, "collective_to_township": True})
    chat = Chat(create_app(local, clock=runtime.clock), runtime)
    worker = chat.login("worker", "班长老周")
    worker.says("宏达建筑工地包工头拖欠我们二十三个工友四个月工资，一共三十万")
    worker.says("洛江区万安街道")
    worker.says("每月三千七")
    worker.says("干了三年")
    worker.says("还在干")
    worker.says("同意")
    worker.hears(f"已为您转交：{WANAN}")
    worker.hears("由当地乡镇（街道）调解中心处理")


def test_a_shared_phone_location_routes_to_the_nearest_street_centre(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    worker = chat.login("worker", "小吴")
    worker.says("鑫达鞋厂欠我两个月工资八千块")
    worker.send(text="我在这里", case_id=worker.case_id, location={"lat": 24.94, "lng": 118.67})
    worker.says("每月四千")
    worker.says("干了一年")
    worker.says("还在上班")
    worker.says("就我自己")
    worker.says("转人工")
    worker.says("同意")
    assert worker.case["route"]["org"]["type"] == "township"


@pytest.mark.parametrize(
    "typed", ["单位王经理电话13912345678", "单位王经理电话１３９ １２３４ ５６７８"]
)
def test_the_employer_contact_the_worker_gives_reaches_only_the_mediator(
    chat: Chat, runtime: Runtime, quanzhou: None, typed: str
) -> None:
    """However the phone's keyboard typed the digits (full-width ones too), the mediator gets
    the number in plain digits."""
    worker = complain(chat)
    worker.taps("consent_employer")
    worker.says(typed)
    worker.hears("只提供给处理案件的调解员")
    assert "employer_contact" not in worker.case
    worker.says("转人工")
    worker.says("同意")
    mediator = mediator_of(chat, runtime, WANAN)
    assert mediator.get(f"/api/v1/cases/{worker.case_id}").get_json()["employer_contact"] == (
        "13912345678"
    )


def test_an_unpaid_mediation_agreement_points_to_arbitration_and_a_payment_order(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    worker, employer, mediator = mediation_recorded(chat, runtime)
    signed_by_everyone(worker, employer, mediator)
    advance(worker, "P40D")
    worker.says("没收到")
    worker.hears("支付令（《劳动争议调解仲裁法》第十六条）")
    assert worker.case["state"] == "arbitration_advised"
