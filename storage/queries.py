"""Reads and writes the rest of the code uses. Every function takes the open Session."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy import case as when
from sqlalchemy import delete as sql_delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from handlers import rules
from handlers.risk import employer_key
from handlers.states import CaseState, advance
from handlers.types import CaseEvent
from nlp.extract import mask_personal
from storage.crypto import TextCipher
from storage.models import (
    Agreement,
    Assignment,
    AuditEvent,
    Case,
    Consent,
    ConsoleAccount,
    CourtReferral,
    Deadline,
    Invitation,
    Mediator,
    Message,
    Offer,
    Organization,
    OutboundDetail,
    OutboundMessage,
    Party,
    RevokedSession,
    RiskAlert,
    SubscribeGrant,
    WechatPush,
    new_id,
)


def core(session: Session) -> Connection:
    """The Session's connection, for Core statements on the busiest paths: the ORM's flush of
    a new or changed object costs several times the statement itself (docs/benchmarks.md).
    Objects still pending in the Session are flushed first, so rows a statement refers to
    exist."""
    if session.new:
        session.flush()
    return session.connection()


def dev_party(
    session: Session, role: str, name: str, now: datetime, org_id: str | None = None
) -> Party:
    """The development identity for (role, name[, org]): the same person on every dev login."""
    openid = f"dev:{role}:{org_id}:{name}" if org_id else f"dev:{role}:{name}"
    party = session.scalar(select(Party).where(Party.openid == openid))
    if party is None:
        party = Party(role=role, display_name=name, openid=openid, created_at=now, org_id=org_id)
        session.add(party)
        session.flush()
    return party


def lock_party(session: Session, party_id: str) -> Party | None:
    """Serialize one party's messages that have no case yet (two first messages, one case).

    Row locks here are FOR NO KEY UPDATE (key_share=True): they serialize writers but do not
    block the KEY SHARE locks that foreign-key checks take, so a transaction notifying the
    other party of a case cannot deadlock with that party's own message (PostgreSQL)."""
    return session.scalar(_LOCK_PARTY, {"id": party_id})


def lock_sender(session: Session, party_id: str, sid: str) -> tuple[Party | None, bool]:
    """lock_party and whether login session ``sid`` was revoked, in one statement (the
    message endpoint asks both of every message)."""
    row = session.execute(_LOCK_SENDER, {"id": party_id, "sid": sid}).first()
    return (None, False) if row is None else (row[0], bool(row[1]))


def lock_case(session: Session, case_id: str) -> Case | None:
    """SELECT … FOR UPDATE on PostgreSQL; on SQLite BEGIN IMMEDIATE already serializes."""
    return session.scalar(_LOCK_CASE, {"id": case_id})


def intake_in_progress(session: Session, worker_id: str) -> Case | None:
    """The worker's latest case still in intake, which a message without case_id continues."""
    return session.scalar(_INTAKE_IN_PROGRESS, {"worker_id": worker_id})


# The statements of every message, built once: SQLAlchemy then skips building them and
# their cache keys on each call (a measurable share of a message's CPU, docs/benchmarks.md).
_LOCK_PARTY = select(Party).where(Party.id == bindparam("id")).with_for_update(key_share=True)
_LOCK_SENDER = (
    select(
        Party,
        select(RevokedSession.sid)
        .where(RevokedSession.sid == bindparam("sid"))
        .exists()
        .label("revoked"),
    )
    .where(Party.id == bindparam("id"))
    .with_for_update(key_share=True, of=Party)
)
_LOCK_CASE = select(Case).where(Case.id == bindparam("id")).with_for_update(key_share=True)
_INTAKE_IN_PROGRESS = (
    select(Case)
    .where(Case.worker_id == bindparam("worker_id"), Case.state == CaseState.INTAKE.value)
    .order_by(Case.created_at.desc())
    .limit(1)
    .with_for_update(key_share=True)
)


def stored_response(
    session: Session, cipher: TextCipher, channel: str, msg_id: str
) -> tuple[bool, dict[str, Any] | None]:
    """(seen, response) for an inbound message id: a redelivery gets the first response."""
    row = session.execute(
        select(Message.response_enc).where(Message.channel == channel, Message.msg_id == msg_id)
    ).first()
    if row is None:
        return False, None
    return True, (json.loads(cipher.decrypt(row[0])) if row[0] else None)


def apply_event(
    session: Session,
    case: Case | None,
    event: CaseEvent,
    *,
    worker_id: str,
    actor_id: str | None,
    now: datetime,
) -> Case | None:
    """Open or change a case as the handler asked; every state change goes through advance().

    The changed columns are written by one UPDATE on the Session's connection and set on the
    object as its loaded state: the ORM's flush of a dirty object costs several times the
    statement (docs/benchmarks.md), and every message changes its case."""
    if event.open_case:
        case = Case(
            state=CaseState.INTAKE.value,
            worker_id=worker_id,
            created_at=now,
            updated_at=now,
            dispute_types=[],
            flags=[],
            facts={},
            explanation={},
        )
        session.add(case)
        session.flush()
        audit(session, now, actor_id, case.id, "case_opened", None, CaseState.INTAKE, event)
    if case is None:
        return None
    changes = _changed_fields(case, event)
    state = CaseState(case.state)
    for target in event.moves:
        before, state = state, advance(state, target)
        audit(session, now, actor_id, case.id, "state_changed", before, target, event)
    if state.value != case.state:
        changes["state"] = state.value
    changes["updated_at"] = now
    # The SET clause is the parameters' keys: one cached statement per set of changed columns.
    core(session).execute(_UPDATE_CASE, {**changes, "case_id": case.id})
    for key, value in changes.items():
        set_committed_value(case, key, value)
    return case


_CASES = cast(Table, Case.__table__)
_UPDATE_CASE = update(_CASES).where(_CASES.c.id == bindparam("case_id"))


def _changed_fields(case: Case, event: CaseEvent) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if event.dispute_types is not None:
        changes["dispute_types"] = list(event.dispute_types)
    if event.flags is not None:
        changes["flags"] = list(event.flags)
    if event.facts:
        changes["facts"] = facts = {**case.facts, **event.facts}
        if "employer" in event.facts:
            changes["employer_key"] = employer_key(facts.get("employer"))
    if event.explanation is not None:
        changes["explanation"] = dict(event.explanation)
    if event.asking is not None:
        changes["asking"] = event.asking or None
    if event.triage is not None:
        changes["triage"] = dict(event.triage)
    if event.proposal is not None:
        changes["proposal"] = dict(event.proposal) or None
    return changes


