"""The floor: the least a message endpoint with our duties can cost on this stack.

Not part of the product. ``tiaojie bench http --floor`` runs it as a third contender beside
our service and bare Flask, under the same gunicorn settings, to show how far the ratio target
is reachable at all here. It does what ``POST /api/v1/messages`` must do for an intake
message, each step the cheapest way this stack allows, and nothing else:

- verify the bearer token (itsdangerous, as bot/auth.py);
- one Redis round trip: the per-party and per-IP rate-limit counters and the dedupe claim
  (``SET NX``) in one script (ours: two round trips);
- one SQLite transaction on the raw DB-API (no SQLAlchemy): BEGIN IMMEDIATE, the sender with
  its login session's revocation, the worker's case in intake, its pending clocks, our real
  pure handler (nlp/ and handlers/, the same code as ours), the case INSERT or UPDATE through
  the transition table, an audit row, the exchange with the text, the replies and the
  response encrypted at rest (storage/crypto.py), COMMIT;
- answer the replies and the case's id as JSON.

What it leaves out, all of which ours does: the writer gate across processes (one SQLite
connection per process and SQLite's own busy wait instead), effects and the enqueue after
commit (an intake step rarely has any), the case summary with deadlines, request logging,
size limits and error mapping. So its figures are an upper bound for ours, not a target.

Its own tables live in their own SQLite file (``FLOOR_DB``); Redis is ours (``FLOOR_REDIS``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import redis
from flask import Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeTimedSerializer

import handlers
from handlers.states import CaseState, advance
from handlers.types import CaseView, Channel, Inbound, Role
from storage.crypto import TextCipher

SALT = "floor-session"
TOKEN_MAX_AGE = 86_400
WINDOW_SECONDS = 60
DEDUPE_SECONDS = 86_400
LIMIT_PER_MINUTE = 1_000_000  # as the benchmark raises ours (benchmarks/servers.py)
# Two windowed counters and the claim, as bot/ratelimit.py's script and storage/kv.py's claim.
SCRIPT = """
local counts = {}
for i = 1, 2 do
  counts[i] = redis.call('INCR', KEYS[i])
  if counts[i] == 1 then redis.call('EXPIRE', KEYS[i], ARGV[1]) end
  if counts[i] > tonumber(ARGV[3]) then return {0, 0} end
end
local claimed = redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[2])
return {1, claimed and 1 or 0}
"""
SCHEMA = """
CREATE TABLE IF NOT EXISTS parties (
    id TEXT PRIMARY KEY, role TEXT NOT NULL, display_name TEXT NOT NULL, erased_at TEXT);
