"""Settlement in negotiation: proposals and counter-proposals in words, acceptance, the written
和解协议 both parties confirm (ECNMR-11), and the payment schedule it starts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
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
    Relay,
    Reply,
    ScheduleDeadline,
)
from nlp.answers import injury_progress
from nlp.extract import mask_personal
from nlp.terms import Payment, Terms, parse_terms

DEFAULT_DUE_DAYS = 15  # a payment agreed without a date is followed up 15 days after signing
PARTIES = ("worker", "employer")
# Who must sign before an agreement takes effect, in the order they are named: a 和解协议 both
# parties (ECNMR-11); a 调解协议书 both parties, the mediator and the organization's seal
# (LDMAL-14). The mediator's recording of the outcome is their signature; the seal is the
# mediator's 盖章确认 on the organization's behalf.
SIGNERS = {
    "settlement": PARTIES,
    "mediation": (*PARTIES, "mediator", "organization"),
}
CONFIRM = Option(texts.CONFIRM_LABEL, "confirm_agreement")
CONFIRM_READING = Option(texts.READBACK_CONFIRM_LABEL, "confirm_agreement")


def today_of(inbound: Inbound) -> date:
    return inbound.received_at.astimezone(texts.CHINA).date()


def terms_data(terms: Terms, role: str) -> dict[str, Any]:
    """Terms as stored on the case and in the agreement: total, payments in order, conditions."""
    return {
        "by": role,
        "total": terms.total,
        "instalments": [
            {"n": n, "amount": p.amount, "due": p.due.isoformat() if p.due else None}
            for n, p in enumerate(terms.schedule, start=1)
        ],
        "conditions": list(terms.conditions),
        "final": terms.final,
        "interim": list(terms.interim),
    }


def as_terms(proposal: Mapping[str, Any] | None) -> Terms | None:
    """Stored terms read back into a Terms (for a counter that changes only how it is paid)."""
    if not proposal or not proposal.get("total"):
        return None
    payments = tuple(
        Payment(int(p["amount"]), date.fromisoformat(p["due"]) if p.get("due") else None)
        for p in proposal.get("instalments", ())
    )
    conditions = tuple(proposal.get("conditions", ()))
    final, interim = bool(proposal.get("final")), tuple(proposal.get("interim", ()))
    total = int(proposal["total"])
    return Terms("offer", total, payments, conditions, final=final, interim=interim)


def on_table(case: CaseView) -> dict[str, Any] | None:
    """The terms one side has put to the other (drafts still being read back left out)."""
    proposal = dict(case.proposal or {})
    proposal.pop("drafts", None)
    return proposal if proposal.get("total") else None


def drafts(case: CaseView) -> dict[str, Any]:
    """Terms read back to their author and not yet confirmed, by the author's role."""
    return dict((case.proposal or {}).get("drafts") or {})


def _with_drafts(case: CaseView, changed: Mapping[str, Any]) -> dict[str, Any]:
    kept = {role: d for role, d in {**drafts(case), **changed}.items() if d}
    return {**(on_table(case) or {}), **({"drafts": kept} if kept else {})}


def describe(proposal: Mapping[str, Any]) -> str:
    """The terms in plain words, every amount and date, so that both sides read the same."""
    parts = proposal["instalments"]
    if len(parts) == 1:
        plan = _payment_words(parts[0], texts.TERMS_ONCE, texts.TERMS_ONCE_UNDATED)
    else:
        steps = "；".join(
            _payment_words(p, texts.TERMS_PAYMENT, texts.TERMS_PAYMENT_UNDATED) for p in parts
        )
        plan = texts.TERMS_PAYMENTS.format(count=len(parts), steps=steps)
    words = texts.TERMS_LINE.format(total=proposal["total"], plan=plan)
    if proposal.get("conditions"):
        words += texts.TERMS_CONDITIONS.format(conditions="、".join(proposal["conditions"]))
    if interim_only(proposal):
        words += texts.TERMS_INTERIM.format(items="、".join(proposal["interim"]))
    return words


def _payment_words(part: Mapping[str, Any], dated: str, undated: str) -> str:
    due = part.get("due")
    template = dated if due else undated
    return template.format(n=part["n"], amount=part["amount"], date=cn_date(due) if due else "")


