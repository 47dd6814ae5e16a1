"""Session tokens: signed, expiring, bound to one party and its role."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bot.config import Settings
from bot.errors import ApiError
from handlers.types import Role

SALT = "tiaojie-session-v1"


@dataclass(frozen=True)
class Caller:
    party_id: str
    role: Role


class Sessions:
    def __init__(self, settings: Settings) -> None:
        self._signer = URLSafeTimedSerializer(settings.secret_key, salt=SALT)
        self._max_age = settings.session_days * 24 * 3600

    def issue(self, party_id: str, role: str) -> str:
        return self._signer.dumps({"p": party_id, "r": role})

    def verify(self, token: str) -> Caller:
        try:
            data = self._signer.loads(token, max_age=self._max_age)
        except SignatureExpired as error:
            raise ApiError(401, "token_invalid") from error
        except BadSignature as error:
            raise ApiError(401, "token_invalid") from error
        return Caller(party_id=str(data["p"]), role=Role(data["r"]))

    def caller(self) -> Caller:
        """The caller of the current request, from ``Authorization: Bearer <token>``."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized")
        return self.verify(token.strip())
