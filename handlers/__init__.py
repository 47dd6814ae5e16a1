"""Pure conversation logic. ``ROUTES`` maps (role, case state, intent) to a handler: a table.

``None`` as the state means "no case yet"; ``ANY`` matches every state. Lookup tries the exact
key, then the ANY-state key, then the stage's plain-message handler (a command word that means
nothing at this stage is just words), and finally a status reply.
"""

from __future__ import annotations

from handlers import consent, fallback, followup, intake, mediation, negotiation, safety
from handlers.intents import Intent, understand
from handlers.states import OPEN_STATES, CaseState
from handlers.types import CaseView, Handler, HandlerResult, Inbound, Role

ANY = "*"
RouteKey = tuple[Role, CaseState | str | None, Intent]

W, E, M, SYSTEM = Role.WORKER, Role.EMPLOYER, Role.MEDIATOR, Role.SYSTEM
S = CaseState


def deadline_due(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """A clock ran out: the ON_DUE table says what that means in the case's current stage."""
    assert case is not None
    kind = (inbound.action or "").partition(":")[2]
    handler = ON_DUE.get((kind, case.state))
    return handler(inbound, case) if handler else HandlerResult(replies=())


def escalated_message(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """After an urgent hand-over the worker's answer may be the place still missing, or one of
    the facts the mediator will want."""
    assert case is not None
    if case.asking == "place" and (routed := safety.place_for_route(inbound, case)):
        return routed
    if (case.asking or "").removeprefix(intake.AGAIN) in intake.SLOT_BY_NAME:
        return intake.noted_for_mediator(inbound, case)  # the facts, told while waiting
    return mediation.party_says(inbound, case)


def escalated_agree(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """同意 after escalation: the mediator consent when it is being asked, else just words."""
    assert case is not None
    if case.asking == consent.ASKING[consent.MEDIATOR]:
        return consent.to_mediator(inbound, case)
    return escalated_message(inbound, case)  # 是的 to 还在上班吗, or just words


# (deadline kind, state the case is in when it falls due) → handler. Absent: nothing happens
# (the case moved on; the clock should have been cancelled, and firing is harmless).
ON_DUE: dict[tuple[str, CaseState], Handler] = {
    ("invitation", S.NEGOTIATING): negotiation.invitation_unopened,  # ECNMR-8: not received
    ("invitation_renewed", S.NEGOTIATING): negotiation.invitation_never_opened,  # ECNMR-12
    ("employer_answer", S.NEGOTIATING): negotiation.answer_period_over,  # ECNMR-8
    ("negotiation", S.NEGOTIATING): negotiation.negotiation_period_over,  # ECNMR-12
    ("instalment", S.FOLLOWUP): followup.instalment_due,  # 回访
    ("org_acceptance", S.ESCALATED): mediation.acceptance_period_over,  # ECNMR-19
    ("mediation", S.MEDIATING): mediation.mediation_period_over,  # LDMAL-14.3
}

ROUTES: dict[RouteKey, Handler] = {
    (W, None, Intent.MESSAGE): intake.open_case,
    (W, None, Intent.HELP): fallback.help_menu,
    (W, ANY, Intent.HELP): fallback.help_menu,
    (W, None, Intent.URGENT): safety.urgent,
    (W, ANY, Intent.URGENT): safety.urgent,
    (E, ANY, Intent.URGENT): safety.urgent,
    (W, S.INTAKE, Intent.MESSAGE): intake.answer,
    (W, S.INTAKE, Intent.HUMAN): intake.wants_person,
    (W, S.INTAKE, Intent.CORRECTION): intake.correct_fact,
    (W, S.AWAITING_CONSENT, Intent.CORRECTION): intake.correct_fact,
    (W, S.INTAKE, Intent.QUESTION): intake.asks_something,
    (W, S.AWAITING_CONSENT, Intent.QUESTION): intake.asks_something,
    (W, S.INTAKE, Intent.SKIP): intake.skip,
    (W, S.AWAITING_CONSENT, Intent.MESSAGE): intake.correct,
    (W, S.AWAITING_CONSENT, Intent.AGREE): consent.agree,
    (W, S.AWAITING_CONSENT, Intent.CONSENT_EMPLOYER): consent.to_employer,
    (W, S.AWAITING_CONSENT, Intent.CONSENT_MEDIATOR): consent.to_mediator,
    (W, S.AWAITING_CONSENT, Intent.CONSENT_DECLINE): consent.decline,
    (W, S.NEGOTIATING, Intent.MESSAGE): negotiation.worker_says,
    (W, S.NEGOTIATING, Intent.AGREE): negotiation.worker_agrees,
    (W, S.NEGOTIATING, Intent.CONFIRM_AGREEMENT): negotiation.worker_confirms,
    (E, S.NEGOTIATING, Intent.MESSAGE): negotiation.employer_says,
    (E, S.NEGOTIATING, Intent.AGREE): negotiation.employer_agrees,
    (E, S.NEGOTIATING, Intent.CONFIRM_AGREEMENT): negotiation.employer_confirms,
    (E, S.NEGOTIATING, Intent.REFUSE): negotiation.employer_refuses,
    **{
        (W, s, Intent.HUMAN): consent.ask_for_human
        for s in (S.TRIAGE, S.AWAITING_CONSENT, S.NEGOTIATING)
    },
    (W, S.NEGOTIATING, Intent.CONSENT_MEDIATOR): consent.to_mediator,
    # Escalated: the organization decides; the worker may pick another or consent late.
    (M, S.ESCALATED, Intent.MESSAGE): mediation.offer,
    (M, S.ESCALATED, Intent.ACCEPT_CASE): mediation.accept,
    (M, S.ESCALATED, Intent.DECLINE_CASE): mediation.decline,
    (W, S.ESCALATED, Intent.MESSAGE): escalated_message,
    (W, S.ESCALATED, Intent.AGREE): escalated_agree,
    (W, S.ESCALATED, Intent.CONSENT_MEDIATOR): consent.to_mediator,
    (W, S.ESCALATED, Intent.OTHER_ORG): mediation.other_org,
    (W, S.ESCALATED, Intent.CHOOSE_ORG): mediation.choose_org,
    (E, S.ESCALATED, Intent.MESSAGE): mediation.party_says,
    # Mediating: the mediator talks with both parties and records the outcome.
    (M, S.MEDIATING, Intent.MESSAGE): mediation.mediator_says,
    (M, S.MEDIATING, Intent.MEDIATION_SUCCESS): mediation.record_success,
    (M, S.MEDIATING, Intent.MEDIATION_FAILED): mediation.record_failure,
    (M, S.MEDIATING, Intent.MEDIATION_WITHDRAWN): mediation.record_withdrawal,
    (M, S.MEDIATING, Intent.SEAL_AGREEMENT): mediation.seal,
    (W, S.MEDIATING, Intent.MESSAGE): mediation.party_says,
    (E, S.MEDIATING, Intent.MESSAGE): mediation.party_says,
    (W, S.MEDIATING, Intent.CONFIRM_AGREEMENT): negotiation.worker_confirms,
    (E, S.MEDIATING, Intent.CONFIRM_AGREEMENT): negotiation.employer_confirms,
    (W, S.FOLLOWUP, Intent.PAID): followup.paid,
    (W, S.FOLLOWUP, Intent.NOT_PAID): followup.not_paid,
    (W, S.FOLLOWUP, Intent.MESSAGE): followup.which,
    (SYSTEM, ANY, Intent.DEADLINE): deadline_due,
    (W, None, Intent.ERASE): fallback.ask_erase,
    (W, ANY, Intent.ERASE): fallback.ask_erase,
    (W, None, Intent.ERASE_CONFIRM): fallback.erase,
    (W, ANY, Intent.ERASE_CONFIRM): fallback.erase,
    (W, ANY, Intent.ERASE_CANCEL): fallback.keep_data,
    **{(W, state, Intent.WITHDRAW): fallback.ask_withdraw for state in OPEN_STATES},
    **{(W, state, Intent.WITHDRAW_CONFIRM): fallback.withdraw for state in OPEN_STATES},
    **{(W, state, Intent.WITHDRAW_CANCEL): fallback.keep_going for state in OPEN_STATES},
}


def route(inbound: Inbound, case: CaseView | None) -> Handler:
    """Pick the handler for this message from the ROUTES table."""
    intent = understand(inbound, case)
    state = case.state if case else None
    keys = (
        (inbound.role, state, intent),
        (inbound.role, ANY, intent),
        (inbound.role, state, Intent.MESSAGE),
    )
    for key in keys:
        handler = ROUTES.get(key)
        if handler is not None:
            return handler
    return fallback.status


__all__ = ["ANY", "ON_DUE", "ROUTES", "route"]
