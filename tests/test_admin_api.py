"""The desk API: statistics reports and the risk ledger for administrators, and the deadlines
each person must watch (mediators: their organization's cases)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot import orgs
from bot.runtime import Runtime
from handlers.texts import CHINA
from storage.models import AuditEvent, Deadline, RiskAlert
from tests.chat import Chat, Person
from tests.test_mediation import WANAN, escalate_silent_employer, mediator_of
from tests.test_negotiation import advance, complain, invite_employer


@pytest.fixture
def quanzhou(runtime: Runtime) -> None:
    """The generated directory of 泉州, as in tests/test_mediation.py."""
    with runtime.store.transaction() as session:
        orgs.generate_directory(session, "350500", runtime.clock.now())


def repeat_employer(chat: Chat) -> list[Person]:
    """Three workers name the same employer: the third case raises a repeat-employer alert."""
    workers = []
    for number in range(1, 4):
        worker = chat.login("worker", f"工人{number}")
        worker.says(f"泉州鑫达鞋业有限公司拖欠我{number}个月工资，一共八千")
        worker.says("洛江区万安街道")
        worker.says("每月八千")
        worker.says("干了两年")
        worker.says("还在上班")
        worker.says("就我自己")
        workers.append(worker)
    return workers


def today(runtime: Runtime) -> str:
    return runtime.clock.now().astimezone(CHINA).date().isoformat()


def test_only_an_administrator_gets_reports(chat: Chat, runtime: Runtime) -> None:
    complain(chat)
    admin = chat.login("admin", "区人社局")
    day = today(runtime)
    path = f"/api/v1/admin/reports?from={day}&to={day}"
    for role in ("worker", "employer", "mediator"):
        person = chat.login(role, f"某{role}") if role != "mediator" else None
        if person is not None:
            response = person.get(path)
            assert response.status_code == 403
            assert response.get_json()["error"]["message"] == "您没有权限进行这个操作。"
    report = admin.get(path)
    assert report.status_code == 200
    assert report.get_json()["summary"]["received"] == 1
    assert report.get_json()["tables"]["by_type"]["headers"] == ["纠纷类型", "代码", "受理案件数"]

    xlsx = admin.get(path + "&format=xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(xlsx.data)).sheetnames[-1] == "图表"
    text = admin.get(path + "&format=csv").data.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == ["概况"]


def test_bad_report_parameters_are_explained_in_chinese(chat: Chat) -> None:
    admin = chat.login("admin", "区人社局")
    cases = {
        "": "请提供统计的起止日期",
        "?from=2026-01-01": "请提供统计的起止日期",
        "?from=2026-02-30&to=2026-03-01": "日期“from”格式不正确",
        "?from=2026/01/01&to=2026-03-01": "YYYY-MM-DD",
        "?from=9999-01-01&to=9999-12-31": "日期“from”格式不正确",
        "?from=2026-03-01&to=2026-01-01": "开始日期不能晚于结束日期",
        "?from=2026-01-01&to=2026-03-01&region=999999": "行政区划代码“999999”不存在",
        "?from=2026-01-01&to=2026-03-01&org=nope": "没有找到这个调解组织",
        "?from=2026-01-01&to=2026-03-01&format=pdf": "格式只能是：json、csv、xlsx",
    }
    for query, message in cases.items():
        response = admin.get(f"/api/v1/admin/reports{query}")
        assert response.status_code == 400, query
        assert message in response.get_json()["error"]["message"], query


def test_the_risk_ledger_is_listed_filtered_exported_and_worked(
    chat: Chat, runtime: Runtime
) -> None:
    admin = chat.login("admin", "区人社局")
    repeat_employer(chat)
    listing = admin.get("/api/v1/admin/risk-alerts").get_json()
    [alert] = listing["alerts"]
    assert listing["total"] == 1 and alert["kind"] == "repeat_employer"
    assert alert["label"] == "同一单位多次被投诉" and alert["region"] == "万安街道"
    assert alert["status"] == "open" and alert["reasons"][0]["rule"] == "SEED-AH"

    day = today(runtime)
    for query, total in (
        ("?status=open", 1),
        ("?status=closed", 0),
        ("?kind=urgent", 0),
        ("?region=350504", 1),
        ("?region=110101", 0),
        (f"?from={day}&to={day}", 1),
        ("?from=2020-01-01&to=2020-12-31", 0),
    ):
        assert admin.get(f"/api/v1/admin/risk-alerts{query}").get_json()["total"] == total, query
    assert admin.get("/api/v1/admin/risk-alerts?status=gone").status_code == 400
    assert (
        "预警类型" in admin.get("/api/v1/admin/risk-alerts?kind=x").get_json()["error"]["message"]
    )
    assert admin.get("/api/v1/admin/risk-alerts?limit=0").status_code == 400

    export = admin.get("/api/v1/admin/risk-alerts/export?status=open")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "登记时间", "预警类型"]
    assert rows[1][2] == "同一单位多次被投诉" and rows[1][4] == "待处理"

    base = f"/api/v1/admin/risk-alerts/{alert['id']}"
    assert admin.post(f"{base}/acknowledge", {}).get_json()["status"] == "acknowledged"
    again = admin.post(f"{base}/acknowledge", {})
    assert again.status_code == 409 and "已知悉" in again.get_json()["error"]["message"]
    assert admin.post(f"{base}/close", {}).get_json()["status"] == "closed"
    assert admin.post("/api/v1/admin/risk-alerts/999999/close", {}).status_code == 404
    with runtime.store.transaction() as session:
        actions = list(
            session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("risk_alert%")))
        )
    assert actions == ["risk_alert_acknowledged", "risk_alert_closed"]

    worker = chat.login("worker", "路人")
    assert worker.get("/api/v1/admin/risk-alerts").status_code == 403
    assert worker.post(f"{base}/close", {}).status_code == 403


def test_a_closed_alert_is_not_raised_again_by_the_cases_next_message(
    chat: Chat, runtime: Runtime
) -> None:
    admin = chat.login("admin", "区人社局")
    third = repeat_employer(chat)[-1]
    [alert] = admin.get("/api/v1/admin/risk-alerts").get_json()["alerts"]
    admin.post(f"/api/v1/admin/risk-alerts/{alert['id']}/close", {})
    third.says("同意")
    third.says("老板还是不接电话")
    with runtime.store.transaction() as session:
        assert len(list(session.scalars(select(RiskAlert)))) == 1


def test_mediators_see_their_organizations_deadlines_overdue_first(
    chat: Chat, runtime: Runtime, quanzhou: None
) -> None:
    worker = escalate_silent_employer(chat)
    mediator = mediator_of(chat, runtime, WANAN)
    [offer] = mediator.get("/api/v1/deadlines").get_json()["deadlines"]
    assert (offer["kind"], offer["label"], offer["rule"]) == (
        "org_acceptance",
        "调解组织受理期限",
        "ECNMR-19",
    )
    assert offer["case_id"] == worker.case_id and offer["overdue"] is False

    admin = chat.login("admin", "洛江区人社局")
    body = {
        "court": "泉州市洛江区人民法院",
        "court_case_no": "(2026)闽0504民初7号",
        "worker_name": "陈某",
        "employer": "泉州鑫达鞋业有限公司",
        "summary": "追索劳动报酬，拖欠工资三个月",
        "place": "洛江区万安街道",
        "amount": 18000,
    }
    court_case = admin.post("/api/v1/admin/court-cases", body).get_json()
    for case_id in (worker.case_id, court_case["id"]):
        mediator.case_id = case_id
        mediator.taps("accept_case")
    items = mediator.get("/api/v1/deadlines").get_json()["deadlines"]
    assert [(i["kind"], i["overdue"]) for i in items] == [
        ("mediation", False),
        ("mediation", False),
        ("court_feedback", False),
    ]
    assert [i["due_at"] for i in items] == sorted(i["due_at"] for i in items)

    # The worker falls behind (no timer has run): the mediation clocks are overdue.
    runtime.clock.advance(timedelta(days=16))
    items = mediator.get("/api/v1/deadlines").get_json()["deadlines"]
    assert [(i["kind"], i["overdue"]) for i in items] == [
        ("mediation", True),
        ("mediation", True),
        ("court_feedback", False),
    ]
    # A court's feedback clock that ran out stays overdue until the result is fed back.
    with runtime.store.transaction() as session:
        row = session.scalars(select(Deadline).where(Deadline.kind == "court_feedback")).one()
        row.status = "fired"
    runtime.clock.advance(timedelta(days=15))
    items = mediator.get("/api/v1/deadlines").get_json()["deadlines"]
    assert ("court_feedback", court_case["id"], True) in [
        (i["kind"], i["case_id"], i["overdue"]) for i in items
    ]
    feedback = {"feedback": "调解不成，已告知当事人申请仲裁"}
    admin.post(f"/api/v1/admin/court-cases/{court_case['id']}/feedback", feedback)
    items = mediator.get("/api/v1/deadlines").get_json()["deadlines"]
    assert [i["kind"] for i in items] == ["mediation", "mediation"]

    other = mediator_of(chat, runtime, "泉州市洛江区双阳街道劳动人事争议调解中心", "别的调解员")
    assert other.get("/api/v1/deadlines").get_json()["deadlines"] == []


def test_workers_and_employers_see_their_own_deadlines(chat: Chat) -> None:
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    stranger = complain(chat, "别人")
    stranger.taps("consent_employer")
    for person in (worker, employer):
        [clock] = person.get("/api/v1/deadlines").get_json()["deadlines"]
        assert (clock["kind"], clock["case_id"]) == ("employer_answer", worker.case_id)
        due = clock["due_at"]
    assert due.endswith("+08:00")
    advance(worker, "P1D")
    employer.says("我们先给七成，分两次付清，下个月底前付完")
    employer.says("确认")  # the reading of the terms is right: now the worker sees them
    worker.says("同意")
    worker.taps("confirm_agreement")
    employer.says("确认协议")
    items = worker.get("/api/v1/deadlines").get_json()["deadlines"]
    assert [i["kind"] for i in items] == ["instalment", "instalment"]
    assert items[0]["due_at"] < items[1]["due_at"]