CREATE TABLE IF NOT EXISTS revoked_sessions (sid TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY, worker_id TEXT NOT NULL REFERENCES parties(id), state TEXT NOT NULL,
    dispute_types TEXT NOT NULL, flags TEXT NOT NULL, facts TEXT NOT NULL, explanation TEXT,
    asking TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS cases_worker_state ON cases (worker_id, state, created_at);
CREATE TABLE IF NOT EXISTS deadlines (
    id INTEGER PRIMARY KEY, case_id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deadlines_case ON deadlines (case_id, status);
CREATE TABLE IF NOT EXISTS audit_events (
    id INTEGER PRIMARY KEY, case_id TEXT NOT NULL, actor_id TEXT, from_state TEXT,
    to_state TEXT NOT NULL, reason TEXT NOT NULL, rule TEXT, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS exchanges (
    id INTEGER PRIMARY KEY, channel TEXT NOT NULL, msg_id TEXT NOT NULL, sender_id TEXT,
    case_id TEXT, text TEXT NOT NULL, replies TEXT NOT NULL, response TEXT NOT NULL,
    at TEXT NOT NULL, UNIQUE (channel, msg_id));
"""
_SENDER = (
    "SELECT display_name, erased_at, EXISTS (SELECT 1 FROM revoked_sessions WHERE sid = ?) "
    "FROM parties WHERE id = ?"
)
_INTAKE = (
    "SELECT id, state, dispute_types, flags, facts, asking, created_at FROM cases "
    "WHERE worker_id = ? AND state = 'intake' ORDER BY created_at DESC LIMIT 1"
)
_CLOCKS = "SELECT kind FROM deadlines WHERE case_id = ? AND status = 'pending'"
_INSERT_CASE = (
    "INSERT INTO cases (id, worker_id, state, dispute_types, flags, facts, explanation, asking,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_CASE = (
    "UPDATE cases SET state = ?, dispute_types = ?, flags = ?, facts = ?, explanation = ?,"
    " asking = ?, updated_at = ? WHERE id = ?"
)
_AUDIT = (
    "INSERT INTO audit_events (case_id, actor_id, from_state, to_state, reason, rule, at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_EXCHANGE = (
    "INSERT INTO exchanges (channel, msg_id, sender_id, case_id, text, replies, response, at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _signer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def prepare(database: Path, secret: str, workers: int) -> list[str]:
    """Create the floor's tables and ``workers`` workers; return their bearer tokens."""
    signer, tokens = _signer(secret), []
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(SCHEMA)
        connection.execute("BEGIN")
        for i in range(workers):
            party = uuid4().hex
            connection.execute(
                "INSERT INTO parties (id, role, display_name) VALUES (?, 'worker', ?)",
                (party, f"压测工友{i:04d}"),
            )
            tokens.append(signer.dumps({"p": party, "s": uuid4().hex}))
        connection.execute("COMMIT")
    finally:
        connection.close()
    return tokens


def count_exchanges(database: Path) -> int:
    connection = sqlite3.connect(database)
    try:
        return int(connection.execute("SELECT count(*) FROM exchanges").fetchone()[0])
    finally:
        connection.close()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Floor:
    """One process's connections; opened on first use (after gunicorn forks)."""

    def __init__(self, database: str, redis_url: str, secret: str) -> None:
        self.database, self.redis_url = database, redis_url
        self.signer = _signer(secret)
        self.cipher = TextCipher(secret)
        self._db: sqlite3.Connection | None = None
        self._script: Any = None

    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(self.database, isolation_level=None)
            self._db.execute("PRAGMA synchronous=NORMAL")  # as storage/db.py
            self._db.execute("PRAGMA busy_timeout=30000")
        return self._db

    def limit_and_claim(self, party: str, ip: str, msg_id: str) -> tuple[bool, bool]:
        """(within both budgets, first delivery); over a budget nothing is claimed."""
        if self._script is None:
            self._script = redis.Redis.from_url(self.redis_url).register_script(SCRIPT)
        window = int(time.time() // WINDOW_SECONDS)
        keys = [f"floor:rl:p:{party}:{window}", f"floor:rl:ip:{ip}:{window}"]
        within, claimed = self._script(
            keys=[*keys, f"floor:msg:api:{msg_id}"],
            args=[WINDOW_SECONDS + 5, DEDUPE_SECONDS, LIMIT_PER_MINUTE],
        )
        return bool(within), bool(claimed)

    def message(self, party: str, sid: str, text: str, msg_id: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        at = now.isoformat()
        db = self.db()
        db.execute("BEGIN IMMEDIATE")
        try:
            sender = db.execute(_SENDER, (sid, party)).fetchone()
            if sender is None or sender[1] is not None or sender[2]:
                abort(401)
            inbound = Inbound(
                Channel.API, msg_id, party, Role.WORKER, now, text=text, sender_name=sender[0]
            )
            row = db.execute(_INTAKE, (party,)).fetchone()
            view = None
            if row is not None:
                clocks = tuple(k for (k,) in db.execute(_CLOCKS, (row[0],)))
                view = CaseView(
                    id=row[0],
                    state=CaseState(row[1]),
                    worker_id=party,
                    worker_name=sender[0],
                    employer_id=None,
                    dispute_types=tuple(json.loads(row[2])),
                    flags=tuple(json.loads(row[3])),
                    facts=json.loads(row[4]),
                    asking=row[5],
                    created_at=datetime.fromisoformat(row[6]),
                    clocks=clocks,
                )
            result = handlers.route(inbound, view)(inbound, view)
            case_id = self._apply(db, view, result.event, party, at)
            replies = [r.text for r in result.replies]
            response = {
                "replies": [
                    {"text": r.text, "options": [[o.label, o.action] for o in r.options]}
                    for r in result.replies
                ],
                "case": {"id": case_id} if case_id else None,
            }
            db.execute(
                _EXCHANGE,
                (
                    Channel.API.value,
                    msg_id,
                    party,
                    case_id,
                    self.cipher.encrypt(text),
                    self.cipher.encrypt(_dumps(replies)),
                    self.cipher.encrypt(_dumps(response)),
                    at,
                ),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return response

    @staticmethod
    def _apply(
        db: sqlite3.Connection, view: CaseView | None, event: Any, party: str, at: str
    ) -> str | None:
        if event is None:
            return view.id if view else None
        start = view.state if view else CaseState.INTAKE
        start_types = view.dispute_types if view else ()
        start_flags = view.flags if view else ()
        state = start
        for move in event.moves:
            state = advance(state, move)  # the one transition table
        facts = {**(view.facts if view else {}), **(event.facts or {})}
        # None leaves the case's value; a tuple (even empty) replaces it, as ours does.
        types = event.dispute_types if event.dispute_types is not None else start_types
        flags = event.flags if event.flags is not None else start_flags
        if view is None:
            case_id = uuid4().hex
            db.execute(
                _INSERT_CASE,
                (
                    case_id,
                    party,
                    state.value,
                    _dumps(types),
                    _dumps(flags),
                    _dumps(facts),
                    _dumps(event.explanation),
                    event.asking or None,
                    at,
                    at,
                ),
            )
        else:
            case_id = view.id
            db.execute(
                _UPDATE_CASE,
                (
                    state.value,
                    _dumps(types),
                    _dumps(flags),
                    _dumps(facts),
                    _dumps(event.explanation),
                    view.asking if event.asking is None else (event.asking or None),
                    at,
                    case_id,
                ),
            )
        db.execute(
            _AUDIT,
            (
                case_id,
                party,
                view.state.value if view else None,
                state.value,
                event.reason,
                event.rule,
                at,
            ),
        )
        return case_id


def create_app() -> Flask:
    floor = Floor(os.environ["FLOOR_DB"], os.environ["FLOOR_REDIS"], os.environ["FLOOR_SECRET"])
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # as our app answers

    @app.post("/api/v1/messages")
    def post_message() -> ResponseReturnValue:
        header = request.headers.get("Authorization", "")
        try:
            token = floor.signer.loads(header.removeprefix("Bearer "), max_age=TOKEN_MAX_AGE)
        except BadSignature:
            abort(401)
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not body.get("text") or not body.get("msg_id"):
            abort(400)
        within, claimed = floor.limit_and_claim(
            token["p"], request.remote_addr or "", body["msg_id"]
        )
        if not within:
            abort(429)
        if not claimed:
            abort(409)
        return jsonify(floor.message(token["p"], token["s"], body["text"], body["msg_id"]))

    return app


app = create_app() if "FLOOR_DB" in os.environ else None
