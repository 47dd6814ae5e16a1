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
# The `hard_negatives` patterns score here: who is owed, not what about.
HARD_NEGATIVE = "hard_negative"

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
    # Characters a match must start with (None: unknown): a text holding none of them is
    # skipped without running the regex.
    first: frozenset[str] | None = None
    # Characters every match contains: a text lacking one of them is skipped too.
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Companion:
    """When `when` is a chosen label, `add` is chosen too if its score reaches `min`."""

    when: str
    add: str
    min: float


@dataclass(frozen=True)
class Dominance:
    """When `when` is the best label, `drop` is dropped unless its own score reaches `unless`:
    a text's own subject explains a side word (扣钱 for a day of 事假 is about leave)."""

    when: str
    drop: str
    unless: float


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
    # first two chars → lengths (≥ 2) of the terms starting with them, longest first: most
    # positions of a message start no term, and one look-up tells
    by_pair: dict[str, tuple[int, ...]]
    singles: frozenset[str]  # one-character terms (欠, 伤)
    thresholds: dict[str, float]
    disputes: tuple[str, ...]
    flags: tuple[str, ...]
    labour_only_flags: frozenset[str]  # dropped when the message is not about labour
    # Flags that are situations with a protection of their own (怀孕, 扣身份证, 老板跑了): read
    # like flags, reported apart from them (Classification.situations)
    situations: frozenset[str]
    negation: Negation
    patterns: tuple[Pattern, ...]
    max_chars: int
    secondary_ratio: float
    secondary_firm: float
    leaning_min: float
    leaning_types: tuple[str, ...]
    # flag → the dispute type a message with that flag and no dispute of its own is about
    flag_leaning: dict[str, str]
    # hard negatives at least this strong, and stronger than the labour context, decide
    hard_negative_min: float
    companions: tuple[Companion, ...]
    dominance: tuple[Dominance, ...]
    collective_headcount: int
    extract: dict[str, Any]


def _group_rules(name: str, spec: dict[str, Any]) -> list[tuple[str, Rule]]:
    """Turn one group's JSON spec into (term, rule) pairs."""
    plain = "plain" if spec.get("negatable", True) else "ignore"
    pairs = [(t, Rule(name, float(w), plain)) for t, w in spec.get("terms", {}).items()]
    pairs += [(t, Rule(name, float(w), "require")) for t, w in spec.get("if_negated", {}).items()]
    return pairs


