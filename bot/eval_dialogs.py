"""`tiaojie eval dialogs`: the intake conversation measured on whole dialogues.

Each dialogue (../shared/data/dialogs/README.md) is played through the real mini-program API,
in process: one Flask app on a throw-away data dir (SQLite and an embedded Redis, as `tiaojie
serve` keeps them), a fresh worker per dialogue logged in by dev login, the service clock set
to 10:00 Beijing time on the dialogue's ``today``. The harness answers whatever the case
summary's ``asking`` names from the dialogue's ``answers`` ("跳过" when the worker does not
know), says the interjections at their turn, and scores the final case against ``expect``.
"""

from __future__ import annotations

import itertools
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from bot.app import create_app
from bot.clock import CHINA, Clock
from bot.config import RateLimits, Settings
from bot.runtime import Runtime
from handlers.consent import ASKING
from handlers.intake import SLOT_BY_NAME
from storage.db import Store
from storage.kv import EmbeddedRedis

MAX_TURNS = 40  # worker messages per dialogue, the opening included
LOOP_ASKS = 4  # the same question asked this many times in a row is a loop
SKIP = "跳过"
CONFIRM = "对"  # the answer to a read-back ("confirm:<fact>")
# What a dialogue's `answers` can answer: the intake's questions and the two consents.
SLOTS = frozenset(SLOT_BY_NAME) | frozenset(ASKING.values())
FACT_KEYS = (
    "employer",
    "place_code",
    "amount",
    "months",
    "monthly_wage",
    "service_months",
    "headcount",
    "employed",
    "left_date",
)
NUMERIC_FACTS = frozenset({"amount", "months", "monthly_wage", "service_months", "headcount"})
# Interjections the product asks to confirm; the harness taps the option meaning "yes".
CONFIRMED = {"withdraw": "withdraw_confirm", "erase": "erase_confirm"}
# The final state → the dialogue's `next` (closed cases by their closed_reason).
NEXT_BY_STATE = {
    "negotiating": "negotiate",
    "escalated": "escalate",
    "mediating": "escalate",
    "intake": "stuck",
    "triage": "stuck",
    "awaiting_consent": "stuck",
}
CLOSED_NEXT = frozenset({"withdrawn", "erased", "not_labor"})
_SPACE = re.compile(r"\s+")


def is_holdout(row_id: str) -> bool:
    """The fixed fifth of the dialogues set aside from tuning (nlp.evaluate's rule, share 5)."""
    from nlp.evaluate import is_holdout as held_out

    return held_out(row_id, share=5)


def split(rows: Iterable[dict[str, Any]], part: str) -> list[dict[str, Any]]:
    """`all`, `tune` (4/5) or `holdout` (1/5) of the dialogues, by a hash of the id."""
    if part == "all":
        return list(rows)
    want = part == "holdout"
    return [row for row in rows if is_holdout(str(row["id"])) == want]


# --- playing one dialogue ---------------------------------------------------------------------


@dataclass
class Played:
    """What came out of playing a dialogue through the API."""

    case: dict[str, Any] | None = None
    transcript: list[dict[str, str]] = field(default_factory=list)
    loop: bool = False
    error: str | None = None  # the API refused or failed a message: the dialogue stopped there


class Harness:
    """One app on a throw-away data dir, reused for every dialogue; close() removes it all."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="tj-eval-"))  # short: unix socket paths
        self.redis = EmbeddedRedis(self.dir)
        try:
            self.redis.start()
            off = {f"TIAOJIE_RATE_{name.upper()}": "0" for name in RateLimits.__dataclass_fields__}
            self.settings = Settings.from_env(
                {
                    "TIAOJIE_ENV": "test",
                    "TIAOJIE_DATA_DIR": str(self.dir),
                    "REDIS_URL": self.redis.url,
                    **off,  # thousands of messages a minute from one address
                }
            )
            store = Store(self.settings.database_url, self.settings.secret_key)
            try:
                store.upgrade()
            finally:
                store.dispose()
            self.clock = Clock()
            self.app = create_app(self.settings, clock=self.clock)
            self.runtime: Runtime = self.app.extensions["tiaojie"]
        except BaseException:
            self._remove()
            raise
        self._workers = itertools.count(1)

    def __enter__(self) -> Harness:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.runtime.close()
        self._remove()

    def _remove(self) -> None:
        self.redis.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def play(self, row: Mapping[str, Any]) -> Played:
        """Drive one dialogue to its end: no more questions, a loop, or MAX_TURNS."""
        today = date.fromisoformat(str(row["today"]))
        self.clock.set_to(datetime.combine(today, time(10, 0), CHINA))
        chat = _Worker(self.app.test_client(), f"工友{next(self._workers)}")
        answers: Mapping[str, str] = row.get("answers") or {}
        pending = sorted(row.get("interjections") or [], key=lambda item: int(item["after"]))
        played = Played()
        response = chat.say(str(row["opening"]), played)
        answered: list[str] = []  # the questions answered, in order
        while response is not None and chat.turns < MAX_TURNS:
            case = response.get("case") or played.case
            played.case = case
            if case is None:
                break  # no case opened: nothing is asked
            asking = case.get("asking")
            due = pending and (asking is None or int(pending[0]["after"]) <= len(answered))
            if due and case.get("state") != "closed":
                said = pending.pop(0)
                response = chat.say(str(said["text"]), played)
                confirm = CONFIRMED.get(str(said.get("intent")))
                if response is not None and confirm:
                    response = chat.tap(response, confirm, played) or response
                continue
            if asking is None:
                break
            if len(answered) >= LOOP_ASKS - 1 and set(answered[1 - LOOP_ASKS :]) == {asking}:
                played.loop = True
                break
            response = chat.say(answer_for(asking, answers), played)
            answered.append(asking)
        if response is not None and response.get("case"):
            played.case = response["case"]
        return played


def answer_for(asking: str, answers: Mapping[str, str]) -> str:
    """The worker's words for the question asked."""
    if asking.startswith("confirm:"):  # a read-back: the figure the worker knows, else yes
        return str(answers.get(asking.removeprefix("confirm:")) or CONFIRM)
    asking = asking.removeprefix("again:")  # asked back once: the same answer, as people do
    if asking in SLOTS and answers.get(asking):
        return str(answers[asking])
    return SKIP


