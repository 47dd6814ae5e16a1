"""Negotiation (协商, LDMAL-4 / ECNMR ch.2): the employer answers in chat, or the case escalates."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from handlers import consent, deadlines, rules, settlement, texts
from handlers.types import (
    CancelDeadlines,
    CaseEvent,
    CaseView,
    HandlerResult,
    Inbound,
    InviteEmployer,
    Notify,
    RecordEmployerContact,
    Relay,
    Reply,
)
from nlp.extract import mask_personal, mobile_number


def _relay(inbound: Inbound, case: CaseView, role: str) -> HandlerResult:
    """Plain words go to the other side (once there is one)."""
    if role == "employer":
        text = texts.RELAY_FROM_EMPLOYER.format(text=inbound.text)
        notice = Notify(case.worker_id, text, Relay(inbound.sender_id, inbound.text))
        return HandlerResult(replies=(Reply(texts.RELAYED),), effects=(notice,))
    if case.employer_id is None:
        phone = mobile_number(inbound.text)
        if phone:  # an optional contact of the employer, for the mediator if it comes to that
            return HandlerResult(
                replies=(Reply(texts.EMPLOYER_CONTACT_NOTED),),
                effects=(RecordEmployerContact(phone),),
            )
        waiting = texts.WAITING_FOR_EMPLOYER.format(days=ANSWER_DAYS)
        return HandlerResult(replies=(Reply(waiting),))
    # PIPL-23: the worker's consent never covers their phone or ID number (PIPL-28).
    words = mask_personal(inbound.text)
    text = texts.RELAY_FROM_WORKER.format(text=words)
    notice = Notify(case.employer_id, text, Relay(inbound.sender_id, words))
    return HandlerResult(replies=(Reply(texts.RELAYED),), effects=(notice,))


ANSWER_DAYS = deadlines.KINDS["employer_answer"].length
INVITATION_CLOCKS = ("invitation", "invitation_renewed")


def received(case: CaseView, shared: tuple[str, ...], now: datetime) -> HandlerResult:
    """The employer opened the invitation and joined: it has the request now, so its 5 days
    to answer start (ECNMR-8) and the invitation's clocks stop. Both sides hear the date."""
    assert case.employer_id is not None
    clock = deadlines.schedule("employer_answer", now, party_id=case.employer_id)
    rule, date = rules.EMPLOYER_ANSWER, texts.period_end(clock.due_at)
    shown = consent.describe(case.worker_name, case.dispute_types, case.facts, shared)
    employer = case.facts.get("employer") or texts.THE_EMPLOYER
    return HandlerResult(
        replies=(),
        effects=(
            CancelDeadlines(INVITATION_CLOCKS),
            clock,
            Notify(
                case.worker_id,
                texts.EMPLOYER_JOINED.format(employer=employer, date=date, law=rule.law),
            ),
            Notify(
                case.employer_id,
                texts.EMPLOYER_WELCOME.format(
                    name=case.worker_name, shared=shown, date=date, law=rule.law
                ),
            ),
        ),
        event=CaseEvent(reason="employer joined through the invitation", rule=rule.code),
    )