def audit(
    session: Session,
    now: datetime,
    actor_id: str | None,
    case_id: str | None,
    action: str,
    from_state: CaseState | None,
    to_state: CaseState | None,
    event: CaseEvent | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """One audit event; ``detail`` adds what the action needs kept (e.g. {"via": "console"}).
    A reason a person typed is kept with phone and ID numbers masked (PIPL-28).
    Written at once, by a Core INSERT (``core``)."""
    kept = {**({"reason": event.reason} if event else {}), **(detail or {})}
    core(session).execute(
        _INSERT_AUDIT,
        {
            "at": now,
            "actor_id": actor_id,
            "case_id": case_id,
            "action": action,
            "from_state": from_state.value if from_state else None,
            "to_state": to_state.value if to_state else None,
            "rule": event.rule if event else None,
            "detail": {k: mask_personal(v) if isinstance(v, str) else v for k, v in kept.items()},
        },
    )


_INSERT_AUDIT = insert(cast(Table, AuditEvent.__table__))


def audit_reads(
    session: Session,
    now: datetime,
    actor_id: str,
    case_ids: Sequence[str],
    detail: Mapping[str, Any],
) -> None:
    """One "case_read" event per case, written by one INSERT (a list read stays cheap)."""
    rows = [
        {
            "at": now,
            "actor_id": actor_id,
            "case_id": case_id,
            "action": "case_read",
            "detail": dict(detail),
        }
        for case_id in case_ids
    ]
    session.execute(insert(AuditEvent), rows)


def closing_event(session: Session, case_id: str) -> tuple[str | None, str | None] | None:
    """(rule, state it left) of the move that closed the case, or None when none is recorded."""
    row = session.execute(
        select(AuditEvent.rule, AuditEvent.from_state)
        .where(
            AuditEvent.case_id == case_id,
            AuditEvent.action == "state_changed",
            AuditEvent.to_state == CaseState.CLOSED.value,
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()
    return (row.rule, row.from_state) if row is not None else None


def record_exchange(
    session: Session,
    cipher: TextCipher,
    *,
    channel: str,
    msg_id: str,
    sender_id: str | None,
    case_id: str | None,
    text: str,
    replies: Sequence[str],
    response: Mapping[str, Any],
    now: datetime,
) -> None:
    """Store the inbound message with the response it got, and each reply as an outbound one:
    one INSERT for all of them, whose unique (channel, msg_id) key catches a concurrent
    duplicate (IntegrityError)."""
    base = {"channel": channel, "case_id": case_id, "created_at": now}
    rows = [
        {
            **base,
            "msg_id": msg_id,
            "direction": "in",
            "sender_id": sender_id,
            "recipient_id": None,
            "text_enc": cipher.encrypt(text),
            "response_enc": cipher.encrypt(json.dumps(response)),
        }
    ]
    rows.extend(
        {
            **base,
            "msg_id": f"{msg_id}#r{number}",
            "direction": "out",
            "sender_id": None,
            "recipient_id": sender_id,
            "text_enc": cipher.encrypt(reply),
            "response_enc": None,
        }
        for number, reply in enumerate(replies, start=1)
    )
    core(session).execute(_INSERT_MESSAGES, rows)


_INSERT_MESSAGES = insert(cast(Table, Message.__table__))


def add_notification(
    session: Session,
    cipher: TextCipher,
    *,
    party_id: str,
    case_id: str | None,
    text: str,
    now: datetime,
    channel: str = "inbox",
) -> int:
    """A queued notification; its id (delivered after the commit by bot/outbound.py)."""
    row = {
        "party_id": party_id,
        "case_id": case_id,
        "channel": channel,
        "text_enc": cipher.encrypt(text),
        "status": "queued",
        "attempts": 0,
        "created_at": now,
    }
    key = core(session).execute(_INSERT_OUTBOUND, row).inserted_primary_key
    assert key is not None
    return int(key[0])


_INSERT_OUTBOUND = insert(cast(Table, OutboundMessage.__table__))


# An outbound row's statuses before it is settled: queued, or "sending" while a worker's WeChat
# call that cannot be repeated safely is out (bot/outbound.py).
UNSETTLED = ("queued", "sending")


def queued_outbound(session: Session) -> list[int]:
    """Notifications not yet settled: re-enqueued at worker start (Redis may have lost them;
    a row left "sending" by a worker that died is settled as interrupted)."""
    query = select(OutboundMessage.id).where(OutboundMessage.status.in_(UNSETTLED))
    return list(session.scalars(query.order_by(OutboundMessage.id)))


def cases_of(session: Session, party: Party) -> list[Case]:
    """The cases this party is a party to, newest first (a mediator: their organization's)."""
    if party.role == "mediator":
        return org_cases(session, party.org_id) if party.org_id else []
    query = select(Case).where(or_(Case.worker_id == party.id, Case.employer_id == party.id))
    return list(session.scalars(query.order_by(Case.updated_at.desc())))


def case_for(session: Session, party: Party, case_id: str) -> Case | None:
    """The case if this party may see it, else None (the caller answers 404 either way)."""
    case = session.get(Case, case_id)
    if case is None:
        return None
    if party.id in (case.worker_id, case.employer_id):
        return case
    if party.role == "mediator" and org_may_see(session, party.org_id, case.id):
        return case
    return None


def visible_messages(
    session: Session, cipher: TextCipher, case_id: str, viewer_id: str
) -> list[dict[str, Any]]:
    """The messages of a case that this viewer sent or received, oldest first."""
    query = (
        select(Message, Party.role)
        .outerjoin(Party, Party.id == Message.sender_id)
        .where(
            Message.case_id == case_id,
            or_(Message.sender_id == viewer_id, Message.recipient_id == viewer_id),
        )
        .order_by(Message.id)
    )
    return [
        {"at": msg.created_at, "from_role": role or "system", "text": cipher.decrypt(msg.text_enc)}
        for msg, role in session.execute(query)
    ]


def unread_inbox(session: Session, cipher: TextCipher, party_id: str) -> list[dict[str, Any]]:
    query = (
        select(OutboundMessage)
        .where(
            OutboundMessage.party_id == party_id,
            OutboundMessage.channel == "inbox",
            OutboundMessage.status == "sent",
            OutboundMessage.read_at.is_(None),
        )
        .order_by(OutboundMessage.id)
    )
    return [
        {
            "id": row.id,
            "at": row.sent_at,
            "case_id": row.case_id,
            "text": cipher.decrypt(row.text_enc),
        }
        for row in session.scalars(query)
    ]


def mark_read(session: Session, party_id: str, ids: Sequence[int], now: datetime) -> None:
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.party_id == party_id, OutboundMessage.id.in_(ids))
        .values(read_at=now)
    )


# --- deadlines -------------------------------------------------------------------------------


def add_deadline(
    session: Session,
    *,
    case_id: str,
    kind: str,
    rule: str,
    due_at: datetime,
    remind_at: datetime | None,
    party_id: str | None,
    now: datetime,
    detail: Mapping[str, Any] | None = None,
) -> Deadline:
    row = Deadline(
        case_id=case_id,
        kind=kind,
        rule=rule,
        due_at=due_at,
        remind_at=remind_at,
        party_id=party_id,
        status="pending",
        detail=dict(detail or {}),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def cancel_deadlines(
    session: Session,
    case_id: str,
    kinds: Sequence[str],
    now: datetime,
    keep: Sequence[str] = (),
) -> None:
    """Cancel pending clocks of these kinds (all of them when ``kinds`` is empty, but those
    of the ``keep`` kinds)."""
    query = update(Deadline).where(Deadline.case_id == case_id, Deadline.status == "pending")
    if kinds:
        query = query.where(Deadline.kind.in_(kinds))
    elif keep:
        query = query.where(Deadline.kind.not_in(keep))
    session.execute(query.values(status="cancelled", closed_at=now))


def take_due_deadline(session: Session, deadline_id: int, now: datetime) -> Deadline | None:
    """Mark a pending, due deadline as fired and return it; None if it is not (any more)."""
    row = session.scalar(
        select(Deadline).where(Deadline.id == deadline_id).with_for_update(key_share=True)
    )
    if row is None or row.status != "pending" or row.due_at > now:
        return None
    row.status, row.closed_at = "fired", now
    return row


def due_deadlines(session: Session, now: datetime) -> list[int]:
    query = select(Deadline.id).where(Deadline.status == "pending", Deadline.due_at <= now)
    return list(session.scalars(query.order_by(Deadline.due_at)))


def due_reminders(session: Session, now: datetime) -> list[int]:
    query = select(Deadline.id).where(
        Deadline.status == "pending", Deadline.remind_at <= now, Deadline.reminded_at.is_(None)
    )
    return list(session.scalars(query.order_by(Deadline.remind_at)))


def pending_deadlines(session: Session) -> list[Deadline]:
    query = select(Deadline).where(Deadline.status == "pending")
    return list(session.scalars(query.order_by(Deadline.due_at)))


class PendingDeadline(NamedTuple):
    kind: str
    due_at: datetime
    rule: str
    detail: Mapping[str, Any] | None = None  # e.g. unknown_years: counted without 放假安排


def case_deadlines(session: Session, case_id: str) -> list[PendingDeadline]:
    """The case's pending clocks, soonest first (the handlers' clocks and the case summary's
    deadlines: one read of a message serves both)."""
    rows = core(session).execute(_CASE_DEADLINES, {"case_id": case_id})
    return [PendingDeadline(*row) for row in rows]


_DEADLINES = cast(Table, Deadline.__table__).c
_CASE_DEADLINES = (
    select(_DEADLINES.kind, _DEADLINES.due_at, _DEADLINES.rule, _DEADLINES.detail)
    .where(_DEADLINES.case_id == bindparam("case_id"), _DEADLINES.status == "pending")
    .order_by(_DEADLINES.due_at)
)


# --- consent and invitations -----------------------------------------------------------------


def record_consent(
    session: Session,
    *,
    case_id: str,
    party_id: str,
    recipient: str,
    fields: Sequence[str],
    now: datetime,
) -> None:
    session.add(
        Consent(
            case_id=case_id,
            party_id=party_id,
            recipient=recipient,
            fields=list(fields),
            granted_at=now,
        )
    )


def withdraw_consents(session: Session, case_id: str, now: datetime) -> None:
    session.execute(
        update(Consent)
        .where(Consent.case_id == case_id, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )


def consented_fields(session: Session, case_id: str, recipient: str) -> tuple[str, ...]:
    """What the worker currently allows this kind of recipient to see (PIPL-23)."""
    query = select(Consent.fields).where(
        Consent.case_id == case_id, Consent.recipient == recipient, Consent.withdrawn_at.is_(None)
    )
    fields: list[str] = []
    for granted in session.scalars(query):
        fields.extend(f for f in granted if f not in fields)
    return tuple(fields)


def add_invitation(
    session: Session, *, case_id: str, token: str, now: datetime, expires_at: datetime
) -> None:
    session.add(Invitation(case_id=case_id, token=token, created_at=now, expires_at=expires_at))


def open_invitation(session: Session, case_id: str, now: datetime) -> Invitation | None:
    query = select(Invitation).where(
        Invitation.case_id == case_id, Invitation.used_at.is_(None), Invitation.expires_at > now
    )
    return session.scalar(query.order_by(Invitation.id.desc()).limit(1))


def lock_invitation(session: Session, token: str) -> Invitation | None:
    return session.scalar(
        select(Invitation).where(Invitation.token == token).with_for_update(key_share=True)
    )


# --- erasure (PIPL-47) -----------------------------------------------------------------------


def erase_party(session: Session, party: Party, now: datetime) -> list[Case]:
    """Erase a worker's personal data: messages, notifications, facts, name and WeChat identity.
    What stays (ids, dispute types, states, times, the audit trail without text) identifies no
    one. Returns the worker's cases that are still open, for the caller to close."""
    # Their words relayed to the other parties go too (the recipients' copies of a relay, and
    # a copy a mediator released after content security held it).
    relays = select(OutboundDetail.outbound_id).where(OutboundDetail.relay_sender_id == party.id)
    released = select(OutboundDetail.outbound_id).where(OutboundDetail.parent_id.in_(relays))
    _erase_words(
        session,
        or_(Message.sender_id == party.id, Message.recipient_id == party.id),
        or_(
            OutboundMessage.party_id == party.id,
            OutboundMessage.id.in_(relays),
            OutboundMessage.id.in_(released),
        ),
    )
    cases = list(
        session.scalars(
            select(Case).where(Case.worker_id == party.id).with_for_update(key_share=True)
        )
    )
    for case in cases:
        _erase_details(session, case, now)
    party.display_name, party.openid, party.unionid, party.erased_at = "已删除", None, None, now
    return [case for case in cases if case.state != CaseState.CLOSED.value]


def _erase_words(session: Session, messages: Any, outbound: Any) -> None:
    """Chat messages and notifications (with their WeChat details) matching the conditions."""
    session.execute(sql_delete(Message).where(messages))
    session.execute(sql_delete(OutboundMessage).where(outbound))


def _erase_details(session: Session, case: Case, now: datetime) -> None:
    """What a case knows of its worker; nobody can be invited or shared with any more."""
    case.facts, case.explanation, case.asking = {}, {}, None
    case.employer_contact_enc = None  # the employer's phone the worker gave (for a mediator)
    session.execute(
        update(Invitation)
        .where(Invitation.case_id == case.id, Invitation.used_at.is_(None))
        .values(expires_at=now)
    )
    withdraw_consents(session, case.id, now)


# --- retention: what the daily purge erases (bot/retention.py) --------------------

CASE_PURGED = "case_purged"  # the audit action that marks a case done (the purge is idempotent)
RETENTION_RULE = rules.RETENTION.code  # PIPL-19: kept no longer than the purpose needs


def purgeable_cases(cutoff: datetime) -> Any:
    """Closed cases whose last change is older than the cutoff and not purged yet."""
    purged = exists().where(AuditEvent.case_id == Case.id, AuditEvent.action == CASE_PURGED)
    return select(Case.id).where(
        Case.state == CaseState.CLOSED.value, Case.updated_at < cutoff, ~purged
    )


def purge_case(session: Session, case_id: str, now: datetime, retention_days: int) -> None:
    """Erase a closed case past retention as an erasure on request would (every party's words
    in it, the worker's details), plus what the parties kept using until then: the agreement's
    text (its sha256, terms and dates stay for statistics) and the court feedback's words."""
    case = lock_case(session, case_id)
    if case is None or case.state != CaseState.CLOSED.value:
        return
    _erase_words(session, Message.case_id == case.id, OutboundMessage.case_id == case.id)
    _erase_details(session, case, now)
    session.execute(update(Agreement).where(Agreement.case_id == case.id).values(text=""))
    session.execute(
        update(CourtReferral)
        .where(CourtReferral.case_id == case.id, CourtReferral.feedback.is_not(None))
        .values(feedback="")
    )
    event = CaseEvent(reason="retention period over", rule=RETENTION_RULE)
    audit(session, now, None, case.id, CASE_PURGED, None, None, event, {"days": retention_days})


def purgeable_parties(cutoff: datetime) -> Any:
    """Workers and employers with nothing left to keep: known since before the cutoff, no case
    that is open or recent (their old closed ones are purged first), no recent message."""
    live_case = exists().where(
        or_(Case.worker_id == Party.id, Case.employer_id == Party.id),
        or_(Case.state != CaseState.CLOSED.value, Case.updated_at >= cutoff),
    )
    recent_message = exists().where(Message.sender_id == Party.id, Message.created_at >= cutoff)
    return select(Party.id).where(
        Party.role.in_(("worker", "employer")),
        Party.erased_at.is_(None),
        Party.created_at < cutoff,
        ~live_case,
        ~recent_message,
    )


def purge_party(session: Session, party_id: str, now: datetime) -> None:
    """A person past retention is erased exactly as "删除我的信息" erases (erase_party)."""
    party = lock_party(session, party_id)
    if party is not None and party.erased_at is None:
        erase_party(session, party, now)


def expired_rows(kind: str, cutoff: datetime) -> Any:
    """Ids of rows of a kind older than the cutoff: delivered notifications outside any case
    (a case's notifications are its record — what each party was told — and stay as long as
    the case does), the WeChat push log, revoked sessions, and messages outside any case."""
    column = _id_column(kind)
    conditions = {
        "outbound": (
            OutboundMessage.case_id.is_(None),
            OutboundMessage.created_at < cutoff,
            OutboundMessage.status.not_in(UNSETTLED),
        ),
        "pushes": (WechatPush.received_at < cutoff,),
        "sessions": (RevokedSession.revoked_at < cutoff,),
        "loose_messages": (Message.case_id.is_(None), Message.created_at < cutoff),
    }[kind]
    return select(column).where(*conditions)


def _id_column(kind: str) -> Any:
    return {
        "outbound": OutboundMessage.id,
        "pushes": WechatPush.id,
        "sessions": RevokedSession.sid,
        "loose_messages": Message.id,
    }[kind]


def delete_rows(session: Session, kind: str, ids: Sequence[Any]) -> None:
    column = _id_column(kind)
    session.execute(sql_delete(column.class_).where(column.in_(ids)))


def count_rows(session: Session, query: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def first_ids(session: Session, query: Any, limit: int) -> list[Any]:
    return list(session.scalars(query.limit(limit)))


# --- settlement ------------------------------------------------------------------------------


def record_offer(
    session: Session,
    *,
    case_id: str,
    party_id: str,
    role: str,
    terms: Mapping[str, Any],
    now: datetime,
) -> None:
    session.add(
        Offer(case_id=case_id, party_id=party_id, role=role, terms=dict(terms), created_at=now)
    )


def agreement_of(session: Session, case_id: str) -> Agreement | None:
    """The case's agreement: the mediation agreement when there is one, else the settlement."""
    query = select(Agreement).where(Agreement.case_id == case_id)
    rows = {row.kind: row for row in session.scalars(query)}
    return rows.get("mediation") or rows.get("settlement")


def draft_agreement(
    session: Session,
    *,
    case_id: str,
    kind: str,
    text: str,
    terms: Mapping[str, Any],
    now: datetime,
) -> Agreement:
    """Fix the text both confirm; a new draft replaces an unconfirmed one (confirmations reset)."""
    row = session.scalar(
        select(Agreement).where(Agreement.case_id == case_id, Agreement.kind == kind)
    )
    digest = hashlib.sha256(text.encode()).hexdigest()
    if row is None:
        row = Agreement(case_id=case_id, kind=kind, created_at=now)
        session.add(row)
    elif row.effective_at is not None:
        raise ValueError("an effective agreement cannot be redrafted")
    row.text, row.sha256, row.terms, row.confirmed_by = text, digest, dict(terms), []
    session.flush()
    return row


def confirm_agreement(
    session: Session, case_id: str, role: str, effective: bool, now: datetime
) -> None:
    row = agreement_of(session, case_id)
    if row is None:
        raise ValueError("no agreement to confirm")
    if role not in row.confirmed_by:
        row.confirmed_by = [*row.confirmed_by, role]
    if effective:
        row.effective_at = now


# --- organizations, mediators, assignments, risk ledger ---------------------------------------

ORG_TABLE = cast(Table, Organization.__table__)
ORG_FIELDS = (
    "name",
    "type",
    "filing_status",
    "admin_codes",
    "region_code",
    "address",
    "lat",
    "lng",
    "capacity",
    "active",
    "hours",
    "employer_name",
    "generated",
)


def org_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Organization)) or 0)


def upsert_orgs(
    session: Session, rows: Sequence[Mapping[str, Any]], now: datetime
) -> tuple[int, int]:
    """Insert or update organizations by their stable key; (inserted, updated)."""
    keys = [row["key"] for row in rows]
    existing = dict(
        session.execute(
            select(Organization.key, Organization.id).where(Organization.key.in_(keys))
        ).all()
    )
    inserts = [
        {
            "id": new_id(),
            "key": r["key"],
            "created_at": now,
            "updated_at": now,
            **{f: r[f] for f in ORG_FIELDS if f in r},
        }
        for r in rows
        if r["key"] not in existing
    ]
    updates = [
        {"id": existing[r["key"]], "updated_at": now, **{f: r[f] for f in ORG_FIELDS if f in r}}
        for r in rows
        if r["key"] in existing
    ]
    if inserts:  # Core insert: the ORM bulk path is several times slower for 48k rows
        session.execute(insert(ORG_TABLE), inserts)
    if updates:
        session.execute(update(Organization), updates)
    return len(inserts), len(updates)


def all_orgs(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.key)))


