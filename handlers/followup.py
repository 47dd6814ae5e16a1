"""Follow-up (回访): after each instalment falls due, ask the worker whether it was paid, each
payment on its own day, the earliest unpaid one first; once one is answered, the next one already
due is asked at once.

All paid → the case is closed. Not paid → the settlement was not performed, so the worker
may apply for mediation or arbitration (ECNMR-12): the case escalates, with the 支付令 hint
for what a mediation agreement then allows (LDMAL-16).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from handlers import consent, rules, settlement, texts, triage
from handlers.states import CaseState
from handlers.types import (
    CancelDeadlines,
    CaseEvent,
    CaseView,
    HandlerResult,
    Inbound,
    Notify,
    Option,
    Reply,
)

ANSWERS = (Option(texts.PAID_LABEL, "paid"), Option(texts.NOT_PAID_LABEL, "not_paid"))


def instalments(case: CaseView) -> list[Mapping[str, Any]]:
    terms = case.agreement.get("terms", {}) if case.agreement else {}
    return list(terms.get("instalments", ()))


def _asked_instalment(case: CaseView) -> int | None:
    if case.asking and case.asking.startswith("instalment:"):
        return int(case.asking.partition(":")[2])
    return None


def _signed(case: CaseView, today: date) -> date:
    """The day the agreement took effect (its payments' days are counted from it)."""
    at = case.agreement.get("effective_at") if case.agreement else None
    return datetime.fromisoformat(at).astimezone(texts.CHINA).date() if at else today


def _due_unpaid(case: CaseView, today: date) -> list[Mapping[str, Any]]:
    """The unpaid payments whose day has passed, the earliest due first."""
    parts = instalments(case)
    paid = set(case.facts.get("paid_instalments", ()))
    days = settlement.due_days(parts, _signed(case, today))
    due = [(day, p["n"], p) for p, day in zip(parts, days, strict=True) if p["n"] not in paid]
    return [p for day, _, p in sorted(due, key=lambda t: (t[0], t[1])) if day < today]


def instalment_due(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """SYSTEM: a payment's day has passed; ask the worker about the earliest unpaid one due."""
    assert case is not None
    due = _due_unpaid(case, settlement.today_of(inbound))
    number = due[0]["n"] if due else _first_unpaid(case)
    part = next((p for p in instalments(case) if p["n"] == number), None)
    if part is None:
        return HandlerResult(replies=())
    return _ask(case, part)


def _ask_text(part: Mapping[str, Any]) -> str:
    """The question about one payment, with its own amount and date."""
    if part.get("due"):
        day = date.fromisoformat(part["due"])
        when = f"{day.year}年{day.month}月{day.day}日"
        return texts.PAYMENT_DUE_ASK.format(n=part["n"], amount=part["amount"], date=when)
    return texts.PAYMENT_DUE_ASK_UNDATED.format(n=part["n"], amount=part["amount"])


def _ask(case: CaseView, part: Mapping[str, Any]) -> HandlerResult:
    """Ask the worker about one payment (in the inbox: the worker is not in the chat now)."""
    return HandlerResult(
        replies=(),
        effects=(Notify(case.worker_id, _ask_text(part)),),
        event=CaseEvent(
            reason=f"follow-up on instalment {part['n']}", asking=f"instalment:{part['n']}"
        ),
    )


def paid(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """已收到: record it; when every instalment is in, the case is done."""
    assert case is not None
    due = _due_unpaid(case, settlement.today_of(inbound))
    number = _asked_instalment(case) or (due[0]["n"] if due else _first_unpaid(case))
    if number is None:
        return HandlerResult(replies=(Reply(texts.ALL_PAID),))
    paid_now = sorted({*case.facts.get("paid_instalments", ()), number})
    facts = {"paid_instalments": paid_now}
    if len(paid_now) >= len(instalments(case)):
        return HandlerResult(
            replies=(Reply(texts.ALL_PAID),),
            effects=(CancelDeadlines(everything=True),),
            event=CaseEvent(
                reason="all instalments paid",
                facts=facts,
                asking="",
                moves=(CaseState.CLOSED,),
                rule=rules.SETTLEMENT_BINDING.code,
            ),
        )
    noted = Reply(texts.PAYMENT_NOTED.format(n=number))
    following = [p for p in due if p["n"] != number]
    if following:  # a later payment's day has passed too: ask about it now
        part = following[0]
        return HandlerResult(
            replies=(noted, Reply(_ask_text(part), ANSWERS)),
            event=CaseEvent(
                reason=f"instalment {number} paid", facts=facts, asking=f"instalment:{part['n']}"
            ),
        )
    return HandlerResult(
        replies=(noted,),
        event=CaseEvent(reason=f"instalment {number} paid", facts=facts, asking=""),
    )


def not_paid(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """没收到: the settlement is not being performed (ECNMR-12)."""
    assert case is not None
    number = _asked_instalment(case) or _first_unpaid(case) or 1
    if case.agreement and case.agreement.get("kind") == "mediation":
        return _mediation_agreement_not_performed(case, number)
    text = texts.NOT_PAID.format(law=rules.NEGOTIATION_FAILED.law, law2=rules.PAYMENT_ORDER.law)
    notices: tuple[Any, ...] = ()
    if case.employer_id:
        notices = (Notify(case.employer_id, texts.NOT_PAID_TO_EMPLOYER.format(n=number)),)
    result = consent.escalate(
        case, f"instalment {number} not paid", rules.NEGOTIATION_FAILED.code, notices
    )
    return replace(result, replies=(Reply(text),))


def _mediation_agreement_not_performed(case: CaseView, number: int) -> HandlerResult:
    """LDMAL-15: arbitration; LDMAL-16: for pay, injury costs or compensation, a 支付令 from the
    court on the 调解协议书 itself."""
    text = texts.MEDIATION_NOT_PAID.format(
        law=rules.ARBITRATION_AFTER_MEDIATION.law, law2=rules.PAYMENT_ORDER.law
    )
    effects: list[Any] = [CancelDeadlines()]
    if case.employer_id:
        effects.append(
            Notify(case.employer_id, texts.NOT_PAID_TO_EMPLOYER_MEDIATED.format(n=number))
        )
    help_text = triage.arbitration_help(case.facts.get("place_code"))  # LDMAL-53/47, LAL-31
    return HandlerResult(
        replies=(Reply(text), Reply(help_text)),
        effects=tuple(effects),
        event=CaseEvent(
            reason=f"mediation agreement: instalment {number} not paid",
            asking="",
            moves=(CaseState.ARBITRATION_ADVISED,),
            rule=rules.PAYMENT_ORDER.code,
        ),
    )


def which(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    return HandlerResult(replies=(Reply(texts.PAYMENT_WHICH, ANSWERS),))


def _first_unpaid(case: CaseView) -> int | None:
    paid_set = set(case.facts.get("paid_instalments", ()))
    numbers = [p["n"] for p in instalments(case) if p["n"] not in paid_set]
    return min(numbers) if numbers else None
