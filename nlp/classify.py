"""Keyword classifier: dispute types, flags and a not-labour verdict for a message.

Terms, weights, patterns, negation cues, hard negatives (the asker is owed as no worker) and
dominance rules (a chosen dispute explains a weaker one) are data (nlp/data/taxonomy.json);
spellings are folded first (nlp/data/fold.json, same length, so spans index the original
text), and the taxonomy is written in folded form (俺们 is read as 我们, 冇 as 没). The one
urgency detector is urgency() (nlp/data/urgent.json): classify() raises `urgent` exactly when
it finds something, whatever the topic. The learned model of ``tiaojie nlp train`` is tooling
only (nlp/train.py); nlp/data/SOURCES.md says why it is not used here.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.extract import headcount as extract_headcount
from nlp.features import Folding, NegationScope, folding
from nlp.taxonomy import (
    HARD_NEGATIVE,
    LABOR_CONTEXT,
    NOT_LABOR,
    Negation,
    Taxonomy,
    first_chars,
    load,
)
from nlp.tokenizer import LazySegmentation

OTHER = "other"
COLLECTIVE = "collective"
URGENT = "urgent"
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
    # No verdict, but the little it says points away from work (我老公打我): family, consumer
    # or neighbour words and nothing of work.
    leans_elsewhere: bool = False
    # Situations with a protection of their own (pregnancy, documents withheld, employer gone)
    situations: tuple[str, ...] = ()

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


def fold(text: str, folds: Folding | None = None) -> str:
    """The text the rules read: spellings folded, ASCII lowercase, long runs masked, same length."""
    return (folds or folding())(text)


Scores = dict[str, float]
Hits = dict[str, list[Match]]


def find_terms(text: str, tax: Taxonomy, folded: str | None = None) -> list[Match]:
    """Scan text leftmost-longest for taxonomy terms that the segmentation allows (folded:
    the text as the keyword scan folds it, when the caller has it already)."""
    folded = fold(text) if folded is None else folded
    seg = LazySegmentation(folded)
    found: list[Match] = []
    index, by_pair, singles = tax.index, tax.by_pair, tax.singles
    i, size = 0, len(folded)
    while i < size:
        length = 0
        for n in by_pair.get(folded[i : i + 2], ()):
            if i + n <= size and folded[i : i + n] in index and seg.allows(i, i + n):
                length = n
                break
        if not length and folded[i] in singles and seg.allows(i, i + 1):
            length = 1
        if length:
            found.append(Match(text[i : i + length], i, i + length))
        i += length or 1
    return found


def _window(text: str, start: int, size: int, neg: Negation, floor: int = 0) -> str:
    """The `size` chars before start (not before floor) in the same clause, questions blanked."""
    # Take a little extra so a question form straddling the window edge is still blanked.
    before = text[max(floor, start - size - 3) : start]
    for cut in range(len(before) - 1, -1, -1):
        if before[cut] in neg.clause_breaks:
            before = before[cut + 1 :]
            break
    # 是不是工伤 / 有没有拖欠 ask a question; they do not deny the term.
    for form in neg.question_forms:
        before = before.replace(form, "_" * len(form))
    return before[-size:]


class _Cues:
    """Negation verdicts for one match, each computed at most once (a term may feed 3 groups)."""

    __slots__ = ("floor", "lack", "neg", "negated", "start", "text")

    def __init__(self, text: str, start: int, neg: Negation, floor: int) -> None:
        self.text, self.start, self.neg, self.floor = text, start, neg, floor
        self.negated: bool | None = None
        self.lack: bool | None = None

    def counts(self, mode: str) -> bool:
        """Whether the match counts for a rule of this negation mode."""
        if mode == "ignore":
            return True
        neg = self.neg
        if mode == "require":
            # The cue must follow the previous term: in 没有拖欠工资 没有 negates 拖欠, not 工资.
            if self.lack is None:
                window = _window(self.text, self.start, neg.lack_window, neg, self.floor)
                self.lack = any(cue in window for cue in neg.lack_cues)
            return self.lack
        if self.negated is None:
            window = _window(self.text, self.start, neg.window, neg)
            self.negated = any(cue in window for cue in neg.cues)
        return not self.negated


def score(text: str, tax: Taxonomy) -> tuple[Scores, Hits]:
    """Sum keyword and pattern weights per group, skipping negated matches.

    A term repeated in one message counts once (辞职…辞职…辞职 is one fact), but every
    occurrence is kept as evidence.
    """
    scores: Scores = defaultdict(float)
    hits: Hits = defaultdict(list)
    counted: set[tuple[str, str, str]] = set()
    folded = fold(text)
    floor = 0
    for match in find_terms(text, tax, folded):
        key = folded[match.start : match.end]
        cues = _Cues(folded, match.start, tax.negation, floor)
        for rule in tax.index[key]:
            if cues.counts(rule.mode):
                _credit(scores, counted, (rule.group, key, rule.mode), rule.weight)
                if hits[rule.group][-1:] != [match]:  # one term may feed a group twice (工资)
                    hits[rule.group].append(match)
        floor = match.end
    present = set(folded)
    for pattern in tax.patterns:
        if pattern.first is not None and present.isdisjoint(pattern.first):
            continue
        if not pattern.needs <= present:
            continue
        for found in pattern.regex.finditer(folded):
            _credit(scores, counted, (pattern.group, pattern.regex.pattern, ""), pattern.weight)
            hits[pattern.group].append(Match(text[found.start() : found.end()], *found.span()))
    for group_hits in hits.values():
        group_hits.sort(key=lambda m: m.start)
    return scores, hits


def _credit(
    scores: Scores, counted: set[tuple[str, str, str]], key: tuple[str, str, str], weight: float
) -> None:
    if key not in counted:
        counted.add(key)
        scores[key[0]] += weight


def _label(name: str, scores: Scores, hits: Hits) -> Label:
    """Build the Label for one group."""
    return Label(name, round(scores.get(name, 0.0), 3), tuple(hits.get(name, ())))


def _kept(names: tuple[str, ...], scores: Scores, hits: Hits, tax: Taxonomy) -> tuple[Label, ...]:
    """Labels for the groups that reach their threshold, best first (ties keep JSON order)."""
    kept = [_label(n, scores, hits) for n in names if scores.get(n, 0.0) >= tax.thresholds[n]]
    return tuple(sorted(kept, key=lambda label: -label.score))


def _add_headcount(
    scores: Scores, hits: Hits, headcount: int | None, text: str, tax: Taxonomy
) -> None:
    """Raise the collective flag for 10+ workers, given or stated in the text."""
    span = None
    if headcount is None and (fact := extract_headcount(text)) is not None:
        headcount, span = int(fact.value), Match(text[fact.start : fact.end], fact.start, fact.end)
    # LDMAL-7: 10 or more workers with a common claim → collective dispute
    if headcount is not None and headcount >= tax.collective_headcount:
        scores[COLLECTIVE] += tax.thresholds[COLLECTIVE]
        if span is not None and span not in hits[COLLECTIVE]:
            hits[COLLECTIVE].append(span)


def _with_companions(
    chosen: list[Label], scores: Scores, hits: Hits, tax: Taxonomy
) -> tuple[Label, ...]:
    """Add the labels that come with a chosen one on weaker evidence (see taxonomy `companions`)."""
    names = {label.name for label in chosen}
    for rule in tax.companions:
        if rule.when in names and rule.add not in names and scores.get(rule.add, 0.0) >= rule.min:
            chosen.append(_label(rule.add, scores, hits))
            names.add(rule.add)
    return tuple(chosen)


def _dominated(kept: list[Label], tax: Taxonomy) -> list[Label]:
    """Drop the labels a chosen one explains (taxonomy `dominance`) unless their own score is
    firm; labels are taken best first, and a dropped label explains nothing."""
    score_of = {label.name: label.score for label in kept}
    dropped: set[str] = set()
    for label in kept:
        if label.name in dropped:
            continue
        dropped.update(
            rule.drop
            for rule in tax.dominance
            if rule.when == label.name
            and rule.drop in score_of
            and score_of[rule.drop] < rule.unless
        )
    return [label for label in kept if label.name not in dropped]


def _leaning(scores: Scores, hits: Hits, tax: Taxonomy) -> Label | None:
    """The dispute type a labour message leans to when none reaches its threshold.

    工资 in a question about an employer is most likely about pay; a bare 单位/老板 is not
    about anything specific, and stays `other`.
    """
    partial = [(scores.get(n, 0.0), n) for n in tax.leaning_types]
    best, name = max(partial, default=(0.0, OTHER))
    return _label(name, scores, hits) if best >= tax.leaning_min else None


def _not_labor(score: float, hits: Hits) -> Label:
    matches = sorted(
        (*hits.get(NOT_LABOR, ()), *hits.get(HARD_NEGATIVE, ())), key=lambda m: m.start
    )
    return Label(NOT_LABOR, round(score, 3), tuple(matches))


def _flag_leaning(scores: Scores, hits: Hits, tax: Taxonomy) -> Label | None:
    """A raised flag with no dispute of its own (开货拉拉的 平台扣了我的单): what it is about."""
    for flag, name in tax.flag_leaning.items():
        if scores.get(flag, 0.0) >= tax.thresholds[flag]:
            found = _label(flag, scores, hits)
            return Label(name, found.score, found.matches)
    return None


def _labour_context(scores: Scores, tax: Taxonomy) -> float:
    """How much the message speaks of work: its context words, plus a raised flag that leans
    to a dispute of its own (跑众包 says who the asker is even when the complaint is unclear)."""
    raised = sum(
        scores.get(flag, 0.0)
        for flag in tax.flag_leaning
        if scores.get(flag, 0.0) >= tax.thresholds[flag]
    )
    return scores.get(LABOR_CONTEXT, 0.0) + raised


def _verdict(scores: Scores, hits: Hits, tax: Taxonomy) -> tuple[tuple[Label, ...], Label | None]:
    """Choose dispute labels, `other`, or a not-labour verdict."""
    labels = _kept(tax.disputes, scores, hits, tax)
    best = labels[0].score if labels else 0.0
    hard, context = scores.get(HARD_NEGATIVE, 0.0), _labour_context(scores, tax)
    off_topic = scores.get(NOT_LABOR, 0.0) + hard
    # Owed as a customer, lender, seller, tenant, relative or passer-by: the labour words
    # (工地, 砸了头, 工程款) describe the other side, however strong they are.
    if hard >= tax.hard_negative_min and hard > context:
        return (), _not_labor(off_topic, hits)
    # Family, consumer or traffic words outweighing all labour evidence mean it is not ours.
    if off_topic >= tax.thresholds[NOT_LABOR] and off_topic > best + context / 2:
        return (), _not_labor(off_topic, hits)
    # `other` is a residual, unless its own terms (竞业, 培训费) outweigh every specific type.
    specific = [label for label in labels if label.name != OTHER or label is labels[0]]
    if specific:
        # A side remark (辞职 in a social-insurance question) is not a second dispute.
        # ... but firm evidence (没签合同 beside 社保) is a second dispute whatever the first.
        floor = min(tax.secondary_ratio * specific[0].score, tax.secondary_firm)
        kept = _dominated([label for label in specific if label.score >= floor], tax)
        return _with_companions(kept, scores, hits, tax), None
    if not labels and (leaning_flag := _flag_leaning(scores, hits, tax)) is not None:
        return (leaning_flag,), None
    if not labels and context >= tax.thresholds[LABOR_CONTEXT]:
        leaning = _leaning(scores, hits, tax)
        if leaning is not None:
            return _with_companions([leaning], scores, hits, tax), None
        found = _label(LABOR_CONTEXT, scores, hits)
        labels = (Label(OTHER, found.score, found.matches),)
    return labels, None


# ---------------------------------------------------------------- urgency


@dataclass(frozen=True)
class _UrgentKind:
    name: str
    terms: re.Pattern[str] | None  # the kind's literal terms as one alternation, longest first
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
            _alternation(term.lower() for term in spec.get("terms", ())),
            tuple((re.compile(rx), first_chars(rx)) for rx in spec.get("patterns", ())),
        )
        for name, spec in raw["kinds"].items()
    )
    neg = raw["negation"]
    scope = NegationScope(tuple(neg["cues"]), int(neg["window"]), neg["clause_breaks"], ())
    return UrgentRules(kinds, scope)


def _alternation(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for many literal terms: the scan runs in C, once per kind and message."""
    ordered = sorted(set(terms), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


@lru_cache(maxsize=1)
def urgent_rules() -> UrgentRules:
    """The packaged urgency rules."""
    with URGENT_PATH.open(encoding="utf-8") as fh:
        return build_urgent(json.load(fh))


def _urgent_spans(folded: str, kind: _UrgentKind, rules: UrgentRules) -> list[tuple[int, int]]:
    spans = [m.span() for m in kind.terms.finditer(folded)] if kind.terms else []
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


def classify(text: str, headcount: int | None = None) -> Classification:
    """Classify a worker's message; never raises on odd input."""
    tax = load()
    text = _clip(text)
    scores, hits = score(text, tax)
    _add_headcount(scores, hits, headcount, text, tax)
    labels, not_labor = _verdict(scores, hits, tax)
    # urgency() is the one urgent detector: the taxonomy's own urgent terms never raise it.
    raised = [flag for flag in _kept(tax.flags, scores, hits, tax) if flag.name != URGENT]
    flags = [flag for flag in raised if flag.name not in tax.situations]
    situations = tuple(flag.name for flag in raised if flag.name in tax.situations)
    if not_labor is not None:
        # 房东和包工头… is not a construction dispute; a threat to life stays urgent anywhere.
        flags = [flag for flag in flags if flag.name not in tax.labour_only_flags]
    urgent = _urgency(text, fold(text))
    if urgent is not None:
        flags.append(urgent.label)
    elsewhere = not labels and not_labor is None and _leans_elsewhere(scores, tax)
    if not_labor is not None:
        situations = ()
    return Classification(labels, tuple(flags), not_labor, elsewhere, situations)


def _leans_elsewhere(scores: Scores, tax: Taxonomy) -> bool:
    off_topic = scores.get(NOT_LABOR, 0.0) + scores.get(HARD_NEGATIVE, 0.0)
    work = _labour_context(scores, tax) + sum(max(scores.get(n, 0.0), 0.0) for n in tax.disputes)
    return off_topic > work
