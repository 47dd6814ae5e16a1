"""Score the classifier and extractor on a labelled corpus (the ../shared/data/complaints format).

Pure: rows in, a report dict out. The CLI (`tiaojie nlp eval`) only reads the file and prints.
A corpus line is ``{"id", "text", "labels": [...], "flags": [...], "expect": {...}?}`` where
``expect`` holds facts in the public field names of :func:`facts_json` (a null means "absent").
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from nlp import regions
from nlp.classify import OTHER, Classification, Label, classify
from nlp.extract import Fact, extract
from nlp.taxonomy import load

NOT_LABOR = "not_labor"
NONE = "(none)"
Row = Mapping[str, Any]
Predict = Callable[[str, date | None], Mapping[str, Any]]


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The non-empty lines of a JSON-lines file."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def is_holdout(row_id: str, share: int = 4) -> bool:
    """A fixed 1/share of the ids (by SHA-1), set aside while tuning keywords."""
    return int(hashlib.sha1(row_id.encode("utf-8")).hexdigest(), 16) % share == 0


def split(rows: Iterable[Row], part: str) -> list[Row]:
    """`all`, `tune` (3/4) or `holdout` (1/4) of the rows."""
    if part == "all":
        return list(rows)
    want = part == "holdout"
    return [row for row in rows if is_holdout(str(row["id"])) == want]


def _label_json(label: Label) -> dict[str, Any]:
    terms = [{"term": m.term, "start": m.start, "end": m.end} for m in label.matches]
    return {"label": label.name, "score": label.score, "terms": terms}


_LOCATION_KEYS = ("province", "city", "county", "township", "code")


def _location(fact: Fact | None, text: str) -> dict[str, Any] | None:
    """The place fact's chain, else whatever coarser place the text names (泉州, 安徽)."""
    if fact is not None and fact.detail:
        return {key: fact.detail.get(key) for key in _LOCATION_KEYS}
    place = regions.resolve(text)
    return None if place is None else {k: place.as_dict()[k] for k in _LOCATION_KEYS}


def _value(facts: Mapping[str, Fact], name: str) -> Any:
    fact = facts.get(name)
    if fact is None:
        return None
    value = fact.value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def facts_json(facts: Mapping[str, Fact], text: str = "") -> dict[str, Any]:
    """Extracted facts under their public names (the `tiaojie nlp classify` format)."""
    out: dict[str, Any] = {
        "amount_yuan": _value(facts, "amount"),
        "months_unpaid": _value(facts, "months"),
        "service_months": _value(facts, "service_months"),
        "headcount": _value(facts, "headcount"),
        "employer": _value(facts, "employer"),
        "location": _location(facts.get("place"), text),
        "entry_date": _value(facts, "entry_date"),
        "left_date": _value(facts, "left_date"),
    }
    out["approx"] = sorted(name for name, fact in facts.items() if fact.approx)
    return out


def classification_json(
    result: Classification, facts: Mapping[str, Fact], text: str = ""
) -> dict[str, Any]:
    """One message's classification and facts as plain JSON."""
    return {
        "labels": [_label_json(label) for label in result.labels],
        "flags": [_label_json(flag) for flag in result.flags],
        "not_labor": _label_json(result.not_labor) if result.not_labor else None,
        "facts": facts_json(facts, text),
    }


def predict(text: str, today: date | None = None) -> dict[str, Any]:
    """Classify and extract one text (extraction first: its headcount feeds the collective flag)."""
    facts = extract(text, today=today)
    head = facts.get("headcount")
    result = classify(text, headcount=int(head.value) if head else None)
    return classification_json(result, facts, text)


def format_prediction(prediction: Mapping[str, Any]) -> str:
    """One prediction as short lines: labels and flags with their terms, then the facts."""
    lines = []
    for item in [*prediction["labels"], *prediction["flags"]]:
        terms = "、".join(f"{t['term']}@{t['start']}" for t in item["terms"])
        lines.append(f"{item['label']:<26} {item['score']:5.2f}  {terms}")
    if prediction.get("not_labor"):
        lines.append("not_labor (非劳动争议)")
    facts = {k: v for k, v in prediction["facts"].items() if v not in (None, [])}
    lines.append(json.dumps(facts, ensure_ascii=False))
    return "\n".join(lines)


def predicted_labels(prediction: Mapping[str, Any]) -> set[str]:
    """Dispute types of a prediction, or {not_labor}; empty when nothing was recognised."""
    labels = {item["label"] for item in prediction["labels"]}
    return labels or ({NOT_LABOR} if prediction.get("not_labor") else set())


def _today(row: Row) -> date | None:
    """A row may fix `today` (ISO) so that its relative dates have one right answer."""
    return date.fromisoformat(row["today"]) if row.get("today") else None


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "support": tp + fn,
    }


