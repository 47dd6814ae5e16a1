"""The three-phone simulator in a real browser: three parties, one case, through the real API.

Each phone is a region named after its party; what the others cause reaches it through the
inbox (delivered by the RQ worker of `tiaojie serve`), as on a real phone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.browser.conftest import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

OFFER = "我们先给七成，分两次付清，下个月底前付完"


def phone(page: Page, party: str) -> Locator:
    return page.get_by_role("region", name=party, exact=True)


def says(pane: Locator, text: str) -> None:
    pane.get_by_label("输入消息").fill(text)
    pane.get_by_role("button", name="发送", exact=True).click()


def taps(pane: Locator, option: str) -> None:
    """Tap an option of the latest reply that offers it, and see it sent. The log scrolls
    whenever a notification arrives (every poll), so a click aimed at a button's position
    can land beside it: the tap is the button's own click event."""
    button = pane.get_by_role("log").get_by_role("button", name=option, exact=True).last
    expect(button).to_be_enabled()
    button.dispatch_event("click")
    expect(pane.get_by_role("log").locator(".bubble.mine").last).to_contain_text(option)


def hears(pane: Locator, fragment: str) -> None:
    expect(pane.get_by_role("log")).to_contain_text(fragment)


def complaint_until_consent(page: Page) -> Locator:
    """The worker tells the whole story (employer, place, amount, wage, service) and is asked
    to consent."""
    worker = phone(page, "劳动者")
    says(worker, "泉州鑫达鞋业有限公司拖欠我三个月工资，一共两万四")
    hears(worker, "您在哪里上班")
    says(worker, "洛江区万安街道")
    hears(worker, "每个月工资")
    says(worker, "每月八千")
    hears(worker, "干了多久")
    says(worker, "干了两年")
    taps(worker, "还在上班")
    hears(worker, "涉及几个人")
    says(worker, "就我自己")
    hears(worker, "不会提供您的电话和身份证号")
    taps(worker, "同意联系单位")
    hears(worker, "邀请单位")
    return worker


def test_complaint_offer_and_agreement_confirmed_by_both(page: Page) -> None:
    page.goto("/simulator?worker=曾师傅")
    expect(page.get_by_role("heading", level=1)).to_have_text("调解助手 · 三方模拟器")
    worker = complaint_until_consent(page)
    employer = phone(page, "单位")
    expect(employer.get_by_label("输入消息")).to_be_disabled()  # no case before the invitation

    worker.get_by_role("button", name="把邀请发给单位").click()
    hears(employer, "已通过劳动者的邀请加入案件")
    hears(employer, "劳动者曾师傅就以下问题提出协商")  # the welcome, from the inbox
    expect(employer.locator("[data-summary]")).to_contain_text("24000元")
    says(employer, OFFER)
    hears(employer, "我理解您的方案是：共16800元")  # read back before the worker sees it
    says(employer, "确认")
    hears(employer, "已把您的方案转给对方")

    hears(worker, "单位提出方案：共16800元")  # the employer's offer on the worker's phone
    says(worker, "同意")
    hears(worker, "和解协议如下")
    taps(worker, "确认协议")
    hears(worker, "协议还没有生效，还差：单位的确认")

    hears(employer, "劳动者已同意方案")  # the worker's acceptance on the employer's phone
    agreement = employer.locator("[data-agreement]")
    expect(agreement).to_contain_text("用人单位向劳动者支付16800元")
    expect(agreement).to_contain_text("已确认：劳动者")
    expect(agreement).to_contain_text("确认中，未生效，还差：单位的确认")
    agreement.get_by_role("button", name="确认协议").click()
    hears(employer, "和解协议生效")

    hears(worker, "双方都已确认")
    mine = worker.locator("[data-agreement]")
    expect(mine).to_contain_text("和解协议")
    expect(mine).to_contain_text("第1期：支付8400元")
    expect(mine).to_contain_text("已确认：劳动者、单位")
    expect(mine).to_contain_text("已生效")
    expect(mine.get_by_role("button", name="确认协议")).to_be_hidden()
    expect(worker.locator("[data-summary]")).to_contain_text("履行回访")
    expect(phone(page, "调解员").get_by_label("输入消息")).to_be_disabled()


def test_five_silent_days_bring_in_the_mediator_whose_reply_reaches_the_worker(
    page: Page,
) -> None:
    page.goto("/simulator?worker=老周")
    worker = complaint_until_consent(page)
    page.get_by_role("button", name="+5天").click()
    expect(page.get_by_role("status")).to_contain_text("服务时间")  # (a reminder to forward it)
    # The invitation's 5 days end at 24:00 of the fifth day, moved past a weekend: a day or
    # three more run them out.
    status = page.get_by_role("status")
    for _ in range(4):
        before = status.inner_text()
        page.get_by_role("button", name="+1天").click()
        expect(status).not_to_have_text(before)  # the new time is shown
        if "执行了" in status.inner_text():
            break
    expect(status).to_contain_text("执行了")
    hears(worker, "同意转调解")  # the invitation was never opened: mediation is offered
    says(worker, "同意转调解")
    hears(worker, "已为您转交：泉州市洛江区万安街道劳动人事争议调解中心")

    mediator = phone(page, "调解员")
    mediator.get_by_role("button", name="登录到：泉州市洛江区万安街道").click()
    hears(mediator, "已登录到泉州市洛江区万安街道劳动人事争议调解中心")
    mediator.get_by_role("button", name="受理", exact=True).click()
    hears(mediator, "已受理")
    says(mediator, "请明天上午九点带上工资条到万安街道调解中心")
    hears(worker, "调解员林调解员：请明天上午九点带上工资条")
    expect(worker.locator("[data-summary]")).to_contain_text("调解期限")


def test_mid_negotiation_the_worker_asks_for_a_mediator_who_talks_to_both(
    page: Page, screenshot: Any
) -> None:
    page.goto("/simulator?worker=小林")
    worker = complaint_until_consent(page)
    employer = phone(page, "单位")
    worker.get_by_role("button", name="把邀请发给单位").click()
    says(employer, "这个月订单少，资金有点紧张，能不能缓一缓")
    hears(worker, "资金有点紧张")
    says(worker, "转人工")
    taps(worker, "同意转调解")
    hears(worker, "已为您转交")

    mediator = phone(page, "调解员")
    mediator.get_by_role("button", name="登录到：").click()
    mediator.get_by_role("button", name="受理", exact=True).click()
    hears(mediator, "您的回复会同时转给劳动者和单位")
    says(mediator, "请双方明天上午九点到万安街道调解中心，带上工资条和考勤记录")
    for party in (worker, employer):
        hears(party, "调解员林调解员：请双方明天上午九点")
    says(employer, "好的，我们会派人去")
    hears(mediator, "单位：好的，我们会派人去")
    expect(mediator.locator("[data-summary]")).to_contain_text("已受理")
    screenshot(page, "simulator.png")


def test_side_by_side_on_a_laptop_and_stacked_on_a_phone(page: Page) -> None:
    page.goto("/simulator")
    parties = ("劳动者", "单位", "调解员")
    laptop = [phone(page, party).bounding_box() for party in parties]
    assert len({box["y"] for box in laptop if box}) == 1  # one row of three
    assert all(box and box["width"] >= 360 for box in laptop)  # each as wide as a phone
    page.set_viewport_size({"width": 390, "height": 844})
    stacked = [phone(page, party).bounding_box() for party in parties]
    assert len({box["x"] for box in stacked if box}) == 1
    assert [box["y"] for box in stacked if box] == sorted(box["y"] for box in stacked if box)
    assert all(box and box["width"] <= 390 for box in stacked)
