"""Negotiation (协商, LDMAL-4 / ECNMR ch.2): the employer answers in chat, or the case escalates."""

from __future__ import annotations

from handlers import deadlines, rules, texts
from handlers.states import CaseState
from handlers.types import (
    CancelDeadlines,
    CaseEvent,
    CaseView,
    HandlerResult,
    Inbound,
    Notify,
    Reply,
)


def employer_says(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """The employer's words reach the worker; the first of them is the answer ECNMR-8 asks for."""
    assert case is not None
    relay = Notify(case.worker_id, texts.RELAY_FROM_EMPLOYER.format(text=inbound.text))
    if "employer_answer" not in case.clocks:
        return HandlerResult(replies=(Reply(texts.RELAYED),), effects=(relay,))
    # Answered in time: the answer clock stops and the negotiation clock starts.
    answered = (
        CancelDeadlines(("employer_answer",)),
        deadlines.schedule("negotiation", inbound.received_at),
    )
    event = CaseEvent(reason="employer answered", rule=rules.EMPLOYER_ANSWER.code)
    return HandlerResult(replies=(Reply(texts.RELAYED),), effects=(relay, *answered), event=event)


def worker_says(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """The worker's words reach the employer once the employer has joined."""
    assert case is not None
    if case.employer_id is None:
        return HandlerResult(replies=(Reply(texts.WAITING_FOR_EMPLOYER),))
    relay = Notify(case.employer_id, texts.RELAY_FROM_WORKER.format(text=inbound.text))
    return HandlerResult(replies=(Reply(texts.RELAYED),), effects=(relay,))


def employer_refuses(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """拒绝协商: negotiation ends; the worker may apply for mediation (ECNMR-12)."""
    assert case is not None
    rule = rules.NEGOTIATION_FAILED.code
    return _escalate(
        case,
        "employer refused to negotiate",
        rule,
        worker_text=texts.EMPLOYER_REFUSED.format(rule=rule),
        replies=(Reply(texts.EMPLOYER_REFUSAL_NOTED.format(rule=rule)),),
    )


def answer_period_over(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """ECNMR-8: no answer within 5 days counts as unwillingness to negotiate."""
    assert case is not None
    rule = rules.EMPLOYER_ANSWER.code
    return _escalate(
        case,
        "employer silent for 5 days",
        rule,
        worker_text=texts.EMPLOYER_SILENT.format(rule=rule),
    )


def negotiation_period_over(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """The negotiation deadline (a setting) passed without agreement: on to mediation."""
    assert case is not None
    rule = rules.NEGOTIATION_FAILED.code
    return _escalate(
        case,
        "negotiation deadline passed",
        rule,
        worker_text=texts.NEGOTIATION_TIMEOUT.format(rule=rule),
    )


def _escalate(
    case: CaseView,
    reason: str,
    rule: str,
    *,
    worker_text: str,
    replies: tuple[Reply, ...] = (),
) -> HandlerResult:
    # Mediation was part of the worker's request; consent to share with the mediator is asked
    # by the routing step before any organization sees the case (PIPL-23).
    return HandlerResult(
        replies=replies,
        effects=(CancelDeadlines(), Notify(case.worker_id, worker_text)),
        event=CaseEvent(reason=reason, rule=rule, moves=(CaseState.ESCALATED,), asking=""),
    )