class _Worker:
    """A worker logged in by dev login, talking through POST /api/v1/messages."""

    def __init__(self, client: FlaskClient, name: str) -> None:
        self.client = client
        response = client.post("/api/v1/dev/login", json={"role": "worker", "name": name})
        if response.status_code != 200:
            raise RuntimeError(f"dev login failed: {response.status_code} {response.get_json()}")
        self.headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
        self.case_id: str | None = None
        self.turns = 0

    def say(self, text: str, played: Played) -> dict[str, Any] | None:
        return self._send({"text": text}, text, played)

    def tap(
        self, response: Mapping[str, Any], action: str, played: Played
    ) -> dict[str, Any] | None:
        """Tap the option with this action, if the last replies offer it."""
        for reply in response.get("replies") or []:
            for option in reply.get("options") or []:
                if option.get("action") == action:
                    return self._send({"action": action}, str(option.get("label")), played)
        return None

    def _send(self, body: dict[str, Any], shown: str, played: Played) -> dict[str, Any] | None:
        self.turns += 1
        played.transcript.append({"from": "worker", "text": shown})
        if self.case_id:
            body = {**body, "case_id": self.case_id}
        response = self.client.post("/api/v1/messages", json=body, headers=self.headers)
        data = response.get_json(silent=True) or {}
        if response.status_code != 200:
            code = (data.get("error") or {}).get("code", "")
            played.error = f"HTTP {response.status_code} {code} on worker turn {self.turns}"
            played.transcript.append({"from": "assistant", "text": f"[{played.error}]"})
            return None
        for reply in data.get("replies") or []:
            played.transcript.append({"from": "assistant", "text": str(reply.get("text", ""))})
        if data.get("case"):
            self.case_id = data["case"]["id"]
        return data


# --- scoring ----------------------------------------------------------------------------------


def next_of(case: Mapping[str, Any] | None, error: str | None = None) -> str:
    """What the conversation led to, in the dialogue's `next` vocabulary ("stuck": still in
    intake or awaiting consent; "error": the API failed a message; a state's own name for
    anything else)."""
    if error is not None:
        return "error"
    if case is None:
        return "not_labor"
    state = str(case.get("state"))
    if state == "closed":
        reason = case.get("closed_reason")
        return str(reason) if reason in CLOSED_NEXT else "closed"
    return NEXT_BY_STATE.get(state, state)


def got_facts(case: Mapping[str, Any] | None) -> dict[str, Any]:
    facts: Mapping[str, Any] = (case or {}).get("facts") or {}
    found = {key: facts[key] for key in FACT_KEYS if facts.get(key) is not None}
    if "left_date" in found:
        found["left_date"] = str(found["left_date"])[:7]
    return found


def fact_right(key: str, got: Any, want: Any) -> bool:
    if got is None:
        return want is None
    if key in NUMERIC_FACTS:
        try:
            return abs(float(got) - float(want)) < 1e-6
        except (TypeError, ValueError):
            return False
    if key == "employed":
        return got is want
    if key == "left_date":
        return str(got)[:7] == str(want)[:7]
    if key == "employer":
        return _SPACE.sub("", str(got)) == _SPACE.sub("", str(want))
    return str(got) == str(want)