def _by_pair(terms: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """For the scan: which term lengths can start with each pair of characters."""
    lengths: dict[str, set[int]] = {}
    for term in terms:
        if len(term) > 1:
            lengths.setdefault(term[:2], set()).add(len(term))
    return {pair: tuple(sorted(sizes, reverse=True)) for pair, sizes in lengths.items()}


_Parsed = Any  # re's parse tree: a sequence of (opcode, argument) pairs
_TRANSPARENT = ("AT", "ASSERT", "ASSERT_NOT")  # zero-width: look further


def _first_of_item(op: str, arg: Any) -> tuple[set[str], bool] | None:
    """(chars a match of one parse item can start with, whether it can match empty)."""
    if op == "LITERAL":
        return {chr(arg)}, False
    if op == "IN":
        chars: set[str] = set()
        for kind, value in arg:
            if str(kind) == "LITERAL":
                chars.add(chr(value))
            elif str(kind) == "RANGE" and value[1] - value[0] < 256:
                chars.update(map(chr, range(value[0], value[1] + 1)))
            else:
                return None
        return chars, False
    if op == "SUBPATTERN":
        return _first_of_seq(arg[-1])
    if op == "BRANCH":
        found = [_first_of_seq(alt) for alt in arg[1]]
        if any(f is None for f in found):
            return None
        return set().union(*(f[0] for f in found if f)), any(f[1] for f in found if f)
    if op in ("MAX_REPEAT", "MIN_REPEAT"):
        inner = _first_of_seq(arg[2])
        return None if inner is None else (inner[0], inner[1] or arg[0] == 0)
    if op in _TRANSPARENT:
        return set(), True
    return None


def _first_of_seq(seq: _Parsed) -> tuple[set[str], bool] | None:
    chars: set[str] = set()
    for op, arg in seq:
        item = _first_of_item(str(op), arg)
        if item is None:
            return None
        chars |= item[0]
        if not item[1]:
            return chars, False
    return chars, True


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters every match of pattern starts with, or None when not sure.

    Reads re's own parse tree (an internal module): anything unexpected means None, and
    None only costs speed, never a match.
    """
    try:
        from re import _parser  # type: ignore[attr-defined]

        found = _first_of_seq(_parser.parse(pattern))
    except (ImportError, AttributeError, TypeError, ValueError, IndexError, re.error):
        return None
    return None if found is None or found[1] else frozenset(found[0])


def _hard_negatives(raw: dict[str, Any]) -> list[Pattern]:
    """Patterns of `hard_negatives`: the person asking is owed as someone other than a worker
    (a customer, creditor, seller, subcontracting boss, relative, neighbour, passer-by)."""
    return [
        _pattern(rx, HARD_NEGATIVE, float(w))
        for role in raw.get("hard_negatives", {}).values()
        for rx, w in role["patterns"].items()
    ]


def _dominance(raw: dict[str, Any]) -> tuple[Dominance, ...]:
    return tuple(
        Dominance(rule["when"], dropped, float(rule["unless"]))
        for rule in raw.get("dominance", ())
        for dropped in rule["drop"]
    )


def _needed_in_seq(seq: _Parsed) -> set[str]:
    chars: set[str] = set()
    for op, arg in seq:
        name = str(op)
        if name == "LITERAL":
            chars.add(chr(arg))
        elif name == "SUBPATTERN":
            chars |= _needed_in_seq(arg[-1])
        elif name == "BRANCH":
            chars |= set.intersection(*(_needed_in_seq(alt) for alt in arg[1]))
        elif name in ("MAX_REPEAT", "MIN_REPEAT") and arg[0] >= 1:
            chars |= _needed_in_seq(arg[2])
    return chars


def needed_chars(pattern: str) -> frozenset[str]:
    """Characters every match of pattern contains (empty when none is sure).

    Reads re's own parse tree, like first_chars: anything unexpected means no requirement,
    which only costs speed, never a match.
    """
    try:
        from re import _parser  # type: ignore[attr-defined]

        return frozenset(_needed_in_seq(_parser.parse(pattern)))
    except (ImportError, AttributeError, TypeError, ValueError, IndexError, re.error):
        return frozenset()


def _pattern(rx: str, group: str, weight: float) -> Pattern:
    return Pattern(re.compile(rx), group, weight, first_chars(rx), needed_chars(rx))


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
    patterns = tuple(
        _pattern(rx, name, float(w))
        for name, spec in groups.items()
        for rx, w in spec.get("patterns", {}).items()
    ) + tuple(_hard_negatives(raw))
    return Taxonomy(
        index={t: tuple(r) for t, r in index.items()},
        lengths=tuple(sorted({len(t) for t in index}, reverse=True)),
        by_pair=_by_pair(index),
        singles=frozenset(term for term in index if len(term) == 1),
        thresholds={n: float(s.get("threshold", default)) for n, s in groups.items()},
        disputes=tuple(raw["disputes"]),
        flags=tuple(raw["flags"]),
        labour_only_flags=frozenset(raw.get("labour_only_flags", ())),
        situations=frozenset(raw.get("situations", ())),
        negation=Negation(
            cues=tuple(neg["cues"]),
            window=int(neg["window"]),
            lack_cues=tuple(neg["lack_cues"]),
            lack_window=int(neg["lack_window"]),
            clause_breaks=neg["clause_breaks"],
            question_forms=tuple(neg.get("question_forms", ())),
        ),
        patterns=patterns,
        max_chars=int(raw["max_chars"]),
        secondary_ratio=float(raw.get("secondary_ratio", 0.0)),
        secondary_firm=float(raw.get("secondary_firm", float("inf"))),
        leaning_min=float(raw.get("leaning_min", float("inf"))),
        leaning_types=tuple(raw.get("leaning_types", ())),
        flag_leaning=dict(raw.get("flag_leaning", {})),
        hard_negative_min=float(raw.get("hard_negative_min", float("inf"))),
        companions=tuple(
            Companion(c["when"], c["add"], float(c["min"])) for c in raw.get("companions", ())
        ),
        dominance=_dominance(raw),
        collective_headcount=int(raw["collective_headcount"]),
        extract=raw["extract"],
    )


@lru_cache(maxsize=1)
def load() -> Taxonomy:
    """Load and cache the packaged taxonomy."""
    with DATA_PATH.open(encoding="utf-8") as fh:
        return build(json.load(fh))
