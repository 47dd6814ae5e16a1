"""The risk ledger's rules (风险台账, 预警), as data (data/risk_rules.json), evaluated purely.

The edge supplies what needs the database (how many recent cases name the same employer);
everything else comes from the case. Each rule fires once per case.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from nlp.terms import next_holiday

DATA = Path(__file__).with_name("data") / "risk_rules.json"
COMPANY_SUFFIXES = ("有限责任公司", "股份有限公司", "有限公司", "公司", "集团", "厂", "工厂")


@dataclass(frozen=True)
class RiskRule:
    kind: str
    label: str
    rule: str
    when: Mapping[str, Any]


@dataclass(frozen=True)
class RiskFacts:
    """What the rules look at."""

    dispute_types: tuple[str, ...]
    flags: tuple[str, ...]
    headcount: int | None
    terms: tuple[str, ...]  # the words the classifier matched (they explain the verdict)
    today: date
    same_employer_cases: int = 0  # this employer's cases within the rule's window, this one too


@cache
def rules() -> tuple[RiskRule, ...]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return tuple(RiskRule(r["kind"], r["label"], r["rule"], r["when"]) for r in data["rules"])


def employer_key(name: str | None) -> str | None:
    """泉州鑫达鞋业有限公司 and 泉州鑫达鞋业 are one employer for the ledger."""
    if not name:
        return None
    key = "".join(name.split())
    for suffix in COMPANY_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            key = key[: -len(suffix)]
            break
    return key or None


def repeat_window_days() -> int:
    """The window of the repeat-employer rule (the edge counts cases over it)."""
    for rule in rules():
        if "same_employer_cases" in rule.when:
            return int(rule.when.get("within_days", 30))
    return 30


def evaluate(facts: RiskFacts) -> list[RiskRule]:
    """The rules that fire for a case."""
    return [rule for rule in rules() if _holds(rule.when, facts)]


def _holds(when: Mapping[str, Any], facts: RiskFacts) -> bool:
    checks = {
        "types_any": lambda v: bool(set(v) & set(facts.dispute_types)),
        "types_none": lambda v: not set(v) & set(facts.dispute_types),
        "flags_any": lambda v: bool(set(v) & set(facts.flags)),
        "headcount_min": lambda v: (facts.headcount or 0) >= int(v),
        "terms_any": lambda v: any(t in term for term in facts.terms for t in v),
        "before_holiday": lambda v: _before_holiday(v, facts.today),
        "same_employer_cases": lambda v: facts.same_employer_cases >= int(v),
        "within_days": lambda v: True,  # the window of same_employer_cases
    }
    return all(checks[name](value) for name, value in when.items())


def _before_holiday(spec: Mapping[str, Any], today: date) -> bool:
    holiday = next_holiday(str(spec["name"]), today)
    return holiday is not None and holiday - today <= timedelta(days=int(spec["days"]))


def matched_terms(explanation: Mapping[str, Any]) -> tuple[str, ...]:
    """The classifier's matched words, from the explanation kept with the case."""
    terms: list[str] = []
    for group in ("labels", "flags"):
        for label in explanation.get(group, {}).values():
            terms.extend(m["term"] for m in label.get("matches", ()))
    return tuple(terms)


def describe(fired: Sequence[RiskRule]) -> list[dict[str, str]]:
    return [{"kind": r.kind, "label": r.label, "rule": r.rule} for r in fired]
