"""Offline training of the classifier's term weights (``tiaojie nlp train``, `train` extra).

One logistic regression per label (one-vs-rest, L2, class-balanced) over binary term features:
character 1–3-grams and labour-dictionary words seen in the training texts, each also in a
denied form (see nlp.features). The weights are written as plain data (nlp/data/weights.json)
that classify_with() below sums. It is tooling only: the run-time classifier (nlp.classify) is
the keyword classifier, which scores better on the held-out complaints (nlp/data/SOURCES.md).

Held-out items of the shared corpora (nlp.evaluate.is_holdout) are dropped on reading, so
nothing here can train or tune on them.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlp.classify import COLLECTIVE, NOT_LABOR, URGENT, Classification, Label, Match, urgency
from nlp.evaluate import is_holdout, read_jsonl
from nlp.extract import headcount as extract_headcount
from nlp.features import NEGATED, Hit, NegationScope, Vocabulary, folding, ngrams, scan
from nlp.taxonomy import load
from nlp.tokenizer import read_user_dict

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
COMPLAINTS = SHARED / "complaints" / "dev.jsonl"
DIALOGS = SHARED / "dialogs" / "dev.jsonl"
TEAM = Path(__file__).parent / "data" / "train_team.jsonl"
PHRASINGS = Path(__file__).resolve().parents[1] / "tests" / "data" / "nlp_phrasings.jsonl"
WEIGHTS = Path(__file__).parent / "data" / "weights.json"

DISPUTES = (
    "wage_arrears",
    "overtime",
    "termination_compensation",
    "no_contract",
    "social_insurance",
    "work_injury",
    "labor_relation",
    "leave_hours",
    "dispatch",
    "other",
)
LEARNED_FLAGS = ("collective", "platform", "construction")
NEGATION: dict[str, Any] = {
    "cues": ["没有", "没", "不是", "不算", "不属于", "并非", "并未", "未", "不", "无需", "别"],
    "window": 3,
    "clause_breaks": "，,。.！!？?；;：:\n、 ",
    "question_forms": ["是不是", "算不算", "有没有", "是否", "能不能", "可不可以", "会不会"],
}
# Defaults chosen by 5-fold cross-validation on the training rows (tiaojie nlp eval --cv 5).
C = 0.5
MIN_DF = 2
PRUNE = 0.02
MIN_EVIDENCE = 1.0
MAX_LABELS = 3
NGRAMS = (1, 2, 3)
_TEXT_CHARS = set("，,。.！!？?；;：:、 \n\t\"'“”‘’()（）[]【】<>《》…~—-")


# ---------------------------------------------------------------- training rows


def dialog_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A dialogue's opening with its labels, and each interjection as an urgency example.

    The dialogue's `urgent` flag belongs to the opening only when no interjection is the
    urgent one; an interjection carries no dispute labels (`labels` None: urgency only).
    """
    out = []
    for row in rows:
        expect = row["expect"]
        said = row.get("interjections", [])
        urgent_later = any(i["intent"] == "urgent" for i in said)
        flags = [f for f in expect["flags"] if not (f == URGENT and urgent_later)]
        labels = list(expect["dispute_types"])
        out.append({"id": row["id"], "text": row["opening"], "labels": labels, "flags": flags})
        for n, item in enumerate(said):
            urgent = [URGENT] if item["intent"] == "urgent" else []
            key = f"{row['id']}-i{n}"
            out.append({"id": key, "text": item["text"], "labels": None, "flags": urgent})
    return out


def training_rows(
    complaints: Path = COMPLAINTS, dialogs: Path = DIALOGS, team: Sequence[Path] = (TEAM, PHRASINGS)
) -> list[dict[str, Any]]:
    """Every training row: the tuning part of both shared corpora plus the team's own texts."""
    rows = [dict(r) for r in read_jsonl(complaints) if not is_holdout(str(r["id"]))]
    kept = [r for r in read_jsonl(dialogs) if not is_holdout(str(r["id"]), share=5)]
    rows += dialog_rows(kept)
    for path in team:
        if path.exists():
            rows += [dict(r) for r in read_jsonl(path)]
    return rows


# ---------------------------------------------------------------- features and fitting


def dictionary_words() -> set[str]:
    """Words of the labour dictionary and the taxonomy's keyword lists."""
    words = {word.lower() for word, _, _ in read_user_dict()}
    return words | {term for term in load().index if len(term) > 1}


def candidate_vocabulary(texts: Iterable[str], min_df: int = MIN_DF) -> Vocabulary:
    """n-grams seen in at least min_df texts, plus every dictionary word seen at all."""
    fold = folding()
    words = dictionary_words()
    df: Counter[str] = Counter()
    for text in texts:
        folded = fold(text)
        grams = {g for g in ngrams(folded, NGRAMS) if _TEXT_CHARS.isdisjoint(g)}
        df.update(grams | {w for w in words if w in folded})
    return Vocabulary.of(t for t, n in df.items() if n >= min_df or (t in words and n))


def features(text: str, vocab: Vocabulary, scope: NegationScope) -> set[str]:
    """The feature keys of one text."""
    return {hit.key for hit in scan(folding()(text), vocab, scope)}


def _scope() -> NegationScope:
    n = NEGATION
    return NegationScope(
        tuple(n["cues"]), int(n["window"]), str(n["clause_breaks"]), tuple(n["question_forms"])
    )


