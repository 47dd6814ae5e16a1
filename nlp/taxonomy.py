"""Load the keyword taxonomy (terms, weights, negation cues) from nlp/data/taxonomy.json."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_PATH = Path(__file__).parent / "data" / "taxonomy.json"

# Groups that are not dispute types or flags but still score keywords.
LABOR_CONTEXT = "labor_context"
NOT_LABOR = "not_labor"

# Full-width ASCII (Ｎ＋１, ＨＲ) and upper case are folded one char for one char,
# so match positions stay valid in the original text.
FOLD_TABLE = {c + 0xFEE0: chr(c).lower() for c in range(0x21, 0x7F)}
FOLD_TABLE.update({c: chr(c).lower() for c in range(0x41, 0x5B)})


@dataclass(frozen=True)
class Rule:
    """One keyword's contribution to one group."""

    group: str
    weight: float
    # "plain": negation blocks it; "ignore": negation is irrelevant (社保 is on topic either way);
    # "require": counts only when negated (没签合同, 不发工资 are the complaint itself).
    mode: str


@dataclass(frozen=True)
class Pattern:
    """A regular expression over the folded text that adds weight to one group."""

    regex: re.Pattern[str]
    group: str
    weight: float


@dataclass(frozen=True)
class Companion:
    """When `when` is a chosen label, `add` is chosen too if its score reaches `min`."""

    when: str
    add: str
    min: float


@dataclass(frozen=True)
class Negation:
    """Negation cues and the windows (in chars before a term) where they apply."""

    cues: tuple[str, ...]
    window: int
    lack_cues: tuple[str, ...]
    lack_window: int
    clause_breaks: str
    question_forms: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """The whole keyword model: an index from term to rules, plus thresholds."""

    index: dict[str, tuple[Rule, ...]]
    lengths: tuple[int, ...]  # distinct term lengths, longest first
    by_first: dict[str, tuple[int, ...]]  # first char → lengths of terms starting with it
    thresholds: dict[str, float]
    disputes: tuple[str, ...]
    flags: tuple[str, ...]
    labour_only_flags: frozenset[str]  # dropped when the message is not about labour
    negation: Negation
    patterns: tuple[Pattern, ...]
    max_chars: int
    secondary_ratio: float
    secondary_firm: float
    leaning_min: float
    leaning_types: tuple[str, ...]
    companions: tuple[Companion, ...]
    collective_headcount: int
    extract: dict[str, Any]


def _group_rules(name: str, spec: dict[str, Any]) -> list[tuple[str, Rule]]:
    """Turn one group's JSON spec into (term, rule) pairs."""
    plain = "plain" if spec.get("negatable", True) else "ignore"
    pairs = [(t, Rule(name, float(w), plain)) for t, w in spec.get("terms", {}).items()]
    pairs += [(t, Rule(name, float(w), "require")) for t, w in spec.get("if_negated", {}).items()]
    return pairs


def _by_first(terms: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """For the scan: which term lengths can start with each character, longest first."""
    lengths: dict[str, set[int]] = {}
    for term in terms:
        lengths.setdefault(term[0], set()).add(len(term))
    return {ch: tuple(sorted(sizes, reverse=True)) for ch, sizes in lengths.items()}


def build(raw: dict[str, Any]) -> Taxonomy:
    """Build a Taxonomy from the parsed JSON document."""
    default = float(raw["threshold"])
    groups = {**raw["disputes"], **raw["flags"]}
    groups.update({LABOR_CONTEXT: raw["labor_context"], NOT_LABOR: raw["not_labor"]})
    index: dict[str, list[Rule]] = {}
    for name, spec in groups.items():
        for term, rule in _group_rules(name, spec):
            index.setdefault(term.lower(), []).append(rule)
    neg = raw["negation"]
    return Taxonomy(
        index={t: tuple(r) for t, r in index.items()},
        lengths=tuple(sorted({len(t) for t in index}, reverse=True)),
        by_first=_by_first(index),
        thresholds={n: float(s.get("threshold", default)) for n, s in groups.items()},
        disputes=tuple(raw["disputes"]),
        flags=tuple(raw["flags"]),
        labour_only_flags=frozenset(raw.get("labour_only_flags", ())),
        negation=Negation(
            cues=tuple(neg["cues"]),
            window=int(neg["window"]),
            lack_cues=tuple(neg["lack_cues"]),
            lack_window=int(neg["lack_window"]),
            clause_breaks=neg["clause_breaks"],
            question_forms=tuple(neg.get("question_forms", ())),
        ),
        patterns=tuple(
            Pattern(re.compile(rx), name, float(w))
            for name, spec in groups.items()
            for rx, w in spec.get("patterns", {}).items()
        ),
        max_chars=int(raw["max_chars"]),
        secondary_ratio=float(raw.get("secondary_ratio", 0.0)),
        secondary_firm=float(raw.get("secondary_firm", float("inf"))),
        leaning_min=float(raw.get("leaning_min", float("inf"))),
        leaning_types=tuple(raw.get("leaning_types", ())),
        companions=tuple(
            Companion(c["when"], c["add"], float(c["min"])) for c in raw.get("companions", ())
        ),
        collective_headcount=int(raw["collective_headcount"]),
        extract=raw["extract"],
    )


@lru_cache(maxsize=1)
def load() -> Taxonomy:
    """Load and cache the packaged taxonomy."""
    with DATA_PATH.open(encoding="utf-8") as fh:
        return build(json.load(fh))
