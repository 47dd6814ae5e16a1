"""Who may read and write what: every route of the app × every kind of caller, as one table.

The world: case A in mediation (worker, the employer who joined, a mediator of the organization
that accepted it, a mediation agreement drafted), case B with other parties (another worker and
another employer), a mediator of another organization, an administrator, and nobody (no token).
Each row names, for every caller, the outcome: allowed, 401, 403, or 404 — and a 404 for a
case the caller is not a party to is byte-identical to the answer for an id that does not
exist (api.md: a case's existence does not leak). A route without a row fails the suite.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from bot import orgs, outbound
from bot.app import create_app
from bot.clock import Clock
from bot.config import RateLimits, Settings
from bot.runtime import Runtime
from storage import queries
from storage.models import Mediator, Organization
from tests.chat import Chat, Person
from tests.fake_wechat import (  # noqa: F401  (pytest fixtures: the fake WeChat, its settings)
    TOKEN,
    fake_wechat_fixture,
    text_push,
    wechat_settings_fixture,
)
from tests.test_console import CSRF, PASSWORD, add_console_user
from tests.test_mediation import LUOJIANG, WANAN, mediation_recorded, org_id
from tests.test_negotiation import complain

ROLES = (
    "worker",  # the worker of case A
    "other_worker",  # the worker of case B
    "employer",  # the employer party of case A
    "other_employer",  # the employer party of case B
    "mediator",  # a mediator of the organization case A is assigned to
    "other_mediator",  # a mediator of another organization
    "admin",
    "anonymous",  # no token at all
)
UNLIMITED = RateLimits(*[0] * 6)  # the matrix is about who, not how often (test_ratelimit)
UNKNOWN_CASE = "0123456789abcdef"
UNKNOWN_ALERT = 987654321

OK, UNAUTHORIZED, FORBIDDEN, HIDDEN = "ok", "401", "403", "404 as unknown"
LOGIN = "to the console login"  # the console's 401: a redirect to its login page

# --- the outcomes, by who the caller is --------------------------------------------------------

CASE_PARTIES = {
    "worker": OK,
    "employer": OK,
    "mediator": OK,
    "other_worker": HIDDEN,
    "other_employer": HIDDEN,
    "other_mediator": HIDDEN,
    "admin": HIDDEN,  # an administrator is no party to a case: need to know (PIPL)
    "anonymous": UNAUTHORIZED,
}
SIGNED_IN = {**dict.fromkeys(ROLES, OK), "anonymous": UNAUTHORIZED}
ADMIN_ONLY = {**dict.fromkeys(ROLES, FORBIDDEN), "admin": OK, "anonymous": UNAUTHORIZED}
EMPLOYERS_ONLY = {
    **dict.fromkeys(ROLES, FORBIDDEN),
    "employer": OK,
    "other_employer": OK,
    "anonymous": UNAUTHORIZED,
}
PUBLIC = dict.fromkeys(ROLES, OK)


@dataclass
class World:
    people: dict[str, Person]
    logins: dict[str, dict[str, str]]  # role → the dev-login body that gives that identity
    case_a: str
    case_b: str
    court_case: str = ""
    alert_id: int = 0
    inbox_id: int = 0  # a notification of case A's worker
    invitations: dict[str, str] = field(default_factory=dict)  # employer → an unused token
    console: dict[str, str] = field(default_factory=dict)  # role → console username
    orgs: dict[str, str] = field(default_factory=dict)  # "assigned", "other", "spare" → id
    mediator_row: str = ""  # a roster entry (Mediator id) an administrator may deactivate
    callers: dict[tuple[str, str], Caller] = field(default_factory=dict)  # (role, surface)
    runtime: Runtime | None = None


@dataclass(frozen=True)
class Row:
    """One route and method: how to call it, and what each caller gets."""

    method: str
    rule: str  # as in app.url_map
    kind: str  # read | write
    expect: dict[str, str]
    path: Callable[[World, str], str]  # (world, role) → the concrete path
    body: Callable[[World, str], Any] | None = None
    unknown: Callable[[World, str], str] | None = None  # the same call for an unknown id
    status: int = 200  # what an allowed call answers
    surface: str = "api"  # api: bearer tokens; console: cookie login + CSRF

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}"


def fixed(path: str) -> Callable[[World, str], str]:
    return lambda world, role: path


def of_case(template: str) -> Callable[[World, str], str]:
    return lambda world, role: template.format(case=world.case_a)


def unknown_case(template: str) -> Callable[[World, str], str]:
    return lambda world, role: template.format(case=UNKNOWN_CASE)


def message_to(case: Callable[[World], str]) -> Callable[[World, str], Any]:
    return lambda world, role: {"text": "请问现在进展到哪一步了", "case_id": case(world)}


def fresh_invitation(world: World, role: str) -> str:
    """Each employer opens an unused invitation of its own; anyone else tries the first one."""
    token = world.invitations.get(role, world.invitations["employer"])
    return f"/api/v1/invitations/{token}/join"


COURT_CASE = {
    "court": "泉州市洛江区人民法院",
    "court_case_no": "(2026)闽0504民初1234号",
    "worker_name": "黄师傅",
    "employer": "泉州宏远鞋业有限公司",
    "summary": "拖欠工资两个月，共一万二",
    "place": "洛江区万安街道",
    "amount": 12000,
}

ROWS = (
    Row(
        "POST",
        "/api/v1/dev/login",
        "write",
        PUBLIC,
        fixed("/api/v1/dev/login"),
        body=lambda world, role: {"role": "worker", "name": f"新用户{role}"},
    ),
    Row(
        "POST",
        "/api/v1/messages",
        "write",
        CASE_PARTIES,
        fixed("/api/v1/messages"),
        body=message_to(lambda world: world.case_a),
        unknown=fixed("/api/v1/messages"),
    ),
    Row("GET", "/api/v1/cases", "read", SIGNED_IN, fixed("/api/v1/cases")),
    Row(
        "GET",
        "/api/v1/cases/<case_id>",
        "read",
        CASE_PARTIES,
        of_case("/api/v1/cases/{case}"),
        unknown=unknown_case("/api/v1/cases/{case}"),
    ),
    Row("GET", "/api/v1/inbox", "read", SIGNED_IN, fixed("/api/v1/inbox")),
    Row(
        "POST",
        "/api/v1/inbox/read",
        "write",
        SIGNED_IN,
        fixed("/api/v1/inbox/read"),
        body=lambda world, role: {"ids": [world.inbox_id]},
    ),
    Row(
        "POST",
        "/api/v1/invitations/<token>/join",
        "write",
        EMPLOYERS_ONLY,
        fresh_invitation,
        body=lambda world, role: {},
    ),
    Row(
        "POST",
        "/api/v1/dev/clock",
        "write",
        PUBLIC,
        fixed("/api/v1/dev/clock"),
        body=lambda world, role: {"advance": "PT1M"},
    ),
    Row(
        "GET",
        "/api/v1/cases/<case_id>/agreement",
        "read",
        CASE_PARTIES,
        of_case("/api/v1/cases/{case}/agreement"),
        unknown=unknown_case("/api/v1/cases/{case}/agreement"),
    ),
    Row(
        "GET",
        "/api/v1/cases/<case_id>/agreement.pdf",
        "read",
        CASE_PARTIES,
        of_case("/api/v1/cases/{case}/agreement.pdf"),
        unknown=unknown_case("/api/v1/cases/{case}/agreement.pdf"),
    ),
    Row(
        "POST",
        "/api/v1/admin/court-cases",
        "write",
        ADMIN_ONLY,
        fixed("/api/v1/admin/court-cases"),
        body=lambda world, role: COURT_CASE,
        status=201,
    ),
    Row(
        "POST",
        "/api/v1/admin/court-cases/<case_id>/feedback",
        "write",
        ADMIN_ONLY,
        lambda world, role: f"/api/v1/admin/court-cases/{world.court_case}/feedback",
        body=lambda world, role: {"feedback": "双方已达成调解协议"},
    ),
    Row("GET", "/api/v1/deadlines", "read", SIGNED_IN, fixed("/api/v1/deadlines")),
    Row(
        "GET",
        "/api/v1/admin/reports",
        "read",
        ADMIN_ONLY,
        fixed("/api/v1/admin/reports?from=2020-01-01&to=2030-12-31"),
    ),
    Row("GET", "/api/v1/admin/risk-alerts", "read", ADMIN_ONLY, fixed("/api/v1/admin/risk-alerts")),
    Row(
        "GET",
        "/api/v1/admin/risk-alerts/export",
        "read",
        ADMIN_ONLY,
        fixed("/api/v1/admin/risk-alerts/export"),
    ),
    Row(
        "POST",
        "/api/v1/admin/risk-alerts/<int:alert_id>/acknowledge",
        "write",
        ADMIN_ONLY,
        lambda world, role: f"/api/v1/admin/risk-alerts/{world.alert_id}/acknowledge",
    ),
    Row(
        "POST",
        "/api/v1/admin/risk-alerts/<int:alert_id>/close",
        "write",
        ADMIN_ONLY,
        lambda world, role: f"/api/v1/admin/risk-alerts/{world.alert_id}/close",
    ),
    Row(
        "POST",
        "/api/v1/login",
        "write",
        PUBLIC,
        fixed("/api/v1/login"),
        body=lambda world, role: {"code": f"code-{role}", "role": "worker"},
    ),
    Row("POST", "/api/v1/logout", "write", SIGNED_IN, fixed("/api/v1/logout")),
    Row("GET", "/api/v1/subscriptions", "read", SIGNED_IN, fixed("/api/v1/subscriptions")),
    Row("GET", "/api/v1/openapi.json", "read", PUBLIC, fixed("/api/v1/openapi.json")),
    Row("GET", "/healthz", "read", PUBLIC, fixed("/healthz")),
    # The three-phone simulator: a page for anyone, outside production only.
    Row("GET", "/simulator", "read", PUBLIC, fixed("/simulator")),
    Row(
        "GET",
        "/simulator/static/<path:filename>",
        "read",
        PUBLIC,
        fixed("/simulator/static/simulator.js"),
    ),
    # Flask's static route: there are no static files, so every caller alike gets a 404.
    Row("GET", "/static/<path:filename>", "read", PUBLIC, fixed("/static/app.js"), status=404),
)
# --- the console (cookie login + CSRF): mediators and administrators only --------------------

NOT_AT_THE_CONSOLE = dict.fromkeys(ROLES, LOGIN)  # bearer tokens mean nothing there
CONSOLE_PUBLIC = dict.fromkeys(ROLES, OK)
CONSOLE_SIGNED_IN = {**NOT_AT_THE_CONSOLE, "mediator": OK, "other_mediator": OK, "admin": OK}
# The console's administrators oversee every case but do not talk in it.
CONSOLE_CASE_READ = {**CONSOLE_SIGNED_IN, "other_mediator": HIDDEN}
CONSOLE_CASE_WRITE = {**CONSOLE_CASE_READ, "admin": FORBIDDEN}
CONSOLE_ADMIN = {**NOT_AT_THE_CONSOLE, "mediator": FORBIDDEN, "other_mediator": FORBIDDEN}
CONSOLE_ADMIN["admin"] = OK


def console_case(template: str) -> Callable[[World, str], str]:
    return lambda world, role: template.format(case=world.case_a)


def console_unknown(template: str) -> Callable[[World, str], str]:
    return lambda world, role: template.format(case=UNKNOWN_CASE)


def form(**fields: Any) -> Callable[[World, str], Any]:
    return lambda world, role: dict(fields)


def console_rows() -> tuple[Row, ...]:
    case, unknown = console_case, console_unknown
    org = lambda key, tail="": lambda w, r: f"/console/admin/orgs/{w.orgs[key]}{tail}"  # noqa: E731
    read, write = "read", "write"
    rows = [
        ("GET", "/console/static/<path:filename>", read, CONSOLE_PUBLIC,
         fixed("/console/static/console.css"), None, None),
        ("GET", "/console/login", read, CONSOLE_PUBLIC, fixed("/console/login"), None, None),
        ("POST", "/console/logout", write, CONSOLE_SIGNED_IN, fixed("/console/logout"), None, None),
        ("GET", "/console/", read, CONSOLE_SIGNED_IN, fixed("/console/"), None, None),
        ("GET", "/console/cases/<case_id>", read, CONSOLE_CASE_READ,
         case("/console/cases/{case}"), None, unknown("/console/cases/{case}")),
        ("GET", "/console/cases/<case_id>/updates", read, CONSOLE_CASE_READ,
         case("/console/cases/{case}/updates"), None, unknown("/console/cases/{case}/updates")),
        ("POST", "/console/cases/<case_id>/messages", write, CONSOLE_CASE_WRITE,
         case("/console/cases/{case}/messages"), form(text="请双方明天上午来中心面谈"),
         unknown("/console/cases/{case}/messages")),
        ("POST", "/console/cases/<case_id>/actions", write, CONSOLE_CASE_WRITE,
         case("/console/cases/{case}/actions"), form(action="propose", terms="单位支付一万"),
         unknown("/console/cases/{case}/actions")),
        ("POST", "/console/cases/<case_id>/overrule", write, CONSOLE_CASE_WRITE,
         case("/console/cases/{case}/overrule"),
         form(dispute_types="wage_arrears", reason="核实后确认"),
         unknown("/console/cases/{case}/overrule")),
        ("POST", "/console/cases/<case_id>/relays/<int:outbound_id>/<decision>", write,
         CONSOLE_CASE_READ, case("/console/cases/{case}/relays/1/release"), None,
         unknown("/console/cases/{case}/relays/1/release")),
        ("GET", "/console/cases/<case_id>/agreement.pdf", read, CONSOLE_CASE_READ,
         case("/console/cases/{case}/agreement.pdf"), None,
         unknown("/console/cases/{case}/agreement.pdf")),
        ("GET", "/console/admin/", read, CONSOLE_ADMIN, fixed("/console/admin/"), None, None),
        ("GET", "/console/admin/orgs", read, CONSOLE_ADMIN, fixed("/console/admin/orgs"), None,
         None),
        ("GET", "/console/admin/orgs/<org_id>", read, CONSOLE_ADMIN, org("assigned"), None, None),
        ("POST", "/console/admin/orgs/<org_id>", write, CONSOLE_ADMIN, org("spare"),
         form(hours="周一至周五 9:00-17:00"), None),
        ("POST", "/console/admin/orgs/<org_id>/deactivate", write, CONSOLE_ADMIN,
         org("spare", "/deactivate"), None, None),
        ("POST", "/console/admin/mediators/<mediator_id>/deactivate", write, CONSOLE_ADMIN,
         lambda w, r: f"/console/admin/mediators/{w.mediator_row}/deactivate", None, None),
        ("GET", "/console/admin/orgs/import", read, CONSOLE_ADMIN,
         fixed("/console/admin/orgs/import"), None, None),
        # Allowed through to the input check: no file is a 400 (the tests of the console
        # import the template's rows).
        ("POST", "/console/admin/orgs/import", write, CONSOLE_ADMIN,
         fixed("/console/admin/orgs/import"), None, None, 400),
        ("GET", "/console/admin/orgs/template.csv", read, CONSOLE_ADMIN,
         fixed("/console/admin/orgs/template.csv"), None, None),
        ("GET", "/console/admin/risk", read, CONSOLE_ADMIN, fixed("/console/admin/risk"), None,
         None),
        ("POST", "/console/admin/risk/<int:alert_id>/<action>", write, CONSOLE_ADMIN,
         lambda w, r: f"/console/admin/risk/{w.alert_id}/acknowledge", None, None),
        ("GET", "/console/admin/reports", read, CONSOLE_ADMIN, fixed("/console/admin/reports"),
         None, None),
        ("GET", "/console/admin/reports.xlsx", read, CONSOLE_ADMIN,
         fixed("/console/admin/reports.xlsx"), None, None),
        ("GET", "/console/admin/audit", read, CONSOLE_ADMIN, fixed("/console/admin/audit"), None,
         None),
    ]  # fmt: skip
    return tuple(
        Row(method, rule, kind, expect, path, body, unknown_, *status, surface="console")
        for method, rule, kind, expect, path, body, unknown_, *status in rows
    )


# Logging in is open to all; a wrong password is 401 whoever tries (tests/test_console.py).
CONSOLE_LOGIN = Row(
    "POST", "/console/login", "write", CONSOLE_PUBLIC, fixed("/console/login"),
    body=lambda world, role: {"username": f"nobody-{role}", "password": "wrong"},
    status=401, surface="console",
)  # fmt: skip
ROWS = (*ROWS, *console_rows(), CONSOLE_LOGIN)

# The WeChat push endpoint has its own authentication: the signature of the push token.
SIGNED = {"GET /wechat/push", "POST /wechat/push"}


# --- the world ---------------------------------------------------------------------------------


@pytest.fixture
def matrix_app(app: Flask, wechat_settings: Settings, clock: Clock) -> Iterator[Flask]:
    """The service with WeChat configured (login and push work against the local fake); the
    content check is off so relayed words reach the inbox without a WeChat identity."""
    configured = create_app(
        replace(wechat_settings, wechat_content_check="off", rate_limits=UNLIMITED), clock=clock
    )
    yield configured
    configured.extensions["tiaojie"].close()


@pytest.fixture
def world(matrix_app: Flask) -> World:
    runtime: Runtime = matrix_app.extensions["tiaojie"]
    with runtime.store.transaction() as session:  # the generated directory of 泉州
        orgs.generate_directory(session, "350500", runtime.clock.now())
    chat = Chat(matrix_app, runtime)
    worker, employer, mediator = mediation_recorded(chat, runtime)
    other_worker, other_employer = _case_b(chat)
    other_org = org_id(runtime, LUOJIANG)
    people = {
        "worker": worker,
        "employer": employer,
        "mediator": mediator,
        "other_worker": other_worker,
        "other_employer": other_employer,
        "other_mediator": chat.login_mediator("陈调解员", other_org),
        "admin": chat.login("admin", "洛江区人社局"),
    }
    logins = {
        "worker": {"role": "worker", "name": "曾师傅"},
        "employer": {"role": "employer", "name": "鑫达鞋业 王经理"},
        "mediator": {"role": "mediator", "name": "林调解员", "org_id": org_id(runtime, WANAN)},
        "other_worker": {"role": "worker", "name": "李师傅"},
        "other_employer": {"role": "employer", "name": "宏远鞋业 张经理"},
        "other_mediator": {"role": "mediator", "name": "陈调解员", "org_id": other_org},
        "admin": {"role": "admin", "name": "洛江区人社局"},
    }
    assert worker.case_id and other_worker.case_id
    world = World(people, logins, worker.case_id, other_worker.case_id)
    registered = people["admin"].post("/api/v1/admin/court-cases", COURT_CASE)
    assert registered.status_code == 201, registered.get_json()
    world.court_case = registered.get_json()["id"]
    world.alert_id = _risk_alert(chat, people["admin"])
    world.invitations = {
        role: _open_invitation(chat, f"工友{n}")
        for n, role in enumerate(("employer", "other_employer"))
    }
    _deliver_queued(runtime)
    world.inbox_id = worker.inbox()[0]["id"]
    world.runtime = runtime
    return world


def _console_accounts(runtime: Runtime, world: World) -> None:
    """The console's people: the two mediators and the administrator (cookie login)."""
    world.console = {"mediator": "lin", "other_mediator": "chen", "admin": "boss"}
    add_console_user(runtime, "lin", "林调解员", "mediator", WANAN)
    add_console_user(runtime, "chen", "陈调解员", "mediator", LUOJIANG)
    add_console_user(runtime, "boss", "洛江区人社局", "admin")
    with runtime.store.transaction() as session:
        world.orgs = {"assigned": org_id(runtime, WANAN), "other": org_id(runtime, LUOJIANG)}
        spare = select(Organization.id).where(Organization.id.not_in(world.orgs.values()))
        world.orgs["spare"] = session.scalars(spare.limit(1)).one()
        mine = select(Mediator.id).where(Mediator.party_id == world.people["mediator"].party_id)
        world.mediator_row = session.scalars(mine).one()


