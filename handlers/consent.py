"""Consent (PIPL-23): before anyone else hears of the case, the worker sees exactly what will be
shared with whom and says yes, separately for the employer and for a mediator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from handlers import deadlines, rules, texts, triage
from handlers.states import CaseState
from handlers.types import (
    CancelDeadlines,
    CaseEvent,
    CaseView,
    HandlerResult,
    Inbound,
    InviteEmployer,
    Notify,
    Option,
    RecordConsent,
    Reply,
    RouteCase,
)

EMPLOYER, MEDIATOR = "employer", "mediator"
ASKING = {EMPLOYER: "consent_employer", MEDIATOR: "consent_mediator"}
# What may be shared, in the order shown. Phone and ID numbers are never among them.
SHARED_FACTS = ("employer", "place", "amount", "months", "headcount")


def shared_fields(facts: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields a consent covers: the worker's name, the dispute, and the known facts."""
    known = tuple(name for name in SHARED_FACTS if facts.get(name) is not None)
    return ("name", "dispute_types", *known)


def describe(
    worker_name: str,
    dispute_types: tuple[str, ...],
    facts: Mapping[str, Any],
    fields: tuple[str, ...],
) -> str:
    """The shared information, one line each, exactly as the recipient will see it."""
    lines = []
    for name in fields:
        if name == "name":
            lines.append("· " + texts.SHARED_NAME.format(name=worker_name))
        elif name == "dispute_types":
            problems = "、".join(texts.DISPUTE_NAMES[t] for t in dispute_types)
            lines.append(f"· 问题：{problems}")
        else:
            lines.append(f"· {texts.FACT_LABELS[name]}：{texts.fact_value(name, facts[name])}")
    return "\n".join(lines)


def ask(
    worker_name: str,
    dispute_types: tuple[str, ...],
    facts: Mapping[str, Any],
    decision: triage.Decision,
) -> tuple[Reply, str]:
    """The consent question for the decided route, with its options."""
    recipient = EMPLOYER if decision.route == triage.NEGOTIATE else MEDIATOR
    shared = describe(worker_name, dispute_types, facts, shared_fields(facts))
    if recipient == EMPLOYER:
        employer = facts.get("employer") or texts.THE_EMPLOYER
        text = texts.CONSENT_EMPLOYER.format(employer=employer, shared=shared)
        yes = Option(texts.CONSENT_EMPLOYER_LABEL, ASKING[EMPLOYER])
    else:
        text = texts.CONSENT_MEDIATOR.format(shared=shared)
        yes = Option(texts.CONSENT_MEDIATOR_LABEL, ASKING[MEDIATOR])
    options = (yes, Option(texts.CONSENT_DECLINE_LABEL, "consent_decline"))
    return Reply(text, options), ASKING[recipient]


AGAIN = "again:"  # the consent question was asked back once already


def asked(case: CaseView) -> str:
    """The consent being asked, also when it was asked back once."""
    return (case.asking or "").removeprefix(AGAIN)