def invitation_unopened(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """The invitation ran out unopened: the employer never had the request, so it has not
    refused (ECNMR-8 runs from receipt). A fresh invitation, once; and mediation is offered
    now (ECNMR-12), with the consent a mediator needs (PIPL-23)."""
    assert case is not None
    if case.employer_id is not None:
        return HandlerResult(replies=())
    clock = deadlines.schedule("invitation_renewed", inbound.received_at)
    asking = "" if consent.MEDIATOR in case.consents else consent.ASKING[consent.MEDIATOR]
    text = texts.INVITATION_UNOPENED.format(days=ANSWER_DAYS, date=texts.period_end(clock.due_at))
    return HandlerResult(
        replies=(),
        effects=(
            InviteEmployer(expires_at=clock.due_at),
            clock,
            Notify(case.worker_id, text),
        ),
        event=CaseEvent(
            reason="invitation expired unopened, renewed",
            rule=rules.NEGOTIATION_FAILED.code,
            asking=asking,
        ),
    )


def invitation_never_opened(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """The renewed invitation ran out unopened too: negotiation never began; on to mediation
    (ECNMR-12), the worker's consent asked first."""
    assert case is not None
    if case.employer_id is not None:
        return HandlerResult(replies=())
    rule = rules.NEGOTIATION_FAILED
    return _escalate(
        case,
        "invitation never opened",
        rule.code,
        worker_text=texts.INVITATION_NEVER_OPENED.format(days=ANSWER_DAYS, law=rule.law),
    )


def _answer_clock(result: HandlerResult, inbound: Inbound, case: CaseView) -> HandlerResult:
    """The employer's first word is the answer ECNMR-8 asks for: the 5-day clock stops and the
    negotiation clock starts."""
    if "employer_answer" not in case.clocks:
        return result
    effects = (
        *result.effects,
        CancelDeadlines(("employer_answer",)),
        deadlines.schedule("negotiation", inbound.received_at),
    )
    event = result.event or CaseEvent(reason="employer answered", rule=rules.EMPLOYER_ANSWER.code)
    return replace(result, effects=effects, event=event)


def employer_says(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """Employer's words: a proposal if they name money, else relayed to the worker."""
    assert case is not None
    result = settlement.propose(inbound, case, "employer") or _relay(inbound, case, "employer")
    return _answer_clock(result, inbound, case)


def employer_agrees(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """同意 from the employer: accepts the worker's proposal, if there is one."""
    assert case is not None
    result = settlement.accept(inbound, case, "employer") or _relay(inbound, case, "employer")
    return _answer_clock(result, inbound, case)


def worker_says(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """Worker's words: where a work injury stands is recorded (not passed on: health details,
    PIPL-28); a (counter-)proposal if they name money; else relayed to the employer."""
    assert case is not None
    proposed = settlement.noting_injury(
        inbound, case, lambda now: settlement.propose(inbound, now, "worker")
    )
    return proposed or _relay(inbound, case, "worker")


def worker_agrees(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """同意: to the consent just asked (转人工), else to the employer's proposal."""
    assert case is not None
    if case.asking == consent.ASKING[consent.MEDIATOR]:
        return consent.to_mediator(inbound, case)
    return settlement.accept(inbound, case, "worker") or _relay(inbound, case, "worker")


def worker_confirms(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    return settlement.confirm(inbound, case, "worker")


def employer_confirms(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    return settlement.confirm(inbound, case, "employer")


def employer_refuses(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """拒绝协商: negotiation ends; the worker may apply for mediation (ECNMR-12)."""
    assert case is not None
    rule = rules.NEGOTIATION_FAILED
    return _escalate(
        case,
        "employer refused to negotiate",
        rule.code,
        worker_text=texts.EMPLOYER_REFUSED.format(law=rule.law),
        replies=(Reply(texts.EMPLOYER_REFUSAL_NOTED.format(law=rule.law)),),
    )


def answer_period_over(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """ECNMR-8: no answer within 5 days counts as unwillingness to negotiate."""
    assert case is not None
    rule = rules.EMPLOYER_ANSWER
    return _escalate(
        case,
        "employer silent for 5 days",
        rule.code,
        worker_text=texts.EMPLOYER_SILENT.format(law=rule.law),
    )


def negotiation_period_over(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """The negotiation deadline (a setting) passed without agreement: on to mediation."""
    assert case is not None
    rule = rules.NEGOTIATION_FAILED
    return _escalate(
        case,
        "negotiation deadline passed",
        rule.code,
        worker_text=texts.NEGOTIATION_TIMEOUT.format(law=rule.law),
    )


def _escalate(
    case: CaseView,
    reason: str,
    rule: str,
    *,
    worker_text: str,
    replies: tuple[Reply, ...] = (),
) -> HandlerResult:
    result = consent.escalate(case, reason, rule, (Notify(case.worker_id, worker_text),))
    return replace(result, replies=replies)
