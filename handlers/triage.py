"""Triage: negotiate with the employer, or go to mediation now — decided by rules, explained.

Each reason carries the rule it applies (PIPL-24: an automated decision explains itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from handlers import rules, texts

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
    notes: tuple[str, ...] = ()  # things the worker should know first (工伤认定, urgent help)

    def as_json(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "reasons": [{"text": r.text, "rule": r.rule} for r in self.reasons],
        }


# Flags and dispute types that send a case straight to a mediation organization, in order.
ESCALATION_RULES: tuple[tuple[str, str, str | None], ...] = (
    # (flag or dispute type, reason text, rule code)
    ("collective", texts.REASON_COLLECTIVE, rules.COLLECTIVE.code),  # LDMAL-7 + seeds' 风险台账
    ("urgent", texts.REASON_URGENT, None),
    ("platform", texts.REASON_PLATFORM, None),
    ("labor_relation", texts.REASON_LABOR_RELATION, rules.LABOUR_DISPUTE_SCOPE.code),
)


def decide(
    dispute_types: tuple[str, ...], flags: tuple[str, ...], facts: Mapping[str, Any]
) -> Decision:
    """Escalate when the facts call for it (collective, urgent, platform, unclear relation);
    otherwise negotiate first (LDMAL-4)."""
    present = set(dispute_types) | set(flags)
    reasons = tuple(
        Reason(text.format(rule=rule), rule)
        for name, text, rule in ESCALATION_RULES
        if name in present
    )
    notes = _notes(present)
    if reasons:
        return Decision(ESCALATE, reasons, notes)
    negotiate = Reason(
        texts.ROUTE_NEGOTIATE.format(rule=rules.EMPLOYER_ANSWER.code), rules.NEGOTIATION.code
    )
    return Decision(NEGOTIATE, (negotiate,), notes)


def _notes(present: set[str]) -> tuple[str, ...]:
    notes = []  # (urgent help is given at once, in the first reply: intake.open_case)
    if "work_injury" in present:
        # WIIR-17: the employer applies within 30 days; otherwise the worker within 1 year.
        notes.append(texts.WORK_INJURY_FIRST.format(rule=rules.WORK_INJURY_DETERMINATION.code))
    return tuple(notes)


def explain(decision: Decision) -> str:
    """One sentence telling the worker the route and its reasons."""
    if decision.route == NEGOTIATE:
        return decision.reasons[0].text
    return texts.ROUTE_ESCALATE.format(reasons="；".join(r.text for r in decision.reasons))