def _deliver_queued(runtime: Runtime) -> None:
    """What the RQ jobs would do (bot/outbound.py), in this process and without a worker."""
    with runtime.store.transaction() as session:
        queued = queries.queued_outbound(session)
    for outbound_id in queued:
        outbound.deliver(runtime, outbound_id)


def _case_b(chat: Chat) -> tuple[Person, Person]:
    """Another worker's case with another employer, in negotiation."""
    worker = chat.login("worker", "李师傅")
    worker.says("泉州宏远鞋业有限公司拖欠我两个月工资，一共一万六")
    worker.says("洛江区万安街道")
    worker.says("每月八千")
    worker.says("干了两年")
    worker.says("还在上班")
    worker.says("就我自己")
    worker.taps("consent_employer")
    employer = chat.login("employer", "宏远鞋业 张经理")
    joined = employer.post(f"/api/v1/invitations/{worker.case['invitation']['token']}/join", {})
    assert joined.status_code == 200, joined.get_json()
    employer.case_id = worker.case_id
    return worker, employer


def _open_invitation(chat: Chat, name: str) -> str:
    """A third worker's unused invitation: an employer may open it once."""
    worker = complain(chat, name)
    worker.taps("consent_employer")
    token: str = worker.case["invitation"]["token"]
    return token


