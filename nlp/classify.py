"""Dispute types, flags and a not-labour verdict for a message, with the terms that decided them.

A label's score is its bias plus the learned weights of the terms the message holds
(nlp/data/weights.json, trained offline by ``tiaojie nlp train``); the explanation is those
terms with their weights and spans. Rules that encode law or safety are data beside it:
the urgency detector (nlp/data/urgent.json), the collective headcount (LDMAL-7) and the
off-topic flags rule (taxonomy.json ``labour_only_flags``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.extract import headcount as extract_headcount
from nlp.features import NEGATED, Folding, Hit, NegationScope, Vocabulary, folding, scan
from nlp.taxonomy import first_chars, load

OTHER = "other"
NOT_LABOR = "not_labor"
COLLECTIVE = "collective"
URGENT = "urgent"
WEIGHTS_PATH = Path(__file__).parent / "data" / "weights.json"
URGENT_PATH = Path(__file__).parent / "data" / "urgent.json"


@dataclass(frozen=True)
class Match:
    """A term found in the text; start/end index the original text; weight is its contribution."""

    term: str
    start: int
    end: int
    weight: float = 0.0


@dataclass(frozen=True)
class Label:
    """A dispute type or flag with its score and the matches that produced it."""

    name: str
    score: float
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class Classification:
    """Result of classify(): dispute labels (best first), flags and a not-labour verdict."""

    labels: tuple[Label, ...]
    flags: tuple[Label, ...]
    not_labor: Label | None

    @property
    def dispute_types(self) -> tuple[str, ...]:
        """Names of the dispute labels, best first."""
        return tuple(label.name for label in self.labels)

    @property
    def flag_names(self) -> tuple[str, ...]:
        """Names of the raised flags."""
        return tuple(flag.name for flag in self.flags)

    @property
    def is_labor(self) -> bool:
        """True when at least one dispute type (including other) was found."""
        return bool(self.labels)


@dataclass(frozen=True)
class Urgency:
    """A message that needs a person now: its kind and the words that show it."""

    kind: str  # self_harm, violence, medical or stranded
    label: Label


# ---------------------------------------------------------------- the learned model


@dataclass(frozen=True)
class Model:
    """Per-label linear scores over term features (see nlp/data/weights.json)."""

    disputes: tuple[str, ...]  # dispute types, `other` included
    flags: tuple[str, ...]  # learned flags
    bias: Mapping[str, float]
    thresholds: Mapping[str, float]
    min_evidence: float  # below this, a message with no label over threshold gets none
    max_labels: int
    weights: Mapping[str, tuple[tuple[str, float], ...]]  # feature key → (label, weight)
    vocab: Vocabulary
    scope: NegationScope
    words: frozenset[str]  # dictionary words: named first when explaining

    @property
    def names(self) -> tuple[str, ...]:
        """Every label the model scores."""
        return (*self.disputes, NOT_LABOR, *self.flags)


def build_model(raw: Mapping[str, Any]) -> Model:
    """A Model from the parsed weights document."""
    weights = {
        key: tuple((name, float(w)) for name, w in per_label.items())
        for key, per_label in raw["terms"].items()
    }
    neg = raw["negation"]
    return Model(
        disputes=tuple(raw["disputes"]),
        flags=tuple(raw["flags"]),
        bias={k: float(v) for k, v in raw["bias"].items()},
        thresholds={k: float(v) for k, v in raw["thresholds"].items()},
        min_evidence=float(raw["min_evidence"]),
        max_labels=int(raw["max_labels"]),
        weights=weights,
        vocab=Vocabulary.of(key.lstrip("~") for key in weights),
        scope=NegationScope(
            cues=tuple(neg["cues"]),
            window=int(neg["window"]),
            clause_breaks=neg["clause_breaks"],
            question_forms=tuple(neg["question_forms"]),
        ),
        words=frozenset(raw.get("words", ())),
    )


@lru_cache(maxsize=1)
def model() -> Model:
    """The packaged model."""
    with WEIGHTS_PATH.open(encoding="utf-8") as fh:
        return build_model(json.load(fh))


Scores = dict[str, float]
Evidence = dict[str, list[tuple[Hit, float]]]


def score(folded: str, mdl: Model) -> tuple[Scores, Evidence]:
    """Bias plus the weight of every distinct term feature, per label, with the hits behind it."""
    scores: Scores = dict(mdl.bias)
    evidence: Evidence = {}
    seen: set[str] = set()
    weights = mdl.weights
    for hit in scan(folded, mdl.vocab, mdl.scope):
        contributions = weights.get(hit.key)
        if contributions is None:
            continue
        first = hit.key not in seen
        seen.add(hit.key)
        for name, weight in contributions:
            if first:
                scores[name] += weight
            evidence.setdefault(name, []).append((hit, weight))
    return scores, evidence


def _explanation(
    text: str, found: Iterable[tuple[Hit, float]], words: frozenset[str]
) -> tuple[Match, ...]:
    """The terms that speak for a label, in text order: words and n-grams heaviest first, no
    two overlapping, dictionary words before n-grams; single characters only when nothing
    longer speaks for it."""
    chosen: list[tuple[Hit, float]] = []
    ranked = sorted(found, key=lambda p: _rank(p, words))
    for hit, weight in ranked:
        if weight <= 0 or (chosen and hit.end - hit.start == 1):
            continue
        if all(hit.end <= h.start or hit.start >= h.end for h, _ in chosen):
            chosen.append((hit, weight))
    chosen.sort(key=lambda pair: pair[0].start)
    return tuple(Match(text[h.start : h.end], h.start, h.end, round(w, 3)) for h, w in chosen)


def _rank(pair: tuple[Hit, float], words: frozenset[str]) -> tuple[int, float, float]:
    """Dictionary words first, leftmost-longest (as a reader scans); then n-grams by weight."""
    hit, weight = pair
    if hit.end - hit.start == 1:
        return (2, -weight, 0.0)
    if hit.key.lstrip(NEGATED) in words:
        return (0, hit.start, hit.start - hit.end)
    return (1, -weight, 0.0)


def _label(name: str, text: str, scores: Scores, evidence: Evidence, mdl: Model) -> Label:
    matches = _explanation(text, evidence.get(name, ()), mdl.words)
    return Label(name, round(scores[name], 3), matches)


def _verdict(
    text: str, scores: Scores, evidence: Evidence, mdl: Model
) -> tuple[tuple[Label, ...], Label | None]:
    """Dispute labels over their thresholds (best first), or a not-labour verdict, or nothing."""
    ranked = sorted(mdl.disputes, key=lambda n: -scores[n])
    off_topic = scores[NOT_LABOR]
    best = ranked[0]
    if off_topic >= mdl.thresholds[NOT_LABOR] and off_topic > scores[best]:
        return (), _label(NOT_LABOR, text, scores, evidence, mdl)
    chosen = [n for n in ranked[: mdl.max_labels] if scores[n] >= mdl.thresholds[n]]
    if not chosen:
        # Nothing is sure: the likeliest reading, if the message says anything at all.
        said = max(scores[best] - mdl.bias[best], off_topic - mdl.bias[NOT_LABOR])
        if said < mdl.min_evidence:
            return (), None
        if off_topic - mdl.thresholds[NOT_LABOR] > scores[best] - mdl.thresholds[best]:
            return (), _label(NOT_LABOR, text, scores, evidence, mdl)
        chosen = [best]
    return tuple(_label(n, text, scores, evidence, mdl) for n in chosen), None


# ---------------------------------------------------------------- urgency


@dataclass(frozen=True)
class _UrgentKind:
    name: str
    terms: Vocabulary
    patterns: tuple[tuple[re.Pattern[str], frozenset[str] | None], ...]


@dataclass(frozen=True)
class UrgentRules:
    """The urgency detector's data (nlp/data/urgent.json)."""

    kinds: tuple[_UrgentKind, ...]
    negation: NegationScope


