"""The mediator and admin console in a real browser, beside the simulator's phones.

A mediator logs in, accepts the case the worker's phone escalated and replies; the reply
reaches the worker's phone. An administrator imports an organization and finds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.browser.conftest import CONSOLE_PASSWORD, Service, expect
from tests.browser.test_simulator_browser import complaint_until_consent, hears, says, taps
from tests.test_reports import PERIOD

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

WANAN = "泉州市洛江区万安街道劳动人事争议调解中心"
NEW_ORG = "泉州市洛江区河市镇新业园区劳动争议调解委员会"
REPORTED_CASES = 600  # half a year of generated history (tests/test_reports.py's generator)


def console_login(console: Page, username: str) -> None:
    console.goto("/console/login")
    console.get_by_label("用户名").fill(username)
    console.get_by_label("密码").fill(CONSOLE_PASSWORD)
    console.get_by_role("button", name="登录").click()


def test_a_mediator_accepts_in_the_console_and_the_reply_reaches_the_worker(
    page: Page, context: BrowserContext, service: Service, screenshot: Any
) -> None:
    service.add_console_user("chen", "陈调解员", "mediator", WANAN)
    page.goto("/simulator?worker=老郑")
    worker = complaint_until_consent(page)
    says(worker, "转人工")
    taps(worker, "同意转调解")
    hears(worker, f"已为您转交：{WANAN}")
    case_id = worker.locator("[data-case-id]").inner_text()

    console = context.new_page()
    console_login(console, "chen")
    expect(console.get_by_role("heading", level=1)).to_contain_text(WANAN)
    console.get_by_role("link", name=case_id).click()
    expect(console.get_by_role("heading", level=1)).to_have_text(f"案件 {case_id}")
    # The desk shows what was said since the worker agreed to bring in a mediator (PIPL-23).
    expect(console.get_by_role("log")).to_contain_text("新案件待受理：拖欠工资")
    expect(console.get_by_role("log")).not_to_contain_text("拖欠我三个月工资")
    console.get_by_role("button", name="接受").click()
    expect(console.get_by_role("log")).to_contain_text("已受理")
    console.get_by_label("回复").fill("老郑您好，请明天上午九点带上工资条到万安街道调解中心")
    console.get_by_role("button", name="发送").click()
    expect(console.get_by_role("log")).to_contain_text("请明天上午九点带上工资条")

    hears(worker, "调解员陈调解员：老郑您好，请明天上午九点带上工资条")
    says(worker, "好的，我明天上午过去")
    expect(console.get_by_role("log")).to_contain_text("好的，我明天上午过去")  # polling
    screenshot(console, "mediator-case.png")


def test_an_admin_imports_an_organization_and_finds_it(
    page: Page, service: Service, tmp_path: Path
) -> None:
    service.add_console_user("admin", "洛江区人社局", "admin", None)
    template = Path(__file__).parents[2] / "docs" / "orgs_template.csv"
    header = template.read_text(encoding="utf-8").splitlines()[0]
    csv = tmp_path / "orgs.csv"
    csv.write_text(
        f"{header}\nqz-heshi-xinye,{NEW_ORG},industry,filed,350504,350504,"
        "河市镇新业园区服务中心,25.02,118.55,20,1,工作日 9:00-17:00,,周调解员||工资\n",
        encoding="utf-8",
    )
    console_login(page, "admin")
    page.goto("/console/admin/orgs/import")
    page.get_by_label("组织名录文件").set_input_files(csv)
    page.get_by_role("button", name="导入").click()
    expect(page.locator("main")).to_contain_text("导入成功：新增1个、更新0个组织，调解员1人。")

    page.get_by_label("搜索").fill("新业园区")
    page.get_by_role("button", name="搜索").click()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(2)  # the header and the one organization found
    expect(rows.nth(1)).to_contain_text(NEW_ORG)
    expect(rows.nth(1)).to_contain_text("周调解员")


def test_an_admin_reads_the_report_of_a_period_with_its_charts(
    page: Page, service: Service, screenshot: Any
) -> None:
    truth = service.add_report_history(REPORTED_CASES)
    service.add_console_user("zhou", "泉州市人社局", "admin", None)
    console_login(page, "zhou")
    page.goto("/console/admin/reports")
    page.get_by_label("开始日期").fill(str(PERIOD[0]))
    page.get_by_label("结束日期").fill(str(PERIOD[1]))
    page.get_by_role("button", name="生成报告").click()
    received = page.get_by_role("row", name="受理登记案件数")
    expect(received).to_contain_text(str(truth.received))
    expect(page.locator("figure svg")).to_have_count(3)  # types, months, outcomes
    expect(page.get_by_role("link", name="下载Excel（XLSX）")).to_be_visible()
    screenshot(page, "report.png")
