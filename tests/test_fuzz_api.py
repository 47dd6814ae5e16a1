"""Property-based fuzzing of every API input (hypothesis): each JSON field of each endpoint
with wrong types, huge values, any unicode, nulls, nested junk, missing and extra fields; bad
ids in the path, bad tokens, bad content types, bodies that are not JSON at all. Whatever comes
in, the answer is never a 500: it is a result, or the JSON error shape with a Chinese message.

TIAOJIE_FUZZ_EXAMPLES (default 10,000) is the total number of generated requests, spread over
the endpoints; .ci/run may set a smaller number for its PostgreSQL pass. The schema-driven
fuzzing of tests/test_openapi.py stays beside this one.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from bot import orgs
from bot.app import create_app
from bot.clock import Clock
from bot.config import RateLimits, Settings
from bot.runtime import Runtime
from tests.chat import Chat
from tests.fake_wechat import (  # noqa: F401  (pytest fixtures: the fake WeChat, its settings)
    fake_wechat_fixture,
    signed_query,
    text_push,
    wechat_settings_fixture,
)
from tests.test_authz_matrix import _open_invitation, _risk_alert
from tests.test_mediation import WANAN, org_id
from tests.test_negotiation import complain

# Rate limits would answer most generated requests with a 429 before any input is read:
# fuzzing is about inputs (tests/test_ratelimit.py covers the limits).
UNLIMITED = RateLimits(*[0] * 6)
TOTAL = int(os.environ.get("TIAOJIE_FUZZ_EXAMPLES", "10000"))
SNAKE = re.compile(r"[a-z][a-z0-9_]*")
ERROR_STATUSES = {400, 401, 403, 404, 405, 409, 413, 415, 429}

# --- values --------------------------------------------------------------------------------------

HUGE_TEXT = st.tuples(
    st.sampled_from(["工", "a", "😀", "\x00", "１", "\u202e"]), st.integers(2_000, 70_000)
).map(lambda pair: pair[0] * pair[1])
HUGE = st.one_of(
    st.integers(min_value=2**53, max_value=2**300),
    st.integers(min_value=-(2**300), max_value=-1),
    st.sampled_from([1e308, -1e308, float("inf"), float("-inf"), float("nan"), 0.1, -0.0]),
    HUGE_TEXT,
)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
JSON = st.recursive(
    SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def wrongly(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: often plausible, else any JSON (wrong type, null, nested) or huge."""
    return st.one_of(plausible, plausible, SCALAR, JSON, HUGE)


TEXT = st.one_of(
    st.sampled_from(
        ["老板拖欠我三个月工资", "同意", "确认协议", "转人工", "撤回", "洛江区万安街道"]
    ),
    st.text(max_size=60),
)
ISO_DATE = st.dates().map(lambda day: day.isoformat())
DURATION = st.one_of(
    st.sampled_from(["P5D", "PT12H", "P1Y", "P800D", "P801D", "PT0S", "-P1D", "P99999999999W"]),
    st.text(max_size=20),
)


# --- the endpoints -------------------------------------------------------------------------------


@dataclass
class Ids:
    """Real ids of this run, so that some generated requests reach deep into a handler."""

    case: str = ""
    court_case: str = ""
    alert: int = 1
    invitation: str = ""
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    method: str
    rule: str
    path: Callable[[Ids], st.SearchStrategy[str]]
    fields: dict[str, st.SearchStrategy[Any]] = field(default_factory=dict)
    query: dict[str, st.SearchStrategy[Any]] = field(default_factory=dict)
    fresh_tokens: bool = False  # the call may revoke the token it carries (logout)
    callers: tuple[str, ...] = ("worker",)  # whose tokens get past the door most often

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}"


def fixed(path: str) -> Callable[[Ids], st.SearchStrategy[str]]:
    return lambda ids: st.just(path)


def any_id(real: Callable[[Ids], str]) -> Callable[[Ids], st.SearchStrategy[str]]:
    """A real id, or any text (quoted into the path)."""
    return lambda ids: st.one_of(st.just(real(ids)), st.text(max_size=80)).map(
        lambda value: quote(value, safe="") or "x"
    )


def with_id(template: str, real: Callable[[Ids], str]) -> Callable[[Ids], st.SearchStrategy[str]]:
    return lambda ids: any_id(real)(ids).map(lambda value: template.format(value))