def cn_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def other_party(case: CaseView, role: str) -> str | None:
    return case.employer_id if role == "worker" else case.worker_id


def read(inbound: Inbound, case: CaseView, role: str, text: str | None = None) -> Terms:
    """What a party's words say about the terms, against the claim and the terms on the table."""
    claimed = case.facts.get("amount")
    return parse_terms(
        inbound.text if text is None else text,
        today_of(inbound),
        claimed if isinstance(claimed, int) else None,
        role,
        as_terms(on_table(case)),
    )


def propose(inbound: Inbound, case: CaseView, role: str) -> HandlerResult | None:
    """A party's words in negotiation: terms are read back to their author first; an answer to
    their own read-back, or to the other side's terms, is taken as such. None: plain words."""
    terms = read(inbound, case, role)
    table = on_table(case)
    theirs = table is not None and table.get("by") != role
    if role in drafts(case):
        return _answer_to_reading(inbound, case, role, terms)
    if terms.has_terms:
        if terms.kind == "accept" and theirs and _same(terms, table):
            return accept(inbound, case, role)
        return read_back(case, role, terms)
    if terms.share is not None and not isinstance(case.facts.get("amount"), int):
        return HandlerResult(replies=(Reply(texts.PROPOSAL_NEEDS_AMOUNT),))
    if terms.kind == "accept" and theirs:
        return accept(inbound, case, role)
    if terms.kind == "refuse" and theirs:
        return _refuse(inbound, case, role)
    return None


def _same(terms: Terms, table: Mapping[str, Any] | None) -> bool:
    mine = terms_data(terms, "")
    return bool(table) and all(mine[k] == table.get(k) for k in ("total", "instalments"))  # type: ignore[union-attr]


def read_back(case: CaseView, role: str, terms: Terms) -> HandlerResult:
    """Say back what was understood; nothing reaches the other side until the author confirms.
    Terms that would settle a work injury for good too early are refused here (final_barred)."""
    draft = terms_data(terms, role)
    if final_barred(case, draft):
        dropped = _with_drafts(case, {role: None}) if role in drafts(case) else None
        return injury_refusal(role, dropped)
    template = texts.READBACK_MEDIATOR if role == "mediator" else texts.READBACK
    text = template.format(terms=describe(draft))
    return HandlerResult(
        replies=(Reply(text, (CONFIRM_READING,)),),
        event=CaseEvent(
            reason=f"{role}'s terms read back", proposal=_with_drafts(case, {role: draft})
        ),
    )


def _answer_to_reading(
    inbound: Inbound, case: CaseView, role: str, terms: Terms
) -> HandlerResult | None:
    if terms.has_terms:
        return read_back(case, role, terms)  # a correction: read back again
    if terms.kind == "accept":
        return send_draft(inbound, case, role)
    if terms.kind == "refuse":
        return HandlerResult(
            replies=(Reply(texts.READBACK_DROPPED),),
            event=CaseEvent(
                reason=f"{role} withdrew a reading", proposal=_with_drafts(case, {role: None})
            ),
        )
    return None


def send_draft(inbound: Inbound, case: CaseView, role: str) -> HandlerResult:
    """The author confirmed the reading: the terms go on the table and to the other side."""
    draft = drafts(case)[role]
    words = describe(draft)
    effects: list[Any] = [RecordOffer(role, draft)]
    recipient = other_party(case, role)
    if recipient:
        who = texts.ROLE_NAMES[role]
        effects.append(Notify(recipient, texts.PROPOSAL_RECEIVED.format(who=who, proposal=words)))
    others = {r: d for r, d in drafts(case).items() if r != role}
    proposal = {**draft, **({"drafts": others} if others else {})}
    reply = texts.PROPOSAL_SENT if recipient else texts.PROPOSAL_KEPT
    return HandlerResult(
        replies=(Reply(reply.format(proposal=words)),),
        effects=tuple(effects),
        event=CaseEvent(reason=f"{role} proposed terms", proposal=proposal),
    )


