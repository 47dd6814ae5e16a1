"""Rate and size limits: a flood gets a clear 429 in Chinese (with Retry-After) and the next
minute works again; other people are not affected; bodies too large get a 413 in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from bot.app import create_app
from bot.clock import Clock
from bot.config import RateLimits, Settings
from bot.runtime import Runtime
from storage.models import Message, OutboundMessage
from tests.chat import Chat
from tests.fake_wechat import (  # noqa: F401  (pytest fixtures: fake WeChat, configured app)
    fake_wechat_fixture,
    push,
    text_push,
    wechat_settings_fixture,
)
from tests.test_console import Desk


def start_of_a_minute(clock: Clock) -> None:
    """Move the service clock to one second into a fresh minute: a test's burst of requests
    then falls inside one window."""
    seconds = clock.now().timestamp() % 60
    clock.advance(timedelta(seconds=61 - seconds))


def refused_in_chinese(response: TestResponse) -> int:
    """The 429 of api.md with its wait in words and in Retry-After; returns the wait."""
    assert response.status_code == 429, response.get_json()
    error = response.get_json()["error"]
    wait = int(response.headers["Retry-After"])
    assert error["code"] == "rate_limited" and 1 <= wait <= 60
    assert error["message"] == f"操作太频繁了，请{wait}秒后再试。"
    return wait


def test_the_31st_message_in_a_minute_waits_for_the_next_minute(chat: Chat, clock: Clock) -> None:
    start_of_a_minute(clock)
    worker = chat.login("worker", "刷屏的人")
    neighbour = chat.login("worker", "隔壁工友")
    for n in range(30):
        response = worker.post("/api/v1/messages", {"text": f"老板拖欠工资{n}", "msg_id": f"m{n}"})
        assert response.status_code == 200, (n, response.get_json())
    refused_in_chinese(worker.post("/api/v1/messages", {"text": "还有", "msg_id": "m30"}))
    # Someone else, from the same address, talks on.
    assert neighbour.post("/api/v1/messages", {"text": "老板欠我工资"}).status_code == 200
    # Reading is another budget: the worker still sees the case.
    assert worker.get("/api/v1/cases").status_code == 200

    clock.advance(timedelta(minutes=1))
    again = worker.post("/api/v1/messages", {"text": "还有", "msg_id": "m30"})
    assert again.status_code == 200, again.get_json()


@pytest.fixture
def strict_app(settings: Settings, app: Flask, clock: Clock) -> Iterator[Flask]:
    """Small budgets, one trusted proxy in front (its X-Forwarded-For names the client)."""
    limits = RateLimits(login_per_ip=3, api_per_ip=5, api_per_party=4)
    strict = create_app(replace(settings, rate_limits=limits, trusted_proxies=1), clock=clock)
    yield strict
    strict.extensions["tiaojie"].close()


def dev_login(app: Flask, name: str, ip: str) -> TestResponse:
    return app.test_client().post(
        "/api/v1/dev/login",
        json={"role": "worker", "name": name},
        headers={"X-Forwarded-For": ip},
    )


def test_logins_are_limited_per_address(strict_app: Flask, clock: Clock) -> None:
    start_of_a_minute(clock)
    for n in range(3):
        assert dev_login(strict_app, f"试探{n}", "203.0.113.7").status_code == 200
    wait = refused_in_chinese(dev_login(strict_app, "试探3", "203.0.113.7"))
    assert dev_login(strict_app, "别人", "198.51.100.2").status_code == 200
    clock.advance(timedelta(seconds=wait))
    assert dev_login(strict_app, "试探3", "203.0.113.7").status_code == 200


def test_other_calls_are_limited_per_party_and_per_address(strict_app: Flask, clock: Clock) -> None:
    start_of_a_minute(clock)
    token = dev_login(strict_app, "小李", "203.0.113.7").get_json()["token"]
    reader = strict_app.test_client()
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "203.0.113.8"}
    for _ in range(4):
        assert reader.get("/api/v1/cases", headers=headers).status_code == 200
    refused_in_chinese(reader.get("/api/v1/inbox", headers=headers))  # per party, any address
    anonymous = strict_app.test_client()
    for _ in range(5):
        assert (
            anonymous.get("/api/v1/cases", headers={"X-Forwarded-For": "192.0.2.1"}).status_code
            == 401
        )
    refused_in_chinese(anonymous.get("/api/v1/cases", headers={"X-Forwarded-For": "192.0.2.1"}))
    assert strict_app.test_client().get("/healthz").status_code == 200  # never limited


@pytest.fixture
def push_app(wechat_settings: Settings, app: Flask, clock: Clock) -> Iterator[Flask]:
    limits = RateLimits(push_per_openid=2, api_per_ip=1)
    configured = create_app(replace(wechat_settings, rate_limits=limits), clock=clock)
    yield configured
    configured.extensions["tiaojie"].close()


def test_wechat_pushes_are_counted_per_sender_never_per_address(
    push_app: Flask, clock: Clock
) -> None:
    start_of_a_minute(clock)
    runtime = push_app.extensions["tiaojie"]
    client = push_app.test_client()  # every push comes from WeChat's servers: one address
    assert push(client, text_push("o_flood", "老板拖欠工资", 1)).status_code == 200
    assert push(client, text_push("o_flood", "三个月了", 2)).status_code == 200
    # Over the budget: WeChat still gets success (a refusal would only be delivered again);
    # the push is not processed, and its sender is told once per minute to send it later.
    for msg_id in (3, 33):
        answer = push(client, text_push("o_flood", "还在吗", msg_id))
        assert answer.status_code == 200 and answer.get_data(as_text=True) == "success"
    with runtime.store.transaction() as session:
        said = session.scalars(select(Message).where(Message.direction == "in")).all()
        sent = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.channel == "wechat_cs")
            .order_by(OutboundMessage.id)
        ).all()
        told = [runtime.store.cipher.decrypt(row.text_enc) for row in sent]
    assert len(said) == 2
    assert len(told) == 3 and told[-1].startswith("消息发得太快了，刚才这条没有收到。")
    assert push(client, text_push("o_calm", "老板拖欠工资", 4)).status_code == 200
    # A forged push is refused by its signature, and counts against no one.
    forged = push(client, text_push("o_calm", "伪造", 5), {"signature": "0" * 40})
    assert forged.status_code == 403
    assert push(client, text_push("o_calm", "一万二", 6)).status_code == 200


def test_wechat_delivering_one_push_again_does_not_use_up_the_senders_budget(
    push_app: Flask, clock: Clock
) -> None:
    """WeChat sends a push up to three times when our answer is slow: one message, counted
    once. The sender's budget (2 a minute here) still has room for their next message."""
    start_of_a_minute(clock)
    runtime = push_app.extensions["tiaojie"]
    client = push_app.test_client()
    for _ in range(3):  # the same MsgId, three deliveries
        assert push(client, text_push("o_slow", "老板拖欠工资", 41)).status_code == 200
    assert push(client, text_push("o_slow", "三个月了", 42)).status_code == 200
    with runtime.store.transaction() as session:
        said = session.scalars(select(Message).where(Message.direction == "in")).all()
        sent = session.scalars(select(OutboundMessage.text_enc)).all()
    assert len(said) == 2  # both messages processed, none refused
    told = [runtime.store.cipher.decrypt(text) for text in sent]
    assert not any(t.startswith("消息发得太快了") for t in told)


