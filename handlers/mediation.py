"""Mediation (调解, LDMAL-10..16, ECNMR ch.3): the organization accepts or declines within 3
working days, its mediator talks with both parties in the case chat, and records the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from handlers import deadlines, rules, settlement, texts, triage
from handlers.states import CaseState
from handlers.types import (
    CancelDeadlines,
    CaseEvent,
    CaseView,
    ConfirmAgreement,
    DecideAssignment,
    DraftAgreement,
    HandlerResult,
    Inbound,
    Notify,
    Option,
    Relay,
    Reply,
    Role,
    RouteCase,
)
from nlp.extract import mask_personal
from routing.policy import commission_for

OFFER_OPTIONS = (
    Option(texts.ACCEPT_LABEL, "accept_case"),
    Option(texts.DECLINE_LABEL, "decline_case"),
)


def _offered(case: CaseView) -> bool:
    return bool(case.assignment) and case.assignment.get("status") == "offered"  # type: ignore[union-attr]


def _parties(case: CaseView) -> list[str]:
    return [p for p in (case.worker_id, case.employer_id) if p]


def _mediator(case: CaseView) -> str | None:
    return case.assignment.get("mediator_party_id") if case.assignment else None


def offer(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """A mediator opens an offered case: accept or decline."""
    return HandlerResult(replies=(Reply(texts.OFFER_OPTIONS_HINT, OFFER_OPTIONS),))


def accept(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """受理 (ECNMR-19): mediation starts; 15 days from receipt (LDMAL-14)."""
    assert case is not None and case.assignment is not None
    if not _offered(case):
        return HandlerResult(replies=(Reply(texts.OFFER_OPTIONS_HINT),))
    received = datetime.fromisoformat(str(case.assignment["offered_at"]))
    clock = deadlines.schedule("mediation", received)
    date = texts.period_end(clock.due_at)
    rule = rules.MEDIATION_PERIOD
    told = texts.ACCEPTED_TO_PARTIES.format(
        org=case.assignment["org_name"], mediator=inbound.sender_name, date=date, law=rule.law
    )
    return HandlerResult(
        replies=(Reply(texts.ACCEPTED_TO_MEDIATOR.format(date=date, law=rule.law)),),
        effects=(
            DecideAssignment("accepted"),
            CancelDeadlines(("org_acceptance",)),
            clock,
            *(Notify(p, told) for p in _parties(case)),
        ),
        event=CaseEvent(
            reason="organization accepted the case",
            rule=rules.ORG_ACCEPTANCE.code,
            moves=(CaseState.MEDIATING,),
        ),
    )


def decline(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """不受理: the case goes to the next organization, the reason kept."""
    assert case is not None
    if not _offered(case):
        return HandlerResult(replies=(Reply(texts.OFFER_OPTIONS_HINT),))
    said = inbound.text.strip()  # the mediator's reason, when they gave one (the console asks)
    reason = f"organization declined: {said}" if said else "organization declined"
    return _reroute(case, "declined", reason, replies=(Reply(texts.DECLINED_TO_MEDIATOR),))


def acceptance_period_over(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """ECNMR-19: no decision within 3 working days counts as not accepted: next organization."""
    assert case is not None
    if not _offered(case):
        return HandlerResult(replies=())
    return _reroute(case, "expired", "organization silent for 3 working days")


def _reroute(
    case: CaseView,
    status: str,
    reason: str,
    replies: tuple[Reply, ...] = (),
    chosen: str | None = None,
) -> HandlerResult:
    return HandlerResult(
        replies=replies,
        effects=(
            DecideAssignment(status),
            CancelDeadlines(("org_acceptance",)),
            RouteCase(chosen_org_id=chosen),
        ),
        event=CaseEvent(
            reason=reason, rule=rules.ORG_ACCEPTANCE.code, moves=(CaseState.ESCALATED,)
        ),
    )


def other_org(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """换一个: the worker picks another of the alternatives offered with the route."""
    assert case is not None
    alternatives = case.assignment.get("alternatives", []) if case.assignment else []
    if not _offered(case) or not alternatives:
        return HandlerResult(replies=(Reply(texts.NO_ALTERNATIVES),))
    options = tuple(Option(a["name"], f"choose_org:{a['id']}") for a in alternatives)
    return HandlerResult(replies=(Reply(texts.ORG_CHOICES, options),))


def choose_org(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    assert case is not None
    chosen = (inbound.action or "").partition(":")[2]
    alternatives = {a["id"] for a in (case.assignment or {}).get("alternatives", [])}
    if not _offered(case) or chosen not in alternatives:
        return HandlerResult(replies=(Reply(texts.NO_ALTERNATIVES),))
    return _reroute(case, "withdrawn", "worker chose another organization", chosen=chosen)


OUTCOME_OPTIONS = (
    Option(texts.OUTCOME_SUCCESS_LABEL, "mediation_success"),
    Option(texts.OUTCOME_FAILED_LABEL, "mediation_failed"),
    Option(texts.OUTCOME_WITHDRAWN_LABEL, "mediation_withdrawn"),
)


def mediator_says(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """The mediator's words reach both parties; the outcomes stay one tap away. An outcome
    being read back to the mediator takes their answer first."""
    assert case is not None
    answer = _recorded_outcome(inbound, case)
    if answer is not None:
        return answer
    # Not a Relay for content security: the mediator is the accountable staff of a mediation
    # organization (often at the console, with no WeChat identity to check as), not a user.
    text = texts.RELAY_FROM_MEDIATOR.format(name=inbound.sender_name, text=inbound.text)
    relayed = HandlerResult(
        replies=(Reply(texts.RELAYED, OUTCOME_OPTIONS),),
        effects=tuple(Notify(p, text) for p in _parties(case)),
    )
    said = settlement.noting_injury(inbound, case, lambda _: relayed)  # 认定下来了 九级
    assert said is not None
    return said


def record_withdrawal(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """The worker withdrew the application before the mediator (recorded by the mediator)."""
    assert case is not None
    return HandlerResult(
        replies=(Reply(texts.MEDIATION_WITHDRAWN),),
        effects=(
            CancelDeadlines(everything=True),
            DecideAssignment("closed"),
            *(Notify(p, texts.MEDIATION_WITHDRAWN) for p in _parties(case)),
        ),
        event=CaseEvent(
            reason="application withdrawn before the mediator",
            rule=rules.WITHDRAW_CONSENT.code,
            moves=(CaseState.CLOSED,),
        ),
    )


def party_says(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """A party's words reach the mediator (the other party hears the mediator, not them)."""
    assert case is not None
    mediator = _mediator(case)
    if mediator is None or case.state is not CaseState.MEDIATING:
        return HandlerResult(replies=(Reply(texts.NO_MEDIATOR_YET),))
    who = texts.ROLE_NAMES.get(inbound.role.value, inbound.role.value)
    # PIPL-23/28: what the worker consented to share never includes phone or ID numbers.
    words = mask_personal(inbound.text) if inbound.role is Role.WORKER else inbound.text
    text = texts.RELAY_TO_MEDIATOR.format(who=who, text=words)
    notice = Notify(mediator, text, Relay(inbound.sender_id, words))
    relayed = HandlerResult(replies=(Reply(texts.RELAYED),), effects=(notice,))
    if inbound.role is not Role.WORKER:
        return relayed
    said = settlement.noting_injury(inbound, case, lambda _: relayed)  # 认定下来了 九级
    assert said is not None
    return said