def _refuse(inbound: Inbound, case: CaseView, role: str) -> HandlerResult:
    """Terms turned down in words: the other side hears it, the talk goes on."""
    who = texts.ROLE_NAMES[role]
    words = mask_personal(inbound.text) if role == "worker" else inbound.text
    recipient = other_party(case, role)
    effects: tuple[Any, ...] = ()
    if recipient:
        text = texts.TERMS_REFUSED_NOTICE.format(who=who, text=words)
        effects = (Notify(recipient, text, Relay(inbound.sender_id, words)),)
    return HandlerResult(replies=(Reply(texts.TERMS_REFUSED),), effects=effects)


def accept(inbound: Inbound, case: CaseView, role: str) -> HandlerResult | None:
    """同意: to one's own read-back (the terms go out), else to the other side's terms (the
    agreement is drafted for both to confirm)."""
    if role in drafts(case):
        return send_draft(inbound, case, role)
    proposal = on_table(case)
    if not proposal or proposal.get("by") == role:
        return None
    if final_barred(case, proposal):
        return injury_refusal(role)
    text = agreement_text(case, proposal)
    who = texts.ROLE_NAMES[role]
    notice = Notify(
        other_party(case, role) or case.worker_id, texts.ACCEPTED_NOTICE.format(who=who)
    )
    return HandlerResult(
        replies=(Reply(texts.ACCEPTED_DRAFT.format(text=text), (CONFIRM,)),),
        effects=(DraftAgreement("settlement", text, proposal), notice),
        event=CaseEvent(
            reason=f"{role} accepted the proposal", rule=rules.NEGOTIATION.code, proposal=proposal
        ),
    )


def agreement_text(case: CaseView, proposal: Mapping[str, Any]) -> str:
    """The 和解协议, fixed when drafted; both parties confirm exactly this text."""
    return texts.AGREEMENT_TEXT.format(
        worker=case.worker_name,
        employer=case.facts.get("employer") or texts.THE_EMPLOYER,
        disputes="、".join(texts.DISPUTE_NAMES[t] for t in case.dispute_types),
        total=proposal["total"],
        schedule=agreement_schedule(proposal),
        scope_clause=scope_clause(proposal),
        law_breach=rules.NEGOTIATION_FAILED.law,
        law_binding=rules.SETTLEMENT_BINDING.law,
        case_id=case.id,
    )


def agreement_schedule(proposal: Mapping[str, Any]) -> str:
    """How the money is paid, one line a payment, then the other terms agreed."""
    parts = proposal["instalments"]
    if len(parts) == 1:
        lines = _payment_words(parts[0], texts.TERMS_ONCE, texts.TERMS_ONCE_UNDATED)
    else:
        lines = texts.AGREEMENT_PAYMENTS.format(count=len(parts)) + "；".join(
            _payment_words(p, texts.AGREEMENT_PAYMENT, texts.AGREEMENT_PAYMENT_UNDATED)
            for p in parts
        )
    if proposal.get("conditions"):
        lines += texts.AGREEMENT_CONDITIONS.format(conditions="；".join(proposal["conditions"]))
    return lines


def scope_clause(proposal: Mapping[str, Any]) -> str:
    """Clause 二 of an agreement: no further claims, or, for interim terms, that they are
    interim and leave the work-injury claims untouched."""
    if interim_only(proposal):
        return texts.AGREEMENT_INTERIM_CLAUSE.format(items="、".join(proposal["interim"]))
    return texts.AGREEMENT_FINAL_CLAUSE


# Work injury (工伤): domain.md and WIIR-17. A private settlement before 工伤认定 and
# 伤残等级鉴定 may undervalue the claim, so until both are recorded on the case only interim
# terms (medical costs, wages during treatment) may be agreed, on every path.
INJURY = "work_injury"


def interim_only(proposal: Mapping[str, Any]) -> bool:
    """Terms that name interim items (医疗费, 停工留薪期工资) and nothing final."""
    return bool(proposal.get("interim")) and not proposal.get("final")


def injury_assessed(facts: Mapping[str, Any]) -> bool:
    """工伤认定 and 伤残等级鉴定 both recorded as done."""
    return facts.get("injury_determined") is True and facts.get("disability_assessed") is True


def final_barred(case: CaseView, proposal: Mapping[str, Any]) -> bool:
    """Whether these terms would settle a work injury for good before 认定 and 鉴定."""
    if INJURY not in case.dispute_types or injury_assessed(case.facts):
        return False
    return not interim_only(proposal)


