"""Rate and size limits for every request, shared by all processes through Redis.

Fixed one-minute windows: one Lua call per request increments every counter the request
touches (its party's and its IP's) and returns them; over a budget the answer is 429 with
``Retry-After`` and the API's JSON error in Chinese. Budgets (bot/config.py RateLimits):
messages, login and everything else. The WeChat push endpoint is counted per sender openid,
never per IP (WeChat's servers send every user's pushes), by the push view itself once it has
verified and parsed the push (``push_wait``): WeChat gets ``success`` either way, since it
would only deliver a refused push again.

When Redis is down a request goes through unlimited, with a warning: the API keeps working on
the database alone (tests/test_redis_down.py), and a limit is protection, not correctness.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import redis
from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.config import RateLimits
from bot.errors import ApiError
from bot.runtime import Runtime

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
KEY_PREFIX = "tj:rl"
EXTENSION = "tiaojie.ratelimit"
# Request bodies, by surface (Flask answers 413 beyond them; the message text itself is
# limited to max_text_chars, which fits well within the JSON limit).
PUSH_MAX_BYTES = 32 * 1024  # a text push, XML or JSON, plain or AES (base64: +1/3)
UPLOAD_MAX_BYTES = 8 * 1024 * 1024  # a multipart upload, e.g. a directory import file
UNLIMITED_ENDPOINTS = frozenset({"healthz", "static"})
MESSAGE_ENDPOINTS = frozenset({"api.post_message"})
PUSH_ENDPOINTS = frozenset({"wechat.receive"})

# INCR every key, set the window's expiry on first use, return the counts: one round trip.
SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[1]) end
  counts[i] = n
end
return counts
"""


@dataclass(frozen=True)
class Budget:
    name: str  # e.g. "messages:party"
    subject: str  # the party id, IP or openid counted
    limit: int  # per window; 0: no limit


class Limiter:
    """Counts requests in Redis windows; ``hit`` says how long to wait, or None."""

    def __init__(self, client: redis.Redis) -> None:
        self._script = client.register_script(SCRIPT)

    def hit(self, budgets: Sequence[Budget], now: float) -> int | None:
        active = [b for b in budgets if b.limit > 0 and b.subject]
        if not active:
            return None
        window = int(now // WINDOW_SECONDS)
        keys = [f"{KEY_PREFIX}:{b.name}:{b.subject}:{window}" for b in active]
        counts = self._script(keys=keys, args=[WINDOW_SECONDS + 5])
        if all(int(n) <= b.limit for n, b in zip(counts, active, strict=True)):
            return None
        return max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))


def budgets(
    limits: RateLimits, endpoint: str, method: str, party: str | None, ip: str
) -> list[Budget]:
    """What one request counts against, by the endpoint it reaches."""
    if endpoint in MESSAGE_ENDPOINTS:
        return [
            Budget("messages:party", party or "", limits.messages_per_party),
            Budget("messages:ip", ip, limits.messages_per_ip),
        ]
    if method == "POST" and endpoint.endswith((".login", ".dev_login")):  # API and console
        return [Budget("login:ip", ip, limits.login_per_ip)]
    return [
        Budget("api:party", party or "", limits.api_per_party),
        Budget("api:ip", ip, limits.api_per_ip),
    ]


def install(app: Flask, runtime: Runtime) -> None:
    """Size limits and rate limits before every view; IPs from trusted proxies' headers."""
    proxies = runtime.settings.trusted_proxies
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]
    app.before_request(_limit)


def _limit() -> Response | None:
    endpoint = request.endpoint or ""
    if endpoint in UNLIMITED_ENDPOINTS or endpoint.endswith(".static"):
        return None
    _size_limit(endpoint)
    if endpoint.startswith("wechat."):
        return None  # URL verification (once), and pushes: see push_wait
    runtime: Runtime = current_app.extensions["tiaojie"]
    g.party_id = _token_party(runtime)
    limits = runtime.settings.rate_limits
    wait = _hit(runtime, budgets(limits, endpoint, request.method, g.party_id, _ip()))
    return None if wait is None else too_many(wait)


def push_wait(runtime: Runtime, openid: str) -> int | None:
    """Count a verified push against its sender's budget; seconds to wait when over it."""
    limit = runtime.settings.rate_limits.push_per_openid
    return _hit(runtime, [Budget("push:openid", openid, limit)])


def first_refusal(runtime: Runtime, openid: str) -> bool:
    """True once per window and sender: the first push refused is answered, later ones not
    (a flood must not turn into a flood of customer-service messages)."""
    window = int(_now(runtime) // WINDOW_SECONDS)
    key = f"{KEY_PREFIX}:push:told:{openid}:{window}"
    try:
        return bool(runtime.redis.set(key, 1, nx=True, ex=WINDOW_SECONDS + 5))
    except redis.RedisError:
        return False


def _size_limit(endpoint: str) -> None:
    if endpoint in PUSH_ENDPOINTS:
        request.max_content_length = PUSH_MAX_BYTES
    elif request.mimetype == "multipart/form-data":
        request.max_content_length = UPLOAD_MAX_BYTES


def _hit(runtime: Runtime, wanted: list[Budget]) -> int | None:
    limiter = current_app.extensions.get(EXTENSION)
    try:
        if limiter is None:
            limiter = current_app.extensions[EXTENSION] = Limiter(runtime.redis)
        return limiter.hit(wanted, _now(runtime))
    except redis.RedisError as error:
        log.warning("rate limit skipped, Redis unavailable: %s", type(error).__name__)
        return None


def _now(runtime: Runtime) -> float:
    """Wall time plus the service clock's offset as last seen (tests and the dev clock move
    it), without a Redis round trip just to read the shared development clock."""
    return time.time() + runtime.clock.offset.total_seconds()


def _ip() -> str:
    return request.remote_addr or "unknown"


def _token_party(runtime: Runtime) -> str | None:
    """The party a bearer token names (signature checked; revocation is the view's job)."""
    try:
        return runtime.sessions.bearer().party_id
    except ApiError:
        return None  # no or a bad token: the view answers 401; the IP budget still counts it


def too_many(wait: int) -> Response:
    """429 in the API's shape, with the seconds to wait in words and in Retry-After."""
    error = ApiError(429, "rate_limited", seconds=wait)
    response = jsonify(error.body())
    response.status_code = 429
    response.headers["Retry-After"] = str(wait)
    return response