def _risk_alert(chat: Chat, admin: Person) -> int:
    """A collective case raises one open alert in the risk ledger."""
    worker = chat.login("worker", "班长老周")
    worker.says("宏达建筑工地包工头拖欠我们二十三个工友四个月工资，一共三十万")
    worker.says("洛江区万安街道")
    worker.says("每月三千七")
    worker.says("干了三年")
    worker.says("还在干")
    worker.says("同意")
    alerts = admin.get("/api/v1/admin/risk-alerts?status=open").get_json()["alerts"]
    assert alerts, "a collective case raises a risk alert"
    alert_id: int = alerts[0]["id"]
    return alert_id


# --- calling a cell ----------------------------------------------------------------------------


@dataclass
class Caller:
    """How one role calls: its own test client and the headers it sends."""

    client: FlaskClient
    headers: dict[str, str]


LOGOUTS = {"/api/v1/logout", "/console/logout"}  # each needs a session of its own


def caller(app: Flask, row: Row, world: World, role: str) -> Caller:
    """The role's client, logged in once per world and surface (a console login is slow on
    purpose: its password hash), except for a logout, which ends the session it uses."""
    if row.rule in LOGOUTS:
        return _new_caller(app, row, world, role)
    key = (role, row.surface)
    if key not in world.callers:
        world.callers[key] = _new_caller(app, row, world, role)
    return world.callers[key]


