"""Urgent: a message about self-harm, violence, an injury without care or being stranded gets a
short human answer fitted to the danger and a person at once, in any state and from the first
message on. The classifier's one urgency detector (nlp.classify.urgency) decides; the wage
claim in the same message is still recorded, and nothing of it is relayed to the employer.

Handing the case to a mediation organization before the worker has answered the consent
question rests on PIPL-13 (processing needed to protect a person's life and health in an
emergency); the audit trail records that rule on the move. Without a place the case waits
for the worker to say where before it is routed; the urgent risk alert reaches the supervisors
at once either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers import intake, rules, texts
from handlers.states import CaseState
from handlers.types import (
    CancelDeadlines,
    CaseEvent,
    CaseView,
    Effect,
    HandlerResult,
    Inbound,
    Notify,
    Reply,
    RouteCase,
)
from nlp.classify import urgency

URGENT = "urgent"
# How a case in each stage reaches a person: moves through the transition table.
_TO_PERSON: dict[CaseState, tuple[CaseState, ...]] = {
    CaseState.INTAKE: (CaseState.TRIAGE, CaseState.AWAITING_CONSENT, CaseState.ESCALATED),
    CaseState.TRIAGE: (CaseState.AWAITING_CONSENT, CaseState.ESCALATED),
    CaseState.AWAITING_CONSENT: (CaseState.ESCALATED,),
    CaseState.NEGOTIATING: (CaseState.ESCALATED,),
}


def _answer(inbound: Inbound, handed_over: bool, place_known: bool) -> tuple[Reply, ...]:
    """The danger's own line (12356, 110, 120, help home), then who will call, then where."""
    found = urgency(inbound.text)
    kind = found.kind if found is not None else ""
    first = texts.URGENT_REPLIES.get(kind, texts.URGENT_REPLIES["other"])
    if handed_over:
        first += texts.URGENT_PERSON
    replies = [Reply(first)]
    if handed_over and not place_known:
        replies.append(Reply(texts.URGENT_ASK_PLACE))
    return tuple(replies)


def urgent(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """Danger: answer now, flag the case urgent and put it before a person."""
    if case is None:
        return _open_urgent(inbound)
    flags = case.flags if URGENT in case.flags else (*case.flags, URGENT)
    moves = _TO_PERSON.get(case.state, ())
    said = intake.facts_of(inbound, near=case.facts.get("place_code"))
    new_facts = {k: v for k, v in said.items() if k not in case.facts} if moves else {}
    known = {**case.facts, **new_facts}
    place_known = bool(known.get("place_code") or known.get("lat"))
    effects: list[Effect] = []
    if moves:
        if case.state is CaseState.NEGOTIATING:
            effects.append(CancelDeadlines())
        if place_known:  # else the place is asked first; supervisors hear of it meanwhile
            effects.append(RouteCase())
    elif (mediator := _mediator(case)) is not None:
        effects.append(Notify(mediator, texts.URGENT_TO_MEDIATOR))
    replies = _answer(inbound, True, place_known or not moves)
    asking = "" if place_known or not moves else "place"
    if moves and place_known and case.state is CaseState.INTAKE:
        more, asking = _more(case.dispute_types, known)
        replies = (*replies, *more)
    event = CaseEvent(
        reason="urgent: a person now",
        moves=moves,
        rule=rules.EMERGENCY.code,
        flags=flags,
        facts=new_facts or None,  # "不想活了 老板欠我两万": the claim is still recorded
        asking=asking,
    )
    return HandlerResult(replies=replies, effects=tuple(effects), event=event)


def _more(
    dispute_types: tuple[str, ...], facts: Mapping[str, Any]
) -> tuple[tuple[Reply, ...], str]:
    """Once the case is on its way to a person: the facts a mediator will want, offered to
    tell meanwhile, one question at a time (intake.noted_for_mediator reads the answers)."""
    slot = intake.handover_question(dispute_types, facts)
    if slot is None:
        return (), ""
    ask = Reply(texts.URGENT_MORE + texts.ASK[slot.name], slot.options)
    return (ask,), slot.name


def _open_urgent(inbound: Inbound) -> HandlerResult:
    """A first message in danger ("我要跳楼 老板欠我2万不给"): the case opens with what it says."""
    opened = intake.open_case(inbound, None, unclear=True)
    event = opened.event
    if event is None:  # 我老公打我: not a labour matter, but the danger is answered all the same
        return HandlerResult(replies=_answer(inbound, False, True))
    facts = dict(event.facts or {})
    types = event.dispute_types or ("other",)
    flags = tuple(event.flags or ())
    flags = flags if URGENT in flags else (*flags, URGENT)
    place_known = bool(facts.get("place_code") or facts.get("lat"))
    more, asking = _more(types, facts) if place_known else ((), "place")
    new = CaseEvent(
        reason="urgent first message: a person now",
        open_case=True,
        moves=_TO_PERSON[CaseState.INTAKE],
        rule=rules.EMERGENCY.code,
        dispute_types=types,
        flags=flags,
        facts=facts,
        explanation=event.explanation,
        asking=asking,
    )
    registered = [e for e in opened.effects if isinstance(e, Notify)]
    return HandlerResult(
        replies=(*_answer(inbound, True, place_known), *more),
        effects=(*registered, *((RouteCase(),) if place_known else ())),
        event=new,
    )


def place_for_route(inbound: Inbound, case: CaseView | None) -> HandlerResult | None:
    """After an urgent hand-over without a place: the worker's answer routes the case, and
    whatever else it says (the employer, the sum) is kept for the mediator."""
    assert case is not None
    found = intake.facts_of(inbound, near=case.facts.get("place_code"), asking="place")
    new = {k: v for k, v in found.items() if k not in case.facts}
    if "place" not in new and "lat" not in new:
        if not new:
            return None
        event = CaseEvent(reason="urgent case: facts noted", facts=new)
        return HandlerResult(replies=(Reply(texts.URGENT_NOTED_ASK_PLACE),), event=event)
    more, asking = _more(case.dispute_types, {**case.facts, **new})
    event = CaseEvent(reason="urgent case: the place is known", facts=new, asking=asking)
    where = new.get("place") or texts.PLACE_FROM_LOCATION
    reply = Reply(texts.URGENT_PLACE_NOTED.format(place=where))
    return HandlerResult(replies=(reply, *more), effects=(RouteCase(),), event=event)


def _mediator(case: CaseView) -> str | None:
    return case.assignment.get("mediator_party_id") if case.assignment else None