def build_urgent(raw: Mapping[str, Any]) -> UrgentRules:
    """UrgentRules from the parsed urgent.json."""
    kinds = tuple(
        _UrgentKind(
            name,
            Vocabulary.of(term.lower() for term in spec.get("terms", ())),
            tuple((re.compile(rx), first_chars(rx)) for rx in spec.get("patterns", ())),
        )
        for name, spec in raw["kinds"].items()
    )
    neg = raw["negation"]
    scope = NegationScope(tuple(neg["cues"]), int(neg["window"]), neg["clause_breaks"], ())
    return UrgentRules(kinds, scope)


@lru_cache(maxsize=1)
def urgent_rules() -> UrgentRules:
    """The packaged urgency rules."""
    with URGENT_PATH.open(encoding="utf-8") as fh:
        return build_urgent(json.load(fh))


_NO_NEGATION = NegationScope((), 0, "", ())


def _urgent_spans(folded: str, kind: _UrgentKind, rules: UrgentRules) -> list[tuple[int, int]]:
    spans = [(h.start, h.end) for h in scan(folded, kind.terms, _NO_NEGATION)]
    present: set[str] | None = None
    for regex, first in kind.patterns:
        if first is not None:
            present = present if present is not None else set(folded)
            if present.isdisjoint(first):
                continue
        spans.extend(m.span() for m in regex.finditer(folded) if m.end() > m.start())
    return [span for span in spans if not rules.negation.denied(folded, span[0])]