def agree(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """同意: yes to the consent being asked."""
    assert case is not None
    if asked(case) == ASKING[EMPLOYER]:
        return to_employer(inbound, replace(case, asking=ASKING[EMPLOYER]))
    if asked(case) == ASKING[MEDIATOR]:
        return to_mediator(inbound, replace(case, asking=ASKING[MEDIATOR]))
    return HandlerResult(replies=(Reply(texts.HELP),))


def to_employer(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """Consent to contact the employer: the invitation goes out, with its own clock. The
    employer's 5 days (ECNMR-8) start only when the employer opens it (negotiation.received)."""
    assert case is not None
    # After declining the employer the worker may still change their mind ("同意联系单位").
    negotiable = (case.triage or {}).get("route") == triage.NEGOTIATE
    if asked(case) != ASKING[EMPLOYER] and not (negotiable and asked(case) == ASKING[MEDIATOR]):
        return _not_offered(inbound, case)
    now = inbound.received_at
    clock = deadlines.schedule("invitation", now)
    reply = texts.INVITATION_READY.format(
        date=texts.period_end(clock.due_at),
        days=deadlines.KINDS["employer_answer"].length,
        law=rules.EMPLOYER_ANSWER.law,
    )
    return HandlerResult(
        replies=(Reply(reply),),
        effects=(
            RecordConsent(EMPLOYER, shared_fields(case.facts)),
            InviteEmployer(expires_at=clock.due_at),
            clock,
        ),
        event=CaseEvent(
            reason="worker consented to contact the employer",
            moves=(CaseState.NEGOTIATING,),
            rule=rules.PRIVACY_CONSENT.code,
            asking="",
        ),
    )


def to_mediator(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """Consent to hand the case to a mediation organization (also mid-negotiation, when the
    worker asked for a person)."""
    assert case is not None
    if case.asking != ASKING[MEDIATOR]:
        return _not_offered(inbound, case)
    effects: tuple[Any, ...] = (RecordConsent(MEDIATOR, shared_fields(case.facts)),)
    if case.state is CaseState.NEGOTIATING:
        effects = (*effects, CancelDeadlines())
    effects = (*effects, RouteCase())
    if case.employer_id:
        effects = (*effects, Notify(case.employer_id, texts.MEDIATION_REQUESTED_TO_EMPLOYER))
    return HandlerResult(
        replies=(Reply(texts.ESCALATED_TO_MEDIATION),),
        effects=effects,
        event=CaseEvent(
            reason="worker consented to mediation",
            moves=() if case.state is CaseState.ESCALATED else (CaseState.ESCALATED,),
            rule=rules.PRIVACY_CONSENT.code,
            asking="",
        ),
    )


def reask(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """Neither yes nor no while consent is pending: ask once more in one short line; a second
    answer that is neither counts as not now."""
    assert case is not None
    if (case.asking or "").startswith(AGAIN):
        return decline(inbound, replace(case, asking=asked(case)))
    if asked(case) not in ASKING.values():
        return _not_offered(inbound, case)
    event = CaseEvent(reason="consent answer unclear", asking=AGAIN + asked(case))
    return HandlerResult(
        replies=(Reply(texts.CONSENT_YES_OR_NO, _options(asked(case))),), event=event
    )


def _options(asking: str) -> tuple[Option, ...]:
    label = (
        texts.CONSENT_EMPLOYER_LABEL if asking == ASKING[EMPLOYER] else texts.CONSENT_MEDIATOR_LABEL
    )
    return (Option(label, asking), Option(texts.CONSENT_DECLINE_LABEL, "consent_decline"))


def _not_offered(inbound: Inbound, case: CaseView) -> HandlerResult:
    """A consent the triage did not propose (e.g. typed by hand): ask the proposed one again."""
    today = inbound.received_at.astimezone(texts.CHINA).date()
    decision = (
        triage.from_json(case.triage)
        if case.triage
        else triage.decide(case.dispute_types, case.flags, case.facts, today)
    )
    reply, _ = ask(case.worker_name, case.dispute_types, case.facts, decision)
    return HandlerResult(replies=(reply,))


def decline(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """Not the employer: a mediator can speak to the employer instead, so that is offered. Not
    a mediator either: nothing is shared and the case ends; the worker may come back any time."""
    assert case is not None
    if asked(case) == ASKING[EMPLOYER] and "urgent" not in case.flags:
        shared = describe(
            case.worker_name, case.dispute_types, case.facts, shared_fields(case.facts)
        )
        question = Reply(texts.CONSENT_MEDIATOR.format(shared=shared), _options(ASKING[MEDIATOR]))
        event = CaseEvent(
            reason="worker declined contact with the employer", asking=ASKING[MEDIATOR]
        )
        return HandlerResult(replies=(Reply(texts.CONSENT_OFFER_MEDIATOR), question), event=event)
    if case.state is not CaseState.AWAITING_CONSENT:
        return HandlerResult(
            replies=(Reply(texts.CONSENT_DECLINED),),
            event=CaseEvent(reason="worker declined to share", asking=""),
        )
    event = CaseEvent(
        reason="worker declined every contact",
        moves=(CaseState.CLOSED,),
        rule=rules.WITHDRAW_CONSENT.code,
        asking="",
    )
    effects = (CancelDeadlines(everything=True),)
    return HandlerResult(
        replies=(Reply(texts.CONSENT_BOTH_DECLINED),), effects=effects, event=event
    )


def escalate(case: CaseView, reason: str, rule: str, notices: tuple[Any, ...]) -> HandlerResult:
    """Negotiation is over (refused, silent, failed, not performed): on to mediation. A
    mediator sees the case only with the worker's consent (PIPL-23), so ask for it first."""
    effects: tuple[Any, ...] = (CancelDeadlines(), *notices)
    asking = ""
    if MEDIATOR in case.consents:
        effects = (*effects, RouteCase())
    else:
        effects = (*effects, Notify(case.worker_id, texts.ESCALATION_NEEDS_CONSENT))
        asking = ASKING[MEDIATOR]
    return HandlerResult(
        replies=(),
        effects=effects,
        event=CaseEvent(reason=reason, rule=rule, moves=(CaseState.ESCALATED,), asking=asking),
    )


def ask_for_human(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """转人工 (PIPL-24): the worker wants a person. Mediation is the route; consent first."""
    assert case is not None
    reason = triage.Reason(
        texts.REASON_WORKER_ASKED.format(law=rules.HUMAN_REVIEW.law), rules.HUMAN_REVIEW.code
    )
    decision = triage.Decision(triage.ESCALATE, (reason,))
    reply, asking = ask(case.worker_name, case.dispute_types, case.facts, decision)
    moves = {
        CaseState.INTAKE: (CaseState.TRIAGE, CaseState.AWAITING_CONSENT),
        CaseState.TRIAGE: (CaseState.AWAITING_CONSENT,),
    }.get(case.state, ())
    event = CaseEvent(
        reason="worker asked for a person",
        rule=rules.HUMAN_REVIEW.code,
        moves=moves,
        asking=asking,
        triage=decision.as_json(),
    )
    return HandlerResult(replies=(Reply(triage.explain(decision)), reply), event=event)
