"""Triage: negotiate with the employer, or go to mediation now — decided by rules, explained.

Each reason carries the rule it applies (PIPL-24: an automated decision explains itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from handlers import calculators, deadlines, rules, texts
from handlers.units import DAYS_PER_MONTH, WHOLE_SERVICE

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
# Platform work alone does not: a courier or streamer with a clear employer negotiates like
# anyone else; an unclear relation (众包, 合作协议) is `labor_relation`, which escalates.
ESCALATION_RULES: tuple[tuple[str, str, rules.Rule | None], ...] = (
    # (flag or dispute type, reason text, rule)
    ("collective", texts.REASON_COLLECTIVE, rules.COLLECTIVE),  # LDMAL-7 + seeds' 风险台账
    ("urgent", texts.REASON_URGENT, None),
    ("labor_relation", texts.REASON_LABOR_RELATION, rules.LABOUR_DISPUTE_SCOPE),
    # ECNMR-12: no one to negotiate with (老板跑了) → mediation, and labour inspection (LCL-85)
    ("employer_gone", texts.REASON_EMPLOYER_GONE, rules.NEGOTIATION_FAILED),
)


@dataclass(frozen=True)
class Protection:
    """What the law gives, or where to go, in a situation the case shows (the fact
    `situations`) or a dispute type: the note the worker reads (texts.PROTECTIONS) and the
    rules it names."""

    when: str
    rules: tuple[rules.Rule, ...]

    def note(self) -> str:
        laws = {("law" + (str(i + 1) if i else "")): r.law for i, r in enumerate(self.rules)}
        return texts.PROTECTIONS[self.when].format(**laws)


PROTECTIONS: tuple[Protection, ...] = (
    # LCL-42: no dismissal under LCL-40/41 in pregnancy, childbirth, nursing; LCL-45: a contract
    # ending then runs on; LCL-48: reinstatement or 2N.
    Protection(
        "pregnancy",
        (rules.NO_DISMISSAL_IN_PREGNANCY, rules.CONTRACT_EXTENDED, rules.REINSTATEMENT_OR_DAMAGES),
    ),
    # LCL-9: no ID cards kept, no deposits; LCL-84: labour inspection orders them returned.
    Protection("withheld_documents", (rules.NO_DEPOSIT, rules.DOCUMENTS_RETURNED)),
    # LCL-85: labour inspection orders unpaid wages paid (12333).
    Protection("employer_gone", (rules.WAGES_ORDERED,)),
    # LCL-30: a 支付令 from the court for unpaid wages, without mediation first.
    Protection("wage_arrears", (rules.WAGES_PAYMENT_ORDER,)),
    # SIL-63: the collection agency orders contributions paid (社保征缴, 12333).
    Protection("social_insurance", (rules.SOCIAL_INSURANCE_COLLECTION,)),
)


def decide(
    dispute_types: tuple[str, ...], flags: tuple[str, ...], facts: Mapping[str, Any], today: date
) -> Decision:
    """Escalate when the facts call for it (collective, urgent, an unclear labour relation);
    otherwise negotiate first (LDMAL-4). Notes: 工伤认定 first, the limitation, what the law
    gives."""
    present = set(dispute_types) | set(flags) | set(facts.get("situations") or ())
    reasons = tuple(
        Reason(text.format(law=rule.law), rule.code) if rule else Reason(text)
        for name, text, rule in ESCALATION_RULES
        if name in present
    )
    calculations = calculate(dispute_types, facts)
    notes = (
        *_notes(present),
        *(p.note() for p in PROTECTIONS if p.when in present),
        *_limitation(dispute_types, facts, today),
        *_explain_calculations(calculations),
        *_double_wage_unknown(dispute_types, facts),
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


def arbitration_help(admin_code: str | None) -> str:
    """What a worker told to apply for arbitration should know: it is free (LDMAL-53), small
    claims are final for the employer (LDMAL-47: per item up to 12 months of the local minimum
    wage), and 12348 for legal aid (LAL-31)."""
    local = calculators.local_wages(admin_code)
    limit = texts.ARBITRATION_LIMIT_UNKNOWN
    if local.minimum and local.minimum_exact:
        limit = texts.ARBITRATION_LIMIT.format(minimum=local.minimum, limit=12 * local.minimum)
    return texts.ARBITRATION_HELP.format(
        law=rules.FREE_ARBITRATION.law,
        law2=rules.FINAL_AWARD.law,
        law3=rules.LEGAL_AID.law,
        limit=limit,
    )


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
    unsigned = unsigned_months(facts)
    if wage and unsigned is not None and "no_contract" in dispute_types:
        results.append(calculators.double_wage(wage, unsigned))
    return tuple(results)


def unsigned_months(facts: Mapping[str, Any]) -> float | None:
    """How long the job went without a written contract (LCL-82), or None when not known:
    "一直没签" is the whole time worked."""
    if facts.get("unsigned_months") == WHOLE_SERVICE:
        return _number(facts, "service_months")
    value = facts.get("unsigned_months")
    return float(value) if isinstance(value, int | float) and value >= 0 else None


def _double_wage_unknown(
    dispute_types: tuple[str, ...], facts: Mapping[str, Any]
) -> tuple[str, ...]:
    """LCL-82 counts the months without a written contract: not known, nothing is computed."""
    if "no_contract" not in dispute_types or unsigned_months(facts) is not None:
        return ()
    return (texts.CALC_DOUBLE_WAGE_UNKNOWN.format(law=rules.NO_CONTRACT.law),)


def _explain_calculations(results: tuple[calculators.Calculation, ...]) -> tuple[str, ...]:
    lines: list[str] = []
    for calc in results:
        if calc.name == "economic_compensation":
            lines.extend(_compensation(calc))
        elif calc.name == "double_wage":
            counted = calc.inputs["months_counted"] + calc.inputs["days_counted"] / DAYS_PER_MONTH
            lines.append(
                texts.CALC_DOUBLE_WAGE.format(
                    law=rules.BY_CODE[calc.rule].law,
                    amount=calc.amount,
                    period=texts.period(counted),
                    wage=calculators.yuan(calc.inputs["monthly_wage"]),
                )
            )
    return (*lines, texts.CALC_NOTE) if lines else ()


def _compensation(calc: calculators.Calculation) -> tuple[str, ...]:
    """N only as far as the reason for leaving makes it due (LCL-46); 2N only where the
    employer ended the job and may have done so unlawfully (LCL-87)."""
    figures = {
        "amount": calc.amount,
        "years": _months_text(calc.inputs["years"]),
        "base": calculators.yuan(calc.inputs["base"]),
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
