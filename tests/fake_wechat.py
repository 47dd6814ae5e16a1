"""pytest wiring for the fake WeChat API server (bot/fake_wechat.py, a real HTTP server on
127.0.0.1). Tests script failures (``fake.script("custom_send",
fixture("custom_send_err_45015.json"))``), delays (``fake.delays["custom_send"] = 3``) and read
what was called (``fake.calls("custom_send")``). Never the network.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot.app import create_app
from bot.clock import Clock
from bot.config import Settings
from bot.fake_wechat import FakeWeChat
from bot.runtime import Runtime
from tests.chat import Chat, Person

FIXTURES = Path(__file__).with_name("fixtures") / "wechat"
__all__ = ["FakeWeChat"]


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


# --- pytest wiring for the WeChat tests --------------------------------------------------------
# Test modules import the *_fixture functions (pytest registers them under their ``name``).

AES = fixture("text_aes.json")  # our own computed vectors: the app's token, key and appid
APPID, TOKEN, AES_KEY = AES["appid"], AES["token"], AES["encoding_aes_key"]
SECRET = "fake-secret"
NOTICE_TEMPLATE = "TEMPLATE_ID_NOTICE"
TEMPLATES = {
    "notice": {
        "id": NOTICE_TEMPLATE,
        "page": "pages/case/detail?id={case_id}",
        "fields": {"thing1": "title", "thing2": "summary", "time3": "time"},
    }
}


@pytest.fixture(name="fake_wechat")
def fake_wechat_fixture() -> Iterator[FakeWeChat]:
    fake = FakeWeChat(APPID, SECRET)
    yield fake
    fake.close()


@pytest.fixture(name="wechat_settings")
def wechat_settings_fixture(settings: Settings, fake_wechat: FakeWeChat) -> Settings:
    return replace(
        settings,
        wechat_appid=APPID,
        wechat_secret=SECRET,
        wechat_token=TOKEN,
        wechat_aes_key=AES_KEY,
        wechat_api_base=fake_wechat.url,
        wechat_templates=TEMPLATES,
        wechat_miniprogram_state="developer",
    )


@pytest.fixture(name="wechat_app")
def wechat_app_fixture(app: Flask, wechat_settings: Settings, clock: Clock) -> Iterator[Flask]:
    """An app for the WeChat-configured settings (``app`` emptied the tables and Redis)."""
    configured = create_app(wechat_settings, clock=clock)
    yield configured
    configured.extensions["tiaojie"].close()


@pytest.fixture(name="wechat_runtime")
def wechat_runtime_fixture(wechat_app: Flask) -> Runtime:
    runtime: Runtime = wechat_app.extensions["tiaojie"]
    return runtime


@pytest.fixture(name="wechat_chat")
def wechat_chat_fixture(wechat_app: Flask, wechat_runtime: Runtime) -> Chat:
    return Chat(wechat_app, wechat_runtime)


def wechat_login(chat: Chat, code: str, role: str = "worker") -> Person:
    """Log in through POST /api/v1/login (the fake's openid is ``o_<code>``)."""
    client = chat.app.test_client()
    response = client.post("/api/v1/login", json={"code": code, "role": role})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return Person(client, body["token"], body["party_id"], body["role"])


def signed_query(token: str = TOKEN, timestamp: str = "1714300000", nonce: str = "42") -> dict:
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def push(client: FlaskClient, body: dict | str, query: dict | None = None) -> TestResponse:
    """POST /wechat/push with a plain-mode signature (JSON for a dict, else the XML text)."""
    data = json.dumps(body, ensure_ascii=False) if isinstance(body, dict) else body
    kind = "application/json" if isinstance(body, dict) else "text/xml"
    return client.post(
        "/wechat/push",
        query_string=signed_query() if query is None else query,
        data=data.encode(),
        content_type=kind,
    )


def text_push(openid: str, content: str, msg_id: int, create_time: int = 1714300000) -> dict:
    return {
        "ToUserName": "gh_0a1b2c3d4e5f",
        "FromUserName": openid,
        "CreateTime": create_time,
        "MsgType": "text",
        "Content": content,
        "MsgId": msg_id,
    }