def injury_refusal(role: str, proposal: Mapping[str, Any] | None = None) -> HandlerResult:
    """Why nothing final can be agreed yet, and what to do next, in plain words."""
    rule = rules.WORK_INJURY_DETERMINATION
    event = None
    if proposal is not None:  # the author's earlier reading goes with it
        reason = f"{role}'s final injury terms refused"
        event = CaseEvent(reason=reason, rule=rule.code, proposal=proposal)
    replies = (
        Reply(texts.INJURY_NO_FINAL_SETTLEMENT),
        Reply(texts.INJURY_NEXT_STEP.format(law=rule.law)),
    )
    return HandlerResult(replies=replies, event=event)


def noting_injury(
    inbound: Inbound, case: CaseView, then: Callable[[CaseView], HandlerResult | None]
) -> HandlerResult | None:
    """认定下来了 九级: where a work injury stands, said by the worker or the mediator, goes on
    the case (the reply says what it allows now); ``then`` handles the rest of the message
    with the facts as they now are (None: nothing else in it)."""
    said = injury_progress(inbound.text) if INJURY in case.dispute_types else {}
    if not said:
        return then(case)
    facts = {**case.facts, **said}
    rest = then(replace(case, facts=facts))
    noted = Reply(_progress_words(said, facts))
    if rest is None:
        rule = rules.WORK_INJURY_DETERMINATION.code
        event = CaseEvent(reason="where the work injury stands", rule=rule, facts=said)
        return HandlerResult(replies=(noted,), event=event)
    event = rest.event or CaseEvent(reason="where the work injury stands")
    event = replace(event, facts={**(event.facts or {}), **said})
    return replace(rest, replies=(noted, *rest.replies), event=event)


def _progress_words(said: Mapping[str, Any], facts: Mapping[str, Any]) -> str:
    parts = [
        texts.INJURY_PROGRESS[(name, said[name])]
        for name in ("injury_determined", "disability_assessed")
        if name in said and not (name == "disability_assessed" and "disability_grade" in said)
    ]
    grade = said.get("disability_grade")
    if grade is not None:
        parts.append(texts.INJURY_GRADE.format(grade=grade) if grade else texts.INJURY_NO_GRADE)
    allowed = texts.INJURY_FINAL_ALLOWED if injury_assessed(facts) else texts.INJURY_STILL_NEEDED
    return texts.INJURY_NOTED.format(progress="，".join(parts)) + allowed


def missing(agreement: Mapping[str, Any], also: str | None = None) -> list[str]:
    """The signers an agreement still lacks (SIGNERS), counting ``also`` as signed."""
    signed = {*agreement.get("confirmed_by", ()), *((also,) if also else ())}
    return [who for who in SIGNERS[agreement["kind"]] if who not in signed]


def status(agreement: Mapping[str, Any]) -> str:
    """draft (nobody signed yet) → confirming (some have) → effective (everyone in SIGNERS)."""
    if agreement.get("effective_at"):
        return "effective"
    return "confirming" if agreement.get("confirmed_by") else "draft"


def missing_words(
    agreement: Mapping[str, Any], also: str | None = None, employer_joined: bool = True
) -> str:
    """The missing signatures in words: 单位的确认、调解组织的盖章."""
    words = [texts.SIGNATURE_NAMES[who] for who in missing(agreement, also)]
    if not employer_joined and "employer" in missing(agreement, also):
        at = words.index(texts.SIGNATURE_NAMES["employer"])
        words[at] += texts.EMPLOYER_NOT_JOINED
    return "、".join(words)


def confirm(inbound: Inbound, case: CaseView | None, role: str) -> HandlerResult:
    """确认协议 (or the organization's seal): the agreement takes effect once every signer its
    kind needs has confirmed the same text; until then everyone hears who is still missing."""
    assert case is not None
    if role in drafts(case):
        return send_draft(inbound, case, role)
    agreement = case.agreement
    if not agreement or agreement.get("effective_at"):
        return HandlerResult(replies=(Reply(texts.NO_DRAFT),))
    joined = case.employer_id is not None
    if role in agreement.get("confirmed_by", ()):
        lacking = missing_words(agreement, employer_joined=joined)
        return HandlerResult(replies=(Reply(texts.ALREADY_CONFIRMED.format(missing=lacking)),))
    if missing(agreement, role):
        return _confirmed_waiting(inbound, case, agreement, role)
    return _settle(inbound, case, role)


