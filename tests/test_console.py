"""Transcripts at the mediator's web console: login, inbox, the case page, and every action
going through the same pipeline as the chat."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from bot.app import create_app
from bot.clock import Clock
from bot.config import Settings
from bot.console.auth import create_user
from bot.runtime import Runtime
from handlers.texts import CHINA
from storage.models import AuditEvent, Deadline, Message, OutboundMessage
from tests.chat import Chat, Person
from tests.test_mediation import LUOJIANG, WANAN, org_id, quanzhou  # noqa: F401
from tests.test_negotiation import complain, invite_employer

PASSWORD = "调解-correct horse 7"
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
MSG_ID = re.compile(r'name="msg_id" value="([0-9a-f]{32})"')
TRANSCRIPT = re.compile(r'id="transcript"[^>]*data-m="(\d+)" data-o="(\d+)"', re.DOTALL)
PENDING = re.compile(r'id="o(\d+)" data-pending')
UPDATES = re.compile(r'data-updates="([^"]+)"')


def add_console_user(
    runtime: Runtime, username: str, name: str, role: str, org: str | None = None
) -> str:
    """What `tiaojie console user add` does; returns the account's party id."""
    with runtime.store.transaction() as session:
        account = create_user(
            session,
            username=username,
            password=PASSWORD,
            name=name,
            role=role,
            org_id=org_id(runtime, org) if org else None,
            now=runtime.clock.now(),
        )
        return account.party_id


class Desk:
    """A person at the console in a browser: cookies, the page's CSRF token and msg_id."""

    def __init__(self, app: Flask) -> None:
        self.client: FlaskClient = app.test_client()
        self.page = ""
        self.pending_page = ""  # the case page polls() started from
        self.cursor: tuple[str, str] = ("0", "0")
        self.pending: list[str] = []
        self.updates = ""

    def open(self, path: str) -> TestResponse:
        response = self.client.get(path, follow_redirects=True)
        if response.mimetype == "text/html":
            self.page = response.get_data(as_text=True)
        return response

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        self.open("/console/login")
        form = {"username": username, "password": password}
        return self.submit("/console/login", form)

    def submit(self, path: str, form: dict[str, Any], *, csrf: bool = True) -> TestResponse:
        """POST a form of the page last opened, as the browser would (its hidden fields)."""
        data = dict(form)
        if csrf:
            data["csrf_token"] = CSRF.search(self.page).group(1)  # type: ignore[union-attr]
        found = MSG_ID.search(self.page)
        if found and "msg_id" not in data:
            data["msg_id"] = found.group(1)
        response = self.client.post(path, data=data, follow_redirects=True)
        if response.mimetype == "text/html":
            self.page = response.get_data(as_text=True)
        return response

    def sees(self, fragment: str) -> None:
        assert fragment in self.page, fragment

    def status_of(self, key: str) -> str:
        """What the page shows beside a transcript line: 已送达, 已暂扣, … ("" for none)."""
        line = re.search(rf'<li [^>]*id="{key}"[^>]*>(.*?)</li>', self.page, re.DOTALL)
        assert line is not None, key
        shown = re.search(r'<span class="(?:status|badge)[^"]*">([^<]*)</span>', line.group(1))
        return shown.group(1) if shown else ""

    def polls(self) -> dict[str, Any]:
        """What console.js asks every 3 s on the case page last opened: the lines after its
        cursor and the statuses of the lines it shows as pending; kept as the page keeps them."""
        if self.pending_page != self.page:  # a page (re)loaded: start from what it shows
            self.pending_page = self.page
            self.cursor = TRANSCRIPT.search(self.page).groups()  # type: ignore[union-attr]
            self.pending = PENDING.findall(self.page)
            self.updates = UPDATES.search(self.page).group(1)  # type: ignore[union-attr]
        query = f"m={self.cursor[0]}&o={self.cursor[1]}&p={','.join(self.pending)}"
        answer: dict[str, Any] = self.client.get(f"{self.updates}?{query}").get_json()
        self.cursor = (str(answer["m"]), str(answer["o"]))
        shown = [*answer["lines"], *({"key": k, **v} for k, v in answer["statuses"].items())]
        still = [line["key"][1:] for line in shown if line["pending"]]
        settled = {line["key"][1:] for line in shown if not line["pending"]}
        self.pending = list(dict.fromkeys(p for p in [*self.pending, *still] if p not in settled))
        return answer


