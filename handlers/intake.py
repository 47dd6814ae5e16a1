"""Intake (受理登记): a worker's complaint becomes a case, and we ask for what is missing.

One question per reply; the order and the questions live in the SLOTS table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

import nlp
from handlers import consent, deadlines, rules, texts, triage
from handlers.states import CaseState
from handlers.types import (
    CancelDeadlines,
    CaseEvent,
    CaseView,
    Effect,
    HandlerResult,
    Inbound,
    Notify,
    Option,
    Reply,
)
from handlers.units import DAYS_PER_MONTH, WHOLE_SERVICE
from nlp import answers
from nlp.classify import OTHER
from nlp.dates import find_dates
from nlp.extract import duration_months
from nlp.numbers import parse_cn_number

FREE_TEXT_LIMIT = 60  # a name or a place longer than this is probably not an answer
_TRIM = " \t\r\n。．.!！,，"

# The facts a case keeps from what nlp extracts. Phone and ID numbers are never among them:
# they are sensitive (PIPL-28) and not needed to negotiate.
KEPT_FACTS = (
    "employer",
    "place",
    "amount",
    "months",
    "monthly_wage",
    "service_months",
    "headcount",
    "left_date",
    "entry_date",
)


def _free_text(answer: str) -> str | None:
    answer = answer.strip(_TRIM)
    return answer if 0 < len(answer) <= FREE_TEXT_LIMIT else None


_NUMBER = re.compile(
    r"[0-9０-９.]+[万千kKwW]?[0-9]*"
    r"|[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]+"
)


def _plain(value: Any) -> Any:
    """3.0 → 3: whole numbers are shown and stored as integers."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _number(answer: str) -> int | float | None:
    match = _NUMBER.search(answer)
    return _plain(parse_cn_number(match.group())) if match else None


def _headcount(answer: str) -> int | None:
    """涉及几个人: the people in the dispute, not the size of the workplace."""
    found = answers.people(answer.strip(_TRIM))
    return int(found.value) if found is not None else None


def _positive(answer: str) -> int | float | None:
    value = _number(answer)
    return value if value and value > 0 else None


def _months_answer(answer: str) -> int | float | None:
    """拖欠了几个月: "三个月", "半年", or a bare "3" (never "一万二": that is money)."""
    money = answers.money_roles(answer)
    if "monthly_wage" in money:
        return None  # 一个月也就挣个五六千: a wage, not one month unpaid
    months = duration_months(answer)
    if months:
        return _plain(months)
    if named := answers.months_named(answer):
        return named  # 就上个月的: one month
    value = _positive(answer)
    return value if value is not None and value <= 36 and not money else None


def _money_answer(role: str) -> Callable[[str], int | float | None]:
    """一共多少钱 / 每月工资: the figure said in that role, else the figure said alone."""

    def read(answer: str) -> int | float | None:
        roles = answers.money_roles(answer)
        found = roles.get(role) or roles.get("bare")
        return _plain(found.value) if found is not None and found.value > 0 else None

    return read


def _left_date(answer: str, today: date) -> str | None:
    """什么时候离开的: the first date named ("10月底", "上个月", "上礼拜")."""
    found = next(iter(find_dates(answer, today)), None)
    return found.text if found is not None else None


def _service_answer(answer: str) -> int | float | None:
    """干了多久: needs a unit ("两年半", "8个月"); a bare number could be years or months."""
    if "monthly_wage" in answers.money_roles(answer):
        return None  # 一个月五千五: a wage, not one month worked
    months = duration_months(answer)
    return _plain(months) if months else None


def _unsigned_answer(answer: str) -> float | str | None:
    """有几个月没签书面合同 (LCL-82), counted from the first day of work: "三个月后才签" is 3,
    "七个月零十天" 7 and 10 days (a part month by its days), "一直没签" the whole time worked."""
    if "monthly_wage" in answers.money_roles(answer):
        return None  # 一个月五千五: a wage
    months, days = duration_months(answer), answers.days_said(answer)
    if months is None and days is None:
        return WHOLE_SERVICE if answers.never_signed(answer) else None
    total = (months or 0.0) + (days or 0) / DAYS_PER_MONTH
    return _plain(round(total, 4))


def _employed(answer: str) -> bool | None:
    """Still working there (True), left (False), or not an answer (None)."""
    return answers.employed(answer.strip(_TRIM))


Needed = Callable[[tuple[str, ...], Mapping[str, Any]], bool]