def fit(
    rows: Sequence[Mapping[str, Any]],
    c: float = C,
    min_df: int = MIN_DF,
    min_evidence: float = MIN_EVIDENCE,
) -> dict[str, Any]:
    """Train on labelled rows; the weights document (the format of nlp/data/weights.json)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows = [r for r in rows if r.get("labels") is not None]
    scope = _scope()
    vocab = candidate_vocabulary((str(r["text"]) for r in rows), min_df)
    feats = [features(str(r["text"]), vocab, scope) for r in rows]
    keys = sorted({k for f in feats for k in f})
    column = {k: i for i, k in enumerate(keys)}
    indptr, indices = [0], []
    for f in feats:
        indices.extend(sorted(column[k] for k in f))
        indptr.append(len(indices))
    x = csr_matrix(([1.0] * len(indices), indices, indptr), shape=(len(rows), len(keys)))
    terms: dict[str, dict[str, float]] = {}
    bias: dict[str, float] = {}
    for name in (*DISPUTES, NOT_LABOR, *LEARNED_FLAGS):
        y = [name in (r["labels"] or ()) or name in r.get("flags", ()) for r in rows]
        if not any(y):
            bias[name] = -10.0
            continue
        clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
        clf.fit(x, y)
        bias[name] = round(float(clf.intercept_[0]), 4)
        for key, w in zip(keys, clf.coef_[0], strict=True):
            if abs(w) >= PRUNE:
                terms.setdefault(key, {})[name] = round(float(w), 4)
    return {
        "about": "Learned term weights (tiaojie nlp train); see nlp/train.py and SOURCES.md.",
        "disputes": list(DISPUTES),
        "flags": list(LEARNED_FLAGS),
        "bias": bias,
        "thresholds": {name: 0.0 for name in bias},
        "min_evidence": min_evidence,
        "max_labels": MAX_LABELS,
        "negation": NEGATION,
        "words": sorted(w for w in dictionary_words() if w in terms or NEGATED + w in terms),
        "terms": dict(sorted(terms.items())),
    }


def train(out: Path = WEIGHTS) -> dict[str, Any]:
    """Fit on every training row and write the weights file."""
    doc = fit(training_rows())
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return doc


# ---------------------------------------------------------------- the learned model (tooling only)


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
def learned_model() -> Model:
    """The packaged model."""
    with WEIGHTS.open(encoding="utf-8") as fh:
        return build_model(json.load(fh))


Scores = dict[str, float]
Evidence = dict[str, list[tuple[Hit, float]]]


def learned_score(folded: str, mdl: Model) -> tuple[Scores, Evidence]:
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
    """The learned model's reading of a message (cross-validation; never the run-time one)."""
    text = text[: load().max_chars] if isinstance(text, str) else ""
    folded = folding()(text)
    scores, evidence = learned_score(folded, mdl)
    labels, not_labor = _verdict(text, scores, evidence, mdl)
    flags = _flags(text, folded, scores, evidence, mdl, headcount)
    if not_labor is not None or not labels:
        # 房东和包工头… is not a construction dispute; a threat to life stays urgent anywhere.
        only = load().labour_only_flags
        flags = [flag for flag in flags if flag.name not in only]
    urgent = urgency(text)
    if urgent is not None:
        flags.append(urgent.label)
    return Classification(labels, tuple(flags), not_labor)


# ---------------------------------------------------------------- cross-validation


def _gold(row: Mapping[str, Any]) -> set[str]:
    return set(row["labels"])


def _predicted(mdl: Model, text: str) -> tuple[set[str], set[str]]:
    from nlp.extract import headcount

    head = headcount(text)
    result = classify_with(mdl, text, int(head.value) if head else None)
    labels = set(result.dispute_types) or ({NOT_LABOR} if result.not_labor else set())
    return labels, set(result.flag_names)


def cross_validate(
    rows: Sequence[Mapping[str, Any]], folds: int = 5, seed: int = 13, **fit_args: Any
) -> dict[str, Any]:
    """k-fold scores: each fold's texts are classified by a model trained without them."""
    from nlp.evaluate import scores_from_pairs

    labelled = [r for r in rows if r.get("labels") is not None]
    order = list(range(len(labelled)))
    random.Random(seed).shuffle(order)
    label_pairs: list[tuple[set[str], set[str]]] = [(set(), set())] * len(labelled)
    flag_pairs: list[tuple[set[str], set[str]]] = [(set(), set())] * len(labelled)
    for k in range(folds):
        test = set(order[k::folds])
        mdl = build_model(fit([r for i, r in enumerate(labelled) if i not in test], **fit_args))
        for i in test:
            labels, flags = _predicted(mdl, str(labelled[i]["text"]))
            label_pairs[i] = (_gold(labelled[i]), labels)
            flag_pairs[i] = (set(labelled[i].get("flags", ())), flags)
    report = scores_from_pairs(label_pairs, flag_pairs)
    report["folds"] = folds
    report["urgent"] = urgent_scores(rows)
    return report


def urgent_scores(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Recall and false alarms of the urgency rules (hand rules: no fold is trained)."""
    tp = fn = fp = negatives = 0
    missed = []
    for row in rows:
        gold = URGENT in row.get("flags", ())
        found = urgency(str(row["text"])) is not None
        tp += gold and found
        fn += gold and not found
        fp += found and not gold
        negatives += not gold
        if gold and not found:
            missed.append(str(row["id"]))
    return {
        "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
        "support": tp + fn,
        "false_alarms": fp,
        "negatives": negatives,
        "missed": missed,
    }


def format_cv(report: Mapping[str, Any]) -> str:
    """Cross-validated scores as text (the eval table plus urgent recall)."""
    from nlp.evaluate import format_report

    urgent = report["urgent"]
    return "\n".join(
        [
            f"{report['folds']}-fold cross-validation over the training rows",
            format_report(report),
            f"urgent recall {urgent['recall']:.3f} (n={urgent['support']}), "
            f"false alarms {urgent['false_alarms']} of {urgent['negatives']}",
        ]
    )
