"""Transcripts at the administrator's console: the directory (import, search, edit), risk
alerts, reports with charts and the XLSX, and the audit log."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from bot.runtime import Runtime
from handlers.texts import CHINA
from storage.models import Organization, RiskAlert
from tests.chat import Chat
from tests.test_admin_api import repeat_employer
from tests.test_console import Desk, add_console_user, escalated_to_wanan
from tests.test_mediation import WANAN, quanzhou  # noqa: F401
from tests.test_negotiation import complain

TEMPLATE = Path(__file__).resolve().parents[1] / "docs" / "orgs_template.csv"
NEW_ORG = "泉州市洛江区河市镇劳动人事争议调解中心"


def directory_csv(*, bad_type: bool) -> bytes:
    """The template's rows plus a new township centre (with a wrong type, if asked)."""
    kind = "street_office" if bad_type else "township"
    row = (
        f"qz-heshi-centre,{NEW_ORG},{kind},filed,350504,350504,河市镇人民政府,"
        f'24.99,118.62,20,1,工作日 8:30-17:30,,"黄调解员|13900000000|工资"\n'
    )
    return (TEMPLATE.read_text("utf-8").rstrip("\n") + "\n" + row).encode("utf-8")


def admin_desk(app: Flask, runtime: Runtime) -> Desk:
    add_console_user(runtime, "admin", "区人社局管理员", "admin")
    desk = Desk(app)
    desk.login("admin")
    return desk


def today(runtime: Runtime) -> str:
    return runtime.clock.now().astimezone(CHINA).date().isoformat()


def test_an_import_with_one_bad_row_imports_nothing_then_the_fixed_file_is_found(
    app: Flask, runtime: Runtime
) -> None:
    desk = admin_desk(app, runtime)
    desk.open("/console/admin/orgs/import")
    desk.sees('<label for="file">组织名录文件</label>')
    template = desk.open("/console/admin/orgs/template.csv")
    assert template.data.decode("utf-8-sig").startswith("key,name,type")

    bad = (io.BytesIO(directory_csv(bad_type=True)), "orgs.csv")
    refused = desk.submit("/console/admin/orgs/import", {"file": bad})
    assert refused.status_code == 400
    desk.sees("导入失败，没有导入任何数据")
    desk.sees("第5行：类型“street_office”无效")
    with runtime.store.transaction() as session:
        assert session.scalars(select(Organization)).first() is None

    fixed = (io.BytesIO(directory_csv(bad_type=False)), "orgs.csv")
    desk.submit("/console/admin/orgs/import", {"file": fixed})
    desk.sees("导入成功：新增4个、更新0个组织，调解员4人。")
    desk.open("/console/admin/orgs?q=河市镇")
    desk.sees(NEW_ORG)
    desk.sees("黄调解员")
    assert "万安街道" not in desk.page
    desk.open("/console/admin/orgs?q=黄调解员")  # a mediator's name finds the organization
    desk.sees(NEW_ORG)
    desk.sees("共1条")


def test_an_administrator_edits_and_deactivates_an_organization(
    app: Flask,
    runtime: Runtime,
    quanzhou: None,  # noqa: F811
) -> None:
    desk = admin_desk(app, runtime)
    desk.open("/console/admin/orgs?q=万安街道")
    with runtime.store.transaction() as session:
        org = session.scalars(select(Organization).where(Organization.name == WANAN)).one()
    desk.open(f"/console/admin/orgs/{org.id}")
    form = {"name": WANAN, "address": "万安街道便民服务中心二楼", "hours": "工作日 9:00-17:00"}
    desk.submit(f"/console/admin/orgs/{org.id}", {**form, "capacity": "0", "active": "1"})
    desk.sees("“capacity”应为正整数")
    desk.submit(f"/console/admin/orgs/{org.id}", {**form, "capacity": "40", "active": "1"})
    desk.sees("已保存组织信息。")
    desk.submit(f"/console/admin/orgs/{org.id}/deactivate", {})
    desk.sees("已停用该组织")
    with runtime.store.transaction() as session:
        saved = session.get(Organization, org.id)
        assert saved is not None
        assert (saved.address, saved.capacity, saved.active) == (form["address"], 40, False)