def _for_types(*types: str) -> Needed:
    return lambda dispute_types, facts: bool(set(types) & set(dispute_types))


def _always(dispute_types: tuple[str, ...], facts: Mapping[str, Any]) -> bool:
    return True


def _has_left(dispute_types: tuple[str, ...], facts: Mapping[str, Any]) -> bool:
    return facts.get("employed") is False


def _left_compensation(dispute_types: tuple[str, ...], facts: Mapping[str, Any]) -> bool:
    """Why the job ended decides whether economic compensation is due (LCL-46)."""
    return facts.get("employed") is False and "termination_compensation" in dispute_types


@dataclass(frozen=True)
class Slot:
    """A fact intake needs, when it is needed, and how to read a bare answer to its question."""

    name: str
    needed: Needed
    read_answer: Callable[[str], Any]
    options: tuple[Option, ...] = ()


SLOTS: tuple[Slot, ...] = (
    Slot("employer", _always, answers.employer_name),
    Slot("place", _always, _free_text),
    Slot("amount", _for_types("wage_arrears", "overtime"), _money_answer("amount")),
    Slot("months", _for_types("wage_arrears"), _months_answer),
    Slot(
        "monthly_wage",
        _always,
        _money_answer("monthly_wage"),
    ),
    Slot("service_months", _always, _service_answer),
    Slot("unsigned_months", _for_types("no_contract"), _unsigned_answer),  # LCL-82
    Slot(
        "employed",
        _always,
        _employed,
        (
            Option(texts.EMPLOYED_YES, "answer:" + texts.EMPLOYED_YES),
            Option(texts.EMPLOYED_NO, "answer:" + texts.EMPLOYED_NO),
        ),
    ),
    Slot("left_date", _has_left, lambda answer: None),  # read by nlp's date extraction only
    Slot(
        "left_reason",
        _left_compensation,
        answers.left_reason,
        tuple(
            Option(texts.LEFT_REASONS[r], "answer:" + texts.LEFT_REASONS[r])
            for r in ("dismissed", "laid_off", "contract_ended", "resigned")
        ),
    ),
    Slot("headcount", _always, _headcount),
)
SLOT_BY_NAME = {slot.name: slot for slot in SLOTS}


def missing_slot(dispute_types: tuple[str, ...], facts: Mapping[str, Any]) -> Slot | None:
    """The first fact still unknown for these dispute types (a skipped fact counts as known)."""
    for slot in SLOTS:
        if (slot.name not in facts or _unconfirmed(facts, slot.name)) and slot.needed(
            dispute_types, facts
        ):
            return slot
    return None


ESTIMATE_CONFIRMED = "confirmed"  # <name>_approx once the worker has let an estimate stand


def _unconfirmed(facts: Mapping[str, Any], name: str) -> bool:
    """An estimate said in passing ("干了一年多") that the worker has not been asked about."""
    return (
        name in _CONFIRMED_FACTS
        and facts.get(name) is not None
        and facts.get(f"{name}_approx") is True
    )


def question(slot: Slot) -> Reply:
    return Reply(texts.ASK[slot.name], slot.options)


# When a question asks for one kind of number, a bare figure in the answer is that kind:
# "六千" to "月工资多少" is a monthly wage, not an amount owed.
REINTERPRET = {
    "monthly_wage": "amount",
    "service_months": "months",
    "months": "service_months",
    "left_date": "date",
}


def _facts_from(
    text: str, today: date, near: str | None = None, asking: str | None = None
) -> dict[str, Any]:
    """The case facts in a message (``<name>_approx`` marks vague numbers such as 三万多)."""
    extracted = nlp.extract(text, today=today, near=near)
    alias = REINTERPRET.get(asking or "")
    if alias == "amount" and "amount" in answers.money_roles(text):
        alias = None  # 两个月一万二 to "每月工资多少": a sum for two months, not the wage
    if alias and asking and asking not in extracted and alias in extracted:
        extracted[asking] = replace(extracted.pop(alias), name=asking)
    found: dict[str, Any] = {}
    for name in KEPT_FACTS:
        fact = extracted.get(name)
        if fact is None:
            continue
        if name == "place":
            found.update(_place(fact, answered=asking == "place"))
            continue
        found[name] = _plain(fact.value)
        if fact.approx:
            found[f"{name}_approx"] = True
    if "left_date" in found:
        found["employed"] = False
    if (why := answers.left_reason(text)) is not None:
        found["left_reason"] = why  # 被辞退 / 合同到期不续 / 我自己辞的
    _money_by_role(text, found)
    return found