def _new_caller(app: Flask, row: Row, world: World, role: str) -> Caller:
    client = app.test_client()
    token = _token(client, row, world, role)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if row.surface == "console":
        if not world.console and world.runtime is not None:
            _console_accounts(world.runtime, world)  # made when first needed (hashing is slow)
        headers["X-CSRF-Token"] = _console_login(client, world.console.get(role))
    return Caller(client, headers)


def _console_login(client: FlaskClient, username: str | None) -> str:
    """Log in at the console as a browser does (nobody: just open the login page); the
    session's CSRF token, so that every POST is judged on who sends it, not on CSRF."""
    page = client.get("/console/login").get_data(as_text=True)
    if username is not None:
        token = _csrf(page)
        form = {"username": username, "password": PASSWORD, "csrf_token": token}
        page = client.post("/console/login", data=form, follow_redirects=True).get_data(
            as_text=True
        )
    return _csrf(page)


def _csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found, page[:500]
    return found.group(1)


def call(who: Caller, row: Row, world: World, role: str, path: str) -> TestResponse:
    body = row.body(world, role) if row.body else None
    kind = "data" if row.surface == "console" else "json"  # a form, or the API's JSON
    response = who.client.open(path, method=row.method, headers=who.headers, **{kind: body})
    response.get_data()  # a file is streamed: read it all and close it
    response.close()
    return response


