"""Settlement in negotiation: proposals and counter-proposals in words, acceptance, the written
和解协议 both parties confirm (ECNMR-11), and the payment schedule it starts."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from handlers import deadlines, rules, texts
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
    RecordOffer,
    Reply,
    ScheduleDeadline,
)
from nlp.terms import Terms, parse_terms

DEFAULT_DUE_DAYS = 15  # a proposal that names no date: due in 15 days
PARTIES = ("worker", "employer")
CONFIRM = Option(texts.CONFIRM_LABEL, "confirm_agreement")


def today_of(inbound: Inbound) -> date:
    return inbound.received_at.astimezone(texts.CHINA).date()


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule(total: int, parts: int, due: date, today: date) -> list[dict[str, Any]]:
    """``parts`` equal instalments a month apart, the last on ``due`` (none before today);
    rounding goes to the last one so the parts add up to the total."""
    parts = max(1, min(parts, 24))
    share = total // parts
    dates = [max(_add_months(due, -(parts - 1 - i)), today) for i in range(parts)]
    amounts = [share] * (parts - 1) + [total - share * (parts - 1)]
    return [
        {"n": i + 1, "amount": a, "due": d.isoformat()}
        for i, (a, d) in enumerate(zip(amounts, dates, strict=True))
    ]


def proposal_from(terms: Terms, role: str, claimed: int | None, today: date) -> dict[str, Any]:
    """The proposal a message makes, as data; empty when it names no money."""
    total = terms.amount_of(claimed) if claimed else terms.amount
    if total is None or total <= 0:
        return {}
    due = terms.due or today + timedelta(days=DEFAULT_DUE_DAYS)
    return {
        "by": role,
        "total": total,
        "instalments": schedule(total, terms.instalments or 1, due, today),
    }


def describe(proposal: Mapping[str, Any]) -> str:
    """The terms restated in plain words, so that both sides read the same thing."""
    parts = proposal["instalments"]
    if len(parts) == 1:
        plan = texts.INSTALMENT_ONE.format(date=_cn(parts[0]["due"]))
    else:
        plan = "，".join(
            texts.INSTALMENT_PART.format(n=p["n"], amount=p["amount"], date=_cn(p["due"]))
            for p in parts
        )
    return texts.PROPOSAL_LINE.format(total=proposal["total"], schedule=plan)


def _cn(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def other_party(case: CaseView, role: str) -> str | None:
    return case.employer_id if role == "worker" else case.worker_id


def propose(inbound: Inbound, case: CaseView, role: str) -> HandlerResult | None:
    """A message that names money is a proposal: restate it, record it, pass it on."""
    terms = parse_terms(inbound.text, today_of(inbound))
    if terms.amount is None and terms.share is None:
        return None
    claimed = case.facts.get("amount")
    proposal = proposal_from(
        terms, role, claimed if isinstance(claimed, int) else None, today_of(inbound)
    )
    if not proposal:
        return HandlerResult(replies=(Reply(texts.PROPOSAL_NEEDS_AMOUNT),))
    words = describe(proposal)
    effects: list[Any] = [RecordOffer(role, proposal)]
    recipient = other_party(case, role)
    if recipient:
        who = texts.ROLE_NAMES[role]
        effects.append(Notify(recipient, texts.PROPOSAL_RECEIVED.format(who=who, proposal=words)))
    return HandlerResult(
        replies=(Reply(texts.PROPOSAL_SENT.format(proposal=words)),),
        effects=tuple(effects),
        event=CaseEvent(reason=f"{role} proposed terms", proposal=proposal),
    )


def accept(inbound: Inbound, case: CaseView, role: str) -> HandlerResult | None:
    """同意 to the other side's proposal: the agreement is drafted for both to confirm."""
    proposal = case.proposal
    if not proposal or proposal.get("by") == role:
        return None
    if "work_injury" in case.dispute_types:
        # WIIR: no full-and-final injury settlement before 工伤认定 and disability grading.
        text = texts.INJURY_NO_FINAL_SETTLEMENT.format(rule=rules.WORK_INJURY_DETERMINATION.code)
        return HandlerResult(replies=(Reply(text),))
    text = agreement_text(case, proposal)
    who = texts.ROLE_NAMES[role]
    notice = Notify(
        other_party(case, role) or case.worker_id, texts.ACCEPTED_NOTICE.format(who=who)
    )
    return HandlerResult(
        replies=(Reply(texts.ACCEPTED_DRAFT.format(text=text), (CONFIRM,)),),
        effects=(DraftAgreement("settlement", text, proposal), notice),
        event=CaseEvent(reason=f"{role} accepted the proposal", rule=rules.NEGOTIATION.code),
    )