def _money_by_role(text: str, found: dict[str, Any]) -> None:
    """月薪八千 in a complaint is the wage, not the sum in dispute."""
    roles = answers.money_roles(text, strict=True)
    wage = roles.get("monthly_wage")
    if wage is None:
        return
    found["monthly_wage"] = _plain(wage.value)
    if wage.approx:
        found["monthly_wage_approx"] = True
    if found.get("amount") == found["monthly_wage"]:
        found.pop("amount")
        found.pop("amount_approx", None)
        if (total := roles.get("amount")) is not None:
            found["amount"] = _plain(total.value)


def _place(fact: nlp.Fact, answered: bool = False) -> dict[str, Any]:
    """A township fills the slot; so does a county given in answer to "在哪里上班" (the worker
    may not know more). A county said in passing, a province or a city only narrows down
    where the answer is looked up ("万安" inside 洛江区), and the place is still asked, so
    that the case goes to the township's centre (routing step 5)."""
    detail = fact.detail or {}
    code = detail.get("code")
    level = detail.get("level")
    if level in ("province", "city") or (level == "county" and not answered):
        return {"place_code": code} if code else {}
    name = detail.get("display") or fact.value  # the official full name, for everyone to read
    return {"place": name, **({"place_code": code} if code else {})}


_TOWN_BOUNDARY = re.compile(r"(?:镇|乡|街道|那边|这边|那块|附近|一带|的|$|[\s，,。])")


def _one_of_a_kind(answer: str) -> str | None:
    """A township the answer names alone by a short name no other township has (燕郊, 小榄),
    said as a word of its own."""
    found = nlp.regions.gazetteer().unique_township(answer)
    if found is None:
        return None
    code, start, end = found
    if start and not re.match(r"[\s，,。在是]", answer[start - 1]):
        return None
    return code if _TOWN_BOUNDARY.match(answer, end) else None


def place_name(code: str) -> str:
    """The official full name of a division code (福建省泉州市洛江区)."""
    return nlp.regions.gazetteer().place(code, 0, 0, ambiguous=False).display


def _location(inbound: Inbound) -> dict[str, float]:
    """A location the phone shared (GCJ-02): routing's fallback when no place is named."""
    if inbound.location is None:
        return {}
    lat, lng = inbound.location
    return {"lat": lat, "lng": lng}


def _today(inbound: Inbound) -> date:
    return inbound.received_at.astimezone(texts.CHINA).date()


def _situations(facts: Mapping[str, Any], said: str) -> dict[str, Any]:
    """A situation with a protection of its own that an answer reveals (怀孕了, 老板跑了), added
    to the fact `situations` (read by triage.PROTECTIONS); {} when nothing new."""
    known = list(facts.get("situations") or ())
    new = [s for s in nlp.classify(said).situations if s not in known] if said else []
    return {"situations": [*known, *new]} if new else {}


def _flags(flags: tuple[str, ...], facts: Mapping[str, Any]) -> tuple[str, ...]:
    """The case's flags, with collective for ten or more (LDMAL-7)."""
    found = list(flags)
    headcount = facts.get("headcount")
    # LDMAL-7: ten or more workers with a common claim make a collective dispute.
    if isinstance(headcount, int | float) and headcount >= 10 and "collective" not in found:
        found.append("collective")
    return tuple(found)


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
    worker_name: str,
    types: tuple[str, ...],
    flags: tuple[str, ...],
    facts: Mapping[str, Any],
    today: date,
) -> tuple[tuple[Reply, ...], CaseEvent]:
    """Ask the next missing fact; when none is missing, triage and ask for consent."""
    slot = missing_slot(types, facts)
    if slot is not None:
        code = str(facts.get("place_code") or "")
        if slot.name == "place" and len(code) == 6 and not code.endswith("00"):
            ask = Reply(texts.ASK_TOWNSHIP.format(county=place_name(code)))
            return (ask,), CaseEvent(reason="asking", asking=slot.name)
        if slot.name in facts:  # 一年多: read back, so that the exact figure can be said
            value = texts.fact_value(slot.name, facts[slot.name])
            ask = Reply(texts.CONFIRM_APPROX.format(value=value))
            return (ask,), CaseEvent(reason="asking", asking=CONFIRM + slot.name)
        return (question(slot),), CaseEvent(reason="asking", asking=slot.name)
    decision = triage.decide(types, flags, facts, today)
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


