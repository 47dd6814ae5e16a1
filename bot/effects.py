"""Carry out the effects a handler asked for, inside the message's transaction.

Database writes happen here, before the commit; anything that leaves the process (delivering
a notification, arming a timer) is returned as follow-up ids and enqueued after the commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.directory import DirectoryCache
from bot.outbound import NOTICE
from handlers import deadlines, risk, rules, texts
from handlers.states import CaseState
from handlers.types import (
    CancelDeadlines,
    CaseEvent,
    ConfirmAgreement,
    DecideAssignment,
    DraftAgreement,
    Effect,
    EraseWorkerData,
    InviteEmployer,
    Notify,
    RecordConsent,
    RecordEmployerContact,
    RecordOffer,
    RouteCase,
    ScheduleDeadline,
    WithdrawConsents,
)
from routing.policy import Request, Route, route_case
from storage import queries
from storage.crypto import TextCipher
from storage.models import Assignment, Case, Party


@dataclass
class FollowUps:
    """Work for RQ once the transaction has committed."""

    notifications: list[int] = field(default_factory=list)
    deadlines: list[int] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # said to the sender after the handler's


@dataclass(frozen=True)
class Context:
    session: Session
    cipher: TextCipher
    case: Case | None
    actor: Party | None
    now: datetime
    followups: FollowUps
    directory: DirectoryCache
    collective_to_township: bool = False  # Settings.collective_to_township


def _notify(ctx: Context, effect: Notify) -> None:
    case_id = ctx.case.id if ctx.case else None
    if effect.relay is None:
        outbound_id = queries.add_notification(
            ctx.session,
            ctx.cipher,
            party_id=effect.party_id,
            case_id=case_id,
            text=effect.text,
            now=ctx.now,
        )
    else:  # a relay: bot/outbound.py checks the sender's words before the recipient sees them
        outbound_id = queries.add_outbound(
            ctx.session,
            ctx.cipher,
            party_id=effect.party_id,
            case_id=case_id,
            channel="inbox",
            text=effect.text,
            now=ctx.now,
            purpose=NOTICE,
            relay=(effect.relay.sender_id, effect.relay.words),
        )
    ctx.followups.notifications.append(outbound_id)


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
    keep = () if effect.everything else deadlines.stage_clocks_kept()
    queries.cancel_deadlines(ctx.session, ctx.case.id, effect.kinds, ctx.now, keep)


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


def _employer_contact(ctx: Context, effect: RecordEmployerContact) -> None:
    assert ctx.case is not None
    ctx.case.employer_contact_enc = ctx.cipher.encrypt(effect.phone)


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


def _route(ctx: Context, effect: RouteCase) -> None:
    """Send the case to the nearest suitable organization (routing/policy.py)."""
    assert ctx.case is not None
    case, session = ctx.case, ctx.session
    directory = ctx.directory.get(session)
    request = routing_request(
        case,
        effect.chosen_org_id,
        queries.skipped_orgs(session, case.id),
        ctx.collective_to_township,
    )

    def has_room(org_id: str) -> bool:
        load = queries.open_load(session, [org_id]).get(org_id, 0)
        return load < directory.orgs[org_id].capacity

    route = route_case(request, directory, has_room)
    if route is None:
        _tell_worker(ctx, texts.ROUTE_NONE)
        for admin in queries.admins(session):
            _notify(ctx, Notify(admin, texts.ROUTE_NONE))
        return
    _offer_case(ctx, route)


def routing_request(
    case: Case, chosen: str | None, skip: frozenset[str], collective_to_township: bool = False
) -> Request:
    facts = case.facts
    lat, lng = facts.get("lat"), facts.get("lng")
    point = (float(lat), float(lng)) if lat is not None and lng is not None else None
    return Request(
        place_code=facts.get("place_code"),
        place_name=facts.get("place"),
        point=point,
        dispute_types=tuple(case.dispute_types),
        flags=tuple(case.flags),
        employer=facts.get("employer"),
        chosen_org_id=chosen,
        skip=skip,
        collective_to_township=collective_to_township,
    )


def _offer_case(ctx: Context, route: Route) -> None:
    """The assignment, its 3-working-day clock (ECNMR-19), and who hears of it."""
    assert ctx.case is not None
    case, session = ctx.case, ctx.session
    mediator = queries.least_loaded_mediator(session, route.org.id)
    data = route.as_json()
    session.add(
        Assignment(
            case_id=case.id,
            org_id=route.org.id,
            mediator_id=mediator.id if mediator else None,
            status="offered",
            step=route.step,
            reasons=data["reasons"],
            alternatives=data["alternatives"],
            offered_at=ctx.now,
        )
    )
    clock = deadlines.schedule(
        "org_acceptance", ctx.now, party_id=mediator.party_id if mediator else None
    )
    _schedule(ctx, clock)
    if mediator is not None and mediator.party_id:
        offered = texts.CASE_OFFERED.format(
            disputes="、".join(texts.DISPUTE_NAMES.get(t, t) for t in case.dispute_types),
            place=case.facts.get("place") or "",
            date=texts.period_end(clock.due_at),
            law=rules.ORG_ACCEPTANCE.law,
        )
        _notify(ctx, Notify(mediator.party_id, offered))
    alternatives = "、".join(o.name for o in route.alternatives) or texts.NO_ALTERNATIVES
    _tell_worker(
        ctx,
        texts.ROUTE_CHOSEN.format(
            org=route.org.name,
            reasons="；".join(r.text for r in route.reasons),
            law=rules.ORG_ACCEPTANCE.law,
            alternatives=alternatives,
        ),
    )
    queries.audit(
        session,
        ctx.now,
        ctx.actor.id if ctx.actor else None,
        case.id,
        "routed",
        None,
        None,
        CaseEvent(reason=f"routed to {route.org.id} ({route.step})", rule=route.reasons[0].rule),
    )


def _tell_worker(ctx: Context, text: str) -> None:
    """In the reply when the worker is talking now, else in their inbox."""
    assert ctx.case is not None
    if ctx.actor is not None and ctx.actor.id == ctx.case.worker_id:
        ctx.followups.replies.append(text)
    else:
        _notify(ctx, Notify(ctx.case.worker_id, text))


def _decide(ctx: Context, effect: DecideAssignment) -> None:
    assert ctx.case is not None
    assignment = queries.current_assignment(ctx.session, ctx.case.id)
    if assignment is None:
        raise ValueError("no assignment to decide")
    assignment.status, assignment.decided_at = effect.status, ctx.now
    if effect.status == "accepted" and ctx.actor is not None:
        mediator = queries.mediator_of_party(ctx.session, ctx.actor, ctx.now)
        if mediator is not None:
            assignment.mediator_id = mediator.id


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
    RouteCase: _route,  # type: ignore[dict-item]
    RecordEmployerContact: _employer_contact,  # type: ignore[dict-item]
    DecideAssignment: _decide,  # type: ignore[dict-item]
}


def apply_effects(ctx: Context, effects: Iterable[Effect]) -> None:
    for effect in effects:
        executor = EXECUTORS.get(type(effect))
        if executor is None:
            raise TypeError(f"no executor for effect {type(effect).__name__}")
        executor(ctx, effect)


def raise_risk_alerts(ctx: Context) -> None:
    """The risk ledger (风险台账): rules as data (handlers/risk.py), once per case and kind;
    every new alert is told to the administrators (预警)."""
    case = ctx.case
    if case is None or case.state == CaseState.INTAKE.value:
        return  # judged once the facts are in
    window = timedelta(days=risk.repeat_window_days())
    facts = risk.RiskFacts(
        dispute_types=tuple(case.dispute_types),
        flags=tuple(case.flags),
        headcount=case.facts.get("headcount"),
        terms=risk.matched_terms(case.explanation),
        today=ctx.now.astimezone(texts.CHINA).date(),
        same_employer_cases=queries.employer_cases(
            ctx.session, case.employer_key, ctx.now - window
        ),
    )
    for fired in risk.evaluate(facts):
        reasons = [{"rule": fired.rule, "text": fired.label}]
        raised = queries.add_risk_alert(
            ctx.session,
            case_id=case.id,
            kind=fired.kind,
            region_code=case.facts.get("place_code"),
            reasons=reasons,
            now=ctx.now,
        )
        if raised:
            notice = texts.RISK_ALERT_NOTICE.format(
                kind=fired.label, place=case.facts.get("place", ""), case_id=case.id
            )
            for admin in queries.admins(ctx.session):
                _notify(ctx, Notify(admin, notice))