def with_int(template: str) -> Callable[[Ids], st.SearchStrategy[str]]:
    return lambda ids: st.one_of(st.just(ids.alert), st.integers(-5, 2**70)).map(
        lambda value: template.format(value)
    )


CASE = lambda ids: ids.case  # noqa: E731
ADMIN = ("admin",)
TARGETS = (
    Target(
        "POST",
        "/api/v1/dev/login",
        fixed("/api/v1/dev/login"),
        {
            "role": st.sampled_from(["worker", "employer", "mediator", "admin", "system", ""]),
            "name": TEXT,
            "org_id": st.text(max_size=70),
        },
    ),
    Target(
        "POST",
        "/api/v1/messages",
        fixed("/api/v1/messages"),
        {
            "text": TEXT,
            "action": st.sampled_from(["consent_employer", "consent_mediator", "accept_case", "x"]),
            "case_id": st.one_of(st.just("CASE"), st.text(max_size=70)),
            "msg_id": st.text(max_size=130),
            "location": st.fixed_dictionaries(
                {"lat": st.floats(-100, 100), "lng": st.floats(-200, 200)}
            ),
        },
        callers=("worker", "employer", "mediator"),
    ),
    Target("GET", "/api/v1/cases", fixed("/api/v1/cases")),
    Target("GET", "/api/v1/cases/<case_id>", with_id("/api/v1/cases/{}", CASE)),
    Target("GET", "/api/v1/inbox", fixed("/api/v1/inbox")),
    Target(
        "POST",
        "/api/v1/inbox/read",
        fixed("/api/v1/inbox/read"),
        {"ids": st.lists(st.one_of(st.integers(), JSON), max_size=600)},
    ),
    Target(
        "POST",
        "/api/v1/invitations/<token>/join",
        with_id("/api/v1/invitations/{}/join", lambda ids: ids.invitation),
        callers=("employer",),
    ),
    Target("POST", "/api/v1/dev/clock", fixed("/api/v1/dev/clock"), {"advance": DURATION}),
    Target("GET", "/api/v1/cases/<case_id>/agreement", with_id("/api/v1/cases/{}/agreement", CASE)),
    Target(
        "GET",
        "/api/v1/cases/<case_id>/agreement.pdf",
        with_id("/api/v1/cases/{}/agreement.pdf", CASE),
    ),
    Target(
        "POST",
        "/api/v1/admin/court-cases",
        fixed("/api/v1/admin/court-cases"),
        {
            "court": st.just("泉州市洛江区人民法院"),
            "court_case_no": st.text(max_size=70),
            "worker_name": TEXT,
            "employer": st.just("泉州宏远鞋业有限公司"),
            "summary": TEXT,
            "place": st.sampled_from(["洛江区万安街道", "火星", ""]),
            "amount": st.integers(-10, 10**10),
            "headcount": st.integers(-10, 10**10),
        },
        callers=ADMIN,
    ),
    Target(
        "POST",
        "/api/v1/admin/court-cases/<case_id>/feedback",
        with_id("/api/v1/admin/court-cases/{}/feedback", lambda ids: ids.court_case),
        {"feedback": TEXT},
        callers=ADMIN,
    ),
    Target("GET", "/api/v1/deadlines", fixed("/api/v1/deadlines")),
    Target(
        "GET",
        "/api/v1/admin/reports",
        fixed("/api/v1/admin/reports"),
        query={
            "from": st.one_of(ISO_DATE, st.text(max_size=20)),
            "to": st.one_of(ISO_DATE, st.text(max_size=20)),
            "region": st.one_of(st.just("350504"), st.text(max_size=20)),
            "org": st.text(max_size=40),
            "format": st.sampled_from(["json", "csv", "xlsx", "pdf", ""]),
        },
        callers=ADMIN,
    ),
    *(
        Target(
            "GET",
            rule,
            fixed(rule),
            query={
                "status": st.sampled_from(["open", "acknowledged", "closed", "x"]),
                "kind": st.text(max_size=20),
                "region": st.text(max_size=20),
                "from": st.one_of(ISO_DATE, st.text(max_size=20)),
                "to": st.one_of(ISO_DATE, st.text(max_size=20)),
                "limit": st.one_of(st.integers(), st.text(max_size=10)),
                "offset": st.one_of(st.integers(), st.text(max_size=10)),
            },
            callers=ADMIN,
        )
        for rule in ("/api/v1/admin/risk-alerts", "/api/v1/admin/risk-alerts/export")
    ),
    Target(
        "POST",
        "/api/v1/admin/risk-alerts/<int:alert_id>/acknowledge",
        with_int("/api/v1/admin/risk-alerts/{}/acknowledge"),
        callers=ADMIN,
    ),
    Target(
        "POST",
        "/api/v1/admin/risk-alerts/<int:alert_id>/close",
        with_int("/api/v1/admin/risk-alerts/{}/close"),
        callers=ADMIN,
    ),
    Target(
        "POST",
        "/api/v1/login",
        fixed("/api/v1/login"),
        {"code": st.text(max_size=140), "role": st.sampled_from(["worker", "employer", "admin"])},
    ),
    Target("POST", "/api/v1/logout", fixed("/api/v1/logout"), fresh_tokens=True),
    Target("GET", "/api/v1/subscriptions", fixed("/api/v1/subscriptions")),
    Target("GET", "/api/v1/openapi.json", fixed("/api/v1/openapi.json")),
)
PER_TARGET = max(10, TOTAL // (len(TARGETS) + 1))  # + 1: the WeChat push endpoint


# --- requests ------------------------------------------------------------------------------------

TOKENS = st.sampled_from(
    [
        *("worker", "employer", "mediator", "admin", "none", "garbage", "tampered", "basic"),
        *("empty", "revoked", "lowercase"),
    ]
)
ENCODINGS = st.sampled_from(["json"] * 6 + ["text/plain", "form", "none", "bytes", "huge", "utf16"])


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    token: str
    data: bytes | None
    content_type: str | None


def body_of(target: Target) -> st.SearchStrategy[Any]:
    """Known fields (some missing, many of the wrong kind) plus extra ones, or any JSON value."""
    known = st.fixed_dictionaries({}, optional={k: wrongly(v) for k, v in target.fields.items()})
    extra = st.dictionaries(st.text(max_size=12), JSON, max_size=3)
    merged = st.tuples(known, extra).map(lambda pair: {**pair[1], **pair[0]})
    plausible = st.fixed_dictionaries(target.fields)  # every field, each of the right kind
    return st.one_of(plausible, merged, merged, JSON)


def encode(encoding: str, body: Any, raw: bytes) -> tuple[bytes | None, str | None]:
    if encoding == "none":
        return None, None
    if encoding == "bytes":
        return raw, "application/json"
    if encoding == "huge":
        return b'{"text": "' + "工".encode() * 30_000 + b'"}', "application/json"
    text = json.dumps(body, ensure_ascii=False, allow_nan=True)
    if encoding == "utf16":
        return text.encode("utf-16"), "application/json"
    if encoding == "form":
        flat = body if isinstance(body, dict) else {"body": body}
        return urlencode({str(k): str(v) for k, v in flat.items()}).encode(), (
            "application/x-www-form-urlencoded"
        )
    return text.encode(), "text/plain" if encoding == "text/plain" else "application/json"


@st.composite
def requests(draw: st.DrawFn, target: Target, ids: Ids) -> Request:
    path = draw(target.path(ids))
    if target.query:
        query = draw(st.fixed_dictionaries({}, optional=target.query))
        query.update(draw(st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=2)))
        path += "?" + urlencode(query)
    body = draw(body_of(target))
    if isinstance(body, dict) and body.get("case_id") == "CASE":
        body["case_id"] = ids.case
    data, content_type = encode(draw(ENCODINGS), body, draw(st.binary(max_size=120)))
    callers = st.sampled_from(target.callers)
    tokens = st.one_of(callers, callers, TOKENS)  # past the door often, bad tokens too
    token = "fresh" if target.fresh_tokens and draw(st.booleans()) else draw(tokens)
    return Request(target.method, path, token, data, content_type)


