"""Redis is the fast path, the database the truth: with Redis down a message still counts once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from bot import tasks
from bot import worker as worker_module
from bot.app import create_app
from bot.config import Settings
from bot.fake_wechat import FakeWeChat
from bot.runtime import Runtime
from handlers import texts
from storage.models import Message, OutboundMessage
from tests.chat import Chat
from tests.fake_wechat import (  # noqa: F401  (pytest fixtures: the fake WeChat, its settings)
    fake_wechat_fixture,
    push,
    text_push,
    wechat_settings_fixture,
)
from tests.test_negotiation import complain, invite_employer


def test_messages_are_accepted_once_and_notifications_wait_for_redis(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    down = Settings(**{**settings.__dict__, "redis_url": "redis://127.0.0.1:1/0"})
    app = create_app(down)
    offline: Runtime = app.extensions["tiaojie"]
    worker = Chat(app, offline).login("worker", "曾师傅")
    first = worker.says("老板拖欠我三个月工资了", msg_id="m-1")
    again = worker.says("老板拖欠我三个月工资了", msg_id="m-1", in_case=False)
    assert again == first
    with offline.store.transaction() as session:
        assert session.scalar(select(func.count()).where(Message.direction == "in")) == 1
        assert session.scalar(select(OutboundMessage.status)) == "queued"
    offline.close()

    # Redis is back: a starting worker re-enqueues what is still queued, and delivers it.
    assert tasks.requeue_pending(runtime) == 1
    Chat(app, runtime).run_jobs()
    with runtime.store.transaction() as session:
        assert session.scalar(select(OutboundMessage.status)) == "sent"


# --- what needs Redis says so in Chinese; nothing accepted meanwhile is lost ------------


def _offline(settings: Settings) -> Flask:
    """The service while its Redis is gone (nothing listens on port 1), on the development
    clock that all its processes share through Redis."""
    return create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"))


def test_what_cannot_work_without_redis_answers_503_in_chinese(settings: Settings) -> None:
    app = _offline(settings)
    client = app.test_client()
    for method, path, body in (
        ("GET", "/healthz", None),
        ("POST", "/api/v1/dev/clock", {"advance": "P1D"}),  # the shared clock lives in Redis
    ):
        response = client.open(path, method=method, json=body)
        assert response.status_code == 503, path
        error = response.get_json()["error"]
        assert error["code"] == "unavailable" and error["message"] == texts.ERRORS["unavailable"]
    worker = Chat(app, app.extensions["tiaojie"]).login("worker", "曾师傅")
    assert worker.says("老板拖欠我三个月工资了")["case"]["state"] == "intake"  # the DB is enough


def test_a_whole_negotiation_while_redis_is_down_is_delivered_once_when_it_returns(
    settings: Settings,
    runtime: Runtime,
    wechat_settings: Settings,
    fake_wechat: FakeWeChat,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both parties talk, a WeChat user pushes the same message twice; every notification and
    reply waits in the database; `tiaojie worker` starts once Redis is back and delivers each
    exactly once."""
    app = _offline(replace(wechat_settings, wechat_content_check="off"))
    offline: Runtime = app.extensions["tiaojie"]
    chat = Chat(app, offline)
    worker = complain(chat)
    employer = invite_employer(chat, worker)
    employer.says("这个月订单少，资金有点紧张")
    worker.says("那也不能一直拖着")
    pushed = text_push("o_redis_down", "老板拖欠我两个月工资", 77001)
    assert push(app.test_client(), pushed).data == b"success"
    assert push(app.test_client(), pushed).data == b"success"  # WeChat's retry of the same push
    with offline.store.transaction() as session:
        queued = session.scalar(select(func.count()).where(OutboundMessage.status == "queued"))
        assert queued and queued == session.scalar(select(func.count(OutboundMessage.id)))
        replies = session.scalar(select(func.count()).where(OutboundMessage.channel == "wechat_cs"))
        accepted = session.scalar(select(func.count()).where(Message.direction == "in"))
    assert replies == 1  # the pushed message counted once
    assert accepted == 6 + 1 + 2 + 1  # the story, the consent, two words, one push: all kept
    offline.close()

    # Redis is back: `tiaojie worker`'s own start-up (no NLP warm-up).
    monkeypatch.setattr(worker_module.nlp, "warm_up", lambda: None)
    worker_module.run_worker(replace(wechat_settings, wechat_content_check="off"), burst=True)
    with runtime.store.transaction() as session:
        statuses = set(session.scalars(select(OutboundMessage.status)))
        total = session.scalar(select(func.count(OutboundMessage.id)))
    assert statuses == {"sent"} and total == queued  # each delivered, none added twice
    assert len(fake_wechat.calls("custom_send")) == 1
    online = Chat(app, runtime)
    for person in (worker, employer):
        person.client = online.app.test_client()
    assert any("这个月订单少" in i["text"] for i in worker.inbox())
    assert any("那也不能一直拖着" in i["text"] for i in employer.inbox())