def escalated_to_wanan(chat: Chat) -> tuple[Person, Person]:
    """Worker and employer ask for a person mid-negotiation; the case is offered to 万安."""
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    worker.says("转人工")
    worker.says("同意")
    assert worker.case["state"] == "escalated"
    return worker, employer


@pytest.fixture
def lin(runtime: Runtime, quanzhou: None) -> str:  # noqa: F811
    """林调解员 of the 万安 street centre has a console account."""
    return add_console_user(runtime, "lin", "林调解员", "mediator", WANAN)


def audit_actions(runtime: Runtime, case_id: str) -> list[tuple[str, dict[str, Any]]]:
    with runtime.store.transaction() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
        )
        return [(row.action, dict(row.detail)) for row in rows]


def test_a_mediator_accepts_replies_and_records_that_mediation_failed(
    app: Flask, chat: Chat, runtime: Runtime, lin: str
) -> None:
    worker, employer = escalated_to_wanan(chat)
    desk = Desk(app)

    wrong = desk.login("lin", "not-the-password")
    assert wrong.status_code == 401
    desk.sees("用户名或密码不正确。")
    unknown = desk.login("nobody", PASSWORD)
    assert unknown.status_code == 401  # the same words: a username's existence does not leak
    assert wrong.get_data().replace(b'"lin"', b'"nobody"') == unknown.get_data()

    desk.login("lin")
    desk.sees("林调解员")
    desk.sees(worker.case_id or "")
    desk.sees("待受理")
    desk.sees("调解组织受理期限")

    desk.open(f"/console/cases/{worker.case_id}")
    desk.sees("拖欠工资")
    desk.sees("“拖欠”")  # the classifier's reasons (PIPL-24)
    desk.sees("泉州鑫达鞋业有限公司")  # the consented facts
    # What was said before the worker agreed to bring in a mediator stays off the desk
    # (PIPL-23): the consent listed the facts, not the intake chat or the negotiation.
    page = desk.open(f"/console/cases/{worker.case_id}").get_data(as_text=True)
    assert "拖欠我三个月工资" not in page and "转人工" not in page
    assert ("case_read", {"via": "console"}) in audit_actions(runtime, worker.case_id or "")

    desk.submit(f"/console/cases/{worker.case_id}/actions", {"action": "accept_case"})
    desk.sees("已受理。调解期限到")
    assert worker.case["state"] == "mediating"
    assert worker.case["route"]["mediator"] == "林调解员"

    desk.submit(f"/console/cases/{worker.case_id}/messages", {"text": "请双方明天上午来中心面谈"})
    desk.sees("已转达。")
    chat.run_jobs()
    assert any(i["text"] == "调解员林调解员：请双方明天上午来中心面谈" for i in worker.inbox())
    assert any("请双方明天上午来中心面谈" in i["text"] for i in employer.inbox())
    worker.says("好的，我明天上午过去")
    desk.open(f"/console/cases/{worker.case_id}")
    desk.sees("好的，我明天上午过去")  # said in mediation: on the desk
    desk.sees("仅劳动者可见")

    desk.submit(f"/console/cases/{worker.case_id}/actions", {"action": "mediation_failed"})
    desk.sees("仲裁")
    assert worker.case["state"] == "arbitration_advised"
    chat.run_jobs()
    advice = [i["text"] for i in worker.inbox() if "仲裁委员会" in i["text"]]
    assert advice and "泉州市洛江区劳动人事争议仲裁委员会" in advice[-1]


def test_a_clock_counted_into_a_year_without_its_fangjia_anpai_says_so_on_the_case_page(
    app: Flask, chat: Chat, runtime: Runtime, lin: str
) -> None:
    # Offered on Wednesday 30 December 2026: 3 working days reach into 2027, whose 放假安排
    # nobody loaded, so 1 January is counted as a Friday like any other (and said so).
    runtime.clock.set_to(datetime(2026, 12, 30, 10, 0, tzinfo=CHINA))
    worker, _ = escalated_to_wanan(chat)
    desk = Desk(app)
    desk.login("lin")
    desk.open(f"/console/cases/{worker.case_id}")
    desk.sees("调解组织受理期限：2027年1月4日 24:00（ECNMR-19）")
    desk.sees("2027年放假安排未载入，按周一至周五计算")