def authorization(client: FlaskClient, ids: Ids, token: str) -> dict[str, str]:
    if token == "fresh":  # a session of its own, since the call may revoke it
        login = client.post("/api/v1/dev/login", json={"role": "worker", "name": "模糊测试"})
        return {"Authorization": f"Bearer {login.get_json()['token']}"}
    value = {
        "none": None,
        "garbage": "Bearer 不是令牌\x7f",
        "tampered": f"Bearer {ids.tokens['worker'][:-3]}abc",
        "basic": "Basic dXNlcjpwYXNz",
        "empty": "Bearer ",
        "lowercase": f"bearer {ids.tokens['worker']}",
    }.get(token, f"Bearer {ids.tokens.get(token, '')}")
    return {"Authorization": value} if value is not None else {}


def send(client: FlaskClient, ids: Ids, request: Request) -> TestResponse:
    headers = authorization(client, ids, request.token)
    if request.content_type:
        headers["Content-Type"] = request.content_type
    return client.open(request.path, method=request.method, data=request.data, headers=headers)


def chinese(text: Any) -> bool:
    return isinstance(text, str) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def answer_problem(response: TestResponse, *, may_be_unavailable: bool = False) -> str | None:
    """None when the answer keeps the API's promises (api.md: never a 500 for bad input)."""
    status = response.status_code
    if status < 400:
        return None
    allowed = ERROR_STATUSES | ({503} if may_be_unavailable else set())
    if status not in allowed:
        return f"status {status}: {response.data[:300]!r}"
    body = response.get_json(silent=True)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(body) != {"error"} or set(error) != {"code", "message"}:
        return f"not the error shape: {response.data[:300]!r}"
    if not SNAKE.fullmatch(str(error["code"])) or not chinese(error["message"]):
        return f"code or message: {error!r}"
    return None


