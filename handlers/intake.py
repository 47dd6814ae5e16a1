"""Intake (受理登记): a worker's complaint becomes a case, and we ask for what is missing.

One question per reply; the order and the questions live in the SLOTS table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import nlp
from handlers import consent, rules, texts, triage
from handlers.states import CaseState
from handlers.types import CaseEvent, CaseView, HandlerResult, Inbound, Notify, Reply
from nlp.numbers import parse_cn_number

MONEY_TYPES = frozenset({"wage_arrears", "overtime", "termination_compensation", "no_contract"})
FREE_TEXT_LIMIT = 60  # a name or a place longer than this is probably not an answer


def _free_text(answer: str) -> str | None:
    answer = answer.strip(" \t\r\n。．.!！,，")
    return answer if 0 < len(answer) <= FREE_TEXT_LIMIT else None


_NUMBER = re.compile(
    r"[0-9０-９.]+[万千kKwW]?[0-9]*"
    r"|[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]+"
)
_ALONE = re.compile(r"^(就|只有)?(我|俺)?(自己|一个人?|本人)$|^(就|只有)(我|俺)$")


def _plain(value: Any) -> Any:
    """3.0 → 3: whole numbers are shown and stored as integers."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _number(answer: str) -> int | float | None:
    match = _NUMBER.search(answer)
    return _plain(parse_cn_number(match.group())) if match else None


def _headcount(answer: str) -> int | None:
    if _ALONE.match(answer.strip(" 。.!！,，")):
        return 1
    value = _number(answer)
    return int(value) if value and value >= 1 else None


def _positive(answer: str) -> int | float | None:
    value = _number(answer)
    return value if value and value > 0 else None


@dataclass(frozen=True)
class Slot:
    """A fact intake needs, the question that asks for it, and how to read a bare answer."""

    name: str
    needed_for: frozenset[str] | None  # dispute types that need it; None = every case
    read_answer: Callable[[str], Any]


SLOTS: tuple[Slot, ...] = (
    Slot("employer", None, _free_text),
    Slot("place", None, _free_text),
    Slot("amount", MONEY_TYPES, _positive),
    Slot("months", frozenset({"wage_arrears"}), _positive),
    Slot("headcount", None, _headcount),
)
SLOT_BY_NAME = {slot.name: slot for slot in SLOTS}


def missing_slot(dispute_types: tuple[str, ...], facts: Mapping[str, Any]) -> Slot | None:
    """The first fact still unknown for these dispute types (a skipped fact counts as known)."""
    for slot in SLOTS:
        needed = slot.needed_for is None or slot.needed_for.intersection(dispute_types)
        if needed and slot.name not in facts:
            return slot
    return None


def _facts_from(text: str) -> dict[str, Any]:
    """Facts found in free text, with an ``<name>_approx`` mark for vague numbers (三万多)."""
    found: dict[str, Any] = {}
    for name, fact in nlp.extract(text).items():
        found[name] = _plain(fact.value)
        if fact.approx:
            found[f"{name}_approx"] = True
    return found


def _flags(flags: tuple[str, ...], facts: Mapping[str, Any]) -> tuple[str, ...]:
    headcount = facts.get("headcount")
    # LDMAL-7: ten or more workers with a common claim make a collective dispute.
    if isinstance(headcount, int | float) and headcount >= 10 and "collective" not in flags:
        return (*flags, "collective")
    return flags


def _explanation(classification: nlp.Classification) -> dict[str, Any]:
    """The classifier's reasons, kept with the case so a mediator can check them (PIPL-24)."""

    def terms(label: nlp.Label) -> list[dict[str, Any]]:
        return [{"term": m.term, "start": m.start, "end": m.end} for m in label.matches]

    return {
        kind: {lb.name: {"score": lb.score, "matches": terms(lb)} for lb in labels}
        for kind, labels in (("labels", classification.labels), ("flags", classification.flags))
    }


def _matched_terms(classification: nlp.Classification) -> str:
    seen: list[str] = []
    for label in classification.labels:
        seen.extend(m.term for m in label.matches if m.term not in seen)
    return "、".join(f"“{term}”" for term in seen[:4])