def test_a_waiting_notification_reads_delivered_at_the_next_poll(
    app: Flask, chat: Chat, runtime: Runtime, lin: str
) -> None:
    worker, employer = escalated_to_wanan(chat)
    desk = Desk(app)
    desk.login("lin")
    desk.open(f"/console/cases/{worker.case_id}")
    desk.submit(f"/console/cases/{worker.case_id}/actions", {"action": "accept_case"})
    chat.run_jobs()

    employer.says("我们下周一前把工资结清")
    said = desk.polls()["lines"]
    relay = next(line for line in said if line["text"] == "单位：我们下周一前把工资结清")
    assert (relay["kind"], relay["status_name"], relay["pending"]) == ("notice", "待送达", True)
    chat.run_jobs()  # the notification reaches the worker's inbox
    update = desk.polls()
    assert update["lines"] == []
    assert update["statuses"][relay["key"]]["status_name"] == "已送达"
    assert relay["key"][1:] not in desk.pending  # delivered: the page stops asking about it
    assert desk.polls()["statuses"] == {}


def test_the_inbox_puts_the_overdue_case_first(
    app: Flask, chat: Chat, runtime: Runtime, lin: str
) -> None:
    first, _ = escalated_to_wanan(chat)
    second = complain(chat, "许师傅")
    invite_employer(chat, second)
    second.says("转人工")
    second.says("同意")
    # The second case's acceptance clock ran out an hour ago (its timer has not fired yet).
    with runtime.store.transaction() as session:
        clock = session.scalars(
            select(Deadline).where(
                Deadline.case_id == second.case_id, Deadline.kind == "org_acceptance"
            )
        ).one()
        clock.due_at = runtime.clock.now() - timedelta(hours=1)
    desk = Desk(app)
    desk.login("lin")
    assert desk.page.index(second.case_id or "") < desk.page.index(first.case_id or "")
    assert "已逾期" in desk.page


def test_another_organizations_mediator_gets_the_same_404_as_for_no_case(
    app: Flask, chat: Chat, runtime: Runtime, lin: str
) -> None:
    worker, _ = escalated_to_wanan(chat)
    add_console_user(runtime, "chen", "陈调解员", "mediator", LUOJIANG)
    desk = Desk(app)
    desk.login("chen")
    foreign = desk.open(f"/console/cases/{worker.case_id}")
    unknown = desk.open("/console/cases/0000000000000000")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.get_data() == unknown.get_data()
    assert worker.case_id not in desk.open("/console/").get_data(as_text=True)
    acted = desk.submit(f"/console/cases/{worker.case_id}/actions", {"action": "accept_case"})
    assert acted.status_code == 404
    assert worker.case["state"] == "escalated"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    app: Flask, chat: Chat, runtime: Runtime, lin: str
) -> None:
    worker, _ = escalated_to_wanan(chat)
    desk = Desk(app)
    desk.login("lin")
    desk.open(f"/console/cases/{worker.case_id}")
    path = f"/console/cases/{worker.case_id}/actions"
    refused = desk.submit(path, {"action": "accept_case"}, csrf=False)
    assert refused.status_code == 400
    assert "页面已过期或提交无效" in refused.get_data(as_text=True)
    forged = desk.submit(path, {"action": "accept_case", "csrf_token": "x" * 43}, csrf=False)
    assert forged.status_code == 400
    assert worker.case["state"] == "escalated"

    token = CSRF.search(desk.page).group(1)  # type: ignore[union-attr]
    fetched = desk.client.post(
        path, data={"action": "accept_case"}, headers={"X-CSRF-Token": token}
    )
    assert fetched.status_code == 302  # a script sends the token as a header instead
    assert worker.case["state"] == "mediating"


