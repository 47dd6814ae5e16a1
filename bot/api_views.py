"""The mini-program JSON API, v1 (../shared/docs/api.md)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from bot import court, invitations, serialize, tasks
from bot.dispatch import dispatch
from bot.durations import parse_duration
from bot.errors import ApiError, not_found_case
from bot.openapi import describe
from bot.pdf import agreement_pdf
from bot.runtime import Runtime
from bot.web import current_runtime as _runtime
from bot.web import json_body as _body
from handlers.types import Channel, Inbound, Role
from storage import queries
from storage.models import Agreement, Case, Organization, Party

api = Blueprint("api", __name__, url_prefix="/api/v1")

NAME_LIMIT = 32
ID_LIMIT = 64
MSG_ID_LIMIT = 128
MAX_DEV_ADVANCE = timedelta(days=800)


def _optional_str(body: dict[str, Any], field: str, limit: int) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ApiError(400, "bad_field", field=field)
    return value.strip() or None


def _location(body: dict[str, Any]) -> tuple[float, float] | None:
    value = body.get("location")
    if value is None:
        return None
    try:
        lat, lng = float(value["lat"]), float(value["lng"])
    except (TypeError, KeyError, ValueError) as error:
        raise ApiError(400, "bad_field", field="location") from error
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ApiError(400, "bad_field", field="location")
    return lat, lng


def _caller_party(runtime: Runtime) -> Party:
    caller = runtime.sessions.caller()
    with runtime.store.transaction() as session:
        party = session.get(Party, caller.party_id)
    if party is None:
        raise ApiError(401, "token_invalid")
    return party


@api.post("/dev/login")
@describe(
    "开发用登录（仅非生产环境，生产环境 404）", body="DevLoginRequest", ok="Login", auth=False
)
def dev_login() -> ResponseReturnValue:
    runtime = _runtime()
    if not runtime.settings.dev_login:
        raise ApiError(404, "not_found")
    body = _body()
    try:
        role = Role(str(body.get("role")))
    except ValueError as error:
        raise ApiError(400, "bad_role") from error
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_LIMIT:
        raise ApiError(400, "bad_name", limit=NAME_LIMIT)
    org_id = _optional_str(body, "org_id", ID_LIMIT)
    if org_id and role is not Role.MEDIATOR:
        raise ApiError(400, "bad_field", field="org_id")
    with runtime.store.transaction() as session:
        if org_id and session.get(Organization, org_id) is None:
            raise ApiError(400, "bad_field", field="org_id")
        now = runtime.clock.now()
        party = queries.dev_party(session, role.value, name.strip(), now, org_id)
        if org_id:
            queries.mediator_of_party(session, party, now)
    token = runtime.sessions.issue(party.id, party.role)
    return jsonify(serialize.party_login(token, party))


@api.post("/messages")
@describe(
    "发一条消息（文字或选项），得到回复和案件摘要", body="MessageRequest", ok="MessageResponse"
)
def post_message() -> ResponseReturnValue:
    runtime = _runtime()
    caller = runtime.sessions.bearer()  # revocation: checked in dispatch's transaction
    body = _body()
    text = body.get("text", "")
    if not isinstance(text, str):
        raise ApiError(400, "bad_field", field="text")
    if len(text) > runtime.settings.max_text_chars:
        raise ApiError(400, "text_too_long", limit=runtime.settings.max_text_chars)
    action = _optional_str(body, "action", ID_LIMIT)
    if not text.strip() and not action:
        raise ApiError(400, "missing_text")
    client_msg_id = _optional_str(body, "msg_id", MSG_ID_LIMIT) or uuid.uuid4().hex
    inbound = Inbound(
        channel=Channel.API,
        # A client's msg_id is unique for that party only, so the party is part of the key.
        msg_id=f"{caller.party_id}:{client_msg_id}",
        sender_id=caller.party_id,
        role=caller.role,
        received_at=runtime.clock.now(),
        text=text.strip(),
        action=action,
        case_id=_optional_str(body, "case_id", ID_LIMIT),
        location=_location(body),
    )
    return jsonify(dispatch(runtime, inbound, session_id=caller.session_id))


@api.get("/cases")
@describe("我的案件", ok="CaseList")
def list_cases() -> ResponseReturnValue:
    runtime = _runtime()
    party = _caller_party(runtime)
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        cases = queries.cases_of(session, party)
        summaries = [serialize.case_summary(session, c, party, now) for c in cases]
        _audit_reads(session, party, [c for c in cases if c.worker_id != party.id], "list", now)
    return jsonify({"cases": summaries})


def _audit_reads(
    session: Session, party: Party, cases: list[Case], what: str, now: datetime
) -> None:
    """Every read of a case by someone other than its worker is in the audit trail
    (PIPL-23: who saw what the worker shared), in one INSERT."""
    if cases:
        queries.audit_reads(
            session, now, party.id, [c.id for c in cases], {"via": "api", "what": what}
        )


@api.get("/cases/<case_id>")
@describe("案件摘要和我能看到的消息", ok="CaseDetail")
def get_case(case_id: str) -> ResponseReturnValue:
    runtime = _runtime()
    party = _caller_party(runtime)
    with runtime.store.transaction() as session:
        case = queries.case_for(session, party, case_id[:ID_LIMIT])
        if case is None:
            raise not_found_case()
        now = runtime.clock.now()
        _audit_reads(session, party, [case] if case.worker_id != party.id else [], "case", now)
        summary = serialize.case_summary(session, case, party, now)
        if party.role == Role.MEDIATOR and case.employer_contact_enc:
            # The employer's phone the worker gave: for the mediator only (need to know).
            summary["employer_contact"] = runtime.store.cipher.decrypt(case.employer_contact_enc)
        messages = queries.visible_messages(session, runtime.store.cipher, case.id, party.id)
    summary["messages"] = [{**m, "at": serialize.iso(m["at"])} for m in messages]
    return jsonify(summary)


@api.get("/inbox")
@describe("未读通知", ok="Inbox")
def get_inbox() -> ResponseReturnValue:
    runtime = _runtime()
    party = _caller_party(runtime)
    with runtime.store.transaction() as session:
        items = queries.unread_inbox(session, runtime.store.cipher, party.id)
    return jsonify({"items": [{**i, "at": serialize.iso(i["at"])} for i in items]})


def _row_id(value: Any) -> bool:
    """A database row id: a positive integer the database can hold (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**62


@api.post("/inbox/read")
@describe("把通知标为已读", body="InboxRead", ok="Ok")
def mark_inbox_read() -> ResponseReturnValue:
    runtime = _runtime()
    party = _caller_party(runtime)
    ids = _body().get("ids")
    if not isinstance(ids, list) or len(ids) > 500 or not all(_row_id(i) for i in ids):
        raise ApiError(400, "bad_field", field="ids")
    with runtime.store.transaction() as session:
        queries.mark_read(session, party.id, ids, runtime.clock.now())
    return jsonify({"ok": True})


@api.post("/invitations/<token>/join")
@describe("单位打开劳动者的邀请，加入案件", body="Any", ok="CaseSummary")
def join_invitation(token: str) -> ResponseReturnValue:
    """An employer opens the worker's invitation and becomes the case's employer party."""
    runtime = _runtime()
    party = _caller_party(runtime)
    if party.role != Role.EMPLOYER:
        raise ApiError(403, "forbidden")
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        case, followups = invitations.join(
            session, runtime.store.cipher, runtime.directory, token[:ID_LIMIT], party, now
        )
        summary = serialize.case_summary(session, case, party, now)
    tasks.enqueue_followups(runtime, followups)
    return jsonify(summary)


@api.post("/dev/clock")
@describe("开发用：拨快时钟，执行到期的期限", body="ClockRequest", ok="Clock", auth=False)
def dev_clock() -> ResponseReturnValue:
    """Development only: move the service clock and run every deadline that falls due."""
    runtime = _runtime()
    if not runtime.settings.dev_login:
        raise ApiError(404, "not_found")
    raw = _body().get("advance")
    delta = parse_duration(raw) if isinstance(raw, str) else None
    if delta is None or delta.total_seconds() <= 0 or delta > MAX_DEV_ADVANCE:
        raise ApiError(400, "bad_field", field="advance")
    now = runtime.clock.advance(delta)
    fired = tasks.fire_due(runtime)
    return jsonify({"now": serialize.iso(now), "fired": fired})


@api.get("/cases/<case_id>/agreement")
@describe("案件的和解协议或调解协议", ok="Agreement")
def get_agreement(case_id: str) -> ResponseReturnValue:
    """The current settlement or mediation agreement of a case the caller is a party to."""
    runtime = _runtime()
    party = _caller_party(runtime)
    with runtime.store.transaction() as session:
        row = _agreement(session, party, case_id, "agreement", runtime.clock.now())
        return jsonify(serialize.agreement(row))


def _agreement(session: Session, party: Party, case_id: str, what: str, now: datetime) -> Agreement:
    """The agreement of a case the party may see; 404 alike for no case and no agreement."""
    case = queries.case_for(session, party, case_id[:ID_LIMIT])
    if case is None:
        raise not_found_case()
    row = queries.agreement_of(session, case.id)
    if row is None:
        raise ApiError(404, "not_found", "no_agreement")
    _audit_reads(session, party, [case] if case.worker_id != party.id else [], what, now)
    return row


@api.get("/cases/<case_id>/agreement.pdf")
@describe("协议 PDF", media_type="application/pdf")
def get_agreement_pdf(case_id: str) -> ResponseReturnValue:
    """The agreement as a PDF (embedded CJK font), for the parties to keep."""
    runtime = _runtime()
    party = _caller_party(runtime)
    with runtime.store.transaction() as session:
        row = _agreement(session, party, case_id, "agreement.pdf", runtime.clock.now())
        body = agreement_pdf(row)
        filename = f"agreement-{row.case_id}.pdf"
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _admin(runtime: Runtime) -> Party:
    party = _caller_party(runtime)
    if party.role != Role.ADMIN:
        raise ApiError(403, "forbidden")
    return party


def _required_str(body: dict[str, Any], field: str, limit: int) -> str:
    value = _optional_str(body, field, limit)
    if not value:
        raise ApiError(400, "bad_field", field=field)
    return value


def _optional_int(body: dict[str, Any], field: str) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 10**9:
        raise ApiError(400, "bad_field", field=field)
    return value


@api.post("/admin/court-cases")
@describe("管理员登记法院委托调解的案件（30日内反馈，SEED-SZ）")
def register_court_case() -> ResponseReturnValue:
    """An administrator registers a case entrusted by a court (seed 003: feedback in 30 days)."""
    runtime = _runtime()
    admin = _admin(runtime)
    body = _body()
    referral = court.Referral(
        court=_required_str(body, "court", 128),
        court_case_no=_required_str(body, "court_case_no", 64),
        worker_name=_required_str(body, "worker_name", NAME_LIMIT),
        employer=_required_str(body, "employer", 128),
        summary=_required_str(body, "summary", runtime.settings.max_text_chars),
        place=_optional_str(body, "place", 128),
        amount=_optional_int(body, "amount"),
        headcount=_optional_int(body, "headcount"),
    )
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        case, followups = court.register(
            session,
            runtime.store.cipher,
            runtime.directory,
            admin,
            referral,
            now,
            runtime.settings.collective_to_township,
        )
        summary = serialize.case_summary(session, case, admin, now)
    tasks.enqueue_followups(runtime, followups)
    return jsonify(summary), 201


@api.post("/admin/court-cases/<case_id>/feedback")
@describe("向法院反馈委托调解结果")
def court_case_feedback(case_id: str) -> ResponseReturnValue:
    """The result fed back to the court; stops the 30-day clock."""
    runtime = _runtime()
    admin = _admin(runtime)
    feedback = _required_str(_body(), "feedback", 2000)
    with runtime.store.transaction() as session:
        row = court.record_feedback(
            session, admin, case_id[:ID_LIMIT], feedback, runtime.clock.now()
        )
        data = {
            "case_id": row.case_id,
            "court": row.court,
            "court_case_no": row.court_case_no,
            "feedback_at": serialize.iso(row.feedback_at),
        }
    return jsonify(data)