def _confirmed_waiting(
    inbound: Inbound, case: CaseView, agreement: Mapping[str, Any], role: str
) -> HandlerResult:
    lacking = missing_words(agreement, role, case.employer_id is not None)
    still = missing(agreement, role)
    notices: list[Any] = []
    for party, party_id in zip(PARTIES, (case.worker_id, case.employer_id), strict=True):
        if party_id and party_id != inbound.sender_id:
            template = texts.CONFIRMED_OTHER if party in still else texts.CONFIRMED_OTHER_DONE
            notice = template.format(
                who=texts.ROLE_NAMES[role],
                agreement=texts.AGREEMENT_NAMES[agreement["kind"]],
                missing=lacking,
            )
            notices.append(Notify(party_id, notice))
    mediator = _mediator(case)
    if mediator and still == ["organization"]:
        seal = texts.SEAL_ASKED.format(law=rules.MEDIATION_AGREEMENT.law)
        notices.append(Notify(mediator, seal))
    reply = Reply(texts.CONFIRMED_WAITING.format(missing=lacking))
    return HandlerResult(replies=(reply,), effects=(ConfirmAgreement(role), *notices))


def _mediator(case: CaseView) -> str | None:
    return case.assignment.get("mediator_party_id") if case.assignment else None


def _parties(case: CaseView) -> list[str]:
    return [p for p in (case.worker_id, case.employer_id, _mediator(case)) if p]


def _settle(inbound: Inbound, case: CaseView, role: str) -> HandlerResult:
    agreement = case.agreement or {}
    terms = agreement.get("terms", {})
    mediation = agreement.get("kind") == "mediation"
    if mediation:
        text = texts.MEDIATION_SETTLED.format(
            law=rules.MEDIATION_AGREEMENT.law,
            law_review=rules.ARBITRAL_REVIEW.law,
            law_court=rules.JUDICIAL_CONFIRMATION.law,
        )
        rule = rules.MEDIATION_AGREEMENT.code
        extra: list[Any] = [
            deadlines.schedule("arbitral_review", inbound.received_at),
            deadlines.schedule("judicial_confirmation", inbound.received_at),
            DecideAssignment("closed"),
        ]
    else:
        text = texts.SETTLED.format(
            law=rules.SETTLEMENT_BINDING.law, law2=rules.NEGOTIATION_FAILED.law
        )
        rule, extra = rules.SETTLEMENT_BINDING.code, []
    effects: list[Any] = [
        ConfirmAgreement(role, effective=True),
        CancelDeadlines(),
        *(Notify(p, text) for p in _parties(case) if p != inbound.sender_id),
        *instalment_clocks(terms.get("instalments", ()), today_of(inbound)),
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


def due_days(parts: Iterable[Mapping[str, Any]], signed: date) -> list[date]:
    """The day each payment is due by: its own date; one agreed without a date is due
    DEFAULT_DUE_DAYS after signing, or on the next dated payment's day if that comes first."""
    parts = list(parts)
    days = []
    for i, part in enumerate(parts):
        due = part.get("due")
        if not due:
            later = [p["due"] for p in parts[i + 1 :] if p.get("due")]
            fallback = signed + timedelta(days=DEFAULT_DUE_DAYS)
            due = min([fallback.isoformat(), *later[:1]])
        days.append(date.fromisoformat(due))
    return days


def instalment_clocks(parts: Iterable[Mapping[str, Any]], signed: date) -> list[ScheduleDeadline]:
    """回访 for every payment on its own day (due_days)."""
    parts = list(parts)
    return [
        instalment_clock({**part, "due_day": due.isoformat()}, due)
        for part, due in zip(parts, due_days(parts, signed), strict=True)
    ]


def instalment_clock(part: Mapping[str, Any], due: date) -> ScheduleDeadline:
    """回访 on the day after a payment falls due (the whole due day is the employer's)."""
    at = datetime.combine(due + timedelta(days=1), time(10, 0), tzinfo=texts.CHINA)
    return ScheduleDeadline(
        kind="instalment", due_at=at, rule=rules.SETTLEMENT_BINDING.code, detail=dict(part)
    )