def test_an_idle_session_goes_back_to_the_login_page(
    app: Flask, chat: Chat, runtime: Runtime, lin: str
) -> None:
    worker, _ = escalated_to_wanan(chat)
    desk = Desk(app)
    desk.login("lin")
    runtime.clock.advance(timedelta(hours=runtime.settings.console_idle_hours, minutes=1))
    page = desk.client.get(f"/console/cases/{worker.case_id}")
    assert page.status_code == 302 and "/console/login" in page.headers["Location"]
    desk.open(page.headers["Location"])
    desk.sees("登录已超时，请重新登录。")
    desk.login("lin")
    assert desk.open(f"/console/cases/{worker.case_id}").status_code == 200


def test_repeated_wrong_passwords_lock_the_username_for_a_while(
    app: Flask, runtime: Runtime, lin: str
) -> None:
    desk = Desk(app)
    for _ in range(5):
        assert desk.login("lin", "wrong password").status_code == 401
    locked = desk.login("lin")  # even the right password, for now
    assert locked.status_code == 429
    desk.sees("登录失败次数过多，请15分钟后再试。")


def test_the_mediator_overrules_the_dispute_type_and_it_is_audited(
    app: Flask, chat: Chat, runtime: Runtime, lin: str
) -> None:
    worker, _ = escalated_to_wanan(chat)
    desk = Desk(app)
    desk.login("lin")
    desk.open(f"/console/cases/{worker.case_id}")
    path = f"/console/cases/{worker.case_id}/overrule"
    desk.submit(path, {"dispute_types": ["overtime"], "reason": ""})
    desk.sees("请写明理由。")
    assert worker.case["dispute_types"] == ["wage_arrears"]

    form = {"dispute_types": ["wage_arrears", "overtime"], "reason": "面谈得知还有加班费未付"}
    desk.submit(path, form)
    desk.sees("已更正争议类型：拖欠工资 → 拖欠工资、加班费。")
    assert worker.case["dispute_types"] == ["wage_arrears", "overtime"]
    overruled = [d for a, d in audit_actions(runtime, worker.case_id or "") if "old" in d]
    assert overruled == [
        {
            "reason": "面谈得知还有加班费未付",
            "old": ["wage_arrears"],
            "new": ["wage_arrears", "overtime"],
        }
    ]
    with runtime.store.transaction() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "dispute_types_overruled")
        ).one()
        assert (event.actor_id, event.rule) == (lin, "PIPL-24")


@pytest.fixture
def checked(app: Flask, settings: Settings, clock: Clock) -> Chat:
    """WeChat configured, content security failing closed: a relay that cannot be checked
    (development identities have no openid) is held for a mediator (bot/outbound.py)."""
    checking = create_app(
        replace(settings, wechat_appid="wx-test", wechat_secret="s" * 32), clock=clock
    )
    return Chat(checking, checking.extensions["tiaojie"])


def inbox_of(runtime: Runtime, party_id: str) -> list[tuple[str, str]]:
    with runtime.store.transaction() as session:
        rows = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.party_id == party_id, OutboundMessage.channel == "inbox")
            .order_by(OutboundMessage.id)
        )
        return [(row.status, runtime.store.cipher.decrypt(row.text_enc)) for row in rows]