def _scores(pairs: list[tuple[set[str], set[str]]], names: Iterable[str]) -> dict[str, Any]:
    out = {}
    for name in names:
        tp = sum(name in gold and name in pred for gold, pred in pairs)
        fp = sum(name not in gold and name in pred for gold, pred in pairs)
        fn = sum(name in gold and name not in pred for gold, pred in pairs)
        out[name] = _prf(tp, fp, fn)
    return out


def _micro(pairs: list[tuple[set[str], set[str]]]) -> dict[str, float | int]:
    tp = sum(len(gold & pred) for gold, pred in pairs)
    fp = sum(len(pred - gold) for gold, pred in pairs)
    fn = sum(len(gold - pred) for gold, pred in pairs)
    return _prf(tp, fp, fn)


def _confusions(pairs: list[tuple[set[str], set[str]]], top: int) -> list[dict[str, Any]]:
    """The most frequent (gold label missed → label predicted instead) pairs."""
    counts: Counter[tuple[str, str]] = Counter()
    for gold, pred in pairs:
        missed, extra = gold - pred, pred - gold
        for g in missed:
            counts.update((g, p) for p in (extra or {NONE}))
        if not missed:
            counts.update((NONE, p) for p in extra)
    return [{"gold": g, "predicted": p, "count": n} for (g, p), n in counts.most_common(top)]


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, Mapping):
        return isinstance(got, Mapping) and all(got.get(k) == v for k, v in expected.items())
    return bool(expected == got)


def _extraction(rows: list[Row], preds: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Exact match per expected field over the rows that carry an `expect` object."""
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for row, pred in zip(rows, preds, strict=True):
        for name, expected in (row.get("expect") or {}).items():
            totals[name] += 1
            hits[name] += _same(expected, pred["facts"].get(name))
    return {
        name: {"exact": round(hits[name] / totals[name], 4), "n": totals[name]}
        for name in sorted(totals)
    }


def evaluate(rows: list[Row], predictor: Predict | None = None, top: int = 10) -> dict[str, Any]:
    """Per-label P/R/F1, macro-F1 over dispute types, flag F1, extraction exact match."""
    predictor = predictor or predict
    preds = [predictor(str(row["text"]), _today(row)) for row in rows]
    label_pairs = [
        (set(row["labels"]), predicted_labels(p)) for row, p in zip(rows, preds, strict=True)
    ]
    flag_pairs = [
        (set(row.get("flags", ())), {f["label"] for f in p["flags"]})
        for row, p in zip(rows, preds, strict=True)
    ]
    report = scores_from_pairs(label_pairs, flag_pairs, top)
    report["extraction"] = _extraction(rows, preds)
    return report


def scores_from_pairs(
    label_pairs: list[tuple[set[str], set[str]]],
    flag_pairs: list[tuple[set[str], set[str]]],
    top: int = 10,
) -> dict[str, Any]:
    """Per-label P/R/F1, macro-F1 over dispute types and flag F1 from (gold, predicted) sets."""
    tax = load()
    types = tax.disputes if OTHER in tax.disputes else (*tax.disputes, OTHER)
    per_label = _scores(label_pairs, (*types, NOT_LABOR))
    macro = sum(float(per_label[name]["f1"]) for name in types) / len(types)
    per_flag = _scores(flag_pairs, tuple(f for f in tax.flags if f not in tax.situations))
    micro = _micro(flag_pairs)
    return {
        "n": len(label_pairs),
        "macro_f1": round(macro, 4),
        "per_label": per_label,
        "flags": {
            "f1": micro["f1"],
            "micro": micro,
            "macro_f1": round(sum(float(s["f1"]) for s in per_flag.values()) / len(per_flag), 4),
            "per_flag": per_flag,
        },
        "extraction": {},
        "confusions": _confusions(label_pairs, top),
        "flag_confusions": _confusions(flag_pairs, top),
    }


def _table(title: str, scores: Mapping[str, Mapping[str, Any]]) -> list[str]:
    lines = [f"{title:<26} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}"]
    for name, s in scores.items():
        p, r, f, n = s["precision"], s["recall"], s["f1"], s["support"]
        lines.append(f"  {name:<24} {p:6.3f} {r:6.3f} {f:6.3f} {n:5d}")
    return lines


def format_report(report: Mapping[str, Any]) -> str:
    """The report as aligned text for a terminal."""
    flags = report["flags"]
    lines = [f"texts: {report['n']}", *_table("label", report["per_label"])]
    lines.append(f"macro-F1 (dispute types): {report['macro_f1']:.3f}")
    lines += _table("flag", flags["per_flag"])
    lines.append(f"flags F1 (micro): {flags['f1']:.3f}   macro: {flags['macro_f1']:.3f}")
    for name, s in report["extraction"].items():
        lines.append(f"extraction {name:<16} exact {s['exact']:.3f}  (n={s['n']})")
    lines.append("worst confusions (gold → predicted):")
    for c in report["confusions"]:
        lines.append(f"  {c['gold']:<24} → {c['predicted']:<24} {c['count']:4d}")
    return "\n".join(lines)
