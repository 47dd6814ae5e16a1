"""A fake WeChat API server on 127.0.0.1: a real threaded HTTP server with scriptable answers.

Implements code2session, token, stable token, customer-service send, subscribe send and
msgSecCheck v2, answering with the documented fixtures (tests/fixtures/wechat/). Tests script
failures (``fake.script("custom_send", fixture("custom_send_err_45015.json"))``) and read what
was called (``fake.calls("custom_send")``). Never the network.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot.app import create_app
from bot.clock import Clock
from bot.config import Settings
from bot.runtime import Runtime
from tests.chat import Chat, Person

FIXTURES = Path(__file__).with_name("fixtures") / "wechat"

ROUTES = {
    ("GET", "/sns/jscode2session"): "code2session",
    ("GET", "/cgi-bin/token"): "token",
    ("POST", "/cgi-bin/stable_token"): "stable_token",
    ("POST", "/cgi-bin/message/custom/send"): "custom_send",
    ("POST", "/cgi-bin/message/subscribe/send"): "subscribe_send",
    ("POST", "/wxa/msg_sec_check"): "msg_sec_check",
}
NEEDS_TOKEN = frozenset({"custom_send", "subscribe_send", "msg_sec_check"})


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Call:
    endpoint: str
    query: dict[str, str]
    body: Any
    at: float


class FakeWeChat:
    def __init__(self, appid: str, secret: str) -> None:
        self.appid, self.secret = appid, secret
        self.lock = threading.Lock()
        self._calls: list[Call] = []
        self._scripts: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        self.tokens: list[str] = []
        self.valid_tokens: set[str] = set()
        self.token_delay = 0.0  # seconds a token fetch takes (to expose concurrent fetches)
        self.expires_in = 7200
        self.in_flight = 0
        self.max_in_flight = 0
        self.risky_words: tuple[str, ...] = ()
        self.review_words: tuple[str, ...] = ()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    # --- scripting and inspection ------------------------------------------------------------

    def script(self, endpoint: str, *answers: dict[str, Any]) -> None:
        """The next calls to ``endpoint`` get these answers, in order (then the defaults)."""
        with self.lock:
            self._scripts[endpoint].extend(answers)

    def calls(self, endpoint: str) -> list[Call]:
        with self.lock:
            return [call for call in self._calls if call.endpoint == endpoint]

    def invalidate_tokens(self) -> None:
        """Every token issued so far stops working (as after a refresh elsewhere)."""
        with self.lock:
            self.valid_tokens.clear()

    # --- the server --------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                endpoint = ROUTES.get((method, parts.path))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw.decode("utf-8")) if raw else None
                query = dict(parse_qsl(parts.query))
                if endpoint is None:
                    self._send(404, {"errcode": 404, "errmsg": "not found"})
                    return
                self._send(200, fake._answer(endpoint, query, body))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet

        return Handler

    def _answer(self, endpoint: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        with self.lock:
            self._calls.append(Call(endpoint, query, body, time.monotonic()))
            scripted = self._scripts[endpoint].popleft() if self._scripts[endpoint] else None
            stale = query.get("access_token") not in self.valid_tokens
            if endpoint in NEEDS_TOKEN and stale and scripted is None:
                return fixture("access_token_err_40001.json")
        if scripted is not None:
            return scripted
        if endpoint in ("token", "stable_token"):
            return self._issue(endpoint, query, body)
        if endpoint == "code2session":
            return self._session(query)
        if endpoint == "msg_sec_check":
            return self._verdict(str((body or {}).get("content", "")))
        return fixture("custom_send_ok.json")

    def _issue(self, endpoint: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        params = query if endpoint == "token" else (body or {})
        if params.get("appid") != self.appid or params.get("secret") != self.secret:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.token_delay)
            with self.lock:
                keep = endpoint == "stable_token" and not params.get("force_refresh")
                if not (keep and self.tokens and self.tokens[-1] in self.valid_tokens):
                    self.tokens.append(f"TOKEN-{len(self.tokens) + 1}")
                    self.valid_tokens.add(self.tokens[-1])
                return {"access_token": self.tokens[-1], "expires_in": self.expires_in}
        finally:
            with self.lock:
                self.in_flight -= 1

    def _session(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("appid") != self.appid or query.get("secret") != self.secret:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        answer = fixture("code2session_ok_minimal.json")
        answer["openid"] = f"o_{query.get('js_code', '')}"
        return answer

    def _verdict(self, content: str) -> dict[str, Any]:
        if any(word in content for word in self.risky_words):
            return fixture("msgseccheck_v2_risky.json")
        if any(word in content for word in self.review_words):
            return fixture("msgseccheck_v2_review.json")
        return fixture("msgseccheck_v2_pass.json")


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