def test_bodies_beyond_the_limits_get_413_in_chinese(
    chat: Chat, push_app: Flask, settings: Settings
) -> None:
    worker = chat.login("worker", "长篇大论")
    big = {"text": "欠薪" * (settings.max_body_bytes // 2)}
    response = worker.post("/api/v1/messages", big)
    assert response.status_code == 413
    assert response.get_json()["error"] == {"code": "too_large", "message": "请求内容太大。"}
    huge_push = text_push("o_big", "欠" * 20_000, 7)  # 60 KB: beyond the push limit
    response = push(push_app.test_client(), huge_push)
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_with_redis_down_nothing_is_limited(settings: Settings, runtime: Runtime) -> None:
    down = replace(
        settings,
        redis_url="redis://127.0.0.1:1/0",
        rate_limits=RateLimits(login_per_ip=1, api_per_ip=1, messages_per_party=1),
    )
    offline = create_app(down)
    worker = Chat(offline, offline.extensions["tiaojie"]).login("worker", "断网")
    assert Chat(offline, offline.extensions["tiaojie"]).login("worker", "又一个")
    worker.says("老板拖欠我三个月工资了")
    worker.says("泉州鑫达鞋业有限公司")
    offline.extensions["tiaojie"].close()


def test_console_logins_count_as_logins_and_its_pages_do_not(
    strict_app: Flask, clock: Clock
) -> None:
    start_of_a_minute(clock)
    desk = Desk(strict_app)
    for _ in range(3):
        assert desk.login("nobody", "wrong password").status_code == 401
    assert desk.open("/console/login").status_code == 200  # a page, not a login
    refused_in_chinese(desk.submit("/console/login", {"username": "nobody", "password": "x"}))
