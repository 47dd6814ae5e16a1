"""WeChat login (code2session) against the fake WeChat server; our session tokens are signed,
expire and can be revoked; WeChat's refusals become clear Chinese JSON errors."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from sqlalchemy import select

from bot.app import create_app
from bot.clock import Clock
from bot.config import Settings
from bot.runtime import Runtime
from storage.models import Party
from tests.chat import Chat
from tests.fake_wechat import (  # noqa: F401  (pytest fixtures: fake WeChat, configured app)
    FakeWeChat,
    fake_wechat_fixture,
    fixture,
    wechat_app_fixture,
    wechat_chat_fixture,
    wechat_login,
    wechat_runtime_fixture,
    wechat_settings_fixture,
)


def error_of(response) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    body = response.get_json()
    assert set(body) == {"error"}, body
    return response.status_code, body["error"]["code"], body["error"]["message"]


def test_a_worker_logs_in_with_a_code_and_talks(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    fake_wechat.script("code2session", fixture("code2session_ok.json"))
    worker = wechat_login(wechat_chat, "CODE1")
    assert worker.role == "worker"
    [call] = fake_wechat.calls("code2session")
    assert call.query == {
        "appid": wechat_runtime.settings.wechat_appid,
        "secret": wechat_runtime.settings.wechat_secret,
        "js_code": "CODE1",
        "grant_type": "authorization_code",
    }
    with wechat_runtime.store.transaction() as session:
        party = session.get(Party, worker.party_id)
        assert party is not None
        assert (party.openid, party.unionid) == (
            "o16wA0b4AZKzgVJR3MBwoUdTfU_E",
            "or4zX05h_Ykt4ju0TUfx3CQsvfTo",
        )
    worker.says("老板拖欠我三个月工资了")
    worker.hears("拖欠工资")


def test_the_same_wechat_user_is_the_same_party_and_keeps_the_first_role(
    wechat_chat: Chat,
) -> None:
    first = wechat_login(wechat_chat, "boss", role="employer")
    again = wechat_login(wechat_chat, "boss", role="worker")
    assert first.party_id == again.party_id and again.role == "employer"


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("code2session_err_40029.json", 400, "wechat_code_invalid"),
        ("code2session_err_45011.json", 429, "wechat_rate_limited"),
        ("code2session_err_40226.json", 403, "wechat_user_blocked"),
        ("code2session_err_-1.json", 503, "wechat_busy"),
    ],
)
def test_wechat_refusals_become_clear_errors(
    wechat_app: Flask, fake_wechat: FakeWeChat, name: str, status: int, code: str
) -> None:
    fake_wechat.script("code2session", fixture(name))
    response = wechat_app.test_client().post("/api/v1/login", json={"code": "x"})
    got_status, got_code, message = error_of(response)
    assert (got_status, got_code) == (status, code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)  # said in Chinese
    assert "errcode" not in message and "rid" not in message


def test_an_unknown_wechat_error_or_no_wechat_at_all_is_503(
    wechat_settings: Settings, wechat_app: Flask, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    fake_wechat.script("code2session", {"errcode": 40013, "errmsg": "invalid appid"})
    response = wechat_app.test_client().post("/api/v1/login", json={"code": "x"})
    assert error_of(response)[:2] == (503, "wechat_unavailable")

    unreachable = create_app(replace(wechat_settings, wechat_api_base="http://127.0.0.1:9"))
    response = unreachable.test_client().post("/api/v1/login", json={"code": "x"})
    assert error_of(response)[:2] == (503, "wechat_unavailable")
    unreachable.extensions["tiaojie"].close()

    unconfigured = create_app(replace(wechat_settings, wechat_appid="", wechat_secret=""))
    response = unconfigured.test_client().post("/api/v1/login", json={"code": "x"})
    assert error_of(response)[:2] == (503, "wechat_not_configured")
    unconfigured.extensions["tiaojie"].close()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"data": "code=x", "content_type": "application/x-www-form-urlencoded"}, "not_json"),
        ({"json": {}}, "missing_code"),
        ({"json": {"code": "  "}}, "missing_code"),
        ({"json": {"code": 42}}, "bad_field"),
        ({"json": {"code": "c" * 500}}, "bad_field"),
        ({"json": {"code": "x", "role": "admin"}}, "bad_role"),
        ({"json": {"code": "x", "role": "boss"}}, "bad_role"),
    ],
)
def test_bad_login_bodies_get_400(wechat_app: Flask, kwargs: dict, code: str) -> None:
    response = wechat_app.test_client().post("/api/v1/login", **kwargs)
    assert error_of(response)[:2] == (400, code)


def test_logout_revokes_exactly_that_token(wechat_chat: Chat) -> None:
    phone = wechat_login(wechat_chat, "w1")
    tablet = wechat_login(wechat_chat, "w1")
    assert phone.get("/api/v1/cases").status_code == 200
    assert phone.post("/api/v1/logout", {}).get_json() == {"ok": True}
    assert error_of(phone.get("/api/v1/cases"))[:2] == (401, "token_invalid")
    assert tablet.get("/api/v1/cases").status_code == 200


def test_a_logged_out_phone_can_neither_send_nor_replay_a_message(wechat_chat: Chat) -> None:
    """The message endpoint checks revocation inside its own transaction: a new message and
    a redelivery of one answered before the logout both get 401, and nothing is stored."""
    phone = wechat_login(wechat_chat, "w3")
    body = {"text": "老板欠我两个月工资没发", "msg_id": "phone-1"}
    first = phone.post("/api/v1/messages", body)
    assert first.status_code == 200
    assert phone.post("/api/v1/logout", {}).get_json() == {"ok": True}
    assert error_of(phone.post("/api/v1/messages", body))[:2] == (401, "token_invalid")
    later = {"text": "一共八千块", "msg_id": "phone-2"}
    assert error_of(phone.post("/api/v1/messages", later))[:2] == (401, "token_invalid")
    tablet = wechat_login(wechat_chat, "w3")
    cases = tablet.get("/api/v1/cases").get_json()["cases"]
    assert [c["facts"].get("amount") for c in cases] == [None]  # 一共八千块 never arrived


def test_tokens_are_signed_and_expire(
    wechat_chat: Chat, wechat_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = wechat_login(wechat_chat, "w2")
    forged = worker.token[:-2] + ("AA" if not worker.token.endswith("AA") else "BB")
    headers = {"Authorization": f"Bearer {forged}"}
    assert error_of(worker.client.get("/api/v1/cases", headers=headers))[:2] == (
        401,
        "token_invalid",
    )
    days = wechat_runtime.settings.session_days
    past = int(time.time()) - (days * 24 * 3600 + 60)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: past)
    old = wechat_runtime.sessions.issue(worker.party_id, "worker")
    monkeypatch.undo()
    headers = {"Authorization": f"Bearer {old}"}
    assert error_of(worker.client.get("/api/v1/cases", headers=headers))[:2] == (
        401,
        "token_invalid",
    )


def test_production_has_wechat_login_but_no_dev_login(
    wechat_settings: Settings, wechat_runtime: Runtime, clock: Clock
) -> None:
    production = create_app(replace(wechat_settings, env="production"), clock=clock)
    client = production.test_client()
    response = client.post("/api/v1/dev/login", json={"role": "worker", "name": "x"})
    assert error_of(response)[:2] == (404, "not_found")
    response = client.post("/api/v1/login", json={"code": "prod"})
    assert response.status_code == 200 and response.get_json()["role"] == "worker"
    with wechat_runtime.store.transaction() as session:
        assert session.scalar(select(Party.openid).where(Party.openid == "o_prod")) == "o_prod"
    production.extensions["tiaojie"].close()


def test_the_subscription_templates_are_listed_with_unused_authorizations(
    wechat_chat: Chat,
) -> None:
    worker = wechat_login(wechat_chat, "w3")
    body = worker.get("/api/v1/subscriptions").get_json()
    assert body == {
        "templates": [{"purpose": "notice", "template_id": "TEMPLATE_ID_NOTICE", "unused": 0}]
    }
