"""An employer joins the case through the worker's one-time invitation: the employer has the
request from then on, so its answer clock starts here (handlers/negotiation.received)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.directory import DirectoryCache
from bot.dispatch import to_view
from bot.effects import Context, FollowUps, apply_effects
from bot.errors import ApiError
from handlers import consent, negotiation
from storage import queries
from storage.crypto import TextCipher
from storage.models import Case, Party


def join(
    session: Session,
    cipher: TextCipher,
    directory: DirectoryCache,
    token: str,
    employer: Party,
    now: datetime,
) -> tuple[Case, FollowUps]:
    """Bind the employer to the case (only that case), start its 5 days, and tell both sides."""
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
    session.flush()
    clocks = tuple(d.kind for d in queries.case_deadlines(session, case.id))
    result = negotiation.received(to_view(session, case, clocks), tuple(shared), now)
    queries.audit(session, now, employer.id, case.id, "employer_joined", None, None, result.event)
    followups = FollowUps()
    apply_effects(
        Context(session, cipher, case, employer, now, followups, directory), result.effects
    )
    return case, followups