def test_held_relays_are_released_or_dropped_by_the_mediator(
    checked: Chat,
    quanzhou: None,  # noqa: F811
) -> None:
    runtime = checked.runtime
    lin = add_console_user(runtime, "lin", "林调解员", "mediator", WANAN)
    worker, _ = escalated_to_wanan(checked)
    desk = Desk(checked.app)
    desk.login("lin")
    desk.open(f"/console/cases/{worker.case_id}")
    desk.submit(f"/console/cases/{worker.case_id}/actions", {"action": "accept_case"})
    # The mediator's own words are not a user's content to check: they reach the parties.
    desk.submit(f"/console/cases/{worker.case_id}/messages", {"text": "请把工资条拍照发给我"})
    checked.run_jobs()
    assert any(i["text"].endswith("请把工资条拍照发给我") for i in worker.inbox())

    worker.says("老板昨天又打电话骂我")
    checked.run_jobs()
    worker.hears("已转达。")
    assert any("暂时没有转给对方" in i["text"] for i in worker.inbox())
    assert ("failed", "劳动者：老板昨天又打电话骂我") in inbox_of(runtime, lin)

    desk.open(f"/console/cases/{worker.case_id}")
    desk.sees("待审查的转达")
    desk.sees("已暂扣")
    held = re.search(r"/relays/(\d+)/release", desk.page)
    assert held is not None
    desk.submit(f"/console/cases/{worker.case_id}/relays/{held.group(1)}/release", {})
    desk.sees("已放行，消息已转达对方。")
    assert "待审查的转达" not in desk.page
    checked.run_jobs()
    assert ("sent", "劳动者：老板昨天又打电话骂我") in inbox_of(runtime, lin)
    again = desk.submit(f"/console/cases/{worker.case_id}/relays/{held.group(1)}/release", {})
    assert "这条消息已经处理过了。" in again.get_data(as_text=True)

    worker.says("我要去他们公司讨个说法")
    checked.run_jobs()
    add_console_user(runtime, "admin", "区人社局", "admin")
    admin = Desk(checked.app)
    admin.login("admin")
    admin.open(f"/console/cases/{worker.case_id}")
    admin.sees("劳动者：我要去他们公司讨个说法")  # the held words, to decide on
    assert "老板昨天又打电话骂我" not in admin.page  # but not the conversation
    desk.open(f"/console/cases/{worker.case_id}")
    second = re.search(r"/relays/(\d+)/drop", desk.page)
    assert second is not None
    desk.submit(f"/console/cases/{worker.case_id}/relays/{second.group(1)}/drop", {})
    desk.sees("已决定不转达，并告知了发送人。")
    checked.run_jobs()
    assert any("经调解员查看后没有转给对方" in i["text"] for i in worker.inbox())
    assert ("sent", "劳动者：我要去他们公司讨个说法") not in inbox_of(runtime, lin)
    decisions = [a for a, d in audit_actions(runtime, worker.case_id or "") if "outbound_id" in d]
    assert decisions == ["relay_released", "relay_dropped"]

    # The worker asks for erasure: their words go from the mediator's inbox too, released or not.
    worker.says("删除我的信息")
    worker.taps("erase_confirm")
    assert not [text for _, text in inbox_of(runtime, lin) if "老板昨天又打电话骂我" in text]


def test_a_released_relay_reads_released_and_a_dropped_one_not_passed_on(
    checked: Chat,
    quanzhou: None,  # noqa: F811
) -> None:
    runtime = checked.runtime
    add_console_user(runtime, "lin", "林调解员", "mediator", WANAN)
    worker, _ = escalated_to_wanan(checked)
    desk = Desk(checked.app)
    desk.login("lin")
    desk.open(f"/console/cases/{worker.case_id}")
    desk.submit(f"/console/cases/{worker.case_id}/actions", {"action": "accept_case"})
    worker.says("老板昨天又打电话骂我")
    worker.says("我要去他们公司讨个说法")
    checked.run_jobs()  # content security cannot check them (no openid): both held

    page = f"/console/cases/{worker.case_id}"
    desk.open(page)
    first, second = re.findall(r"/relays/(\d+)/release", desk.page)[:2]
    assert desk.status_of(f"o{first}") == desk.status_of(f"o{second}") == "已暂扣"
    tab = Desk(checked.app)  # the same page in a second tab, open since before the decisions
    tab.client, tab.page = desk.client, desk.page

    desk.submit(f"{page}/relays/{first}/release", {})
    desk.sees("已放行，消息已转达对方。")
    assert desk.status_of(f"o{first}") == "已放行"  # not 已暂扣 beside its released copy
    assert desk.status_of(f"o{second}") == "已暂扣"
    assert tab.polls()["statuses"][f"o{first}"]["status_name"] == "已放行"

    desk.submit(f"{page}/relays/{second}/drop", {})
    desk.sees("已决定不转达，并告知了发送人。")
    assert desk.status_of(f"o{second}") == "未转达"
    assert tab.polls()["statuses"][f"o{second}"]["status_name"] == "未转达"
    assert first not in tab.pending and second not in tab.pending  # decided: asked no more


