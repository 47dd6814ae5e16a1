"""Session tokens: signed, expiring, revocable, bound to one party and its role.

Each token carries a random session id; logging out (or an admin) revokes that id in the
database, which every authenticated request checks (the DB, not Redis: a revocation must
survive a Redis flush)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bot.config import Settings
from bot.errors import ApiError
from handlers.types import Role
from storage import queries

SALT = "tiaojie-session-v1"
CALLER_KEY = "tiaojie_caller"  # flask.g: the verified bearer of this request


@dataclass(frozen=True)
class Caller:
    party_id: str
    role: Role
    session_id: str = ""


class Sessions:
    def __init__(self, settings: Settings) -> None:
        self._signer = URLSafeTimedSerializer(settings.secret_key, salt=SALT)
        self._max_age = settings.session_days * 24 * 3600

    def issue(self, party_id: str, role: str) -> str:
        return self._signer.dumps({"p": party_id, "r": role, "s": secrets.token_hex(16)})

    def verify(self, token: str) -> Caller:
        try:
            data = self._signer.loads(token, max_age=self._max_age)
        except SignatureExpired as error:
            raise ApiError(401, "token_invalid") from error
        except BadSignature as error:
            raise ApiError(401, "token_invalid") from error
        if not isinstance(data, dict) or not isinstance(data.get("s"), str):
            raise ApiError(401, "token_invalid")  # issued before tokens were revocable
        return Caller(party_id=str(data["p"]), role=Role(data["r"]), session_id=data["s"])

    def bearer(self) -> Caller:
        """The caller the request's ``Authorization: Bearer <token>`` names, signature and
        expiry checked but not revocation; verified once per request (the rate limiter
        asks first)."""
        cached: Caller | None = g.get(CALLER_KEY)
        if cached is not None:
            return cached
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized")
        caller = self.verify(token.strip())
        setattr(g, CALLER_KEY, caller)
        return caller

    def caller(self) -> Caller:
        """The caller of the current request, revocation checked in a read of its own. The
        message endpoint checks revocation inside its own transaction instead
        (``bearer()`` + dispatch's ``session_id``): one transaction less on the busiest path."""
        caller = self.bearer()
        if _revoked(caller.session_id):
            raise ApiError(401, "token_invalid")
        return caller


def _revoked(session_id: str) -> bool:
    runtime = current_app.extensions["tiaojie"]
    with runtime.store.reading() as session:
        return queries.session_revoked(session, session_id)