# --- the world the fuzzer talks to ---------------------------------------------------------------


@pytest.fixture
def fuzz_app(app: Flask, wechat_settings: Settings, clock: Clock) -> Iterator[Flask]:
    """WeChat configured (login reaches the local fake), relays unchecked (dev identities)."""
    configured = create_app(
        replace(wechat_settings, wechat_content_check="off", rate_limits=UNLIMITED), clock=clock
    )
    yield configured
    configured.extensions["tiaojie"].close()


@pytest.fixture
def ids(fuzz_app: Flask) -> Ids:
    runtime: Runtime = fuzz_app.extensions["tiaojie"]
    with runtime.store.transaction() as session:
        orgs.generate_directory(session, "350500", runtime.clock.now())
    chat = Chat(fuzz_app, runtime)
    worker = complain(chat)
    admin = chat.login("admin", "洛江区人社局")
    court = admin.post(
        "/api/v1/admin/court-cases",
        {
            "court": "泉州市洛江区人民法院",
            "court_case_no": "(2026)闽0504民初1号",
            "worker_name": "黄师傅",
            "employer": "泉州宏远鞋业有限公司",
            "summary": "拖欠工资两个月",
            "place": "洛江区万安街道",
        },
    )
    assert court.status_code == 201, court.get_json()
    revoked = chat.login("worker", "已注销")
    assert revoked.post("/api/v1/logout", {}).status_code == 200
    assert worker.case_id
    return Ids(
        case=worker.case_id,
        court_case=court.get_json()["id"],
        alert=_risk_alert(chat, admin),
        invitation=_open_invitation(chat, "工友"),
        tokens={
            "worker": worker.token,
            "employer": chat.login("employer", "鑫达鞋业 王经理").token,
            "mediator": chat.login_mediator("林调解员", org_id(runtime, WANAN)).token,
            "admin": admin.token,
            "revoked": revoked.token,
        },
    )


# --- the tests -----------------------------------------------------------------------------------

FUZZ = settings(
    max_examples=PER_TARGET,
    deadline=None,
    database=None,
    derandomize=True,  # the same inputs every run: a finding is never flaky
    suppress_health_check=list(HealthCheck),
)


