"""Errors the edge turns into HTTP answers: a status, a snake_case code, a Chinese message."""

from __future__ import annotations

from typing import Any

from handlers import texts


class ApiError(Exception):
    def __init__(self, status: int, code: str, message_key: str | None = None, **fmt: Any) -> None:
        self.status = status
        self.code = code
        self.message = texts.ERRORS[message_key or code].format(**fmt)
        super().__init__(f"{status} {code}")

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


def not_found_case() -> ApiError:
    """A case that does not exist and one the caller may not see answer alike (api.md)."""
    return ApiError(404, "not_found", "case_not_found")