def agreement_text(case: CaseView, proposal: Mapping[str, Any]) -> str:
    """The 和解协议, fixed when drafted; both parties confirm exactly this text."""
    return texts.AGREEMENT_TEXT.format(
        worker=case.worker_name,
        employer=case.facts.get("employer") or texts.THE_EMPLOYER,
        disputes="、".join(texts.DISPUTE_NAMES[t] for t in case.dispute_types),
        total=proposal["total"],
        schedule=describe(proposal).split("，", 1)[1],
        rule_breach=rules.NEGOTIATION_FAILED.code,
        rule_binding=rules.SETTLEMENT_BINDING.code,
        case_id=case.id,
    )


def required(case: CaseView) -> set[str]:
    """Who must confirm: both parties for a 和解协议 (ECNMR-11); for a 调解协议书 the parties
    present in the case and the mediator, whose recording of the outcome is their signature
    (LDMAL-14)."""
    if case.agreement and case.agreement.get("kind") == "mediation":
        return {"worker", "mediator", *(("employer",) if case.employer_id else ())}
    return set(PARTIES)


def confirm(inbound: Inbound, case: CaseView | None, role: str) -> HandlerResult:
    """确认协议: once everyone required has confirmed the same text, it binds them."""
    assert case is not None
    agreement = case.agreement
    if not agreement or agreement.get("effective_at"):
        return HandlerResult(replies=(Reply(texts.NO_DRAFT),))
    confirmed = tuple(agreement.get("confirmed_by", ()))
    if role in confirmed:
        return HandlerResult(replies=(Reply(texts.ALREADY_CONFIRMED),))
    if not required(case) <= {*confirmed, role}:
        notices = [
            Notify(p, texts.CONFIRMED_OTHER.format(who=texts.ROLE_NAMES[role]))
            for p in _parties(case)
            if p != inbound.sender_id
        ]
        return HandlerResult(
            replies=(Reply(texts.CONFIRMED_WAITING),), effects=(ConfirmAgreement(role), *notices)
        )
    return _settle(inbound, case, role)


def _parties(case: CaseView) -> list[str]:
    mediator = case.assignment.get("mediator_party_id") if case.assignment else None
    return [p for p in (case.worker_id, case.employer_id, mediator) if p]


def _settle(inbound: Inbound, case: CaseView, role: str) -> HandlerResult:
    agreement = case.agreement or {}
    terms = agreement.get("terms", {})
    mediation = agreement.get("kind") == "mediation"
    if mediation:
        text = texts.MEDIATION_SETTLED.format(
            rule=rules.MEDIATION_AGREEMENT.code,
            review=rules.ARBITRAL_REVIEW.code,
            court=rules.JUDICIAL_CONFIRMATION.code,
        )
        rule = rules.MEDIATION_AGREEMENT.code
        extra: list[Any] = [
            deadlines.schedule("arbitral_review", inbound.received_at),
            deadlines.schedule("judicial_confirmation", inbound.received_at),
            DecideAssignment("closed"),
        ]
    else:
        text = texts.SETTLED.format(
            rule=rules.SETTLEMENT_BINDING.code, rule2=rules.NEGOTIATION_FAILED.code
        )
        rule, extra = rules.SETTLEMENT_BINDING.code, []
    effects: list[Any] = [
        ConfirmAgreement(role, effective=True),
        CancelDeadlines(),
        *(Notify(p, text) for p in _parties(case) if p != inbound.sender_id),
        *(instalment_clock(part) for part in terms.get("instalments", ())),
        *extra,
    ]
    return HandlerResult(
        replies=(Reply(text),),
        effects=tuple(effects),
        event=CaseEvent(
            reason="everyone confirmed the agreement",
            moves=(CaseState.SETTLED, CaseState.FOLLOWUP),
            rule=rule,
        ),
    )


def instalment_clock(part: Mapping[str, Any]) -> ScheduleDeadline:
    """回访 on the day after an instalment falls due (the whole due day is the employer's)."""
    due = date.fromisoformat(part["due"]) + timedelta(days=1)
    at = datetime.combine(due, time(10, 0), tzinfo=texts.CHINA)
    return ScheduleDeadline(
        kind="instalment", due_at=at, rule=rules.SETTLEMENT_BINDING.code, detail=dict(part)
    )
