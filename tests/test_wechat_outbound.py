"""Outbound through RQ jobs: customer-service replies with their fallbacks, subscribe messages
with the authorization ledger, content security before a relay, and the record of every
outbound message (status and errcode)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from bot import tasks
from bot.runtime import Runtime
from storage import queries
from storage.models import (
    OutboundDetail,
    OutboundMessage,
    Party,
    RiskAlert,
    SubscribeGrant,
)
from tests.chat import Chat, Person
from tests.fake_wechat import (  # noqa: F401  (pytest fixtures: fake WeChat, configured app)
    NOTICE_TEMPLATE,
    FakeWeChat,
    fake_wechat_fixture,
    fixture,
    push,
    text_push,
    wechat_app_fixture,
    wechat_chat_fixture,
    wechat_login,
    wechat_runtime_fixture,
    wechat_settings_fixture,
)


def rows(runtime: Runtime, channel: str | None = None) -> list[tuple[str, str, str | None]]:
    """(channel, status, error_code) of every outbound message, in order."""
    with runtime.store.transaction() as session:
        query = select(OutboundMessage).order_by(OutboundMessage.id)
        if channel:
            query = query.where(OutboundMessage.channel == channel)
        return [(r.channel, r.status, r.error_code) for r in session.scalars(query)]


def grant(runtime: Runtime, party_id: str, template_id: str = NOTICE_TEMPLATE) -> None:
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        queries.add_grants(
            session, party_id, [(template_id, "accept")], source="popup_event", now=now
        )


def notify(runtime: Runtime, party_id: str, text: str = "提醒：单位答复期限将在明天到期。") -> int:
    with runtime.store.transaction() as session:
        outbound_id = queries.add_notification(
            session,
            runtime.store.cipher,
            party_id=party_id,
            case_id=None,
            text=text,
            now=runtime.clock.now(),
        )
    tasks.enqueue_notifications(runtime, [outbound_id])
    return outbound_id


def worker_pushes(chat: Chat, text: str = "老板拖欠我三个月工资了", msg_id: int = 1) -> None:
    response = push(chat.app.test_client(), text_push("o_pushworker", text, msg_id))
    assert response.get_data(as_text=True) == "success"


# --- customer-service replies ----------------------------------------------------------------


@pytest.mark.parametrize("code", [40001, 42001])
def test_a_rejected_token_is_refreshed_exactly_once_and_the_send_retried_once(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat, code: int
) -> None:
    worker_pushes(wechat_chat)
    fake_wechat.script("custom_send", fixture(f"access_token_err_{code}.json"))
    wechat_chat.run_jobs()
    assert len(fake_wechat.calls("token")) == 2  # the first fetch, then exactly one refresh
    sends = fake_wechat.calls("custom_send")
    assert len(sends) == 2  # the send, then exactly one retry
    assert sends[0].query["access_token"] == "TOKEN-1"
    assert sends[1].query["access_token"] == "TOKEN-2"
    assert rows(wechat_runtime, "wechat_cs") == [("wechat_cs", "sent", None)]


def test_a_token_rejected_twice_is_not_refreshed_again(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    worker_pushes(wechat_chat)
    err = fixture("access_token_err_40001.json")
    fake_wechat.script("custom_send", err, err)
    wechat_chat.run_jobs()
    assert len(fake_wechat.calls("token")) == 2 and len(fake_wechat.calls("custom_send")) == 2
    # Not transient: recorded, and the reply waits in the inbox instead.
    assert rows(wechat_runtime, "wechat_cs") == [("wechat_cs", "fallback", "40001")]


@pytest.mark.parametrize("code", [45015, 45047])
def test_an_expired_reply_window_falls_back_to_the_inbox_and_a_subscribe_message(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat, code: int
) -> None:
    worker_pushes(wechat_chat)
    with wechat_runtime.store.transaction() as session:
        party = session.scalar(select(Party).where(Party.openid == "o_pushworker"))
        assert party is not None
        party_id = party.id
    grant(wechat_runtime, party_id)
    grant(wechat_runtime, party_id)  # one for the intake notice, one for the fallback
    fake_wechat.script("custom_send", fixture(f"custom_send_err_{code}.json"))
    wechat_chat.run_jobs()
    assert rows(wechat_runtime, "wechat_cs") == [("wechat_cs", "fallback", str(code))]
    with wechat_runtime.store.transaction() as session:
        chain = session.execute(
            select(OutboundDetail.purpose, OutboundMessage.channel, OutboundMessage.status)
            .join(OutboundMessage, OutboundMessage.id == OutboundDetail.outbound_id)
            .order_by(OutboundDetail.outbound_id)
        ).all()
        reply = session.scalar(
            select(OutboundMessage).where(OutboundMessage.channel == "wechat_cs")
        )
        assert reply is not None
        fallback = session.scalar(
            select(OutboundDetail).where(OutboundDetail.parent_id == reply.id)
        )
        assert fallback is not None and fallback.purpose == "fallback"
        nudge = session.scalar(
            select(OutboundDetail).where(OutboundDetail.parent_id == fallback.outbound_id)
        )
        assert nudge is not None and nudge.template_id == NOTICE_TEMPLATE
    assert ("fallback", "inbox", "sent") in chain and ("notice", "subscribe", "sent") in chain
    reply_text = wechat_runtime.store.cipher.decrypt(reply.text_enc)
    assert any(item["text"] == reply_text for item in inbox_of(wechat_runtime, party_id))
    sent = fake_wechat.calls("subscribe_send")[-1]
    assert sent.body["touser"] == "o_pushworker"
    assert sent.body["template_id"] == NOTICE_TEMPLATE
    assert sent.body["miniprogram_state"] == "developer" and sent.body["lang"] == "zh_CN"
    assert sent.body["page"].startswith("pages/case/detail?id=")
    assert set(sent.body["data"]) == {"thing1", "thing2", "time3"}
    assert all(len(v["value"]) <= 20 for v in sent.body["data"].values())


def inbox_of(runtime: Runtime, party_id: str) -> list[dict]:
    with runtime.store.transaction() as session:
        return queries.unread_inbox(session, runtime.store.cipher, party_id)


# --- subscribe messages and the authorization ledger -----------------------------------------


def test_a_43101_falls_back_to_the_inbox_and_is_recorded(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    worker = wechat_login(wechat_chat, "w43101")
    grant(wechat_runtime, worker.party_id)
    fake_wechat.script("subscribe_send", fixture("subscribe_send_err_43101.json"))
    notify(wechat_runtime, worker.party_id)
    wechat_chat.run_jobs()
    assert rows(wechat_runtime) == [
        ("inbox", "sent", None),
        ("subscribe", "fallback", "43101"),
    ]
    assert [item["text"] for item in worker.inbox()] == ["提醒：单位答复期限将在明天到期。"]
    with wechat_runtime.store.transaction() as session:
        assert session.scalar(select(SubscribeGrant.status)) == "refused"


def test_one_subscribe_message_per_authorization(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    worker = wechat_login(wechat_chat, "wonce")
    grant(wechat_runtime, worker.party_id)
    notify(wechat_runtime, worker.party_id, "第一条通知")
    notify(wechat_runtime, worker.party_id, "第二条通知")
    wechat_chat.run_jobs()
    assert len(fake_wechat.calls("subscribe_send")) == 1
    assert rows(wechat_runtime, "subscribe") == [("subscribe", "sent", None)]
    assert len(worker.inbox()) == 2  # both are in the inbox all the same
    grant(wechat_runtime, worker.party_id)
    notify(wechat_runtime, worker.party_id, "第三条通知")
    wechat_chat.run_jobs()
    assert len(fake_wechat.calls("subscribe_send")) == 2


def test_without_authorization_a_notification_stays_in_the_inbox(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    worker = wechat_login(wechat_chat, "wnone")
    notify(wechat_runtime, worker.party_id)
    wechat_chat.run_jobs()
    assert fake_wechat.calls("subscribe_send") == []
    assert rows(wechat_runtime) == [("inbox", "sent", None)]


@pytest.mark.parametrize(
    ("name", "grant_after"),
    [
        ("subscribe_send_err_47003.json", "granted"),
        ("subscribe_send_err_40037.json", "granted"),
        ("subscribe_send_err_41030.json", "granted"),
        ("subscribe_send_err_40003.json", "used"),
    ],
)
def test_other_subscribe_errors_are_recorded_as_failed(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat, name: str, grant_after: str
) -> None:
    worker = wechat_login(wechat_chat, "werr")
    grant(wechat_runtime, worker.party_id)
    answer = fixture(name)
    fake_wechat.script("subscribe_send", answer)
    notify(wechat_runtime, worker.party_id)
    wechat_chat.run_jobs()
    assert rows(wechat_runtime, "subscribe") == [("subscribe", "failed", str(answer["errcode"]))]
    with wechat_runtime.store.transaction() as session:
        assert session.scalar(select(SubscribeGrant.status)) == grant_after


def test_a_busy_wechat_is_retried_by_rq_with_backoff(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    worker_pushes(wechat_chat)
    fake_wechat.script("custom_send", {"errcode": -1, "errmsg": "system error"})
    wechat_chat.run_jobs()
    assert rows(wechat_runtime, "wechat_cs") == [("wechat_cs", "queued", None)]
    [job_id] = [j for j in wechat_runtime.queue.scheduled_job_registry.get_job_ids()]
    assert job_id.startswith("outbound-")  # re-scheduled with RQ's Retry interval
    assert tasks.deliver_notification(int(job_id.removeprefix("outbound-"))) == "sent"


# --- content security before a relay ---------------------------------------------------------


def negotiation(chat: Chat) -> tuple[Person, Person]:
    """A worker and an employer, both logged in through WeChat, negotiating one case."""
    worker = wechat_login(chat, "relay-worker")
    for text in ("泉州鑫达鞋业有限公司拖欠我三个月工资，一共两万四", "洛江区万安街道"):
        worker.says(text)
    worker.says("每月八千")
    worker.says("干了两年")
    worker.says("还在上班")
    worker.says("就我自己")
    worker.taps("consent_employer")
    token = worker.case["invitation"]["token"]
    employer = wechat_login(chat, "relay-boss", role="employer")
    joined = employer.post(f"/api/v1/invitations/{token}/join", {})
    assert joined.status_code == 200, joined.get_json()
    employer.case_id = worker.case_id
    chat.run_jobs()
    return worker, employer


def relay_rows(runtime: Runtime) -> list[tuple[str, str | None, str | None]]:
    with runtime.store.transaction() as session:
        query = (
            select(OutboundMessage.status, OutboundMessage.error_code, OutboundDetail.verdict)
            .join(OutboundDetail, OutboundDetail.outbound_id == OutboundMessage.id)
            .where(OutboundDetail.verdict.is_not(None))
        )
        return [tuple(r) for r in session.execute(query)]  # type: ignore[misc]


def test_a_risky_text_is_never_relayed(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    worker, employer = negotiation(wechat_chat)
    fake_wechat.risky_words = ("不给就别想好过",)
    employer.says("钱不给，你不给就别想好过")
    employer.hears("已转达")  # the handler's answer does not wait for the network
    wechat_chat.run_jobs()
    assert not any("别想好过" in item["text"] for item in worker.inbox())
    assert relay_rows(wechat_runtime) == [("failed", "risky", "risky")]
    [check] = fake_wechat.calls("msg_sec_check")
    assert check.body == {
        "openid": "o_relay-boss",
        "scene": 2,
        "version": 2,
        "content": "钱不给，你不给就别想好过",
    }
    told = [item["text"] for item in employer.inbox()]
    assert any("暂时没有转给对方" in text for text in told)
    assert not any("违规" in text for text in told)
    with wechat_runtime.store.transaction() as session:
        alert = session.scalar(select(RiskAlert).where(RiskAlert.kind == "content_review"))
        assert alert is not None and alert.case_id == worker.case_id and alert.status == "open"
        assert alert.reasons[0]["verdict"] == "risky" and alert.reasons[0]["relayed"] is False


def test_a_risky_text_with_a_phone_number_is_checked_as_shown_and_never_relayed(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    """The worker's relayed words are masked (PIPL-28), so they are not the words the worker
    typed: the notice itself says whose words it carries, and those are what is checked."""
    worker, employer = negotiation(wechat_chat)
    fake_wechat.risky_words = ("砸了你的厂",)
    worker.says("不给钱我就砸了你的厂，打我电话13812345678")
    wechat_chat.run_jobs()
    assert not any("砸了你的厂" in item["text"] for item in employer.inbox())
    assert relay_rows(wechat_runtime) == [("failed", "risky", "risky")]
    [check] = fake_wechat.calls("msg_sec_check")
    assert check.body["openid"] == "o_relay-worker"
    assert check.body["content"] == "不给钱我就砸了你的厂，打我电话138****5678"


def test_erasing_a_worker_also_erases_their_words_relayed_to_the_employer(
    wechat_chat: Chat, wechat_runtime: Runtime
) -> None:
    worker, employer = negotiation(wechat_chat)
    worker.says("我每天加班到晚上十点")
    wechat_chat.run_jobs()
    assert any("加班到晚上十点" in item["text"] for item in employer.inbox())
    worker.says("删除我的信息")
    worker.taps("erase_confirm")
    wechat_chat.run_jobs()
    assert not any("加班到晚上十点" in item["text"] for item in employer.inbox())
    with wechat_runtime.store.transaction() as session:
        kept = session.scalars(select(OutboundDetail.relay_sender_id)).all()
    assert worker.party_id not in kept


def test_a_text_for_review_is_relayed_with_a_flag_for_the_mediator(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    worker, employer = negotiation(wechat_chat)
    fake_wechat.review_words = ("骗子",)
    employer.says("你就是个骗子")
    wechat_chat.run_jobs()
    assert any("你就是个骗子" in item["text"] for item in worker.inbox())
    assert relay_rows(wechat_runtime) == [("sent", None, "review")]
    with wechat_runtime.store.transaction() as session:
        alert = session.scalar(select(RiskAlert).where(RiskAlert.kind == "content_review"))
        assert alert is not None and alert.reasons[0]["relayed"] is True


def test_a_passing_text_is_relayed_and_checked_as_the_sender(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    worker, employer = negotiation(wechat_chat)
    worker.says("希望这个月底前能结清")
    wechat_chat.run_jobs()
    assert any("希望这个月底前能结清" in item["text"] for item in employer.inbox())
    [check] = fake_wechat.calls("msg_sec_check")
    assert check.body["openid"] == "o_relay-worker"
    assert relay_rows(wechat_runtime) == [("sent", None, "pass")]


@pytest.mark.parametrize(("mode", "relayed"), [("closed", False), ("open", True)])
def test_a_failing_check_holds_or_relays_as_configured(
    wechat_chat: Chat,
    wechat_runtime: Runtime,
    fake_wechat: FakeWeChat,
    mode: str,
    relayed: bool,
) -> None:
    object.__setattr__(wechat_runtime.settings, "wechat_content_check", mode)
    worker, employer = negotiation(wechat_chat)
    fake_wechat.script("msg_sec_check", fixture("msgseccheck_v2_err_40003.json"))
    employer.says("下周一给答复")
    wechat_chat.run_jobs()
    assert any("下周一给答复" in i["text"] for i in worker.inbox()) is relayed
    status = "sent" if relayed else "failed"
    assert relay_rows(wechat_runtime) == [
        (status, None if relayed else "seccheck_40003", "unchecked")
    ]


def test_a_content_verdict_never_suppresses_an_urgent_case(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat, wechat_app: Flask
) -> None:
    fake_wechat.risky_words = ("跳楼",)
    worker_pushes(wechat_chat, "老板三个月不给钱，再不给我就去跳楼", msg_id=77)
    with wechat_runtime.store.transaction() as session:
        party = session.scalar(select(Party).where(Party.openid == "o_pushworker"))
        assert party is not None
        [case] = queries.cases_of(session, party)
        assert "urgent" in case.flags
    wechat_chat.run_jobs()
    assert fake_wechat.calls("msg_sec_check") == []  # one's own words are not a relay
    [reply] = [c.body["text"]["content"] for c in fake_wechat.calls("custom_send")]
    assert "110" in reply and "违规" not in reply
