"""The mediator and administrator web console: server-rendered pages under /console.

Mediators reach /console/ (their organization's cases); administrators also /console/admin/.
Everything a mediator does to a case goes through the same dispatch pipeline as chat
(bot/dispatch.py, channel "console"); the console only renders and forwards.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from bot.console import auth
from bot.errors import ApiError
from bot.web import current_runtime
from handlers import texts

console = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="../templates",
    static_folder="../static/console",
    static_url_path="/static",
)
PUBLIC = frozenset({"console.login", "console.static"})
ERROR_KEYS = {400: "bad_request", 403: "forbidden", 404: "not_found"}


@console.record_once
def _configure(state: BlueprintSetupState) -> None:
    """Session cookie settings (api.md's token auth is unaffected: it sends no cookie)."""
    settings = state.app.extensions["tiaojie"].settings
    state.app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.console_idle_hours),
    )


@console.before_request
def _guard() -> ResponseReturnValue | None:
    """Login first, then the role, then the CSRF token of every POST."""
    if _has_nul():
        abort(400)  # no text column takes a NUL byte (PostgreSQL): refuse it at the door
    if request.endpoint in PUBLIC:
        if request.method == "POST":
            auth.check_csrf()
        return None
    user = auth.current_user(current_runtime())
    if not isinstance(user, auth.ConsoleUser):
        note = "session_expired" if user == "expired" else "login_needed"
        return redirect(url_for("console.login", note=note, next=request.full_path))
    if request.path.startswith("/console/admin") and not user.admin:
        return _error_page(403)
    if request.method == "POST":
        auth.check_csrf()
    g.console_user = user
    return None


def _has_nul() -> bool:
    values = [*request.args.values(), *request.form.values()]  # ids in paths: cases.row_id
    return any("\x00" in value for value in values)


@console.app_context_processor
def _globals() -> dict[str, Any]:
    return {
        "csrf_token": auth.csrf_token,
        "state_name": lambda s: texts.STATE_NAMES.get(s, s),
        "dispute_name": lambda t: texts.DISPUTE_NAMES.get(t, t),
        "role_name": lambda r: texts.CONSOLE_ROLE_NAMES.get(r or "system", r),
    }


def _error_page(status: int, message: str | None = None) -> ResponseReturnValue:
    text = message or texts.CONSOLE[ERROR_KEYS.get(status, "bad_request")]
    return render_template("console/error.html", message=text, status=status), status


@console.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    if status == 400 and error.description == "csrf":
        return _error_page(400, texts.CONSOLE["csrf"])
    if status not in ERROR_KEYS:
        return error
    return _error_page(status)


@console.errorhandler(ApiError)
def _api_error(error: ApiError) -> ResponseReturnValue:
    return _error_page(error.status, error.message)


from bot.console import admin, cases  # noqa: E402,F401  (routes register on import)
