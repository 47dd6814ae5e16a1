"""What every blueprint needs from the request: this process's runtime and a JSON body."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from bot.errors import ApiError
from bot.runtime import Runtime


def current_runtime() -> Runtime:
    runtime: Runtime = current_app.extensions["tiaojie"]
    return runtime


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 in Chinese (never a 500)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "not_json")
    return body