def test_a_declined_case_goes_to_the_next_organization_with_the_reason_kept(
    app: Flask, chat: Chat, runtime: Runtime, lin: str
) -> None:
    worker, _ = escalated_to_wanan(chat)
    desk = Desk(app)
    desk.login("lin")
    desk.open(f"/console/cases/{worker.case_id}")
    path = f"/console/cases/{worker.case_id}/actions"
    desk.submit(path, {"action": "decline_case", "reason": ""})
    desk.sees("请写明理由。")
    assert worker.case["route"]["org"]["name"] == WANAN

    desk.submit(path, {"action": "decline_case", "reason": "本中心调解员均在外出办案"})
    desk.sees("已退回，案件会转给下一个调解组织。")
    route = worker.case["route"]
    assert route["org"]["name"] != WANAN and route["status"] == "offered"
    assert worker.case_id not in desk.page  # back at the inbox: no longer this centre's case
    with runtime.store.transaction() as session:
        said = [
            runtime.store.cipher.decrypt(m.text_enc)
            for m in session.scalars(select(Message).where(Message.sender_id == lin))
        ]
    assert said == ["婉拒理由：本中心调解员均在外出办案"]
    with runtime.store.transaction() as session:  # and in the case's audit trail
        reasons = session.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.case_id == worker.case_id, AuditEvent.actor_id == lin
            )
        ).all()
    assert {"reason": "organization declined: 婉拒理由：本中心调解员均在外出办案"} in reasons


def test_a_proposal_reaches_both_parties_and_the_recorded_agreement_is_shown_with_its_pdf(
    app: Flask, chat: Chat, runtime: Runtime, lin: str
) -> None:
    worker, employer = escalated_to_wanan(chat)
    desk = Desk(app)
    desk.login("lin")
    desk.open(f"/console/cases/{worker.case_id}")
    path = f"/console/cases/{worker.case_id}/actions"
    desk.submit(path, {"action": "accept_case"})

    desk.submit(path, {"action": "propose", "terms": "单位支付两万，月底前付清"})
    chat.run_jobs()
    proposal = "调解员林调解员：调解员建议方案：单位支付两万，月底前付清"
    assert any(i["text"] == proposal for i in worker.inbox())
    assert any(i["text"] == proposal for i in employer.inbox())
    assert worker.case["state"] == "mediating"

    desk.submit(path, {"action": "mediation_success", "terms": "单位支付两万，月底前一次付清"})
    desk.sees("我理解的调解结果是：共20000元")
    desk.submit(path, {"action": "confirm_outcome"})
    desk.sees("已记录调解结果，等待双方确认调解协议。")
    desk.sees("调解协议书")
    desk.sees("已确认：调解员")
    pdf = desk.open(f"/console/cases/{worker.case_id}/agreement.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    worker.says("确认协议")
    employer.says("确认协议")
    desk.open(f"/console/cases/{worker.case_id}")
    desk.sees("已确认：调解员、劳动者、单位")
    desk.sees("确认中，未生效，还差：调解组织的盖章")
    desk.submit(path, {"action": "seal_agreement"})  # the organization's seal (LDMAL-14)
    desk.sees("调解组织已盖章，调解协议生效")
    desk.open(f"/console/cases/{worker.case_id}")
    desk.sees("已确认：调解员、劳动者、单位、调解组织")
    desk.sees("已生效")
    reads = [d for a, d in audit_actions(runtime, worker.case_id or "") if a == "case_read"]
    assert {"via": "console", "what": "agreement.pdf"} in reads


def test_junk_in_an_address_or_a_form_answers_like_an_unknown_case(
    app: Flask, chat: Chat, runtime: Runtime, lin: str
) -> None:
    worker, _ = escalated_to_wanan(chat)
    desk = Desk(app)
    desk.login("lin")
    unknown = desk.open("/console/cases/0000000000000000")
    for junk in ("%00", "abc%00def", "x" * 300, "%E4%B8%AD"):
        page = desk.open(f"/console/cases/{junk}")
        assert page.status_code == 404 and page.data == unknown.data, junk
    desk.open(f"/console/cases/{worker.case_id}")
    refused = desk.submit(f"/console/cases/{worker.case_id}/messages", {"text": "你好\x00"})
    assert refused.status_code == 400
    assert desk.open("/console/admin/orgs?q=%00").status_code in (400, 403)