def test_a_mediator_cannot_open_the_admin_pages(
    app: Flask,
    runtime: Runtime,
    quanzhou: None,  # noqa: F811
) -> None:
    add_console_user(runtime, "lin", "林调解员", "mediator", WANAN)
    desk = Desk(app)
    desk.login("lin")
    for path in ("/console/admin/orgs", "/console/admin/reports", "/console/admin/audit"):
        page = desk.open(path)
        assert page.status_code == 403
        assert "您的账号没有权限访问这个页面。" in page.get_data(as_text=True)


def test_the_risk_ledger_is_acknowledged_and_closed_from_the_console(
    app: Flask, chat: Chat, runtime: Runtime
) -> None:
    repeat_employer(chat)
    desk = admin_desk(app, runtime)
    desk.open("/console/admin/risk?status=open")
    desk.sees("同一单位")
    with runtime.store.transaction() as session:
        alert = session.scalars(select(RiskAlert)).one()
    desk.submit(f"/console/admin/risk/{alert.id}/acknowledge", {})
    desk.sees("风险预警已标记为已知悉。")
    desk.submit(f"/console/admin/risk/{alert.id}/acknowledge", {})
    desk.sees("这条预警已经是“已知悉”，不能再标记为已知悉。")
    desk.submit(f"/console/admin/risk/{alert.id}/close", {})
    desk.sees("风险预警已关闭。")
    with runtime.store.transaction() as session:
        assert session.get(RiskAlert, alert.id).status == "closed"  # type: ignore[union-attr]


def test_the_report_page_draws_charts_and_the_workbook_opens(
    app: Flask, chat: Chat, runtime: Runtime
) -> None:
    complain(chat)
    complain(chat, "许师傅")
    desk = admin_desk(app, runtime)
    day = today(runtime)
    page = desk.open(f"/console/admin/reports?from={day}&to={day}")
    assert page.status_code == 200
    assert desk.page.count("<svg") == 3
    desk.sees('aria-label="受理案件数（按纠纷类型）"')
    desk.sees("<title>拖欠工资：2</title>")
    desk.sees("受理登记案件数")
    bad = desk.open("/console/admin/reports?from=2026-13-01&to=2026-01-01")
    assert bad.status_code == 400
    assert "格式不正确" in bad.get_data(as_text=True)

    xlsx = desk.open(f"/console/admin/reports.xlsx?from={day}&to={day}")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.data))
    assert "图表" in book.sheetnames
    assert book[book.sheetnames[0]]["A1"].value is not None


def test_a_long_dispute_type_is_read_whole_beside_its_bar(
    app: Flask, chat: Chat, runtime: Runtime
) -> None:
    worker = chat.login("worker", "曾师傅")
    worker.says("泉州鑫达鞋业有限公司不支付经济补偿金就让我们走")
    assert worker.case["dispute_types"] == ["termination_compensation"]
    desk = admin_desk(app, runtime)
    day = today(runtime)
    desk.open(f"/console/admin/reports?from={day}&to={day}")
    chart = desk.page[desk.page.index('aria-label="受理案件数（按纠纷类型）"') :]
    chart = chart[: chart.index("</svg>")]
    label = re.search(r'<text[^>]*class="chart-label">(.*?)</text>', chart)
    assert label is not None
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", label.group(1))
    assert lines == ["解除劳动合同", "和经济补偿"]  # two lines, nothing cut off
    assert "…" not in chart
    desk.sees("<title>解除劳动合同和经济补偿：1</title>")


def test_the_audit_log_finds_who_read_a_case(
    app: Flask,
    chat: Chat,
    runtime: Runtime,
    quanzhou: None,  # noqa: F811
) -> None:
    worker, _ = escalated_to_wanan(chat)
    add_console_user(runtime, "lin", "林调解员", "mediator", WANAN)
    mediator = Desk(app)
    mediator.login("lin")
    mediator.open(f"/console/cases/{worker.case_id}")

    desk = admin_desk(app, runtime)
    day = today(runtime)
    query = f"case_id={worker.case_id}&action=case_read&actor=林调解员&from={day}&to={day}"
    desk.open(f"/console/admin/audit?{query}")
    desk.sees("林调解员（调解员）")
    desk.sees("<td>via: console</td>")  # the case page
    desk.sees("<td>via: console；what: list</td>")  # the inbox listing it, at login
    desk.sees("共2条")
    desk.open("/console/admin/audit?actor=林调解员&action=state_changed")
    desk.sees("没有找到记录。")