def _token(client: FlaskClient, row: Row, world: World, role: str) -> str | None:
    if role == "anonymous":
        return None
    if row.rule == "/api/v1/logout":  # a second session of the same person, revoked here
        login = client.post("/api/v1/dev/login", json=world.logins[role])
        assert login.get_json()["party_id"] == world.people[role].party_id
        token: str = login.get_json()["token"]
        return token
    return world.people[role].token


def chinese(text: Any) -> bool:
    return isinstance(text, str) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def to_login(response: TestResponse) -> bool:
    location = response.headers.get("Location", "")
    return (
        response.status_code == 302
        and "/console/login" in location
        and "login_needed" in (location)
    )


def problem(row: Row, world: World, role: str, app: Flask) -> str | None:
    """What is wrong with this cell, or None."""
    expected = row.expect[role]
    who = caller(app, row, world, role)
    response = call(who, row, world, role, row.path(world, role))
    status = response.status_code
    if expected == LOGIN:
        return None if to_login(response) else f"expected the login page, got {status}"
    if expected == OK:
        return _allowed(row, response)
    if expected in (UNAUTHORIZED, FORBIDDEN):
        if status != int(expected):
            return f"expected {expected}, got {status}"
        return None if _says_why(response) else f"no Chinese error: {response.data[:300]!r}"
    assert expected == HIDDEN and row.unknown is not None, row.id
    unknown = call(who, row, world, role, row.unknown(world, role))
    if status != 404 or unknown.status_code != 404:
        return f"expected 404 like an unknown id, got {status} (unknown: {unknown.status_code})"
    if response.data != unknown.data:
        return f"404 body differs from an unknown id's: {response.data!r} ≠ {unknown.data!r}"
    return None


