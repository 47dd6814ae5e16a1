"""Carry out the effects a handler asked for, inside the message's transaction.

Database writes happen here, before the commit; anything that leaves the process (delivering
a notification, arming a timer) is returned as follow-up ids and enqueued after the commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from handlers import rules
from handlers.states import CaseState
from handlers.types import (
    CancelDeadlines,
    CaseEvent,
    ConfirmAgreement,
    DraftAgreement,
    Effect,
    EraseWorkerData,
    InviteEmployer,
    Notify,
    RecordConsent,
    RecordOffer,
    ScheduleDeadline,
    WithdrawConsents,
)
from storage import queries
from storage.crypto import TextCipher
from storage.models import Case, Party


@dataclass
class FollowUps:
    """Work for RQ once the transaction has committed."""

    notifications: list[int] = field(default_factory=list)
    deadlines: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    session: Session
    cipher: TextCipher
    case: Case | None
    actor: Party | None
    now: datetime
    followups: FollowUps


def _notify(ctx: Context, effect: Notify) -> None:
    row = queries.add_notification(
        ctx.session,
        ctx.cipher,
        party_id=effect.party_id,
        case_id=ctx.case.id if ctx.case else None,
        text=effect.text,
        now=ctx.now,
    )
    ctx.followups.notifications.append(row.id)


def _schedule(ctx: Context, effect: ScheduleDeadline) -> None:
    assert ctx.case is not None
    row = queries.add_deadline(
        ctx.session,
        case_id=ctx.case.id,
        kind=effect.kind,
        rule=effect.rule,
        due_at=effect.due_at,
        remind_at=effect.remind_at,
        party_id=effect.party_id,
        now=ctx.now,
        detail=effect.detail,
    )
    ctx.followups.deadlines.append(row.id)


def _cancel(ctx: Context, effect: CancelDeadlines) -> None:
    assert ctx.case is not None
    queries.cancel_deadlines(ctx.session, ctx.case.id, effect.kinds, ctx.now)


def _consent(ctx: Context, effect: RecordConsent) -> None:
    assert ctx.case is not None and ctx.actor is not None
    queries.record_consent(
        ctx.session,
        case_id=ctx.case.id,
        party_id=ctx.actor.id,
        recipient=effect.recipient,
        fields=effect.fields,
        now=ctx.now,
    )


def _withdraw(ctx: Context, effect: WithdrawConsents) -> None:
    assert ctx.case is not None
    queries.withdraw_consents(ctx.session, ctx.case.id, ctx.now)


def _invite(ctx: Context, effect: InviteEmployer) -> None:
    assert ctx.case is not None
    queries.add_invitation(
        ctx.session,
        case_id=ctx.case.id,
        token=secrets.token_urlsafe(24),
        now=ctx.now,
        expires_at=effect.expires_at,
    )


def _offer(ctx: Context, effect: RecordOffer) -> None:
    assert ctx.case is not None and ctx.actor is not None
    queries.record_offer(
        ctx.session,
        case_id=ctx.case.id,
        party_id=ctx.actor.id,
        role=effect.role,
        terms=effect.terms,
        now=ctx.now,
    )


def _draft(ctx: Context, effect: DraftAgreement) -> None:
    assert ctx.case is not None
    queries.draft_agreement(
        ctx.session,
        case_id=ctx.case.id,
        kind=effect.kind,
        text=effect.text,
        terms=effect.terms,
        now=ctx.now,
    )


def _confirm(ctx: Context, effect: ConfirmAgreement) -> None:
    assert ctx.case is not None
    queries.confirm_agreement(ctx.session, ctx.case.id, effect.role, effect.effective, ctx.now)


def _erase(ctx: Context, effect: EraseWorkerData) -> None:
    """PIPL-47: erase, then close what is still open through the transition table."""
    assert ctx.actor is not None
    closing = CaseEvent(
        reason="worker asked for erasure", moves=(CaseState.CLOSED,), rule=rules.ERASURE.code
    )
    for case in queries.erase_party(ctx.session, ctx.actor, ctx.now):
        queries.cancel_deadlines(ctx.session, case.id, (), ctx.now)
        queries.apply_event(
            ctx.session, case, closing, worker_id=case.worker_id, actor_id=ctx.actor.id, now=ctx.now
        )


EXECUTORS: dict[type[Effect], Callable[[Context, Effect], None]] = {
    Notify: _notify,  # type: ignore[dict-item]
    ScheduleDeadline: _schedule,  # type: ignore[dict-item]
    CancelDeadlines: _cancel,  # type: ignore[dict-item]
    RecordConsent: _consent,  # type: ignore[dict-item]
    WithdrawConsents: _withdraw,  # type: ignore[dict-item]
    InviteEmployer: _invite,  # type: ignore[dict-item]
    EraseWorkerData: _erase,  # type: ignore[dict-item]
    RecordOffer: _offer,  # type: ignore[dict-item]
    DraftAgreement: _draft,  # type: ignore[dict-item]
    ConfirmAgreement: _confirm,  # type: ignore[dict-item]
}


def apply_effects(ctx: Context, effects: Iterable[Effect]) -> None:
    for effect in effects:
        executor = EXECUTORS.get(type(effect))
        if executor is None:
            raise TypeError(f"no executor for effect {type(effect).__name__}")
        executor(ctx, effect)