def summarize(facts: Mapping[str, Any]) -> str:
    """The facts, one per line, as the worker will recognise them."""
    lines = []
    for name, label in texts.FACT_LABELS.items():
        if name in facts:
            lines.append(f"{label}：{texts.fact_value(name, facts[name])}")
    return "\n".join(lines)


def next_step(
    worker_name: str, types: tuple[str, ...], flags: tuple[str, ...], facts: Mapping[str, Any]
) -> tuple[tuple[Reply, ...], CaseEvent]:
    """Ask the next missing fact; when none is missing, triage and ask for consent."""
    slot = missing_slot(types, facts)
    if slot is not None:
        return (Reply(texts.ASK[slot.name]),), CaseEvent(reason="asking", asking=slot.name)
    decision = triage.decide(types, flags, facts)
    consent_reply, asking = consent.ask(worker_name, types, facts, decision)
    replies = (
        Reply(texts.FACTS_COMPLETE.format(summary=summarize(facts))),
        Reply(triage.explain(decision)),
        *(Reply(note) for note in decision.notes),
        consent_reply,
    )
    rule = next((r.rule for r in decision.reasons if r.rule), None)
    event = CaseEvent(
        reason=f"facts complete, route: {decision.route}",
        asking=asking,
        moves=(CaseState.TRIAGE, CaseState.AWAITING_CONSENT),
        rule=rule,
        triage=decision.as_json(),
    )
    return replies, event


def open_case(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """First message of a worker: open a case if it is a labour complaint."""
    facts = _facts_from(inbound.text)
    headcount = facts.get("headcount")
    classification = nlp.classify(inbound.text, headcount=headcount)
    if not classification.is_labor:
        text = texts.NOT_LABOR if classification.not_labor else texts.WELCOME
        return HandlerResult(replies=(Reply(text),))
    types = classification.dispute_types
    flags = _flags(classification.flag_names, facts)
    understood = texts.UNDERSTOOD.format(
        types="、".join(texts.DISPUTE_NAMES[t] for t in types),
        terms=_matched_terms(classification),
    )
    # Urgent: the emergency channels come first, before any question (domain.md).
    first = (Reply(understood), *((Reply(texts.URGENT_HELP),) if "urgent" in flags else ()))
    replies, step = next_step(inbound.sender_name, types, flags, facts)
    registered = texts.CASE_REGISTERED.format(date=texts.china_date(inbound.received_at))
    event = replace(
        step,
        reason="worker opened a case",
        open_case=True,
        rule=step.rule or rules.LABOUR_DISPUTE_SCOPE.code,
        dispute_types=types,
        flags=flags,
        facts=facts,
        explanation=_explanation(classification),
    )
    return HandlerResult(
        replies=(*first, *replies),
        effects=(Notify(party_id=inbound.sender_id, text=registered),),
        event=event,
    )


def answer(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """A worker's reply during intake: fill the asked fact, take any other facts volunteered."""
    assert case is not None
    new_facts = _facts_from(inbound.text)
    asked = SLOT_BY_NAME.get(case.asking or "")
    if asked and asked.name not in new_facts:
        value = asked.read_answer(inbound.text)
        if value is None:
            retry = texts.NOT_UNDERSTOOD_ANSWER.format(question=texts.ASK[asked.name])
            return HandlerResult(replies=(Reply(retry),))
        new_facts[asked.name] = value
    return _advance_intake(case, new_facts, reason="worker answered")


def skip(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """跳过: the worker does not know or will not say; record it as unknown and move on."""
    assert case is not None
    if not case.asking:
        return HandlerResult(replies=(Reply(texts.HELP),))
    return _advance_intake(case, {case.asking: None}, reason="worker skipped a question")


def _advance_intake(case: CaseView, new_facts: dict[str, Any], reason: str) -> HandlerResult:
    facts = {**case.facts, **new_facts}
    flags = _flags(case.flags, facts)
    replies, step = next_step(case.worker_name, case.dispute_types, flags, facts)
    return HandlerResult(
        replies=replies, event=replace(step, reason=reason, facts=new_facts, flags=flags)
    )