def test_every_route_is_fuzzed(fuzz_app: Flask) -> None:
    fuzzed = {t.id for t in TARGETS} | {"POST /wechat/push"}
    api = {
        f"{method} {rule.rule}"
        for rule in fuzz_app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert api - fuzzed == set() and len(fuzzed) == len(TARGETS) + 1


# Last: moving the clock ages the world's cases, and a logout may revoke a token in use.
LAST = ("/api/v1/dev/clock", "/api/v1/logout")


def test_no_input_makes_an_endpoint_answer_500(fuzz_app: Flask, ids: Ids) -> None:
    """Every endpoint in turn, in one world (the app answers whatever state earlier inputs left
    behind); all findings are reported at once, by endpoint."""
    failures: dict[str, str] = {}
    for target in sorted(TARGETS, key=lambda t: LAST.index(t.rule) if t.rule in LAST else -1):
        try:
            fuzz(fuzz_app, ids, target)
        except Exception as error:  # every endpoint is fuzzed; all findings reported at once
            failures[target.id] = f"{type(error).__name__}: {error}"[:2000]
    assert failures == {}


def fuzz(app: Flask, ids: Ids, target: Target) -> None:
    client = app.test_client()
    statuses: list[int] = []
    # WeChat's own refusals may come back as 503 from login (api.md), never a crash.
    unavailable_ok = target.rule == "/api/v1/login"

    @FUZZ
    @given(request=requests(target, ids))
    def call(request: Request) -> None:
        response = send(client, ids, request)
        statuses.append(response.status_code)
        problem = answer_problem(response, may_be_unavailable=unavailable_ok)
        assert problem is None, (request, problem)

    call()
    assert len(statuses) >= PER_TARGET  # the budget was really spent on this endpoint
    if os.environ.get("TIAOJIE_FUZZ_REPORT"):
        print(target.id, sorted(Counter(statuses).items()))
    # Not all stopped at the door: some inputs got past authentication and the body check.
    assert any(status < 400 or status in (403, 404, 409) for status in statuses), statuses


PUSH_TEXT = st.one_of(
    st.builds(
        lambda content, msg_id: json.dumps(text_push("o_fuzz", content, msg_id)),
        TEXT,
        st.integers(-(2**70), 2**70),
    ),
    st.text(max_size=300),
    st.sampled_from(["<xml><MsgType>text</MsgType></xml>", "<xml>", "{}", "[]", "null"]),
    st.builds(
        lambda tag, value: f"<xml><{tag}><![CDATA[{value}]]></{tag}></xml>",
        st.sampled_from(["Content", "MsgType", "Encrypt", "MsgId", "CreateTime"]),
        st.text(max_size=40),
    ),
)


def test_a_signed_push_with_any_body_is_answered_without_a_500(fuzz_app: Flask) -> None:
    """The signature is right, the body is anything: 200 ``success`` or a 400 in Chinese."""
    client = fuzz_app.test_client()
    query = signed_query()
    sent: list[str] = []

    @FUZZ
    @given(body=PUSH_TEXT, kind=st.sampled_from(["application/json", "text/xml", None]))
    def call(body: str, kind: str | None) -> None:
        sent.append(body)
        response = client.post(
            "/wechat/push", query_string=query, data=body.encode(), content_type=kind
        )
        if response.status_code == 200:
            assert response.data == b"success"
            return
        assert answer_problem(response) is None, (body, response.data)

    call()
    assert len(sent) >= PER_TARGET


# Found by this fuzzer on PostgreSQL (text cannot hold NUL): these were 500s.
NUL_INPUTS = (
    ("GET", "/api/v1/cases/%00", None, "worker"),
    ("GET", "/api/v1/cases/a%00b/agreement", None, "worker"),
    ("POST", "/api/v1/messages", {"text": "你好", "case_id": "\x00"}, "worker"),
    ("POST", "/api/v1/messages", {"text": "你好", "msg_id": "m\x00"}, "worker"),
    ("POST", "/api/v1/dev/login", {"role": "worker", "name": "曾\x00师傅"}, "none"),
    ("POST", "/api/v1/admin/court-cases/%00/feedback", {"feedback": "已调解"}, "admin"),
)


def test_a_nul_character_is_never_a_crash(fuzz_app: Flask, ids: Ids) -> None:
    """SQLite stores it, PostgreSQL refuses it (a 400); neither answers 500."""
    client = fuzz_app.test_client()
    for method, path, body, token in NUL_INPUTS:
        data = json.dumps(body).encode() if body is not None else None
        request = Request(method, path, token, data, "application/json" if data else None)
        response = send(client, ids, request)
        assert response.status_code < 500 and answer_problem(response) is None, request