def score(row: Mapping[str, Any], played: Played) -> dict[str, Any]:
    """The dialogue's result line: what the case ended up with against `expect`."""
    expect: Mapping[str, Any] = row.get("expect") or {}
    case = played.case
    # No case opened: the assistant took it for something other than a labour dispute.
    types = list(case.get("dispute_types") or []) if case is not None else ["not_labor"]
    got: dict[str, Any] = {
        "dispute_types": sorted(types),
        "flags": sorted((case or {}).get("flags") or []),
        "facts": got_facts(case),
        "next": next_of(case, played.error),
    }
    wrong: list[str] = []
    facts_right: dict[str, bool] = {}
    for key, want in (expect.get("facts") or {}).items():
        value = got["facts"].get(key)
        facts_right[key] = fact_right(key, value, want)
        if not facts_right[key]:
            wrong.append(f"{key}: got {_show(value)}, expected {_show(want)}")
    next_right = got["next"] == expect.get("next")
    if not next_right:
        wrong.append(f"next: got {got['next']}, expected {expect.get('next')}")
    types_right = got["dispute_types"] == sorted(expect.get("dispute_types") or [])
    if not types_right:
        wrong.append(
            f"dispute_types: got {got['dispute_types']}, "
            f"expected {sorted(expect.get('dispute_types') or [])}"
        )
    flags_right = got["flags"] == sorted(expect.get("flags") or [])
    if not flags_right:
        wrong.append(f"flags: got {got['flags']}, expected {sorted(expect.get('flags') or [])}")
    if played.loop:
        wrong.append("loop: the same question asked 4 times in a row")
    if played.error:
        wrong.append(f"error: {played.error}")
    urgent_case = "urgent" in (expect.get("flags") or []) or any(
        item.get("intent") == "urgent" for item in row.get("interjections") or []
    )
    flagged = "urgent" in got["flags"]
    return {
        "id": row.get("id"),
        "ok": not wrong,
        "case": case,
        "got": got,
        "expect": dict(expect),
        "wrong": wrong,
        "transcript": played.transcript,
        "loop": played.loop,
        # For the summary (dropped from the printed line by the CLI).
        "_score": {
            "joint": all(facts_right.values()) and next_right,
            "facts": facts_right,
            "next": next_right,
            "dispute_types": types_right,
            "flags": flags_right,
            "urgent_case": urgent_case,
            # Recall counts the urgent flag only: a collective case handed over is no hit.
            "urgent_hit": flagged,
            "flagged_urgent": flagged,
            "loop": played.loop,
            "error": played.error is not None,
        },
    }


def _show(value: Any) -> str:
    return "nothing" if value is None else repr(value)


def summarize(results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    scores = [r["_score"] for r in results]
    n = len(scores)

    def share(right: int, total: int) -> float | None:
        return round(right / total, 4) if total else None

    facts: dict[str, Any] = {}
    for key in FACT_KEYS:
        marks = [s["facts"][key] for s in scores if key in s["facts"]]
        if marks:
            facts[key] = {"n": len(marks), "accuracy": share(sum(marks), len(marks))}
    urgent = [s for s in scores if s["urgent_case"]]
    others = [s for s in scores if not s["urgent_case"]]
    return {
        "n": n,
        "joint": share(sum(s["joint"] for s in scores), n),
        "facts": facts,
        "next": share(sum(s["next"] for s in scores), n),
        "dispute_types": share(sum(s["dispute_types"] for s in scores), n),
        "flags": share(sum(s["flags"] for s in scores), n),
        "urgent_recall": share(sum(s["urgent_hit"] for s in urgent), len(urgent)),
        "urgent_n": len(urgent),
        "false_urgent_rate": share(sum(s["flagged_urgent"] for s in others), len(others)),
        "loops": sum(s["loop"] for s in scores),
        "errors": sum(s["error"] for s in scores),  # dialogues cut short by an API failure
    }


def evaluate(rows: Iterable[Mapping[str, Any]], harness: Harness) -> Iterator[dict[str, Any]]:
    """Play and score each dialogue, in order."""
    for row in rows:
        yield score(row, harness.play(row))


def public(result: Mapping[str, Any]) -> dict[str, Any]:
    """The result line as printed (without the summary's bookkeeping)."""
    return {k: v for k, v in result.items() if not k.startswith("_")}


def format_line(result: Mapping[str, Any]) -> str:
    mark = "ok  " if result["ok"] else "FAIL"
    return f"{mark} {result['id']}  " + "; ".join(result["wrong"])


def format_summary(summary: Mapping[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "   n/a" if value is None else f"{value * 100:5.1f}%"

    lines = [
        f"dialogues            {summary['n']}",
        f"joint (facts + next) {pct(summary['joint'])}",
        f"next                 {pct(summary['next'])}",
        f"dispute_types exact  {pct(summary['dispute_types'])}",
        f"flags exact          {pct(summary['flags'])}",
        f"urgent recall        {pct(summary['urgent_recall'])}  (of {summary['urgent_n']})",
        f"false-urgent rate    {pct(summary['false_urgent_rate'])}",
        f"loops                {summary['loops']}",
        f"API errors           {summary['errors']}",
        "facts:",
    ]
    for key, value in summary["facts"].items():
        lines.append(f"  {key:<18} {pct(value['accuracy'])}  (of {value['n']})")
    return "\n".join(lines)
