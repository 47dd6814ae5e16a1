"""An employer joins the case through the worker's one-time invitation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import ApiError
from handlers import consent, texts
from handlers.types import CaseEvent
from storage import queries
from storage.crypto import TextCipher
from storage.models import Case, Party


def join(
    session: Session, cipher: TextCipher, token: str, employer: Party, now: datetime
) -> tuple[Case, list[int]]:
    """Bind the employer to the case (only that case), and tell both sides."""
    invitation = queries.lock_invitation(session, token)
    if invitation is None:
        raise ApiError(404, "not_found", "invitation_unknown")
    case = queries.lock_case(session, invitation.case_id)
    shared = queries.consented_fields(session, invitation.case_id, consent.EMPLOYER)
    if case is None or not shared:  # consent withdrawn: the invitation is dead (PIPL-15)
        raise ApiError(404, "not_found", "invitation_unknown")
    if invitation.used_at is not None or invitation.expires_at <= now or case.employer_id:
        raise ApiError(409, "invitation_used")
    invitation.used_at, invitation.used_by = now, employer.id
    case.employer_id = employer.id
    event = CaseEvent(reason="employer joined through the invitation")
    queries.audit(session, now, employer.id, case.id, "employer_joined", None, None, event)
    worker = session.get(Party, case.worker_id)
    welcome = texts.EMPLOYER_WELCOME.format(
        name=worker.display_name if worker else "",
        shared=consent.describe(
            worker.display_name if worker else "", tuple(case.dispute_types), case.facts, shared
        ),
    )
    employer_name = case.facts.get("employer") or employer.display_name
    ids = [
        queries.add_notification(
            session,
            cipher,
            party_id=case.worker_id,
            case_id=case.id,
            text=texts.EMPLOYER_JOINED.format(employer=employer_name),
            now=now,
        ),
        queries.add_notification(
            session, cipher, party_id=employer.id, case_id=case.id, text=welcome, now=now
        ),
    ]
    return case, ids
