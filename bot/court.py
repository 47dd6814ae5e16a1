"""Court-entrusted mediation (委托调解): an administrator registers a case the court entrusts;
it is routed like any other and its result goes back to the court within 30 days (seed 003)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import nlp
from bot.directory import DirectoryCache
from bot.effects import Context, FollowUps, apply_effects, raise_risk_alerts
from bot.errors import ApiError
from handlers import deadlines, rules
from handlers.consent import MEDIATOR, shared_fields
from handlers.states import CaseState
from handlers.types import CaseEvent, RecordConsent, RouteCase
from storage import queries
from storage.crypto import TextCipher
from storage.models import CourtReferral, Party

REFERRAL_REASON = "case entrusted by a court"


@dataclass(frozen=True)
class Referral:
    court: str
    court_case_no: str
    worker_name: str
    employer: str
    summary: str
    place: str | None = None
    amount: int | None = None
    headcount: int | None = None


def register(
    session: Session,
    cipher: TextCipher,
    directory: DirectoryCache,
    admin: Party,
    referral: Referral,
    now: datetime,
    collective_to_township: bool = False,
) -> tuple[Any, FollowUps]:
    """Open the case, route it, and start the 30-day feedback clock."""
    classification = nlp.classify(referral.summary, headcount=referral.headcount)
    facts = _facts(referral, now)
    worker = Party(role="worker", display_name=referral.worker_name, created_at=now)
    session.add(worker)
    session.flush()
    event = CaseEvent(
        reason=REFERRAL_REASON,
        open_case=True,
        rule=rules.COURT_FEEDBACK.code,
        moves=(CaseState.TRIAGE, CaseState.AWAITING_CONSENT, CaseState.ESCALATED),
        dispute_types=classification.dispute_types or ("other",),
        flags=classification.flag_names,
        facts=facts,
    )
    case = queries.apply_event(
        session, None, event, worker_id=worker.id, actor_id=admin.id, now=now
    )
    assert case is not None
    followups = FollowUps()
    ctx = Context(session, cipher, case, admin, now, followups, directory, collective_to_township)
    # The court's entrustment is the legal basis for the mediator seeing the case (PIPL-13).
    apply_effects(
        ctx,
        (
            RecordConsent(MEDIATOR, shared_fields(facts)),
            RouteCase(),
            deadlines.schedule("court_feedback", now),
        ),
    )
    raise_risk_alerts(ctx)
    session.add(
        CourtReferral(
            case_id=case.id,
            court=referral.court,
            court_case_no=referral.court_case_no,
            entrusted_at=now,
            feedback_due_at=deadlines.due_at("court_feedback", now),
            registered_by=admin.id,
        )
    )
    return case, followups


def _facts(referral: Referral, now: datetime) -> dict[str, Any]:
    facts: dict[str, Any] = {"employer": referral.employer}
    place = nlp.extract(referral.place, today=now.date()).get("place") if referral.place else None
    if place is not None:
        facts["place"] = (place.detail or {}).get("display") or place.value
        facts["place_code"] = (place.detail or {}).get("code")
    elif referral.place:
        facts["place"] = referral.place
    if referral.amount:
        facts["amount"] = referral.amount
    if referral.headcount:
        facts["headcount"] = referral.headcount
    return facts


def record_feedback(
    session: Session, admin: Party, case_id: str, feedback: str, now: datetime
) -> CourtReferral:
    """The result as sent back to the court; the feedback clock stops."""
    row = session.scalar(
        select(CourtReferral)
        .where(CourtReferral.case_id == case_id)
        .with_for_update(key_share=True)
    )
    if row is None:
        raise ApiError(404, "not_found")
    if row.feedback_at is not None:
        raise ApiError(409, "already_done")
    # Stored as typed but for phone and ID numbers, masked (PIPL-28: kept only masked at rest).
    row.feedback, row.feedback_at = nlp.mask_personal(feedback), now
    queries.cancel_deadlines(session, case_id, ("court_feedback",), now)
    queries.audit(
        session,
        now,
        admin.id,
        case_id,
        "court_feedback",
        None,
        None,
        CaseEvent(reason="result fed back to the court", rule=rules.COURT_FEEDBACK.code),
    )
    return row