def record_success(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """调解成功：<terms>: what was understood is read back to the mediator first; the 调解协议书
    is drafted once they confirm it."""
    assert case is not None and case.assignment is not None
    words = inbound.text.strip().removeprefix(texts.OUTCOME_SUCCESS_LABEL).lstrip("：:，, ")
    terms = settlement.read(inbound, case, "mediator", words)
    if not terms.has_terms:
        return HandlerResult(replies=(Reply(texts.MEDIATION_TERMS_NEEDED),))
    return settlement.read_back(case, "mediator", terms)


def _recorded_outcome(inbound: Inbound, case: CaseView) -> HandlerResult | None:
    """The mediator's answer to the outcome read back to them: 确认 drafts the 调解协议书, new
    terms are read back again, 不对 drops it; anything else is just words."""
    if "mediator" not in settlement.drafts(case):
        return None
    if inbound.action == settlement.CONFIRM_READING.action:
        return _draft_mediation_agreement(inbound, case)
    terms = settlement.read(inbound, case, "mediator")
    if terms.has_terms:
        return settlement.read_back(case, "mediator", terms)
    if terms.kind == "accept":
        return _draft_mediation_agreement(inbound, case)
    if terms.kind == "refuse":
        return HandlerResult(
            replies=(Reply(texts.MEDIATION_TERMS_NEEDED),),
            event=CaseEvent(
                reason="mediator withdrew a reading",
                proposal=_without_mediator_draft(case),
            ),
        )
    return None


def _without_mediator_draft(case: CaseView) -> dict[str, Any]:
    others = {r: d for r, d in settlement.drafts(case).items() if r != "mediator"}
    return {**(settlement.on_table(case) or {}), **({"drafts": others} if others else {})}


def _draft_mediation_agreement(inbound: Inbound, case: CaseView) -> HandlerResult:
    """The 调解协议书 from the confirmed terms; the mediator's record is their signature."""
    proposal = settlement.drafts(case)["mediator"]
    if settlement.final_barred(case, proposal):  # recorded before 认定 and 鉴定 were
        return settlement.injury_refusal("mediator", _without_mediator_draft(case))
    text = agreement_text(case, proposal, inbound.sender_name)
    draft = texts.MEDIATION_DRAFT.format(text=text)
    return HandlerResult(
        replies=(Reply(texts.MEDIATION_RECORDED),),
        effects=(
            DraftAgreement("mediation", text, proposal),
            ConfirmAgreement("mediator"),
            *(Notify(p, draft) for p in _parties(case)),
        ),
        event=CaseEvent(
            reason="mediator recorded an agreement",
            proposal=proposal,
            rule=rules.MEDIATION_AGREEMENT.code,
        ),
    )


def seal(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """盖章确认: the mediator affixes the organization's seal to the 调解协议书 both parties
    confirmed; with it the agreement takes effect (LDMAL-14). Not before both parties."""
    assert case is not None
    agreement = case.agreement
    if not agreement or agreement.get("kind") != "mediation" or agreement.get("effective_at"):
        return HandlerResult(replies=(Reply(texts.NO_DRAFT),))
    parties = [who for who in settlement.missing(agreement) if who in settlement.PARTIES]
    if parties:
        lacking = settlement.missing_words(agreement, employer_joined=case.employer_id is not None)
        return HandlerResult(replies=(Reply(texts.SEAL_TOO_EARLY.format(missing=lacking)),))
    return settlement.confirm(inbound, case, "organization")


def agreement_text(case: CaseView, proposal: Mapping[str, Any], mediator: str) -> str:
    assert case.assignment is not None
    return texts.MEDIATION_AGREEMENT_TEXT.format(
        worker=case.worker_name,
        employer=case.facts.get("employer") or texts.THE_EMPLOYER,
        org=case.assignment["org_name"],
        mediator=mediator,
        disputes="、".join(texts.DISPUTE_NAMES[t] for t in case.dispute_types),
        total=proposal["total"],
        schedule=settlement.agreement_schedule(proposal),
        scope_clause=settlement.scope_clause(proposal),
        law=rules.MEDIATION_AGREEMENT.law,
        law_order=rules.PAYMENT_ORDER.law,
        law_review=rules.ARBITRAL_REVIEW.law,
        law_court=rules.JUDICIAL_CONFIRMATION.law,
        case_id=case.id,
    )


def record_failure(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """调解不成: the parties may apply for arbitration (LDMAL-14), to the competent commission."""
    assert case is not None
    return _advise_arbitration(
        case, texts.MEDIATION_FAILED_TEXT, "mediation failed", inbound.sender_id
    )


def mediation_period_over(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """LDMAL-14: 15 days from receipt without an agreement → arbitration may be applied for."""
    assert case is not None
    return _advise_arbitration(case, texts.MEDIATION_TIMEOUT, "15 days without agreement", "")


def _advise_arbitration(case: CaseView, template: str, reason: str, sender: str) -> HandlerResult:
    commission = commission_for(case.facts.get("place_code")) or texts.COMMISSION_UNKNOWN
    text = template.format(
        law=rules.MEDIATION_PERIOD.law,
        law21=rules.COMPETENT_COMMISSION.law,
        commission=commission,
    )
    mediator = _mediator(case)
    # The worker also hears that arbitration is free, final for small claims, and where to
    # find legal aid (LDMAL-53, LDMAL-47, LAL-31).
    help_text = triage.arbitration_help(case.facts.get("place_code"))
    to_worker = case.worker_id != sender
    return HandlerResult(
        replies=(Reply(text), *(() if to_worker else (Reply(help_text),))),
        effects=(
            CancelDeadlines(),
            DecideAssignment("closed"),
            *(Notify(p, text) for p in (*_parties(case), mediator) if p and p != sender),
            *((Notify(case.worker_id, help_text),) if to_worker else ()),
        ),
        event=CaseEvent(
            reason=reason, rule=rules.MEDIATION_PERIOD.code, moves=(CaseState.ARBITRATION_ADVISED,)
        ),
    )
