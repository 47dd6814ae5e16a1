"""Login, the mediator's inbox and the case page. Every action on a case is a message through
bot/dispatch.py (channel "console"), with the same action ids as the chat's options."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from bot import serialize, tasks
from bot.console import auth, console
from bot.console import transcript as talk
from bot.dispatch import dispatch
from bot.pdf import agreement_pdf
from bot.runtime import Runtime
from bot.web import current_runtime
from handlers import deadlines, rules, settlement, texts
from handlers.states import CaseState
from handlers.types import CaseEvent, Channel, Inbound, Role
from storage import queries
from storage.models import Case, Party

INBOX_DEADLINES = 500
REASON_LIMIT = 200
MSG_ID = re.compile(r"^[0-9a-f]{32}$")
ROW_ID = re.compile(r"^[0-9a-f]{1,32}$")  # storage.models.new_id(): hex, never anything else


def row_id(value: str) -> str:
    """An id from a URL, or a 404 before it reaches the database (a NUL byte or other junk
    must answer like an unknown id, not as a PostgreSQL error)."""
    if not ROW_ID.match(value):
        abort(404)
    return value


CLOSED_STATES = frozenset({CaseState.CLOSED.value})


def _user() -> auth.ConsoleUser:
    user: auth.ConsoleUser = g.console_user
    return user


# --- login -----------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    """Only a page of the console itself (no open redirect)."""
    if target and target.startswith("/console/") and not target.startswith("/console//"):
        return target
    return url_for("console.inbox")


@console.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    runtime = current_runtime()
    note = texts.CONSOLE.get(request.args.get("note") or "", "")
    if request.method == "GET":
        return render_template("console/login.html", error=None, note=note, username="")
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    if auth.throttled(runtime, username):
        minutes = int(auth.FAILURE_WINDOW.total_seconds() // 60)
        error = texts.CONSOLE["login_throttled"].format(minutes=minutes)
        return render_template("console/login.html", error=error, username=username), 429
    account_id = auth.authenticate(runtime, username, password)
    if account_id is None:
        error = texts.CONSOLE["login_failed"]
        return render_template("console/login.html", error=error, username=username), 401
    auth.start_session(account_id, runtime.clock.now())
    return redirect(_safe_next(request.args.get("next")))


@console.post("/logout")
def logout() -> ResponseReturnValue:
    auth.end_session()
    return redirect(url_for("console.login", note="logged_out"))


# --- the inbox -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    case_id: str
    state: str
    dispute_types: list[str]
    route_status: str | None
    deadline: str  # label of the next deadline
    due: str
    overdue: bool


@console.get("/")
def inbox() -> ResponseReturnValue:
    """The organization's cases by deadline, overdue first (the query behind GET
    /api/v1/deadlines), then the ones without a running clock, latest first."""
    user, runtime = _user(), current_runtime()
    now = runtime.clock.now()
    with runtime.store.transaction() as db:
        party = _party(db, user)
        first: dict[str, tuple[Any, bool]] = {}
        for row, overdue in queries.visible_deadlines(db, party, now, INBOX_DEADLINES):
            first.setdefault(row.case_id, (row, overdue))
        place = {case_id: n for n, case_id in enumerate(first)}
        cases = _inbox_cases(db, party, list(first))
        ordered = sorted(cases, key=lambda c: place.get(c.id, len(place)))  # a stable sort
        rows = [_inbox_row(db, case, party, first.get(case.id), now) for case in ordered]
        # A list shows what each case is about: read, like GET /api/v1/cases (one INSERT).
        if ordered:
            detail = {"via": "console", "what": "list"}
            queries.audit_reads(db, now, party.id, [c.id for c in ordered], detail)
    return render_template("console/inbox.html", user=user, rows=rows)


def _inbox_cases(db: Session, party: Party, with_clocks: list[str]) -> list[Case]:
    if party.role == Role.MEDIATOR:
        return queries.cases_of(db, party)  # newest first: the order of those without a clock
    found = (db.get(Case, case_id) for case_id in with_clocks)  # an administrator: all clocks
    return [case for case in found if case is not None]


def _inbox_row(
    db: Session, case: Case, party: Party, clock: tuple[Any, bool] | None, now: datetime
) -> InboxRow:
    summary = serialize.case_summary(db, case, party, now)
    route = summary.get("route") or {}
    label = due = ""
    if clock is not None:
        spec = deadlines.KINDS.get(clock[0].kind)
        label = spec.label if spec else clock[0].kind
        due = _due(clock[0].due_at)
    return InboxRow(
        case_id=case.id,
        state=case.state,
        dispute_types=summary["dispute_types"],
        route_status=route.get("status"),
        deadline=label,
        due=due,
        overdue=bool(clock and clock[1]),
    )


def _local(moment: datetime) -> str:
    local = moment.astimezone(texts.CHINA)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


# --- the case page ---------------------------------------------------------------------------


def _party(db: Session, user: auth.ConsoleUser) -> Party:
    party = db.get(Party, user.party_id)
    assert party is not None  # auth.current_user just loaded it
    return party


def _case_or_404(db: Session, user: auth.ConsoleUser, case_id: str) -> Case:
    """The case if this user may see it; an unknown case and another organization's case get
    the same 404 page."""
    case_id = row_id(case_id)
    party = _party(db, user)
    case = db.get(Case, case_id) if user.admin else queries.case_for(db, party, case_id)
    if case is None:
        abort(404)
    return case


@console.get("/cases/<case_id>")
def case_page(case_id: str) -> ResponseReturnValue:
    user, runtime = _user(), current_runtime()
    now = runtime.clock.now()
    cipher = runtime.store.cipher
    with runtime.store.transaction() as db:
        case = _case_or_404(db, user, case_id)
        party = _party(db, user)
        summary = serialize.case_summary(db, case, party, now)
        if not user.admin and case.employer_contact_enc:
            summary["employer_contact"] = cipher.decrypt(case.employer_contact_enc)
        lines, cursor = talk.lines(db, cipher, case.id) if not user.admin else ([], (0, 0))
        assignment = serialize.assignment_view(db, case.id)
        actions = _actions(user, case.state, assignment)
        agreement = queries.agreement_of(db, case.id)
        page = {
            "case": case,
            "summary": summary,
            "lines": lines,
            "cursor": cursor,
            "deadlines": _deadlines(db, case.id, now),
            "assignment": assignment,
            "agreement": agreement,
            "agreement_status": serialize.agreement(agreement)["status_text"] if agreement else "",
            "held": _held(db, runtime, case.id),
            "pending_outcome": _pending_outcome(case),
        }
        # Who opened which case, when (PIPL: access to personal data is traceable).
        queries.audit(
            db, now, party.id, case.id, "case_read", None, None, detail={"via": "console"}
        )
    return render_template(
        "console/case.html",
        user=user,
        actions=actions,
        msg_id=uuid.uuid4().hex,
        dispute_names=texts.DISPUTE_NAMES,
        fact_labels=texts.FACT_LABELS,
        fact_units=texts.FACT_UNITS,
        fact_booleans=texts.FACT_BOOLEANS,
        **page,
    )


def _deadlines(db: Session, case_id: str, now: datetime) -> list[dict[str, Any]]:
    """Running clocks, each with the years counted without an official 放假安排, then the
    clocks that wait on an event (the employer's 5 days until it opens the invitation)."""
    found: list[dict[str, Any]] = []
    pending = queries.case_deadlines(db, case_id)
    for row in pending:
        spec = deadlines.KINDS.get(row.kind)
        found.append(
            {
                "label": spec.label if spec else row.kind,
                "due": _due(row.due_at),
                "rule": row.rule,
                "overdue": row.due_at <= now,
                "unknown_years": list((row.detail or {}).get("unknown_years", ())),
            }
        )
    for kind in deadlines.not_started(tuple(d.kind for d in pending if d.kind in deadlines.KINDS)):
        spec = deadlines.KINDS[kind]
        found.append(
            {
                "label": spec.label,
                "not_started": texts.CONSOLE_CLOCK_NOT_STARTED.format(
                    event=deadlines.START_EVENTS[spec.starts], length=spec.length
                ),
                "rule": spec.rule.code,
            }
        )
    return found


def _due(moment: datetime) -> str:
    """A period's end as people write it: 24:00 of its last day, not 0:00 of the next."""
    local = moment.astimezone(texts.CHINA)
    if local.time() != time(0):
        return _local(local)
    day = local.date() - timedelta(days=1)
    return f"{day.year}年{day.month}月{day.day}日 24:00"


def _held(db: Session, runtime: Runtime, case_id: str) -> list[dict[str, Any]]:
    cipher = runtime.store.cipher
    return [
        {
            "id": row.id,
            "to": texts.CONSOLE_ROLE_NAMES.get(_role(db, row.party_id), ""),
            "at": _local(row.created_at),
            "text": cipher.decrypt(row.text_enc),
        }
        for row in queries.held_relays(db, case_id)
    ]


def _role(db: Session, party_id: str | None) -> str:
    party = db.get(Party, party_id) if party_id else None
    return party.role if party else ""


def _actions(
    user: auth.ConsoleUser, state: str, assignment: dict[str, Any] | None
) -> dict[str, bool]:
    """What this user can do to the case now (the handlers decide the rest)."""
    mine = bool(assignment) and not user.admin and assignment["org_id"] == user.org_id  # type: ignore[index]
    offered = mine and assignment["status"] == "offered"  # type: ignore[index]
    return {
        "decide": offered and state == CaseState.ESCALATED.value,
        "mediate": mine and state == CaseState.MEDIATING.value,
        "overrule": not user.admin and state not in CLOSED_STATES,
    }


@console.get("/cases/<case_id>/updates")
def case_updates(case_id: str) -> ResponseReturnValue:
    """What changed since the page's cursor (polled every few seconds by console.js): the
    lines said since, and the statuses now of the notifications it names as pending (p=12,15:
    transcript.poll)."""
    user, runtime = _user(), current_runtime()
    after = (_cursor("m"), _cursor("o"))
    with runtime.store.transaction() as db:
        case = _case_or_404(db, user, case_id)
        lines, cursor, statuses = (
            ([], after, {})
            if user.admin
            else talk.poll(db, runtime.store.cipher, case.id, after, _pending())
        )
        state = case.state
    return jsonify(
        {
            "state": state,
            "state_name": texts.STATE_NAMES.get(state, state),
            "lines": [talk.as_json(line) for line in lines],
            "statuses": {key: talk.status_json(status) for key, status in statuses.items()},
            "m": cursor[0],
            "o": cursor[1],
        }
    )


def _cursor(name: str) -> int:
    raw = request.args.get(name, "0")
    return int(raw) if raw.isdigit() and len(raw) < 18 else 0


def _pending() -> list[int]:
    """The notification ids of p=12,15 (junk left out, at most transcript.PENDING_LIMIT)."""
    raw = (request.args.get("p") or "").split(",")[: talk.PENDING_LIMIT]
    return [int(part) for part in raw if part.isdigit() and len(part) < 18]


def _pending_outcome(case: Case) -> str | None:
    """The outcome a mediator recorded, as understood, while it waits for their 确认."""
    draft = ((case.proposal or {}).get("drafts") or {}).get("mediator")
    return settlement.describe(draft) if draft else None


# --- acting on a case: the chat pipeline -----------------------------------------------------

# Buttons of the case page → (the chat's action id, whether words must come with it).
ACTIONS: dict[str, tuple[str | None, str | None]] = {
    "accept_case": ("accept_case", None),  # 受理 (ECNMR-19)
    "decline_case": ("decline_case", "reason"),  # 不受理, with the reason
    "propose": (None, "terms"),  # a proposal both parties hear, as the mediator's words
    "mediation_success": ("mediation_success", "terms"),  # 调解成功 → read back to the mediator
    "confirm_outcome": ("confirm_agreement", None),  # 确认 the reading → 调解协议书 (LDMAL-14)
    "mediation_failed": ("mediation_failed", None),  # 调解不成 → arbitration (LDMAL-14)
    "mediation_withdrawn": ("mediation_withdrawn", None),  # 申请人撤回
    "seal_agreement": ("seal_agreement", None),  # 盖章确认: the organization's seal (LDMAL-14)
}


def _words(name: str, given: str) -> str:
    """The text that goes with a button, as the chat would type it."""
    if name == "decline_case":
        return texts.CONSOLE_DECLINE_NOTE.format(reason=given)
    if name == "propose":
        return texts.CONSOLE_PROPOSAL.format(terms=given)
    if name == "mediation_success":
        return f"{texts.OUTCOME_SUCCESS_LABEL}：{given}"
    if name == "confirm_outcome":
        return texts.READBACK_CONFIRM_LABEL
    return given


@console.post("/cases/<case_id>/messages")
def reply(case_id: str) -> ResponseReturnValue:
    text = (request.form.get("text") or "").strip()
    if not text:
        flash(texts.CONSOLE["text_empty"], "error")
        return _back(case_id)
    return _send(case_id, text, None)


@console.post("/cases/<case_id>/actions")
def act(case_id: str) -> ResponseReturnValue:
    name = request.form.get("action") or ""
    if name not in ACTIONS:
        abort(400)
    action, needs = ACTIONS[name]
    given = (request.form.get(needs) or "").strip()[:REASON_LIMIT] if needs else ""
    if needs and not given:
        flash(texts.CONSOLE["reason_needed" if needs == "reason" else "text_empty"], "error")
        return _back(case_id)
    # A declined case goes to the next organization and out of this one's sight: back to the
    # inbox, where the answer is shown.
    return _send(case_id, _words(name, given), action, inbox=name == "decline_case")


def _send(
    case_id: str, text: str, action: str | None, *, inbox: bool = False
) -> ResponseReturnValue:
    """The mediator's words or choice through bot/dispatch.py, as from the chat."""
    user, runtime = _user(), current_runtime()
    if user.admin:
        abort(403)  # an administrator is not a party to the case's conversation
    limit = runtime.settings.max_text_chars
    if len(text) > limit:
        flash(texts.ERRORS["text_too_long"].format(limit=limit), "error")
        return _back(case_id)
    case_id = row_id(case_id)
    given = request.form.get("msg_id") or ""
    msg_id = given if MSG_ID.match(given) else uuid.uuid4().hex  # a double submit is one message
    inbound = Inbound(
        channel=Channel.CONSOLE,
        msg_id=f"console:{user.party_id}:{msg_id}",
        sender_id=user.party_id,
        role=Role.MEDIATOR,
        received_at=runtime.clock.now(),
        text=text,
        action=action,
        case_id=case_id,
    )
    response = dispatch(runtime, inbound)
    for item in response.get("replies", []):
        flash(item["text"], "reply")
    return redirect(url_for("console.inbox")) if inbox else _back(case_id)


def _back(case_id: str) -> ResponseReturnValue:
    return redirect(url_for("console.case_page", case_id=row_id(case_id)))


# --- overruling the classifier (PIPL-24) -----------------------------------------------------


@console.post("/cases/<case_id>/overrule")
def overrule(case_id: str) -> ResponseReturnValue:
    """PIPL-24: a person corrects what the classifier read; old, new and why are audited."""
    user, runtime = _user(), current_runtime()
    if user.admin:
        abort(403)
    types = [t for t in request.form.getlist("dispute_types") if t in texts.DISPUTE_NAMES]
    reason = (request.form.get("reason") or "").strip()[:REASON_LIMIT]
    if not types or not reason:
        flash(texts.CONSOLE["types_needed" if not types else "reason_needed"], "error")
        return _back(case_id)
    now = runtime.clock.now()
    with runtime.store.transaction() as db:
        visible = _case_or_404(db, user, case_id)
        case = queries.lock_case(db, visible.id)
        assert case is not None
        event = CaseEvent(reason=reason, rule=rules.HUMAN_REVIEW.code)
        old = queries.overrule_dispute_types(
            db, case, types, actor_id=user.party_id, event=event, now=now
        )
    names = "、".join(texts.DISPUTE_NAMES.get(t, t) for t in old) or texts.FACT_UNKNOWN
    new = "、".join(texts.DISPUTE_NAMES[t] for t in types)
    flash(texts.CONSOLE["overruled"].format(old=names, new=new), "reply")
    return _back(case_id)


# --- held relays (content security) -------------------------------------------------

RELAY_DECISIONS = {"release": "released", "drop": "dropped"}


@console.post("/cases/<case_id>/relays/<int:outbound_id>/<decision>")
def decide_relay(case_id: str, outbound_id: int, decision: str) -> ResponseReturnValue:
    """放行: the held words go to the other party now (no second check: a person looked).
    不转达: the sender is told. Both through the one outbound mechanism, both audited."""
    user, runtime = _user(), current_runtime()
    if decision not in RELAY_DECISIONS or not 0 < outbound_id < 2**62:
        abort(404)
    now, cipher = runtime.clock.now(), runtime.store.cipher
    with runtime.store.transaction() as db:
        case = _case_or_404(db, user, case_id)
        row = queries.lock_held_relay(db, case.id, outbound_id)
        if row is None:
            flash(texts.CONSOLE["relay_gone"], "error")
            return _back(case_id)
        purpose = RELAY_DECISIONS[decision]
        if decision == "release":
            to, text = row.party_id, cipher.decrypt(row.text_enc)
        else:
            to, text = queries.held_sender(db, row.id) or row.party_id, texts.CONTENT_DROPPED
        notice_id = queries.add_outbound(
            db,
            cipher,
            party_id=to,
            case_id=case.id,
            channel="inbox",
            text=text,
            now=now,
            purpose=purpose,
            parent_id=row.id,
        )
        detail = {"outbound_id": row.id, "via": "console"}
        queries.audit(db, now, user.party_id, case.id, f"relay_{purpose}", None, None, None, detail)
    tasks.enqueue_notifications(runtime, [notice_id])
    flash(texts.CONSOLE[purpose], "reply")
    return _back(case_id)


# --- the agreement ---------------------------------------------------------------------------


@console.get("/cases/<case_id>/agreement.pdf")
def agreement_file(case_id: str) -> ResponseReturnValue:
    """The case's agreement as the parties get it (bot/pdf.py, as GET …/agreement.pdf)."""
    user, runtime = _user(), current_runtime()
    with runtime.store.transaction() as db:
        case = _case_or_404(db, user, case_id)
        row = queries.agreement_of(db, case.id)
        if row is None:
            abort(404)
        detail = {"via": "console", "what": "agreement.pdf"}
        queries.audit_reads(db, runtime.clock.now(), user.party_id, [case.id], detail)
        body = agreement_pdf(row)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="agreement-{case.id}.pdf"'
    return response
