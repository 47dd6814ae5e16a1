"""Triage: negotiate with the employer, or go to mediation now — decided by rules, explained.

Each reason carries the rule it applies (PIPL-24: an automated decision explains itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from handlers import calculators, deadlines, rules, texts

NEGOTIATE = "negotiate"
ESCALATE = "escalate"


@dataclass(frozen=True)
class Reason:
    text: str
    rule: str | None = None


@dataclass(frozen=True)
class Decision:
    route: str  # NEGOTIATE | ESCALATE
    reasons: tuple[Reason, ...]
    notes: tuple[str, ...] = ()  # what the worker should know: 工伤认定, limitation, amounts
    calculations: tuple[calculators.Calculation, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "reasons": [{"text": r.text, "rule": r.rule} for r in self.reasons],
            "calculations": [c.as_json() for c in self.calculations],
        }


# Flags and dispute types that send a case straight to a mediation organization, in order.
ESCALATION_RULES: tuple[tuple[str, str, rules.Rule | None], ...] = (
    # (flag or dispute type, reason text, rule)
    ("collective", texts.REASON_COLLECTIVE, rules.COLLECTIVE),  # LDMAL-7 + seeds' 风险台账
    ("urgent", texts.REASON_URGENT, None),
    ("platform", texts.REASON_PLATFORM, None),
    ("labor_relation", texts.REASON_LABOR_RELATION, rules.LABOUR_DISPUTE_SCOPE),
)


def decide(
    dispute_types: tuple[str, ...], flags: tuple[str, ...], facts: Mapping[str, Any], today: date
) -> Decision:
    """Escalate when the facts call for it (collective, urgent, platform, unclear relation);
    otherwise negotiate first (LDMAL-4). Notes: 工伤认定 first, the limitation, what the law
    gives."""
    present = set(dispute_types) | set(flags)
    reasons = tuple(
        Reason(text.format(law=rule.law), rule.code) if rule else Reason(text)
        for name, text, rule in ESCALATION_RULES
        if name in present
    )
    calculations = calculate(dispute_types, facts)
    notes = (
        *_notes(present),
        *_limitation(dispute_types, facts, today),
        *_explain_calculations(calculations),
        *_overtime(dispute_types, facts),
    )
    if reasons:
        return Decision(ESCALATE, reasons, notes, calculations)
    negotiate = Reason(
        texts.ROUTE_NEGOTIATE.format(law=rules.EMPLOYER_ANSWER.law), rules.NEGOTIATION.code
    )
    return Decision(NEGOTIATE, (negotiate,), notes, calculations)


def _notes(present: set[str]) -> tuple[str, ...]:
    notes = []  # (urgent help is given at once, in the first reply: intake.open_case)
    if "work_injury" in present:
        # WIIR-17: the employer applies within 30 days; otherwise the worker within 1 year.
        notes.append(texts.WORK_INJURY_FIRST.format(law=rules.WORK_INJURY_DETERMINATION.law))
    return tuple(notes)


def from_json(data: Mapping[str, Any]) -> Decision:
    """The decision stored with the case (its calculations stay in the stored JSON)."""
    reasons = tuple(Reason(r["text"], r.get("rule")) for r in data.get("reasons", ()))
    return Decision(str(data.get("route", NEGOTIATE)), reasons)


def explain(decision: Decision) -> str:
    """One sentence telling the worker the route and its reasons."""
    if decision.route == NEGOTIATE:
        return decision.reasons[0].text
    return texts.ROUTE_ESCALATE.format(reasons="；".join(r.text for r in decision.reasons))


LIMITATION_WARN_MONTHS = 11  # warn a month before the one-year limitation runs out


def months_since(iso_date: str, today: date) -> int | None:
    """Whole months from a "2025-11" or "2025-11-03" date to today."""
    try:
        year, month = int(iso_date[:4]), int(iso_date[5:7])
    except (TypeError, ValueError):
        return None
    return (today.year - year) * 12 + today.month - month


def _limitation(
    dispute_types: tuple[str, ...], facts: Mapping[str, Any], today: date
) -> tuple[str, ...]:
    """LDMAL-27, said per claim to a worker who left nearly a year ago: wages one year from
    leaving (para 4), other claims one year from knowing of the infringement (para 1)."""
    if facts.get("employed") is not False or not facts.get("left_date"):
        return ()
    months = months_since(str(facts["left_date"]), today)
    if months is None or months < LIMITATION_WARN_MONTHS:
        return ()
    others = [t for t in dispute_types if t not in deadlines.REMUNERATION | deadlines.TERMINATION]
    parts = {
        "remuneration": texts.LIMITATION_REMUNERATION,
        "termination": texts.LIMITATION_TERMINATION,
        "knowledge": texts.LIMITATION_KNOWLEDGE.format(
            claims="、".join(texts.DISPUTE_NAMES[t] for t in others)
        ),
    }
    said = "".join(parts[basis] for basis in deadlines.limitation_bases(dispute_types))
    return (texts.LIMITATION_WARNING.format(months=months, law=rules.LIMITATION.law, claims=said),)


def _number(facts: Mapping[str, Any], name: str) -> float | None:
    value = facts.get(name)
    return float(value) if isinstance(value, int | float) and value > 0 else None


def calculate(
    dispute_types: tuple[str, ...], facts: Mapping[str, Any]
) -> tuple[calculators.Calculation, ...]:
    """What the law gives for these disputes, where the facts allow a calculation."""
    wage, service = _number(facts, "monthly_wage"), _number(facts, "service_months")
    place = facts.get("place_code")
    results: list[calculators.Calculation] = []
    if wage and service and "termination_compensation" in dispute_types:
        n = calculators.economic_compensation(wage, service, place)
        reason = {"left_reason": facts.get("left_reason")}  # None: not known, and said so
        results.append(replace(n, inputs={**n.inputs, **reason}))
    if wage and service and "no_contract" in dispute_types:
        results.append(calculators.double_wage(wage, service))
    return tuple(results)


def _explain_calculations(results: tuple[calculators.Calculation, ...]) -> tuple[str, ...]:
    lines: list[str] = []
    for calc in results:
        if calc.name == "economic_compensation":
            lines.extend(_compensation(calc))
        elif calc.name == "double_wage":
            lines.append(
                texts.CALC_DOUBLE_WAGE.format(
                    law=rules.BY_CODE[calc.rule].law,
                    amount=calc.amount,
                    months=calc.inputs["months_counted"],
                    wage=round(calc.inputs["monthly_wage"]),
                )
            )
    return (*lines, texts.CALC_NOTE) if lines else ()


def _compensation(calc: calculators.Calculation) -> tuple[str, ...]:
    """N only as far as the reason for leaving makes it due (LCL-46); 2N only where the
    employer ended the job and may have done so unlawfully (LCL-87)."""
    figures = {
        "amount": calc.amount,
        "years": _months_text(calc.inputs["years"]),
        "base": round(calc.inputs["base"]),
    }
    double = {"double": 2 * calc.amount, "law": rules.UNLAWFUL_TERMINATION.law}
    notes = calc.inputs.get("notes") or ()
    said = (texts.CALC_FIGURES.format(notes="；".join(notes)),) if notes else ()
    why = calculators.leaving(calc.inputs.get("left_reason"))
    if why is None:
        depends = texts.CALC_COMPENSATION_DEPENDS.format(law=rules.COMPENSATION_DUE.law, **figures)
        return depends, *said, texts.CALC_UNLAWFUL_IF_DISMISSED.format(**double)
    if not why.compensation_due:
        law2 = rules.WORKER_MAY_TERMINATE.law
        resigned = texts.CALC_RESIGNED.format(law=rules.COMPENSATION_DUE.law, law2=law2, **figures)
        return resigned, *said
    due = texts.CALC_COMPENSATION.format(law=rules.BY_CODE[calc.rule].law, **figures)
    fault = texts.CALC_FAULT.format(law=rules.DISMISSAL_FOR_FAULT.law)
    unlawful = (texts.CALC_UNLAWFUL.format(**double),) if why.maybe_unlawful else ()
    return due, *said, *((fault,) if why.for_fault else ()), *unlawful


def _overtime(dispute_types: tuple[str, ...], facts: Mapping[str, Any]) -> tuple[str, ...]:
    """劳动法-44 rates per hour, when the monthly wage is known."""
    wage = _number(facts, "monthly_wage")
    if not wage or "overtime" not in dispute_types:
        return ()
    rates = calculators.overtime_hourly(wage)
    return (texts.CALC_OVERTIME.format(law=rules.OVERTIME.law, wage=round(wage), **rates),)


def _months_text(years: float) -> str:
    return str(int(years)) if float(years).is_integer() else f"{years:g}"
