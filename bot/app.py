"""The application factory: create_app(settings) → Flask app (Flask's app-factory pattern)."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from bot import logs, ratelimit
from bot import runtime as runtimes
from bot.admin_views import admin
from bot.api_views import api
from bot.clock import Clock
from bot.config import Settings
from bot.console import console
from bot.errors import ApiError
from bot.login_views import account
from bot.openapi import openapi
from bot.runtime import Runtime
from bot.simulator_views import simulator
from bot.wechat_views import wechat

log = logging.getLogger(__name__)

# Werkzeug's HTTP errors, answered in the API's JSON shape with a Chinese message.
HTTP_ERRORS = {
    400: ("bad_request", "bad_request"),
    401: ("unauthorized", "unauthorized"),
    403: ("forbidden", "forbidden"),
    404: ("not_found", "not_found"),
    405: ("method_not_allowed", "not_allowed"),
    413: ("too_large", "too_large"),
}


def create_app(settings: Settings, *, clock: Clock | None = None) -> Flask:
    """Build the web app for these settings. Nothing connects until the first request."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    runtime = runtimes.install(Runtime(settings, clock))
    app.extensions["tiaojie"] = runtime
    logs.install_request_log(app)  # method, route, status, duration, party: never bodies
    ratelimit.install(app, runtime)  # 429 and per-surface 413 before any view
    app.register_blueprint(api)
    app.register_blueprint(admin)  # reports, risk ledger, deadlines
    app.register_blueprint(account)  # WeChat login, logout, subscriptions
    app.register_blueprint(openapi)  # /api/v1/openapi.json
    app.register_blueprint(wechat)  # /wechat/push
    app.register_blueprint(console)  # /console: mediator and admin web pages
    app.register_blueprint(simulator)  # /simulator, outside production
    app.add_url_rule("/healthz", "healthz", _healthz)
    _register_errors(app)
    return app


def _healthz() -> ResponseReturnValue:
    from sqlalchemy import text

    runtime: Runtime = runtimes.current()
    with runtime.store.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    runtime.redis.ping()
    return jsonify({"ok": True})


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> ResponseReturnValue:
        return jsonify(error.body()), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        code, key = HTTP_ERRORS.get(error.code or 500, ("internal", "internal"))
        return jsonify(ApiError(error.code or 500, code, key).body()), error.code or 500

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        from redis import RedisError
        from sqlalchemy.exc import DataError, OperationalError

        if isinstance(error, RedisError | OperationalError):
            log.error("backing service unavailable on %s: %s", _route(), type(error).__name__)
            return jsonify(ApiError(503, "unavailable").body()), 503
        if isinstance(error, DataError):
            # Input the database cannot hold (PostgreSQL: a NUL character in a string) is bad
            # input: a 400, never a 500 (api.md).
            log.warning("input the database refused on %s: %s", _route(), type(error).__name__)
            return jsonify(ApiError(400, "bad_request").body()), 400
        log.exception("unexpected error on %s", _route())
        return jsonify(ApiError(500, "internal").body()), 500


def _route() -> str:
    """The route's template for a log line: a raw path can hold an invitation token."""
    return request.url_rule.rule if request.url_rule is not None else "(unmatched)"
