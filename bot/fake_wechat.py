"""A fake WeChat API server on 127.0.0.1: a real threaded HTTP server with scriptable answers.

It implements what tiaojie calls — code2session, token, stable token, customer-service send,
subscribe send and msgSecCheck v2 — answering in WeChat's documented formats (the answers below
are the fixtures in tests/fixtures/wechat/, checked equal by tests/test_fake_wechat.py). The
test suite scripts failures and delays with it; ``tiaojie serve --fake-wechat`` runs it beside
the service so that a new user can try WeChat login, the push endpoint and outbound messages
locally. ``GET /_fake/calls`` lists what was called (newest last) so one can see what "WeChat"
received. It never talks to the network.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from bot.config import Settings

ROUTES = {
    ("GET", "/sns/jscode2session"): "code2session",
    ("GET", "/cgi-bin/token"): "token",
    ("POST", "/cgi-bin/stable_token"): "stable_token",
    ("POST", "/cgi-bin/message/custom/send"): "custom_send",
    ("POST", "/cgi-bin/message/subscribe/send"): "subscribe_send",
    ("POST", "/wxa/msg_sec_check"): "msg_sec_check",
}
NEEDS_TOKEN = frozenset({"custom_send", "subscribe_send", "msg_sec_check"})
CALL_LOG_LIMIT = 1000  # calls kept for inspection (a long `serve --fake-wechat` stays bounded)

# WeChat's documented answers (identical to tests/fixtures/wechat/*.json).
SESSION_OK = {"session_key": "HyVFkGl5F5OQWJZZaNzBBg==", "openid": "oTEST_worker_0001_xxxxxxxxxx"}
TOKEN_INVALID = {
    "errcode": 40001,
    "errmsg": "invalid credential, access_token is invalid or not latest rid: "
    "6299e87e-5ed9e599-0d046b47",
}
SEND_OK = {"errcode": 0, "errmsg": "ok"}
CHECK_PASS = {
    "errcode": 0,
    "errmsg": "ok",
    "detail": [
        {"strategy": "keyword", "errcode": 0},
        {"strategy": "content_model", "errcode": 0, "suggest": "pass", "label": 100, "prob": 90},
    ],
    "trace_id": "614c01f1-3ebc47dc-0ad8a421",
    "result": {"suggest": "pass", "label": 100},
}
CHECK_REVIEW = {
    "errcode": 0,
    "errmsg": "ok",
    "detail": [
        {
            "strategy": "content_model",
            "errcode": 0,
            "suggest": "review",
            "label": 20003,
            "prob": 60,
        },
        {"strategy": "keyword", "errcode": 0},
    ],
    "trace_id": "63576133-0b1a7344-7e107046",
    "result": {"suggest": "review", "label": 20003},
}
CHECK_RISKY = {
    "errcode": 0,
    "errmsg": "ok",
    "result": {"suggest": "risky", "label": 20001},
    "detail": [
        {
            "strategy": "content_model",
            "errcode": 0,
            "suggest": "risky",
            "label": 20006,
            "prob": 90,
        },
        {
            "strategy": "keyword",
            "errcode": 0,
            "suggest": "pass",
            "label": 20006,
            "level": 20,
            "keyword": "命中的关键词1",
        },
        {
            "strategy": "keyword",
            "errcode": 0,
            "suggest": "risky",
            "label": 20006,
            "level": 90,
            "keyword": "命中的关键词2",
        },
    ],
    "trace_id": "60ae120f-371d5872-7941a05b",
}


def _copy(answer: dict[str, Any]) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(answer))
    return copied


@dataclass(frozen=True)
class Call:
    endpoint: str
    query: dict[str, str]
    body: Any
    at: float


class FakeWeChat:
    """Scripting: ``script(endpoint, *answers)`` queues answers; ``delays[endpoint] = seconds``
    makes an endpoint slow (to test timeouts); ``risky_words``/``review_words`` steer
    msgSecCheck; ``invalidate_tokens()`` expires every issued token."""

    def __init__(self, appid: str, secret: str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.appid, self.secret = appid, secret
        self.lock = threading.Lock()
        self._calls: deque[Call] = deque(maxlen=CALL_LOG_LIMIT)
        self._scripts: dict[str, deque[dict[str, Any]]] = defaultdict(deque)
        self.delays: dict[str, float] = {}
        self.tokens: list[str] = []
        self.valid_tokens: set[str] = set()
        self.token_delay = 0.0  # seconds a token fetch takes (to expose concurrent fetches)
        self.expires_in = 7200
        self.in_flight = 0
        self.max_in_flight = 0
        self.risky_words: tuple[str, ...] = ()
        self.review_words: tuple[str, ...] = ()
        self.server = ThreadingHTTPServer((host, port), self._handler())
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

    def calls(self, endpoint: str | None = None) -> list[Call]:
        with self.lock:
            return [call for call in self._calls if endpoint in (None, call.endpoint)]

    def invalidate_tokens(self) -> None:
        """Every token issued so far stops working (as after a refresh elsewhere)."""
        with self.lock:
            self.valid_tokens.clear()

    # --- the server --------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if urlsplit(self.path).path == "/_fake/calls":
                    self._send(200, {"calls": [asdict(call) for call in fake.calls()]})
                    return
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                endpoint = ROUTES.get((method, parts.path))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw.decode("utf-8")) if raw else None
                except ValueError:
                    self._send(200, {"errcode": 47001, "errmsg": "data format error"})
                    return
                query = dict(parse_qsl(parts.query))
                if endpoint is None:
                    self._send(404, {"errcode": 404, "errmsg": "not found"})
                    return
                answer = fake._answer(endpoint, query, body)
                delay = fake.delays.get(endpoint, 0.0)
                if delay:
                    time.sleep(delay)
                self._send(200, answer)

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet

        return Handler

    def _answer(self, endpoint: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        with self.lock:
            self._calls.append(Call(endpoint, query, body, time.monotonic()))
            scripted = self._scripts[endpoint].popleft() if self._scripts[endpoint] else None
            stale = query.get("access_token") not in self.valid_tokens
            if endpoint in NEEDS_TOKEN and stale and scripted is None:
                return _copy(TOKEN_INVALID)
        if scripted is not None:
            return scripted
        if endpoint in ("token", "stable_token"):
            return self._issue(endpoint, query, body)
        if endpoint == "code2session":
            return self._session(query)
        if endpoint == "msg_sec_check":
            return self._verdict(str((body or {}).get("content", "")))
        return _copy(SEND_OK)

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
        """Any js_code logs in as the openid ``o_<code>`` (so a tester picks identities)."""
        if query.get("appid") != self.appid or query.get("secret") != self.secret:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        answer = _copy(SESSION_OK)
        answer["openid"] = f"o_{query.get('js_code', '')}"
        return answer

    def _verdict(self, content: str) -> dict[str, Any]:
        if any(word in content for word in self.risky_words):
            return _copy(CHECK_RISKY)
        if any(word in content for word in self.review_words):
            return _copy(CHECK_REVIEW)
        return _copy(CHECK_PASS)


# --- `tiaojie serve --fake-wechat` and `tiaojie wechat push|calls` -------------------------------

DEV_APPID = "wx00000000fake0000"
DEV_SECRET = "fake-app-secret"
DEV_TOKEN = "tiaojie-dev-token"
DEV_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, development only
STATE_FILE = "fake-wechat.json"


@dataclass(frozen=True)
class DevCredentials:
    """What a local run with the fake uses: configured values win over development ones."""

    appid: str
    secret: str
    token: str
    aes_key: str

    def environment(self, api_base: str) -> dict[str, str]:
        return {
            "TIAOJIE_WECHAT_APPID": self.appid,
            "TIAOJIE_WECHAT_SECRET": self.secret,
            "TIAOJIE_WECHAT_TOKEN": self.token,
            "TIAOJIE_WECHAT_AES_KEY": self.aes_key,
            "TIAOJIE_WECHAT_API_BASE": api_base,
        }

    def write(self, data_dir: Path, api_base: str, host: str, port: int) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        state = {
            "api_base": api_base,
            "push_url": f"http://{host}:{port}/wechat/push",
            "appid": self.appid,
            "token": self.token,
            "aes_key": self.aes_key,
        }
        path = data_dir / STATE_FILE
        path.write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")
        path.chmod(0o600)


def dev_credentials(settings: Settings) -> DevCredentials:
    return DevCredentials(
        appid=settings.wechat_appid or DEV_APPID,
        secret=settings.wechat_secret or DEV_SECRET,
        token=settings.wechat_token or DEV_TOKEN,
        aes_key=settings.wechat_aes_key or DEV_AES_KEY,
    )


def read_state(data_dir: Path) -> dict[str, str]:
    path = data_dir / STATE_FILE
    try:
        state: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise LookupError(f"{path} not found: start `tiaojie serve --fake-wechat` first") from error
    return state


def send_push(state: dict[str, str], openid: str, text: str, *, safe_mode: bool) -> int:
    """POST a text push to our /wechat/push, signed as WeChat signs it; returns the MsgId."""
    import hashlib
    import secrets
    import urllib.request

    from bot.wechat_crypto import PushCodec

    msg_id = int(time.time() * 1000) * 1000 + secrets.randbelow(1000)
    message = {
        "ToUserName": "gh_tiaojie_dev",
        "FromUserName": openid,
        "CreateTime": int(time.time()),
        "MsgType": "text",
        "Content": text,
        "MsgId": msg_id,
    }
    timestamp, nonce = str(int(time.time())), secrets.token_hex(4)
    parts = sorted([state["token"], timestamp, nonce])
    query = {
        "signature": hashlib.sha1("".join(parts).encode()).hexdigest(),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    body = json.dumps(message, ensure_ascii=False)
    if safe_mode:
        codec = PushCodec(state["token"], state["aes_key"], state["appid"])
        sealed = json.loads(codec.seal(body, nonce, int(timestamp)))
        query.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        body = json.dumps({"ToUserName": message["ToUserName"], "Encrypt": sealed["Encrypt"]})
    from urllib.parse import urlencode

    request = urllib.request.Request(
        f"{state['push_url']}?{urlencode(query)}",
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = response.read().decode("utf-8")
    if answer != "success":
        raise RuntimeError(f"the push endpoint answered {answer!r}")
    return msg_id


def received(state: dict[str, str], openid: str | None = None) -> list[dict[str, Any]]:
    """What the fake WeChat received (customer-service and subscribe messages), oldest first."""
    import urllib.request

    with urllib.request.urlopen(f"{state['api_base']}/_fake/calls", timeout=10) as response:
        calls: list[dict[str, Any]] = json.load(response)["calls"]
    sent = [c for c in calls if c["endpoint"] in ("custom_send", "subscribe_send")]
    return [c for c in sent if openid is None or (c["body"] or {}).get("touser") == openid]