def limitation_clock(
    dispute_types: tuple[str, ...], facts: Mapping[str, Any], now: datetime
) -> tuple[Effect, ...]:
    """LDMAL-27: a reminder before the one year runs out, where the law and the facts tell
    its first day (deadlines.limitation_start); restarted when a correction changes the
    leaving date."""
    start = deadlines.limitation_start(dispute_types, facts)
    if start is None:
        return ()
    clock = deadlines.schedule("limitation", datetime.combine(start, time(0), tzinfo=texts.CHINA))
    if clock.due_at <= now:
        return ()
    return (CancelDeadlines(("limitation",)), clock)


def correction_note(old: Mapping[str, Any], new: Mapping[str, Any]) -> Reply | None:
    """ "不对，是四个月": say what changed, so the worker sees the correction was taken."""
    changed = [
        f"{texts.FACT_LABELS[name]}：{texts.fact_value(name, value)}"
        for name, value in new.items()
        if name in texts.FACT_LABELS and name in old and old[name] != value
    ]
    return Reply(texts.CORRECTED.format(changes="；".join(changed))) if changed else None


def open_case(inbound: Inbound, case: CaseView | None, unclear: bool = False) -> HandlerResult:
    """First message of a worker: open a case if it is a labour complaint; `unclear`: also when
    the classifier cannot place it and it does not lean elsewhere, as `other` (a person in
    danger: "我不想活了" said first still reaches a person)."""
    facts = {**_facts_from(inbound.text, _today(inbound)), **_location(inbound)}
    headcount = facts.get("headcount")
    classification = nlp.classify(inbound.text, headcount=headcount)
    unclear = unclear and not classification.leans_elsewhere
    if classification.not_labor or not (classification.is_labor or unclear):
        return HandlerResult(replies=(Reply(_not_opened(inbound.text, classification)),))
    types = classification.dispute_types or (OTHER,)
    if classification.situations:
        facts["situations"] = list(classification.situations)
    flags = _flags(classification.flag_names, facts)
    understood = texts.UNDERSTOOD.format(
        types="、".join(texts.DISPUTE_NAMES[t].removesuffix("问题") for t in types),
        terms=_matched_terms(classification),
    )
    first = (Reply(understood),)
    replies, step = next_step(inbound.sender_name, types, flags, facts, _today(inbound))
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
    clock = limitation_clock(types, facts, inbound.received_at) if event.triage is not None else ()
    return HandlerResult(
        replies=(*first, *replies),
        effects=(Notify(party_id=inbound.sender_id, text=registered), *clock),
        event=event,
    )


def _not_opened(text: str, classification: nlp.Classification) -> str:
    """Not a labour matter; or a greeting; or a message the assistant could not place."""
    if classification.not_labor:
        return texts.NOT_LABOR
    said = re.sub(r"[\W_]", "", text)
    return texts.NOT_UNDERSTOOD_OPENING if len(said) > 6 else texts.WELCOME