def _urgency(text: str, folded: str) -> Urgency | None:
    rules = urgent_rules()
    for kind in rules.kinds:
        spans = _urgent_spans(folded, kind, rules)
        if spans:
            matches = tuple(Match(text[s:e], s, e, 1.0) for s, e in sorted(set(spans)))
            return Urgency(kind.name, Label(URGENT, 1.0, matches))
    return None


def urgency(text: str) -> Urgency | None:
    """Whether a message needs a person now (self-harm, violence, medical, stranded), and why.

    Cheap enough for every message in every state, whatever its topic; the `urgent` flag of
    classify() is raised exactly when this is not None.
    """
    text = _clip(text)
    return _urgency(text, fold(text))


# ---------------------------------------------------------------- classify


def _clip(text: object) -> str:
    return text[: load().max_chars] if isinstance(text, str) else ""


def fold(text: str, folds: Folding | None = None) -> str:
    """The text the rules and the model read: spellings folded, ASCII lowercase, same length."""
    return (folds or folding())(text)


def _collective_headcount(text: str, headcount: int | None) -> Label | None:
    """LDMAL-7: 10 or more workers with a common claim make a collective dispute."""
    span: tuple[Match, ...] = ()
    if headcount is None and (fact := extract_headcount(text)) is not None:
        headcount = int(fact.value)
        span = (Match(text[fact.start : fact.end], fact.start, fact.end, 1.0),)
    if headcount is not None and headcount >= load().collective_headcount:
        return Label(COLLECTIVE, 1.0, span)
    return None


@dataclass(frozen=True)
class FlagTerms:
    """The flags' defining keyword lists (taxonomy.json `flags`): 工地, 外卖, 全体员工 …"""

    vocab: Vocabulary
    weights: Mapping[str, tuple[tuple[str, float], ...]]
    thresholds: Mapping[str, float]


@lru_cache(maxsize=1)
def flag_terms() -> FlagTerms:
    """The labour flags' keyword lists, indexed for a scan of the folded text."""
    tax = load()
    flags = set(tax.labour_only_flags)
    weights = {
        term: pairs
        for term, rules in tax.index.items()
        if (pairs := tuple((r.group, r.weight) for r in rules if r.group in flags))
    }
    return FlagTerms(Vocabulary.of(weights), weights, {f: tax.thresholds[f] for f in flags})


def _defined_flags(text: str, folded: str, scope: NegationScope) -> dict[str, Label]:
    """Flags whose own keywords (not denied) reach their threshold."""
    lists = flag_terms()
    totals: dict[str, float] = {}
    found: dict[str, list[Match]] = {}
    for hit in scan(folded, lists.vocab, scope):
        if hit.key.startswith(NEGATED):
            continue
        for name, weight in lists.weights[hit.key]:
            totals[name] = totals.get(name, 0.0) + weight
            match = Match(text[hit.start : hit.end], hit.start, hit.end, weight)
            found.setdefault(name, []).append(match)
    return {
        name: Label(name, round(total, 3), tuple(found[name]))
        for name, total in totals.items()
        if total >= lists.thresholds[name]
    }


def _flags(
    text: str, folded: str, scores: Scores, evidence: Evidence, mdl: Model, headcount: int | None
) -> list[Label]:
    defined = _defined_flags(text, folded, mdl.scope)
    flags = [
        _label(n, text, scores, evidence, mdl) if scores[n] >= mdl.thresholds[n] else defined[n]
        for n in mdl.flags
        if scores[n] >= mdl.thresholds[n] or n in defined
    ]
    if COLLECTIVE not in {f.name for f in flags}:
        by_count = _collective_headcount(text, headcount)
        if by_count is not None:
            flags.append(by_count)
    return flags


def classify_with(mdl: Model, text: str, headcount: int | None = None) -> Classification:
    """classify() with a given model (training and cross-validation use their own)."""
    text = _clip(text)
    folded = fold(text)
    scores, evidence = score(folded, mdl)
    labels, not_labor = _verdict(text, scores, evidence, mdl)
    flags = _flags(text, folded, scores, evidence, mdl, headcount)
    if not_labor is not None or not labels:
        # 房东和包工头… is not a construction dispute; a threat to life stays urgent anywhere.
        only = load().labour_only_flags
        flags = [flag for flag in flags if flag.name not in only]
    urgent = _urgency(text, folded)
    if urgent is not None:
        flags.append(urgent.label)
    return Classification(labels, tuple(flags), not_labor)


def classify(text: str, headcount: int | None = None) -> Classification:
    """Classify a worker's message; never raises on odd input."""
    return classify_with(model(), text, headcount)