def _allowed(row: Row, response: TestResponse) -> str | None:
    status = response.status_code
    if row.surface == "api" or row.status != 200:
        return None if status == row.status else f"expected {row.status}, got {status}"
    # A console page answers 200; a form posts and is sent back to a page (302).
    if status not in (200, 302) or to_login(response):
        return f"expected the page or a redirect after the post, got {status}"
    return None


def _says_why(response: TestResponse) -> bool:
    """The API's JSON error in Chinese, or the console's error page (Chinese, server-made)."""
    if response.mimetype == "text/html":
        return chinese(response.get_data(as_text=True))
    return chinese((response.get_json(silent=True) or {}).get("error", {}).get("message"))


# --- the tests ---------------------------------------------------------------------------------


def routes(app: Flask) -> set[str]:
    return {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def test_every_route_of_the_app_has_a_row_and_every_row_a_route(matrix_app: Flask) -> None:
    rows = {row.id for row in ROWS} | SIGNED
    assert len(rows) == len(ROWS) + len(SIGNED), "one row per route and method"
    assert routes(matrix_app) - rows == set(), "a route without a row in the authorization matrix"
    assert rows - routes(matrix_app) == set(), "a row for a route that no longer exists"
    for row in ROWS:
        assert set(row.expect) == set(ROLES), row.id
        assert row.kind == ("read" if row.method == "GET" else "write"), row.id
        assert (HIDDEN in row.expect.values()) == (row.unknown is not None), row.id


READS = [row for row in ROWS if row.kind == "read"]
WRITES = [row for row in ROWS if row.kind == "write"]


def test_each_caller_reads_what_the_matrix_says(world: World, matrix_app: Flask) -> None:
    """Reads change nothing, so one world serves every read row."""
    failures = {
        (row.id, role): why
        for row in READS
        for role in ROLES
        if (why := problem(row, world, role, matrix_app))
    }
    assert failures == {}


def test_each_caller_writes_what_the_matrix_says(world: World, matrix_app: Flask) -> None:
    """Every write row in one world, in table order: no row's outcome depends on another's
    effect (each has its own target: an unused invitation, the court case, a spare
    organization); the roster entry an administrator deactivates is the last write."""
    last = "/console/admin/mediators/<mediator_id>/deactivate"
    order = sorted(WRITES, key=lambda row: row.rule == last)
    failures = {
        (row.id, role): why
        for row in order
        for role in ROLES
        if (why := problem(row, world, role, matrix_app))
    }
    assert failures == {}


DEV_ONLY = {
    "/api/v1/dev/login",
    "/api/v1/dev/clock",
    "/simulator",
    "/simulator/static/<path:filename>",
}


def test_in_production_the_development_routes_do_not_exist_for_anyone(
    world: World, matrix_app: Flask, settings: Settings
) -> None:
    production = create_app(replace(settings, env="production"))
    for row in ROWS:
        if row.rule not in DEV_ONLY:
            continue
        for role in ROLES:
            response = call(
                caller(production, row, world, role), row, world, role, row.path(world, role)
            )
            assert response.status_code == 404, (row.id, role)
            assert chinese(response.get_json()["error"]["message"])


def test_the_push_endpoint_answers_only_a_valid_signature(world: World, matrix_app: Flask) -> None:
    """Bearer tokens mean nothing to /wechat/push: without the push token's signature it is
    403 for every caller, with it the push is processed."""
    client = matrix_app.test_client()
    body = json.dumps(text_push("o_someone", "你好", 4242), ensure_ascii=False).encode()
    for role in ROLES:
        headers = (
            {} if role == "anonymous" else {"Authorization": f"Bearer {world.people[role].token}"}
        )
        for method in ("GET", "POST"):
            response = client.open(
                "/wechat/push",
                method=method,
                headers=headers,
                data=body,
                query_string={"echostr": "42"},
                content_type="application/json",
            )
            assert response.status_code == 403, (role, method)
            assert chinese(response.get_json()["error"]["message"])
    query = _signed("1714300000", "7")
    assert client.get("/wechat/push", query_string={**query, "echostr": "42"}).data == b"42"
    posted = client.post(
        "/wechat/push", query_string=query, data=body, content_type="application/json"
    )
    assert posted.status_code == 200 and posted.data == b"success"


def _signed(timestamp: str, nonce: str) -> dict[str, str]:
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def test_lists_show_case_a_only_to_its_parties(world: World) -> None:
    """The lists every signed-in caller may read hold only what that caller may see."""
    parties = {"worker", "employer", "mediator"}
    for role, person in world.people.items():
        cases = {c["id"] for c in person.get("/api/v1/cases").get_json()["cases"]}
        assert (world.case_a in cases) == (role in parties), role
        deadlines = {d["case_id"] for d in person.get("/api/v1/deadlines").get_json()["deadlines"]}
        # The administrators' desk watches every clock; nobody else sees case A's.
        assert (world.case_a in deadlines) <= (role in parties | {"admin"}), role
        inbox = person.get("/api/v1/inbox").get_json()["items"]
        assert (world.inbox_id in {i["id"] for i in inbox}) == (role == "worker"), role


def test_marking_someone_elses_notification_read_changes_nothing(world: World) -> None:
    for role in ROLES[1:-1]:
        assert (
            world.people[role].post("/api/v1/inbox/read", {"ids": [world.inbox_id]}).status_code
            == 200
        )
    assert world.inbox_id in {i["id"] for i in world.people["worker"].inbox()}


def test_a_revoked_session_is_401_and_the_persons_other_sessions_still_work(world: World) -> None:
    row = next(r for r in ROWS if r.rule == "/api/v1/logout")
    for role in ROLES[:-1]:
        client = world.people[role].client
        login = client.post("/api/v1/dev/login", json=world.logins[role]).get_json()
        bye = {"Authorization": f"Bearer {login['token']}"}
        assert client.post("/api/v1/logout", headers=bye).status_code == 200
        assert client.get("/api/v1/cases", headers=bye).status_code == 401, role
        assert world.people[role].get("/api/v1/cases").status_code == 200, role
    assert row.expect["anonymous"] == UNAUTHORIZED
