"""The WeChat server APIs we call: code2session, access token (classic or stable), customer-
service send, subscribe send, msgSecCheck v2.

The access token is one per app for every process (pitfalls.md): it lives in Redis and is
refreshed under a Redis lock ahead of expiry, so two processes never fetch it at once; an
errcode 40001/42001 on a call refreshes it once (unless another process already did) and
retries the call once. Branch on ``errcode``, never on ``errmsg`` (fixtures README §5).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
import requests

from bot.config import Settings

log = logging.getLogger(__name__)

TIMEOUT = (3.05, 5.0)  # connect, read (seconds)
REFRESH_MARGIN = 300  # refresh this long before expiry (old and new overlap ~5 min)
LOCK_TIMEOUT = 15  # a crashed holder frees the lock after this long
LOCK_WAIT = 20.0
TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid / not latest / expired
TRANSIENT = frozenset({-1, 45009, 45011})  # system busy, quotas per minute: retry later
SEC_CHECK_SCENE = 2  # msgSecCheck scene 2 (评论): short user text shown to others


class WeChatError(Exception):
    """An errcode ≠ 0 (``code``), or the API could not be reached (``code`` None)."""

    def __init__(self, code: int | None, message: str = "") -> None:
        self.code = code
        super().__init__(f"wechat errcode {code}" if code is not None else message)

    @property
    def transient(self) -> bool:
        """Worth retrying later (network, system busy, per-minute quota)."""
        return self.code is None or self.code in TRANSIENT


@dataclass(frozen=True)
class Session:
    openid: str
    unionid: str | None


@dataclass(frozen=True)
class Verdict:
    """msgSecCheck v2 ``result``: suggest pass | review | risky; label 100 = normal."""

    suggest: str
    label: int
    trace_id: str = ""


class WeChatApi:
    def __init__(self, settings: Settings, client: redis.Redis) -> None:
        self.settings = settings
        self.redis = client
        self.base = settings.wechat_api_base
        self.http = requests.Session()
        self.token_key = f"tj:wx:token:{settings.wechat_appid}"
        self.lock_key = f"tj:wx:token-lock:{settings.wechat_appid}"

    # --- transport -------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(method, self.base + path, timeout=TIMEOUT, **kwargs)
            response.raise_for_status()
            body = response.json()
        except (requests.RequestException, ValueError) as error:
            log.warning("wechat %s unreachable: %s", path, type(error).__name__)
            raise WeChatError(None, f"{path}: {type(error).__name__}") from error
        if not isinstance(body, dict):
            raise WeChatError(None, f"{path}: not a JSON object")
        code = int(body.get("errcode") or 0)  # a missing errcode means success
        if code != 0:
            log.info("wechat %s errcode %s", path, code)
            raise WeChatError(code)
        return body

    def _post_json(self, path: str, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        # WeChat shows \\uXXXX escapes literally in some messages: send raw UTF-8.
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return self._call("POST", path, params={"access_token": token}, data=data, headers=headers)

    def _with_token(self, call: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        """Call with the shared token; on 40001/42001 refresh once and retry once."""
        token = self.access_token()
        try:
            return call(token)
        except WeChatError as error:
            if error.code not in TOKEN_ERRORS:
                raise
            log.info("access token rejected (%s): refreshing once", error.code)
            return call(self.refresh_token(bad=token))

    # --- access token ------------------------------------------------------------------------

    def _cached(self) -> tuple[str, float] | None:
        raw = self.redis.get(self.token_key)
        if not raw:
            return None
        data = json.loads(raw)
        return str(data["token"]), float(data["expires_at"])

    def access_token(self) -> str:
        """The app's token from Redis; fetched under the lock when missing or about to expire.
        While one process refreshes a still-valid token, the others keep using it."""
        cached, now = self._cached(), time.time()
        if cached and now < cached[1] - REFRESH_MARGIN:
            return cached[0]
        if cached and now < cached[1]:
            lock = self.redis.lock(self.lock_key, timeout=LOCK_TIMEOUT)
            if not lock.acquire(blocking=False):
                return cached[0]
            try:
                return self._refresh_locked(bad=None)
            finally:
                lock.release()
        return self.refresh_token(bad=None)

    def refresh_token(self, bad: str | None) -> str:
        """Fetch a new token under the lock, unless another process did while we waited."""
        lock = self.redis.lock(self.lock_key, timeout=LOCK_TIMEOUT, blocking_timeout=LOCK_WAIT)
        if not lock.acquire():
            raise WeChatError(None, "access token lock not acquired in time")
        try:
            return self._refresh_locked(bad)
        finally:
            lock.release()

    def _refresh_locked(self, bad: str | None) -> str:
        cached = self._cached()
        if cached and cached[0] != bad and time.time() < cached[1] - REFRESH_MARGIN:
            return cached[0]  # refreshed by another process meanwhile
        token, expires_in = self._fetch_token(bad)
        expires_at = time.time() + expires_in
        value = json.dumps({"token": token, "expires_at": expires_at})
        self.redis.set(self.token_key, value, ex=max(1, expires_in))
        log.info("access token refreshed (expires in %ss)", expires_in)
        return token

    def _fetch_token(self, bad: str | None) -> tuple[str, int]:
        settings = self.settings
        if not settings.wechat_stable_token:
            body = self._call(
                "GET",
                "/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": settings.wechat_appid,
                    "secret": settings.wechat_secret,
                },
            )
            return str(body["access_token"]), int(body.get("expires_in") or 7200)
        token, expires_in = self._stable_token(force=False)
        if token == bad:  # the stable token itself was rejected: force a new one (20/day)
            token, expires_in = self._stable_token(force=True)
        return token, expires_in

    def _stable_token(self, force: bool) -> tuple[str, int]:
        payload = {
            "grant_type": "client_credential",
            "appid": self.settings.wechat_appid,
            "secret": self.settings.wechat_secret,
            "force_refresh": force,
        }
        body = self._call("POST", "/cgi-bin/stable_token", json=payload)
        return str(body["access_token"]), int(body.get("expires_in") or 7200)

    # --- the calls ---------------------------------------------------------------------------

    def code2session(self, code: str) -> Session:
        """auth.code2Session: a wx.login code → openid (+ unionid when bound)."""
        body = self._call(
            "GET",
            "/sns/jscode2session",
            params={
                "appid": self.settings.wechat_appid,
                "secret": self.settings.wechat_secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )
        openid = body.get("openid")
        if not isinstance(openid, str) or not openid:
            raise WeChatError(None, "code2session answered without openid")
        unionid = body.get("unionid")
        return Session(openid=openid, unionid=unionid if isinstance(unionid, str) else None)

    def send_text(self, openid: str, text: str) -> None:
        """Customer-service text message (客服消息) to a user who wrote to us recently."""
        payload = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        self._with_token(lambda t: self._post_json("/cgi-bin/message/custom/send", t, payload))

    def send_subscribe(
        self, openid: str, template_id: str, data: dict[str, str], page: str = ""
    ) -> None:
        """subscribeMessage.send, with ``miniprogram_state`` and ``lang`` (wechatpy lacks them)."""
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "miniprogram_state": self.settings.wechat_miniprogram_state,
            "lang": "zh_CN",
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if page:
            payload["page"] = page
        self._with_token(lambda t: self._post_json("/cgi-bin/message/subscribe/send", t, payload))

    def check_text(self, openid: str, content: str) -> Verdict:
        """security.msgSecCheck v2. ``result`` is the verdict; ``detail`` entries may be bare
        ({"strategy", "errcode"}) and are not needed."""
        payload = {"openid": openid, "scene": SEC_CHECK_SCENE, "version": 2, "content": content}
        body = self._with_token(lambda t: self._post_json("/wxa/msg_sec_check", t, payload))
        raw = body.get("result")
        result: dict[str, Any] = raw if isinstance(raw, dict) else {}
        suggest = str(result.get("suggest") or "").lower()
        if suggest not in ("pass", "review", "risky"):
            raise WeChatError(None, "msgSecCheck answered without a verdict")
        label = str(result.get("label", ""))
        trace = str(body.get("trace_id", ""))
        return Verdict(suggest, int(label) if label.isdigit() else 0, trace)
