"""Console accounts, login, sessions and CSRF.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure in production) holding
only the account id, the time of the last request (idle timeout, a setting) and a per-session
CSRF token. Every request re-reads the account, so a deactivated account is out at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, request, session
from sqlalchemy.orm import Session

from bot import passwords
from bot.runtime import Runtime
from handlers import texts
from storage import queries
from storage.models import ConsoleAccount, Organization, Party

ROLES = ("mediator", "admin")
ACCOUNT, SEEN, CSRF = "console_account", "console_seen", "console_csrf"
CSRF_FIELD, CSRF_HEADER = "csrf_token", "X-CSRF-Token"
FAILURE_LIMIT = 5  # failed logins per username before it is locked for a while
FAILURE_WINDOW = timedelta(minutes=15)
FAILURE_KEY = "tj:console:login_failures:{}"
USERNAME_LIMIT = 64


class ConsoleUserError(ValueError):
    """A console account cannot be made as asked; the message is Chinese (texts.CONSOLE)."""


@dataclass(frozen=True)
class ConsoleUser:
    """The logged-in person: the account and the Party it acts as."""

    account_id: int
    party_id: str
    role: str
    name: str
    org_id: str | None
    org_name: str

    @property
    def admin(self) -> bool:
        return self.role == "admin"


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    name: str,
    role: str,
    org_id: str | None,
    now: datetime,
) -> ConsoleAccount:
    """A console account (`tiaojie console user add` and the tests both come here)."""
    username = username.strip()
    if not username or len(username) > USERNAME_LIMIT or role not in ROLES or not name.strip():
        raise ConsoleUserError(texts.CONSOLE["bad_request"])
    if len(password) > passwords.MAX_LENGTH:
        raise ConsoleUserError(texts.CONSOLE["bad_request"])
    if len(password) < passwords.MIN_LENGTH:
        raise ConsoleUserError(texts.CONSOLE["password_short"].format(length=passwords.MIN_LENGTH))
    if role == "mediator" and not org_id:
        raise ConsoleUserError(texts.CONSOLE["org_needed"])
    if org_id and session.get(Organization, org_id) is None:
        raise ConsoleUserError(texts.CONSOLE["org_unknown"].format(org=org_id))
    if queries.console_account(session, username) is not None:
        raise ConsoleUserError(texts.CONSOLE["user_exists"].format(username=username))
    return queries.add_console_account(
        session,
        username=username,
        password_hash=passwords.hash_password(password),
        name=name.strip(),
        role=role,
        org_id=org_id if role == "mediator" else None,
        now=now,
    )


# --- login -----------------------------------------------------------------------------------


def _failure_key(username: str) -> str:
    return FAILURE_KEY.format(hashlib.sha256(username.encode("utf-8")).hexdigest()[:32])


def throttled(runtime: Runtime, username: str) -> bool:
    count = runtime.redis.get(_failure_key(username))
    return count is not None and int(count) >= FAILURE_LIMIT


def _count_failure(runtime: Runtime, username: str) -> None:
    key = _failure_key(username)
    pipe = runtime.redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, int(FAILURE_WINDOW.total_seconds()))
    pipe.execute()


def authenticate(runtime: Runtime, username: str, password: str) -> int | None:
    """The account id when the password is right; None otherwise (one answer for an unknown
    user, a wrong password and a deactivated account). A hash made with older parameters is
    replaced on the way."""
    username = username.strip()[:USERNAME_LIMIT]
    with runtime.store.transaction() as db:
        account = queries.console_account(db, username)
        party = db.get(Party, account.party_id) if account else None
        if account is None or party is None:
            passwords.verify_nobody(password)
            ok = False
        else:
            ok = passwords.verify(password, account.password_hash)
            ok = ok and account.active and party.erased_at is None
        if not ok or account is None:
            _count_failure(runtime, username)
            return None
        if passwords.needs_rehash(account.password_hash):
            account.password_hash = passwords.hash_password(password)
        account.last_login_at = runtime.clock.now()
        account_id = account.id
    runtime.redis.delete(_failure_key(username))
    return account_id


def start_session(account_id: int, now: datetime) -> None:
    """A fresh session (never the pre-login one: no fixation) with a new CSRF token."""
    session.clear()
    session.permanent = True
    session[ACCOUNT] = account_id
    session[SEEN] = now.timestamp()
    session[CSRF] = secrets.token_urlsafe(32)


def end_session() -> None:
    session.clear()


def current_user(runtime: Runtime) -> ConsoleUser | str | None:
    """The logged-in user; None when nobody is; "expired" when the idle timeout passed."""
    account_id = session.get(ACCOUNT)
    if not isinstance(account_id, int):
        return None
    now = runtime.clock.now()
    idle = timedelta(hours=runtime.settings.console_idle_hours)
    seen = session.get(SEEN)
    if not isinstance(seen, int | float) or now.timestamp() - seen > idle.total_seconds():
        end_session()
        return "expired"
    user = _load(runtime, account_id)
    if user is None:
        end_session()
        return None
    session[SEEN] = now.timestamp()
    return user


def _load(runtime: Runtime, account_id: int) -> ConsoleUser | None:
    with runtime.store.transaction() as db:
        account = db.get(ConsoleAccount, account_id)
        party = db.get(Party, account.party_id) if account else None
        if account is None or party is None or not account.active or party.erased_at:
            return None
        if party.role not in ROLES:
            return None
        org = db.get(Organization, party.org_id) if party.org_id else None
        return ConsoleUser(
            account_id=account.id,
            party_id=party.id,
            role=party.role,
            name=party.display_name,
            org_id=party.org_id,
            org_name=org.name if org else "",
        )


# --- CSRF ------------------------------------------------------------------------------------


def csrf_token() -> str:
    """This session's token (made on first use, e.g. on the login page before a login)."""
    token = session.get(CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF] = token
    return token


def check_csrf() -> None:
    """Every POST carries the session's token, as a form field or the X-CSRF-Token header."""
    expected = session.get(CSRF)
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not isinstance(expected, str) or not hmac.compare_digest(given.encode(), expected.encode()):
        abort(400, description="csrf")
