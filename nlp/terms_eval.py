"""Score the settlement-terms reader on a labelled corpus (../shared/data/terms/dev.jsonl).

Pure: rows in, predictions and a report out. `tiaojie nlp eval-terms` reads the file and prints.
A line is ``{"id", "today", "claimed", "role", "text", "expect": {"kind", "total", "schedule":
[{"amount", "due"}], "conditions"?}}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from nlp.evaluate import is_holdout
from nlp.terms import parse_terms

Row = Mapping[str, Any]
HOLDOUT_SHARE = 5  # one fifth of the ids (by SHA-1) is held out while tuning
FIELDS = ("kind", "total", "schedule", "payments", "amounts", "dues", "conditions")


def split(rows: Iterable[Row], part: str) -> list[Row]:
    """`all`, `tune` (4/5) or `holdout` (1/5) of the rows."""
    if part == "all":
        return list(rows)
    want = part == "holdout"
    return [row for row in rows if is_holdout(str(row["id"]), HOLDOUT_SHARE) == want]


def read(row: Row) -> dict[str, Any]:
    """What the reader makes of one row, in the shape of its `expect` plus `id`."""
    today = date.fromisoformat(str(row["today"]))
    claimed = row.get("claimed")
    terms = parse_terms(str(row["text"]), today, int(claimed) if claimed else None, row.get("role"))
    return {"id": row["id"], **terms.as_json()}


def _checks(expect: Mapping[str, Any], got: Mapping[str, Any]) -> dict[str, bool | None]:
    want, have = expect.get("schedule") or [], got.get("schedule") or []
    same_length = len(want) == len(have)
    return {
        "kind": expect.get("kind") == got.get("kind"),
        "total": expect.get("total") == got.get("total"),
        "schedule": [dict(p) for p in want] == [dict(p) for p in have],
        "payments": same_length,
        "amounts": same_length and [p["amount"] for p in want] == [p["amount"] for p in have],
        "dues": same_length and [p["due"] for p in want] == [p["due"] for p in have],
        "conditions": (
            sorted(expect["conditions"]) == sorted(got.get("conditions") or [])
            if "conditions" in expect
            else None
        ),
    }


def evaluate(rows: list[Row]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per-row readings and the summary: kind accuracy, total and schedule exact, per field."""
    readings = [read(row) for row in rows]
    hits: dict[str, int] = dict.fromkeys(FIELDS, 0)
    counts: dict[str, int] = dict.fromkeys(FIELDS, 0)
    for row, got in zip(rows, readings, strict=True):
        for name, ok in _checks(row["expect"], got).items():
            if ok is not None:
                counts[name] += 1
                hits[name] += ok
    per_field = {
        name: {"accuracy": round(hits[name] / counts[name], 4) if counts[name] else None,
               "n": counts[name]}
        for name in FIELDS
    }  # fmt: skip
    summary = {
        "n": len(rows),
        "kind_accuracy": per_field["kind"]["accuracy"],
        "total_exact": per_field["total"]["accuracy"],
        "schedule_exact": per_field["schedule"]["accuracy"],
        "per_field": per_field,
    }
    return readings, summary


def misses(rows: list[Row], readings: list[dict[str, Any]]) -> list[tuple[Row, dict[str, Any]]]:
    """The rows whose kind, total or schedule was read wrong."""
    out = []
    for row, got in zip(rows, readings, strict=True):
        checks = _checks(row["expect"], got)
        if not (checks["kind"] and checks["total"] and checks["schedule"]):
            out.append((row, got))
    return out


def format_summary(summary: Mapping[str, Any]) -> str:
    lines = [
        f"items: {summary['n']}",
        f"kind accuracy   {summary['kind_accuracy']:.3f}",
        f"total exact     {summary['total_exact']:.3f}",
        f"schedule exact  {summary['schedule_exact']:.3f}",
        "per field:",
    ]
    for name, s in summary["per_field"].items():
        acc = "  n/a" if s["accuracy"] is None else f"{s['accuracy']:.3f}"
        lines.append(f"  {name:<12} {acc}  (n={s['n']})")
    return "\n".join(lines)