def directory_rows(session: Session) -> list[Any]:
    """What routing needs of every active organization (one query, no ORM objects)."""
    query = select(
        Organization.id,
        Organization.name,
        Organization.type,
        Organization.region_code,
        Organization.admin_codes,
        Organization.lat,
        Organization.lng,
        Organization.capacity,
        Organization.employer_name,
    ).where(Organization.active.is_(True))
    return list(session.execute(query))


def directory_version(session: Session) -> tuple[int, str]:
    """Changes whenever an organization is added or edited (the in-process index reloads)."""
    row = session.execute(select(func.count(), func.max(Organization.updated_at))).one()
    return int(row[0]), str(row[1])


def open_load(session: Session, org_ids: Sequence[str]) -> dict[str, int]:
    """Cases offered to or being mediated by each organization."""
    query = (
        select(Assignment.org_id, func.count())
        .where(Assignment.org_id.in_(org_ids), Assignment.status.in_(("offered", "accepted")))
        .group_by(Assignment.org_id)
    )
    return {org_id: int(n) for org_id, n in session.execute(query)}


def skipped_orgs(session: Session, case_id: str) -> frozenset[str]:
    """Organizations that declined, stayed silent, or were swapped out for this case."""
    query = select(Assignment.org_id).where(
        Assignment.case_id == case_id, Assignment.status.in_(("declined", "expired", "withdrawn"))
    )
    return frozenset(session.scalars(query))


