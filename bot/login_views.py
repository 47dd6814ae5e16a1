"""WeChat login for the mini-program (code2session → our session token), logout, and the
subscribe-message templates the mini-program asks the user to authorize."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from bot import serialize
from bot.errors import ApiError
from bot.openapi import describe
from bot.web import current_runtime as _runtime
from bot.web import json_body as _body
from bot.wechat_api import WeChatApi, WeChatError
from handlers import texts
from handlers.types import Role
from storage import queries

log = logging.getLogger(__name__)

account = Blueprint("account", __name__, url_prefix="/api/v1")

CODE_LIMIT = 128
SELF_CHOSEN_ROLES = (Role.WORKER, Role.EMPLOYER)  # mediators and admins are provisioned
# code2session errcodes → (HTTP status, our error code). Never retry a code: it is single-use.
LOGIN_ERRORS = {
    40029: (400, "wechat_code_invalid"),  # invalid or expired js_code: call wx.login again
    40163: (400, "wechat_code_invalid"),  # code already used
    45011: (429, "wechat_rate_limited"),  # 100 calls per user per minute
    40226: (403, "wechat_user_blocked"),  # high-risk user: a generic refusal, no retry loop
    -1: (503, "wechat_busy"),  # system busy
}


@account.post("/login")
@describe(
    "用 wx.login 的 code 登录（code2session），得到会话令牌",
    body="LoginRequest",
    ok="Login",
    auth=False,
)
def login() -> ResponseReturnValue:
    runtime = _runtime()
    body = _body()
    code = body.get("code")
    if code is None or (isinstance(code, str) and not code.strip()):
        raise ApiError(400, "missing_code")
    if not isinstance(code, str) or len(code) > CODE_LIMIT:
        raise ApiError(400, "bad_field", field="code")
    role = _role(body.get("role", Role.WORKER.value))
    if not runtime.settings.wechat_enabled:
        raise ApiError(503, "wechat_not_configured")
    try:
        identity = WeChatApi(runtime.settings, runtime.redis).code2session(code.strip())
    except WeChatError as error:
        status, key = LOGIN_ERRORS.get(error.code or 0, (503, "wechat_unavailable"))
        log.info("login refused: wechat errcode %s", error.code)
        raise ApiError(status, key) from error
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        party = queries.wechat_party(
            session,
            identity.openid,
            now,
            name=texts.WECHAT_NEW_USER,
            role=role.value,
            unionid=identity.unionid,
        )
    token = runtime.sessions.issue(party.id, party.role)
    return jsonify(serialize.party_login(token, party))


def _role(value: Any) -> Role:
    """A new user says whether they are a worker or an employer; the first login decides."""
    try:
        role = Role(str(value))
    except ValueError as error:
        raise ApiError(400, "bad_role") from error
    if role not in SELF_CHOSEN_ROLES:
        raise ApiError(400, "bad_role")
    return role


@account.post("/logout")
@describe("注销当前会话令牌（之后用它的请求都是 401）", ok="Ok")
def logout() -> ResponseReturnValue:
    runtime = _runtime()
    caller = runtime.sessions.caller()
    with runtime.store.transaction() as session:
        queries.revoke_session(session, caller.session_id, caller.party_id, runtime.clock.now())
    return jsonify({"ok": True})


@account.get("/subscriptions")
@describe(
    "订阅消息模板（供 wx.requestSubscribeMessage 使用）和尚未使用的授权次数", ok="Subscriptions"
)
def subscriptions() -> ResponseReturnValue:
    runtime = _runtime()
    caller = runtime.sessions.caller()
    templates = runtime.settings.wechat_templates
    with runtime.store.transaction() as session:
        items = [
            {
                "purpose": purpose,
                "template_id": str(template["id"]),
                "unused": queries.unused_grants(session, caller.party_id, str(template["id"])),
            }
            for purpose, template in templates.items()
        ]
    return jsonify({"templates": items})