def answer(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """A worker's reply during intake: read it for the question asked, then take any other facts
    volunteered for what is still unknown (an extra never overwrites: only a correction does).
    An answer that does not fit is asked back once, then the question is skipped."""
    assert case is not None
    asking = case.asking or ""
    if asking.startswith(CONFIRM):
        return _confirmed(inbound, case, asking.removeprefix(CONFIRM))
    slot, new_facts, how = _read_answer(inbound, case)
    if slot is not None and how == _RETRY:
        asked = _ask_back(slot)  # 老板跑了 to "几个人": not the answer, but a situation to keep
        situations = _situations(case.facts, answer_text(inbound))
        if not situations or asked.event is None:
            return asked
        return replace(asked, event=replace(asked.event, facts=situations))
    result = _advance_intake(
        case, new_facts, f"worker answered ({how})", inbound.received_at, answer_text(inbound)
    )
    if how == _SKIPPED:
        result = replace(result, replies=(Reply(texts.SKIPPING), *result.replies))
    event = result.event
    if slot is not None and event is not None and event.asking == slot.name:
        # Other facts came, not this one: the same question once more, then it is skipped.
        result = replace(result, event=replace(event, asking=AGAIN + slot.name))
    return result


_READ, _RETRY, _SKIPPED = "read", "asked back", "skipped"


def _read_answer(inbound: Inbound, case: CaseView) -> tuple[Slot | None, dict[str, Any], str]:
    """The facts of an answer to the question being asked (``case.asking``), and whether it was
    read, is to be asked back once, or was not understood twice and is skipped."""
    text = answer_text(inbound)
    asking = case.asking or ""
    slot = SLOT_BY_NAME.get(asking.removeprefix(AGAIN))
    today, near = _today(inbound), case.facts.get("place_code")
    said = _facts_from(text, today, near, asking=slot.name if slot else None)
    new_facts = _slot_facts(slot, text, today, near, said) if slot else {}
    extras = {**said, **_location(inbound)}
    for name, value in extras.items():
        base = name.removesuffix("_approx")
        if base in new_facts or name in new_facts or not _may_fill(case.facts, name, extras):
            continue
        if slot is not None and slot.name == "place" and base == "employer":
            continue  # 晋江市池店镇 is the place, not a company called 晋江市池店
        said_in_passing = slot is not None and slot.name != "place"
        township = len(str(extras.get("place_code") or "")) == 9
        if (
            base.startswith("place")
            and said_in_passing
            and township
            and not _DIVISION_WORD.search(text)
        ):
            continue  # "鸿运达鞋材 在万安那边": which 万安 is asked when the place is
        new_facts[name] = value
        if case.facts.get(f"{base}_approx") and not extras.get(f"{base}_approx"):
            new_facts[f"{base}_approx"] = False  # an exact figure replaced the estimate
    if (
        slot is not None
        and slot.name == "place"
        and "place" not in new_facts
        and "lat" in new_facts
    ):
        new_facts["place"] = texts.PLACE_FROM_LOCATION  # the phone's location stands in
    if slot is not None and slot.name not in new_facts:
        if answers.is_unknown(text) or (asking.startswith(AGAIN) and new_facts):
            new_facts.update(_unknown(case, slot.name))  # said other things twice: move on
        elif not new_facts and asking.startswith(AGAIN):
            return slot, _unknown(case, slot.name), _SKIPPED
        elif not new_facts:
            return slot, {}, _RETRY
    return slot, new_facts, _READ


def _ask_back(slot: Slot) -> HandlerResult:
    """An answer that does not fit: the question once more, in one short line."""
    retry = texts.NOT_UNDERSTOOD_ANSWER.format(question=texts.ASK[slot.name])
    event = CaseEvent(reason="answer not understood", asking=AGAIN + slot.name)
    return HandlerResult(replies=(Reply(retry, slot.options),), event=event)


def noted_for_mediator(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """After an urgent hand-over the worker may still tell the facts, so that the mediator
    need not ask again: each answer is kept and the next question asked, with no triage
    and no move (the case is already with a person)."""
    assert case is not None
    slot, new_facts, how = _read_answer(inbound, case)
    if slot is not None and how == _RETRY:
        return _ask_back(slot)
    facts = {**case.facts, **new_facts}
    following = handover_question(case.dispute_types, facts)
    if following is None:
        reply, asking = Reply(texts.URGENT_FACTS_DONE), ""
    else:
        reply, asking = Reply(texts.ASK[following.name], following.options), following.name
    event = CaseEvent(
        reason=f"urgent case: facts noted for the mediator ({how})",
        facts=new_facts or None,
        flags=_flags(case.flags, facts),
        asking=asking,
    )
    return HandlerResult(replies=(reply,), event=event)


def handover_question(dispute_types: tuple[str, ...], facts: Mapping[str, Any]) -> Slot | None:
    """The next fact a mediator will want that the worker has not told (estimates stand)."""
    return next((s for s in SLOTS if s.name not in facts and s.needed(dispute_types, facts)), None)


_DIVISION_WORD = re.compile(r"[省市区县镇乡旗]|街道")


def _may_fill(known: Mapping[str, Any], name: str, extras: Mapping[str, Any]) -> bool:
    """An extra fills a fact still unknown, or replaces an estimate with an exact figure
    ("其实俺自己是一万三" after "一人一万多"); it never overwrites what was said exactly."""
    base = name.removesuffix("_approx")
    if base not in known:
        return True
    return bool(known.get(f"{base}_approx")) and not extras.get(f"{base}_approx")


CONFIRM = "confirm:"  # asking: a reading the worker should confirm ("我记成大约一万，对吗？")
AGAIN = "again:"  # asking: the question was asked back once already
_PLACE_WORDS = re.compile(r"(?:省|市|区|县|镇|乡|街道|村|开发区|园区)$")
# An estimate of these is read back, so that the worker can say the exact figure.
_CONFIRMED_FACTS = ("amount", "monthly_wage", "months", "service_months", "headcount")
_CONFIRMED = re.compile(r"^(?:对|是|嗯|没错|没问题|差不多|对的|是的|大概|就这样|行|可以|好)")


def _slot_facts(
    slot: Slot,
    text: str,
    today: date,
    near: str | None,
    said: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The facts an answer gives for the slot it answers (with ``<name>_approx``); ``said``:
    the message's facts already read for this question, when the caller has them."""
    if slot.name == "place":
        if said is None:
            said = _facts_from(text, today, near, asking="place")
        place = {k: v for k, v in said.items() if k.startswith("place")}
        if "place" not in place and not near and (town := _one_of_a_kind(text)):
            place = {"place": place_name(town), "place_code": town}  # 燕郊: only one in China
        if "place" not in place and _PLACE_WORDS.search(text) and (name := _free_text(text)):
            place["place"] = name  # 万安街道 with no county known: kept as said, asked no more
        return place
    if slot.name == "left_date":
        left = _left_date(text, today)
        return {"left_date": left, "employed": False} if left else {}
    value = slot.read_answer(text)
    if value is None:
        return {}
    facts: dict[str, Any] = {slot.name: value}
    if slot.name == "employed" and value is False and (left := _left_date(text, today)):
        facts["left_date"] = left  # 十一月底辞工了: gone, and when
    if slot.name == "headcount" and (crowd := answers.people(text)) and crowd.approx:
        facts["headcount_approx"] = True
    if slot.name in ("amount", "monthly_wage"):
        roles = answers.money_roles(text)
        found = roles.get(slot.name) or roles.get("bare")
        if found is not None and found.approx:
            facts[f"{slot.name}_approx"] = True
        if slot.name == "amount" and "monthly_wage" in roles:
            facts["monthly_wage"] = _plain(roles["monthly_wage"].value)
    return facts


def _confirmed(inbound: Inbound, case: CaseView, name: str) -> HandlerResult:
    """The answer to "我记成大约…，对吗？": yes keeps it, a figure replaces it."""
    text = answer_text(inbound).strip(_TRIM)
    slot = SLOT_BY_NAME[name]
    given = _slot_facts(slot, text, _today(inbound), case.facts.get("place_code"))
    kept = {f"{name}_approx": ESTIMATE_CONFIRMED}
    # 对 / 七千左右 again / 说不清: the estimate stands
    if given.get(name) == case.facts.get(name) or answers.is_unknown(text):
        return _advance_intake(case, kept, "worker confirmed a reading", inbound.received_at)
    if given and not _CONFIRMED.match(text):
        given.setdefault(f"{name}_approx", False)  # the exact figure replaces the estimate
        return _advance_intake(case, given, "worker corrected a reading", inbound.received_at)
    if _CONFIRMED.match(text):
        return _advance_intake(case, kept, "worker confirmed a reading", inbound.received_at)
    event = CaseEvent(reason="reading not confirmed", asking=name)
    return HandlerResult(replies=(Reply(texts.ASK[name], slot.options),), event=event)


def correct_fact(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """刚才说错了 是两万五 / 单位是宏发建材 不是那个: the fact said replaces the old one."""
    assert case is not None
    text = answer_text(inbound)
    today, near = _today(inbound), case.facts.get("place_code")
    new_facts = corrected_facts(text, case.facts, today, near)
    for name in _CONFIRMED_FACTS:  # 是两万五: an exact figure, no estimate to read back
        if name in new_facts and case.facts.get(f"{name}_approx"):
            new_facts.setdefault(f"{name}_approx", False)
    if not new_facts:
        if case.state is CaseState.INTAKE:
            return answer(inbound, case)
        return consent.reask(inbound, case)
    return _advance_intake(
        case, new_facts, "worker corrected the facts", inbound.received_at, answer_text(inbound)
    )


_EMPLOYER_CUE = re.compile(r"单位|公司|厂|店|名字|叫|工地|项目")


def corrected_facts(
    text: str, old: Mapping[str, Any], today: date, near: str | None
) -> dict[str, Any]:
    """What a correction says, each fact read by its role; a bare sum replaces the figure it
    is closest to (两万五 corrects the amount 23000, not the wage 7000)."""
    said = _after_cue(text)  # 不是宝安 是龙岗: what is denied is not read
    place_known = "place" in old  # a county then replaces the place, as an answer would
    found = _facts_from(said, today, near, asking="place" if place_known else None)
    facts = {k: v for k, v in found.items() if k != "employer"}
    money = answers.money_roles(said)
    if not ({"months", "service_months"} & set(facts) or money) and (
        months := duration_months(said)
    ):
        facts[_closest_duration(months, old)] = _plain(months)  # 不对 是四个月
    name = answers.employer_name(said) if _EMPLOYER_CUE.search(text) else None
    if name and answers.proper_name(name, near):  # 厂里说不是他们的问题 names nobody
        facts["employer"] = name
    for role in ("amount", "monthly_wage"):
        if role in money:
            facts[role] = _plain(money[role].value)
    if "bare" in money and "amount" not in money and "monthly_wage" not in money:
        figure = money["bare"]
        facts.pop("amount", None)
        before = text[: max(text.find(said[figure.start : figure.end]), 0)]
        named = _WAGE_NAMED.search(before) and not _TOTAL_NAMED.search(before)  # 工资说错了
        facts["monthly_wage" if named else _closest(figure.value, old)] = _plain(figure.value)
    if "left_date" in old and "left_date" not in facts and (left := _left_date(said, today)):
        facts["left_date"] = left  # 说错了 是十月底走的
    return facts


_WAGE_NAMED = re.compile(r"工资|月薪|底薪|每个?月|一个月")
_TOTAL_NAMED = re.compile(r"欠|拖|一共|总共|加起来|总数|金额")


def _after_cue(text: str) -> str:
    """单位是宏发建材 不是那个 → 宏发建材, 不是宝安 是龙岗 → 龙岗: what the correction says
    instead, without its own words and without what it denies."""
    # 2w4是我算错了: the figure said to be wrong is not the new one
    text = re.sub(r"[^，,。\s]*是?我?(?:算错|说错|记错|搞错|弄错|写错|打错)了?", " ", text)
    text = re.sub(
        r"(?:刚才?|前面|之前|上面|我|单位|公司|厂名?|店名?|名字|名称|的)*"
        r"(?:说错了|搞错了|弄错了|打错了|写错了|记错了|不对)[，,。 ]*",
        " ",
        text,
    )
    text = re.sub(r"不是[^，,。\s是]*", " ", text)  # 不是鞋业 / 不是那个: the name replaced
    # 六千八是之前算的: the figure called old is not the new one
    text = re.sub(r"[^，,。\s]*是(?:之前|以前|原来|上次|早先|先前)[^，,。\s]*", " ", text)
    text = re.sub(r"^[\s，,。]*(?:单位|公司|厂名?|店名?|名字)?(?:应该)?(?:是|叫)", "", text.strip())
    return text.strip()


def _closest_duration(months: float, old: Mapping[str, Any]) -> str:
    """A bare duration in a correction: the months unpaid, unless only the length of service
    was known, or it is closer to that."""
    known = [n for n in ("months", "service_months") if isinstance(old.get(n), int | float)]
    if not known:
        return "months"
    return min(known, key=lambda n: abs(months - float(old[n])))


def _closest(value: float, old: Mapping[str, Any]) -> str:
    known = [n for n in ("amount", "monthly_wage") if isinstance(old.get(n), int | float)]
    if not known:
        return "amount"
    return min(known, key=lambda n: abs(value - float(old[n])) / max(float(old[n]), 1.0))


def asks_something(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """我能要多少 / 这合法吗 mid-intake: a short answer, then the question still open. An
    answer to that question inside the words ("不知道咋算 你帮我算算") is taken as usual."""
    assert case is not None
    text = answer_text(inbound)
    note = Reply(_answer_to(text))
    if case.state is not CaseState.INTAKE:
        reask = consent.reask(inbound, case)  # asked back once, then taken as not now
        return replace(reask, replies=(note, *reask.replies))
    slot = SLOT_BY_NAME.get((case.asking or "").removeprefix(AGAIN))
    today, near = _today(inbound), case.facts.get("place_code")
    if slot is None or _slot_facts(slot, text, today, near) or answers.is_unknown(text):
        result = answer(inbound, case)
        return replace(result, replies=(note, *result.replies))
    ask = Reply(texts.STILL_ASKING.format(question=texts.ASK[slot.name]), slot.options)
    return HandlerResult(replies=(note, ask))


def wants_person(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """能找个真人吗 mid-intake (PIPL-24): yes, a mediator; the few questions left come first,
    so that whoever takes the case knows it, and the worker then chooses who is contacted."""
    assert case is not None
    slot = SLOT_BY_NAME.get((case.asking or "").removeprefix(AGAIN))
    if slot is None:
        return consent.ask_for_human(inbound, case)
    ask = Reply(texts.STILL_ASKING.format(question=texts.ASK[slot.name]), slot.options)
    return HandlerResult(replies=(Reply(texts.PERSON_AFTER_INTAKE), ask))


_ABOUT_MONEY = re.compile(r"多少|怎么算|咋算|赔|补偿|钱")
_ABOUT_LAW = re.compile(r"合法|违法|犯法|规定|法律|能不能|可不可以|行不行")


def _answer_to(text: str) -> str:
    if not nlp.classify(text).is_labor and not _ABOUT_MONEY.search(text):
        return texts.OFF_TOPIC
    if _ABOUT_MONEY.search(text):
        return texts.QUESTION_AMOUNT
    return texts.QUESTION_LEGAL if _ABOUT_LAW.search(text) else texts.QUESTION_OTHER


def facts_of(
    inbound: Inbound, near: str | None = None, asking: str | None = None
) -> dict[str, Any]:
    """Every fact a message states, with the phone's location."""
    return {**_facts_from(inbound.text, _today(inbound), near, asking), **_location(inbound)}


def answer_text(inbound: Inbound) -> str:
    """The words of a message; a tapped "answer:<label>" option counts as typing the label."""
    if inbound.text:
        return inbound.text
    return (inbound.action or "").removeprefix("answer:")


def skip(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """跳过: the worker does not know or will not say; record it as unknown and move on."""
    assert case is not None
    asking = (case.asking or "").removeprefix(AGAIN).removeprefix(CONFIRM)
    if asking not in SLOT_BY_NAME:
        return HandlerResult(replies=(Reply(texts.HELP),))
    if (case.asking or "").startswith(CONFIRM):  # an estimate not confirmed stays an estimate
        kept = {f"{asking}_approx": ESTIMATE_CONFIRMED}
        return _advance_intake(case, kept, "worker skipped a confirmation", inbound.received_at)
    return _advance_intake(case, _unknown(case, asking), "worker skipped", inbound.received_at)


def _unknown(case: CaseView, name: str) -> dict[str, Any]:
    """A fact the worker cannot give; the county already known stands for the place."""
    code = str(case.facts.get("place_code") or "")
    if name == "place" and len(code) == 6 and not code.endswith("00"):
        return {"place": place_name(code)}
    return {name: None}


def correct(inbound: Inbound, case: CaseView | None) -> HandlerResult:
    """Before consent: new or corrected facts update the case and the consent question."""
    assert case is not None
    new_facts = corrected_facts(
        answer_text(inbound), case.facts, _today(inbound), case.facts.get("place_code")
    )
    if all(case.facts.get(name) == value for name, value in new_facts.items()):
        return consent.reask(inbound, case)  # nothing new: the consent is still the question
    return _advance_intake(
        case, new_facts, "worker corrected the facts", inbound.received_at, answer_text(inbound)
    )


def _advance_intake(
    case: CaseView, new_facts: dict[str, Any], reason: str, now: datetime, said: str = ""
) -> HandlerResult:
    new_facts = {**new_facts, **_situations({**case.facts, **new_facts}, said)}
    facts = {**case.facts, **new_facts}
    flags = _flags(case.flags, facts)
    unsure = next(
        (n for n in _CONFIRMED_FACTS if new_facts.get(f"{n}_approx") and n in new_facts), None
    )
    if unsure is not None and case.state is CaseState.INTAKE:
        value = texts.fact_value(unsure, facts[unsure])
        event = CaseEvent(reason=reason, facts=new_facts, flags=flags, asking=CONFIRM + unsure)
        return HandlerResult(
            replies=(Reply(texts.CONFIRM_APPROX.format(value=value)),), event=event
        )
    today = now.astimezone(texts.CHINA).date()
    replies, step = next_step(case.worker_name, case.dispute_types, flags, facts, today)
    complete = step.triage is not None
    restart = case.state is CaseState.INTAKE or "left_date" in new_facts
    clock = limitation_clock(case.dispute_types, facts, now) if complete and restart else ()
    if case.state is not CaseState.INTAKE:
        step = replace(step, moves=())  # already past triage: re-decide, ask consent again
    note = correction_note(case.facts, new_facts)
    return HandlerResult(
        replies=(*((note,) if note else ()), *replies),
        effects=clock,
        event=replace(step, reason=reason, facts=new_facts, flags=flags),
    )