def current_assignment(session: Session, case_id: str) -> Assignment | None:
    query = (
        select(Assignment)
        .where(Assignment.case_id == case_id)
        .order_by(Assignment.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def least_loaded_mediator(session: Session, org_id: str) -> Mediator | None:
    """The active mediator of an organization with the fewest open cases."""
    load = (
        select(Assignment.mediator_id, func.count().label("n"))
        .where(Assignment.status.in_(("offered", "accepted")))
        .group_by(Assignment.mediator_id)
        .subquery()
    )
    query = (
        select(Mediator)
        .outerjoin(load, load.c.mediator_id == Mediator.id)
        .where(Mediator.org_id == org_id, Mediator.active.is_(True), Mediator.party_id.is_not(None))
        .order_by(func.coalesce(load.c.n, 0), Mediator.created_at)
        .limit(1)
    )
    return session.scalar(query)


def mediator_of_party(session: Session, party: Party, now: datetime) -> Mediator | None:
    """The roster entry of a mediator's login, made on first use for a dev or WeChat login."""
    row = session.scalar(select(Mediator).where(Mediator.party_id == party.id))
    if row is None and party.role == "mediator" and party.org_id:
        row = Mediator(
            org_id=party.org_id,
            party_id=party.id,
            name=party.display_name,
            specialities=[],
            active=True,
            created_at=now,
        )
        session.add(row)
        session.flush()
    return row


def org_cases(session: Session, org_id: str) -> list[Case]:
    """Cases offered to or handled by an organization (what its mediators may see)."""
    visible = select(Assignment.case_id).where(
        Assignment.org_id == org_id, Assignment.status.in_(("offered", "accepted", "closed"))
    )
    query = select(Case).where(Case.id.in_(visible)).order_by(Case.updated_at.desc())
    return list(session.scalars(query))


def org_may_see(session: Session, org_id: str | None, case_id: str) -> bool:
    if not org_id:
        return False
    query = select(Assignment.id).where(
        Assignment.case_id == case_id,
        Assignment.org_id == org_id,
        Assignment.status.in_(("offered", "accepted", "closed")),
    )
    return session.scalar(query.limit(1)) is not None


def add_risk_alert(
    session: Session,
    *,
    case_id: str,
    kind: str,
    region_code: str | None,
    reasons: Sequence[Mapping[str, Any]],
    now: datetime,
) -> bool:
    """One alert per case and kind (风险台账), whatever became of it: an acknowledged or closed
    alert is not raised again by the case's next message. True when a new one was raised."""
    exists = session.scalar(
        select(RiskAlert.id).where(RiskAlert.case_id == case_id, RiskAlert.kind == kind)
    )
    if exists is not None:
        return False
    session.add(
        RiskAlert(
            case_id=case_id,
            kind=kind,
            region_code=region_code,
            reasons=[dict(r) for r in reasons],
            status="open",
            created_at=now,
        )
    )
    return True


def admins(session: Session) -> list[str]:
    return list(
        session.scalars(select(Party.id).where(Party.role == "admin", Party.erased_at.is_(None)))
    )


def consent_recipients(session: Session, case_id: str) -> tuple[str, ...]:
    query = select(Consent.recipient).where(
        Consent.case_id == case_id, Consent.withdrawn_at.is_(None)
    )
    return tuple(sorted(set(session.scalars(query))))


# --- the WeChat channel ------------------------------------------------------------


def wechat_party(
    session: Session,
    openid: str,
    now: datetime,
    *,
    name: str,
    role: str = "worker",
    unionid: str | None = None,
) -> Party:
    """The party behind a WeChat openid, created on first contact (role only then)."""
    party = wechat_party_of(session, openid)
    if party is None:
        try:
            with session.begin_nested():  # two first contacts at once: one party
                party = Party(role=role, display_name=name, openid=openid, created_at=now)
                session.add(party)
        except IntegrityError:
            party = wechat_party_of(session, openid)
            assert party is not None
    if unionid and party.unionid != unionid:
        party.unionid = unionid
    return party


def wechat_party_of(session: Session, openid: str) -> Party | None:
    return session.scalar(_PARTY_OF_OPENID, {"openid": openid})


_PARTY_OF_OPENID = select(Party).where(Party.openid == bindparam("openid"))


def revoke_session(session: Session, sid: str, party_id: str, now: datetime) -> None:
    if session.get(RevokedSession, sid) is None:
        session.add(RevokedSession(sid=sid, party_id=party_id, revoked_at=now))


def session_revoked(session: Session, sid: str) -> bool:
    return session.execute(_SESSION_REVOKED, {"sid": sid}).first() is not None


_SESSION_REVOKED = select(RevokedSession.sid).where(RevokedSession.sid == bindparam("sid"))


def record_push(
    session: Session,
    *,
    dedupe_key: str,
    party_id: str | None,
    kind: str,
    now: datetime,
    media_id: str | None = None,
) -> bool:
    """Log a push once; False when this key was already recorded (a redelivery). One INSERT …
    ON CONFLICT DO NOTHING: no savepoint, and a concurrent copy waits for ours to commit."""
    connection = core(session)
    row = {
        "dedupe_key": dedupe_key[:200],
        "party_id": party_id,
        "kind": kind[:48],
        "media_id": (media_id or None) and media_id[:256],
        "reply_id": None,  # set_push_reply, once the reply is queued
        "received_at": now,
    }
    return bool(connection.execute(_INSERT_PUSH[connection.dialect.name], row).rowcount)


def set_push_reply(session: Session, dedupe_key: str, reply_id: int) -> None:
    core(session).execute(_SET_PUSH_REPLY, {"key": dedupe_key[:200], "reply_id": reply_id})


_PUSHES = cast(Table, WechatPush.__table__)
_INSERT_PUSH = {
    "sqlite": sqlite_insert(_PUSHES).on_conflict_do_nothing(index_elements=["dedupe_key"]),
    "postgresql": pg_insert(_PUSHES).on_conflict_do_nothing(index_elements=["dedupe_key"]),
}
_SET_PUSH_REPLY = (
    update(_PUSHES)
    .where(_PUSHES.c.dedupe_key == bindparam("key"))
    .values(reply_id=bindparam("reply_id"))
)


def add_outbound(
    session: Session,
    cipher: TextCipher,
    *,
    party_id: str,
    case_id: str | None,
    channel: str,
    text: str,
    now: datetime,
    purpose: str,
    parent_id: int | None = None,
    template_id: str | None = None,
    grant_id: int | None = None,
    relay: tuple[str, str] | None = None,
) -> int:
    """A queued outbound message with its WeChat details (delivered by bot/outbound.py);
    ``relay`` (sender id, words): it carries that party's own words, kept encrypted for the
    content check before they are shown."""
    outbound_id = add_notification(
        session, cipher, party_id=party_id, case_id=case_id, text=text, now=now, channel=channel
    )
    detail = {
        "outbound_id": outbound_id,
        "purpose": purpose,
        "parent_id": parent_id,
        "template_id": template_id,
        "grant_id": grant_id,
        "relay_sender_id": relay[0] if relay else None,
        "relay_words_enc": cipher.encrypt(relay[1]) if relay else None,
    }
    core(session).execute(_INSERT_DETAIL, detail)
    return outbound_id


_INSERT_DETAIL = insert(cast(Table, OutboundDetail.__table__))


def lock_outbound(session: Session, outbound_id: int) -> OutboundMessage | None:
    return session.scalar(_LOCK_OUTBOUND, {"id": outbound_id})


def load_outbound(
    session: Session, outbound_id: int
) -> tuple[OutboundMessage, OutboundDetail | None, Party | None] | None:
    """The row (locked), its WeChat details and its recipient, in one statement (the drain
    job loads every notification this way)."""
    row = session.execute(_LOAD_OUTBOUND, {"id": outbound_id}).first()
    return None if row is None else (row[0], row[1], row[2])


_LOCK_OUTBOUND = (
    select(OutboundMessage)
    .where(OutboundMessage.id == bindparam("id"))
    .with_for_update(key_share=True)
)
_LOAD_OUTBOUND = (
    select(OutboundMessage, OutboundDetail, Party)
    .outerjoin(OutboundDetail, OutboundDetail.outbound_id == OutboundMessage.id)
    .outerjoin(Party, Party.id == OutboundMessage.party_id)
    .where(OutboundMessage.id == bindparam("id"))
    .with_for_update(key_share=True, of=OutboundMessage)
)


def current_case(session: Session, party: Party) -> Case | None:
    """The party's most recently active case that is not closed (a push has no case_id)."""
    case_id = core(session).scalar(_CURRENT_CASE_ID, {"party_id": party.id})
    return None if case_id is None else session.get(Case, case_id)


def wechat_sender(session: Session, openid: str) -> tuple[str, str, str | None] | None:
    """(party id, role, current case id) of a WeChat user, in one read; None if unknown."""
    row = core(session).execute(_WECHAT_SENDER, {"openid": openid}).first()
    return None if row is None else (row[0], row[1], row[2])


def _latest_open_case(party: Any) -> Select[tuple[str]]:
    """The id of ``party``'s most recently active case that is not closed."""
    return (
        select(_CASES.c.id)
        .where(
            or_(_CASES.c.worker_id == party, _CASES.c.employer_id == party),
            _CASES.c.state != CaseState.CLOSED.value,
        )
        .order_by(_CASES.c.updated_at.desc())
        .limit(1)
    )


_PARTIES = cast(Table, Party.__table__)
_CURRENT_CASE_ID = _latest_open_case(bindparam("party_id"))
_WECHAT_SENDER = select(
    _PARTIES.c.id, _PARTIES.c.role, _latest_open_case(_PARTIES.c.id).scalar_subquery()
).where(_PARTIES.c.openid == bindparam("openid"))


def add_grants(
    session: Session,
    party_id: str,
    results: Sequence[tuple[str, str]],
    *,
    source: str,
    now: datetime,
) -> int:
    """Record a subscribe popup's results: each "accept" allows one send. Returns accepts."""
    accepted = 0
    for template_id, status in results:
        ok = status == "accept"
        accepted += ok
        session.add(
            SubscribeGrant(
                party_id=party_id,
                template_id=template_id[:128],
                status="granted" if ok else "rejected",
                source=source,
                created_at=now,
            )
        )
    return accepted


def take_grant(
    session: Session, party_id: str, template_id: str, now: datetime
) -> SubscribeGrant | None:
    """Use the oldest unused authorization for this template (one send per authorization)."""
    query = (
        select(SubscribeGrant)
        .where(
            SubscribeGrant.party_id == party_id,
            SubscribeGrant.template_id == template_id,
            SubscribeGrant.status == "granted",
        )
        .order_by(SubscribeGrant.id)
        .limit(1)
        .with_for_update(key_share=True)
    )
    grant = session.scalar(query)
    if grant is not None:
        grant.status, grant.used_at = "used", now
    return grant


def unused_grants(session: Session, party_id: str, template_id: str) -> int:
    query = select(SubscribeGrant.id).where(
        SubscribeGrant.party_id == party_id,
        SubscribeGrant.template_id == template_id,
        SubscribeGrant.status == "granted",
    )
    return len(list(session.scalars(query)))


def content_alert(
    session: Session, *, case_id: str | None, reasons: list[dict[str, Any]], now: datetime
) -> None:
    """Put a relay held or flagged by content security in the risk ledger for a mediator."""
    session.add(
        RiskAlert(
            case_id=case_id,
            kind="content_review",
            region_code=None,
            reasons=reasons,
            status="open",
            created_at=now,
        )
    )


def employer_cases(session: Session, key: str | None, since: datetime) -> int:
    """Cases naming this employer opened since a moment (the repeat-employer rule)."""
    if not key:
        return 0
    query = select(func.count()).where(Case.employer_key == key, Case.created_at >= since)
    return int(session.scalar(query) or 0)


# --- statistics, the risk ledger and deadline lists --------------------------------

VISIBLE_TO_ORG = ("offered", "accepted", "closed")


@dataclass(frozen=True)
class CaseScope:
    """The cases a report covers: registered (受理登记) in [start, end), optionally in a region
    (admin-code prefix of the case's place) and held by an organization (latest assignment)."""

    start: datetime
    end: datetime
    region_prefix: str | None = None
    org_id: str | None = None

    def ids(self) -> Select[str]:
        query = select(Case.id).where(Case.created_at >= self.start, Case.created_at < self.end)
        if self.region_prefix:
            place = Case.facts["place_code"].as_string()
            query = query.where(place.like(f"{self.region_prefix}%"))
        if self.org_id:
            latest = _latest_assignments()
            held = select(Assignment.case_id).join(latest, latest.c.id == Assignment.id)
            query = query.where(Case.id.in_(held.where(Assignment.org_id == self.org_id)))
        return query


def _latest_assignments() -> Any:
    """(case_id, id) of each case's latest assignment: the organization that holds it."""
    query = select(Assignment.case_id, func.max(Assignment.id).label("id"))
    return query.group_by(Assignment.case_id).subquery()


def _json_elements(session: Session, column: Any) -> Any:
    """A JSON array column as rows of ``value`` (SQLite json_each / PostgreSQL's function)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    function = func.json_array_elements_text if postgres else func.json_each
    return function(column).table_valued("value")


def count_cases(session: Session, scope: CaseScope) -> int:
    return int(session.scalar(select(func.count()).where(Case.id.in_(scope.ids()))) or 0)


def cases_by_element(session: Session, scope: CaseScope, column: Any) -> dict[str, int]:
    """Cases per element of a JSON list column (dispute types, flags): one GROUP BY."""
    values = _json_elements(session, column)
    query = (
        select(values.c.value, func.count(func.distinct(Case.id)))
        .select_from(Case)
        .join(values, true())
        .where(Case.id.in_(scope.ids()))
        .group_by(values.c.value)
    )
    return {str(value): int(n) for value, n in session.execute(query)}


def cases_by_county(session: Session, scope: CaseScope) -> dict[str | None, int]:
    county = func.substr(Case.facts["place_code"].as_string(), 1, 6).label("county")
    # Grouped outside a subquery: PostgreSQL cannot match an expression with bound parameters
    # (the JSON key, the substring bounds) between SELECT and GROUP BY.
    inner = select(county).where(Case.id.in_(scope.ids())).subquery()
    query = select(inner.c.county, func.count()).group_by(inner.c.county)
    return {code: int(n) for code, n in session.execute(query)}


def cases_by_state(session: Session, scope: CaseScope) -> dict[str, int]:
    query = select(Case.state, func.count()).where(Case.id.in_(scope.ids())).group_by(Case.state)
    return {state: int(n) for state, n in session.execute(query)}


def cases_by_org(session: Session, scope: CaseScope) -> list[tuple[str | None, str | None, int]]:
    """(org id, name, cases) by the organization holding each case; None: never escalated."""
    latest = _latest_assignments()
    query = (
        select(Organization.id, Organization.name, func.count())
        .select_from(Case)
        .outerjoin(latest, latest.c.case_id == Case.id)
        .outerjoin(Assignment, Assignment.id == latest.c.id)
        .outerjoin(Organization, Organization.id == Assignment.org_id)
        .where(Case.id.in_(scope.ids()))
        .group_by(Organization.id, Organization.name)
    )
    return [(org_id, name, int(n)) for org_id, name, n in session.execute(query)]


def cases_by_channel(session: Session, scope: CaseScope) -> dict[str, int]:
    """Where each case came in: a court's entrustment, else its first inbound message."""
    first = (
        select(Message.case_id, func.min(Message.id).label("id"))
        .where(Message.direction == "in", Message.case_id.in_(scope.ids()))
        .group_by(Message.case_id)
        .subquery()
    )
    channel = when(
        (CourtReferral.id.is_not(None), literal("court")),
        else_=func.coalesce(Message.channel, literal("unknown")),
    )
    inner = (
        select(channel.label("channel"))
        .select_from(Case)
        .outerjoin(first, first.c.case_id == Case.id)
        .outerjoin(Message, Message.id == first.c.id)
        .outerjoin(CourtReferral, CourtReferral.case_id == Case.id)
        .where(Case.id.in_(scope.ids()))
        .subquery()
    )
    query = select(inner.c.channel, func.count()).group_by(inner.c.channel)
    return {str(name): int(n) for name, n in session.execute(query)}


# Outcomes (结果) and where they are recorded: an effective agreement by its kind, the audit
# trail's move to arbitration_advised, and a close by withdrawal (PIPL-15).
WITHDRAWAL_RULE = "PIPL-15"


def _outcome_events(scope: CaseScope) -> Any:
    def agreed(kind: str, name: str) -> Any:
        return select(
            Agreement.case_id.label("case_id"),
            literal(name).label("outcome"),
            Agreement.effective_at.label("at"),
        ).where(Agreement.kind == kind, Agreement.effective_at.is_not(None))

    def moved(name: str, *conditions: ColumnElement[bool]) -> Any:
        return select(
            AuditEvent.case_id.label("case_id"),
            literal(name).label("outcome"),
            AuditEvent.at.label("at"),
        ).where(AuditEvent.action == "state_changed", *conditions)

    events = union_all(
        agreed("settlement", "negotiated"),
        agreed("mediation", "mediated"),
        moved("arbitration", AuditEvent.to_state == CaseState.ARBITRATION_ADVISED.value),
        moved(
            "withdrawn",
            AuditEvent.to_state == CaseState.CLOSED.value,
            AuditEvent.rule == WITHDRAWAL_RULE,
        ),
    ).subquery()
    rank = func.row_number().over(
        partition_by=events.c.case_id, order_by=(events.c.at.desc(), events.c.outcome)
    )
    ranked = (
        select(events.c.case_id, events.c.outcome, events.c.at, rank.label("rank"))
        .where(events.c.case_id.in_(scope.ids()))
        .subquery()
    )
    return select(ranked.c.case_id, ranked.c.outcome, ranked.c.at).where(ranked.c.rank == 1)


def final_outcomes(session: Session, scope: CaseScope) -> dict[str, int]:
    """Cases per latest outcome (a settlement not performed and then mediated counts once)."""
    final = _outcome_events(scope).subquery()
    query = select(final.c.outcome, func.count()).group_by(final.c.outcome)
    return {str(outcome): int(n) for outcome, n in session.execute(query)}


def settle_times(session: Session, scope: CaseScope) -> list[tuple[datetime, datetime]]:
    """(registered, settled) of the cases whose latest outcome is an agreement."""
    final = _outcome_events(scope).subquery()
    query = (
        select(Case.created_at, final.c.at)
        .join(final, final.c.case_id == Case.id)
        .where(final.c.outcome.in_(("negotiated", "mediated")))
    )
    return [(registered, settled) for registered, settled in session.execute(query)]


def effective_agreements(session: Session, scope: CaseScope) -> list[tuple[str, str, Any, Any]]:
    """(case id, kind, terms, paid instalment numbers) of every effective agreement in scope:
    one query; the amounts are summed by the caller from the terms."""
    query = (
        select(
            Agreement.case_id,
            Agreement.kind,
            Agreement.terms,
            Case.facts["paid_instalments"],
        )
        .join(Case, Case.id == Agreement.case_id)
        .where(Agreement.effective_at.is_not(None), Agreement.case_id.in_(scope.ids()))
        .execution_options(yield_per=2000)
    )
    return [(case_id, kind, terms, paid) for case_id, kind, terms, paid in session.execute(query)]


def deadline_counts(session: Session, scope: CaseScope, now: datetime) -> dict[str, dict[str, int]]:
    """Per kind: total, pending, overdue (pending past due), fired, done, cancelled."""

    def count_if(condition: ColumnElement[bool]) -> Any:
        return func.sum(when((condition, 1), else_=0))

    query = (
        select(
            Deadline.kind,
            func.count(),
            count_if(Deadline.status == "pending"),
            count_if(and_(Deadline.status == "pending", Deadline.due_at <= now)),
            count_if(Deadline.status == "fired"),
            count_if(Deadline.status == "done"),
            count_if(Deadline.status == "cancelled"),
        )
        .where(Deadline.case_id.in_(scope.ids()))
        .group_by(Deadline.kind)
    )
    names = ("total", "pending", "overdue", "fired", "done", "cancelled")
    return {
        kind: dict(zip(names, (int(v or 0) for v in values), strict=True))
        for kind, *values in session.execute(query)
    }


def cases_moved(
    session: Session, scope: CaseScope, from_state: str, to_states: Sequence[str], rule: str | None
) -> int:
    """Distinct cases the audit trail shows moving from one state to one of others."""
    query = select(func.count(func.distinct(AuditEvent.case_id))).where(
        AuditEvent.action == "state_changed",
        AuditEvent.from_state == from_state,
        AuditEvent.to_state.in_(to_states),
        AuditEvent.case_id.in_(scope.ids()),
    )
    if rule is not None:
        query = query.where(AuditEvent.rule == rule)
    return int(session.scalar(query) or 0)


def risk_counts(session: Session, scope: CaseScope) -> dict[str, dict[str, int]]:
    """Per alert kind: distinct cases and alerts by status."""

    def count_if(status: str) -> Any:
        return func.sum(when((RiskAlert.status == status, 1), else_=0))

    query = (
        select(
            RiskAlert.kind,
            func.count(func.distinct(RiskAlert.case_id)),
            count_if("open"),
            count_if("acknowledged"),
            count_if("closed"),
        )
        .where(RiskAlert.case_id.in_(scope.ids()))
        .group_by(RiskAlert.kind)
    )
    names = ("cases", "open", "acknowledged", "closed")
    return {
        kind: dict(zip(names, (int(v or 0) for v in values), strict=True))
        for kind, *values in session.execute(query)
    }


def risk_case_count(session: Session, scope: CaseScope) -> int:
    query = select(func.count(func.distinct(RiskAlert.case_id))).where(
        RiskAlert.case_id.in_(scope.ids())
    )
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class RiskFilter:
    status: str | None = None
    kind: str | None = None
    region_prefix: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def where(self, query: Select[Any]) -> Select[Any]:
        if self.status:
            query = query.where(RiskAlert.status == self.status)
        if self.kind:
            query = query.where(RiskAlert.kind == self.kind)
        if self.region_prefix:
            query = query.where(RiskAlert.region_code.like(f"{self.region_prefix}%"))
        if self.start:
            query = query.where(RiskAlert.created_at >= self.start)
        if self.end:
            query = query.where(RiskAlert.created_at < self.end)
        return query


def risk_alerts(
    session: Session, where: RiskFilter, *, limit: int | None = None, offset: int = 0
) -> tuple[int, list[RiskAlert]]:
    """The risk ledger (风险台账), newest first, with the total matching the filter."""
    total = session.scalar(where.where(select(func.count()).select_from(RiskAlert)))
    query = where.where(select(RiskAlert)).order_by(RiskAlert.created_at.desc(), RiskAlert.id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return int(total or 0), list(session.scalars(query))


def lock_risk_alert(session: Session, alert_id: int) -> RiskAlert | None:
    return session.scalar(
        select(RiskAlert).where(RiskAlert.id == alert_id).with_for_update(key_share=True)
    )


def visible_deadlines(
    session: Session, party: Party, now: datetime, limit: int
) -> list[tuple[Deadline, bool]]:
    """(deadline, overdue) on the cases this party may see — a mediator: their organization's —
    overdue first, then by due date. Overdue: pending past due, or a court's feedback clock that
    ran out before the result was fed back (seed 003)."""
    if party.role == "mediator":
        if not party.org_id:
            return []
        cases: Any = select(Assignment.case_id).where(
            Assignment.org_id == party.org_id, Assignment.status.in_(VISIBLE_TO_ORG)
        )
    elif party.role == "admin":
        cases = select(Case.id)
    else:
        cases = select(Case.id).where(or_(Case.worker_id == party.id, Case.employer_id == party.id))
    feedback_owed = and_(
        Deadline.status == "fired",
        Deadline.kind == "court_feedback",
        ~exists().where(
            CourtReferral.case_id == Deadline.case_id, CourtReferral.feedback_at.is_not(None)
        ),
    )
    overdue = or_(and_(Deadline.status == "pending", Deadline.due_at <= now), feedback_owed)
    query = (
        select(Deadline, overdue)
        .where(Deadline.case_id.in_(cases), or_(Deadline.status == "pending", feedback_owed))
        .order_by(when((overdue, 0), else_=1), Deadline.due_at, Deadline.id)
        .limit(limit)
    )
    return [(row, bool(late)) for row, late in session.execute(query)]


# --- the web console ---------------------------------------------------------------

HELD = "held"  # purpose of the row telling a sender their words were held (bot/outbound.py)
HELD_DECISIONS = ("released", "dropped")  # purposes of the rows a mediator's decision makes


def add_console_account(
    session: Session,
    *,
    username: str,
    password_hash: str,
    name: str,
    role: str,
    org_id: str | None,
    now: datetime,
) -> ConsoleAccount:
    """A console login and the Party it acts as; a mediator goes on the organization's roster.
    No openid: a console identity is never reachable on WeChat."""
    party = Party(role=role, display_name=name, created_at=now, org_id=org_id)
    session.add(party)
    session.flush()
    if role == "mediator":
        mediator_of_party(session, party, now)
    account = ConsoleAccount(
        username=username,
        party_id=party.id,
        password_hash=password_hash,
        active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(account)
    session.flush()
    return account


def console_account(session: Session, username: str) -> ConsoleAccount | None:
    return session.scalar(select(ConsoleAccount).where(ConsoleAccount.username == username))


def overrule_dispute_types(
    session: Session,
    case: Case,
    types: Sequence[str],
    *,
    actor_id: str,
    event: CaseEvent,
    now: datetime,
) -> list[str]:
    """A person corrects what the classifier read (PIPL-24); old and new kept in the audit."""
    old = list(case.dispute_types)
    case.dispute_types = list(types)
    case.updated_at = now
    detail = {"old": old, "new": list(types)}
    audit(session, now, actor_id, case.id, "dispute_types_overruled", None, None, event, detail)
    return old


def _decided_relays() -> Any:
    return select(OutboundDetail.parent_id).where(
        OutboundDetail.purpose.in_(HELD_DECISIONS), OutboundDetail.parent_id.is_not(None)
    )


def held_relays(session: Session, case_id: str) -> list[OutboundMessage]:
    """Notifications carrying a party's words that content security held (the sender was told,
    a row with purpose "held" points at them) and nobody has released or dropped yet."""
    held = select(OutboundDetail.parent_id).where(
        OutboundDetail.purpose == HELD, OutboundDetail.parent_id.is_not(None)
    )
    query = select(OutboundMessage).where(
        OutboundMessage.case_id == case_id,
        OutboundMessage.id.in_(held),
        OutboundMessage.id.not_in(_decided_relays()),
    )
    return list(session.scalars(query.order_by(OutboundMessage.id)))


def lock_held_relay(session: Session, case_id: str, outbound_id: int) -> OutboundMessage | None:
    """The held notification, locked, if it is still waiting for a decision."""
    row = lock_outbound(session, outbound_id)
    if row is None or row.case_id != case_id:
        return None
    return row if row in held_relays(session, case_id) else None


def case_transcript(
    session: Session,
    case_id: str,
    *,
    after_message: int = 0,
    after_outbound: int = 0,
    since: datetime | None = None,
) -> tuple[list[Any], list[Any]]:
    """Everything said in a case since ``since``, for its mediator's desk: (messages with the
    sender's role and the recipient's role, notifications with their recipient's role and
    purpose)."""
    sender, recipient = aliased(Party), aliased(Party)
    messages = (
        select(Message, sender.role, recipient.role)
        .outerjoin(sender, sender.id == Message.sender_id)
        .outerjoin(recipient, recipient.id == Message.recipient_id)
        .where(Message.case_id == case_id, Message.id > after_message)
        .order_by(Message.id)
    )
    notices = (
        select(OutboundMessage, Party.role, OutboundDetail.purpose)
        .join(Party, Party.id == OutboundMessage.party_id)
        .outerjoin(OutboundDetail, OutboundDetail.outbound_id == OutboundMessage.id)
        .where(
            OutboundMessage.case_id == case_id,
            OutboundMessage.channel == "inbox",
            OutboundMessage.id > after_outbound,
        )
        .order_by(OutboundMessage.id)
    )
    if since is not None:
        messages = messages.where(Message.created_at >= since)
        notices = notices.where(OutboundMessage.created_at >= since)
    return list(session.execute(messages)), list(session.execute(notices))


def consented_at(session: Session, case_id: str, recipient: str) -> datetime | None:
    """When the worker's standing consent to share with this recipient was given (PIPL-23)."""
    query = select(func.max(Consent.granted_at)).where(
        Consent.case_id == case_id,
        Consent.recipient == recipient,
        Consent.withdrawn_at.is_(None),
    )
    value: datetime | None = session.scalar(query)
    return value


@dataclass(frozen=True)
class AuditFilter:
    case_id: str | None = None
    actor: str | None = None  # a party id or display name
    action: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def where(self, query: Any) -> Any:
        """The query (any select over AuditEvent joined to the actor Party) narrowed."""
        if self.case_id:
            query = query.where(AuditEvent.case_id == self.case_id)
        if self.actor:
            query = query.where(
                or_(AuditEvent.actor_id == self.actor, Party.display_name == self.actor)
            )
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.start:
            query = query.where(AuditEvent.at >= self.start)
        if self.end:
            query = query.where(AuditEvent.at < self.end)
        return query


def audit_events(
    session: Session, where: AuditFilter, *, limit: int, offset: int = 0
) -> tuple[int, list[tuple[AuditEvent, str | None, str | None]]]:
    """The audit trail, newest first: (total, [(event, actor name, actor role)])."""
    joined = select(AuditEvent).outerjoin(Party, Party.id == AuditEvent.actor_id)
    total = session.scalar(where.where(joined.with_only_columns(func.count())))
    query = where.where(
        select(AuditEvent, Party.display_name, Party.role).outerjoin(
            Party, Party.id == AuditEvent.actor_id
        )
    )
    rows = session.execute(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
    )
    return int(total or 0), [(e, name, role) for e, name, role in rows]


def search_orgs(
    session: Session, text: str | None, *, limit: int, offset: int = 0
) -> tuple[int, list[Organization]]:
    """Organizations whose name or key contains the text, whose region code starts with it,
    or with a mediator of that name; by name."""
    query = select(Organization)
    if text:
        like = f"%{text}%"
        staffed = select(Mediator.org_id).where(Mediator.name.like(like))
        query = query.where(
            or_(
                Organization.name.like(like),
                Organization.key.like(like),
                Organization.region_code.like(f"{text}%"),
                Organization.id.in_(staffed),
            )
        )
    total = session.scalar(query.with_only_columns(func.count()))
    rows = session.scalars(
        query.order_by(Organization.name, Organization.id).limit(limit).offset(offset)
    )
    return int(total or 0), list(rows)


def org_roster(session: Session, org_ids: Sequence[str]) -> dict[str, list[Mediator]]:
    """The mediators of these organizations, by organization."""
    query = select(Mediator).where(Mediator.org_id.in_(org_ids)).order_by(Mediator.name)
    roster: dict[str, list[Mediator]] = {}
    for mediator in session.scalars(query):
        roster.setdefault(mediator.org_id, []).append(mediator)
    return roster


def held_sender(session: Session, outbound_id: int) -> str | None:
    """Whose words a held notification carries: the party the "held" notice went to."""
    query = (
        select(OutboundMessage.party_id)
        .join(OutboundDetail, OutboundDetail.outbound_id == OutboundMessage.id)
        .where(OutboundDetail.parent_id == outbound_id, OutboundDetail.purpose == HELD)
    )
    return session.scalar(query.limit(1))


def notice_statuses(
    session: Session, case_id: str, outbound_ids: Sequence[int], *, since: datetime | None = None
) -> list[Row[tuple[int, str, str | None, str | None]]]:
    """The status now of these inbox notifications of the case, sent since ``since``: rows of
    (id, status, error_code, purpose), one indexed query."""
    if not outbound_ids:
        return []
    query = (
        select(
            OutboundMessage.id,
            OutboundMessage.status,
            OutboundMessage.error_code,
            OutboundDetail.purpose,
        )
        .outerjoin(OutboundDetail, OutboundDetail.outbound_id == OutboundMessage.id)
        .where(
            OutboundMessage.case_id == case_id,
            OutboundMessage.channel == "inbox",
            OutboundMessage.id.in_(outbound_ids),
        )
    )
    if since is not None:
        query = query.where(OutboundMessage.created_at >= since)
    return list(session.execute(query))


def relay_decisions(session: Session, held_ids: Sequence[int]) -> dict[int, str]:
    """What a mediator decided on these held notifications, "released" or "dropped", by held
    id (the decision is a new notification pointing at the held one, cases.decide_relay)."""
    if not held_ids:
        return {}
    query = select(OutboundDetail.parent_id, OutboundDetail.purpose).where(
        OutboundDetail.parent_id.in_(held_ids), OutboundDetail.purpose.in_(HELD_DECISIONS)
    )
    return {parent: purpose for parent, purpose in session.execute(query) if parent is not None}


def console_logins(session: Session, party_id: str) -> list[ConsoleAccount]:
    """The console accounts that act as this party."""
    query = select(ConsoleAccount).where(ConsoleAccount.party_id == party_id)
    return list(session.scalars(query))
