"""Statistics reports (统计报告) and the risk ledger export (风险台账) for the offices the product
serves (seeds: 受理登记、回访反馈、统计报告).

A report covers the cases registered in a period (Beijing dates, both ends included), in a
region and/or held by an organization, with their outcome as of when it is made. ``build`` runs
a fixed handful of aggregate queries (storage/queries.py; none per case), whatever the number
of cases; the renderers turn it into JSON, CSV (one section per table) or XLSX (one sheet per
table, Chinese headers, and a chart sheet).
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from handlers import deadlines, risk, texts
from handlers.states import CaseState
from handlers.texts import CHINA
from routing.directory import divisions, label
from storage import queries
from storage.models import Case, Organization, RiskAlert

FORMATS = ("json", "csv", "xlsx")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REGION = re.compile(r"^\d{6}(\d{3})?$")
FIRST_YEAR, LAST_YEAR = 2000, 2099  # beyond: a typo, and date arithmetic would overflow
BUILD_STEPS = len(texts.REPORT_TABLES)
RISK_STATUSES = tuple(texts.RISK_STATUS_NAMES)
# Prefix of the admin codes inside a division, by its level (350504001 ⊂ 350504 ⊂ 3505 ⊂ 35).
PREFIX_LENGTH = {"province": 2, "city": 4, "county": 6, "township": 9}
# An instalment clock firing is the planned 回访, not a missed deadline.
NOT_A_MISS = frozenset({"instalment"})

Progress = Callable[[int], None]


class BadRequest(ValueError):
    """A parameter a person got wrong: ``code`` names its Chinese message in texts.ERRORS."""

    def __init__(self, code: str, **fmt: Any) -> None:
        self.code, self.fmt = code, fmt
        super().__init__(texts.ERRORS[code].format(**fmt))


# --- parameters ------------------------------------------------------------------------------


def parse_date(value: str | None, field: str) -> date:
    if not value:
        raise BadRequest("missing_date")
    text = value.strip()
    try:
        day = date.fromisoformat(text) if DATE.match(text) else None
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadRequest("bad_date", field=field)
    return day


def period(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in Beijing time."""
    if start > end:
        raise BadRequest("bad_range")
    return (
        datetime.combine(start, time(0), tzinfo=CHINA),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=CHINA),
    )


def region_prefix(code: str | None) -> str | None:
    """The admin-code prefix of every place inside this division (None: no filter)."""
    if not code:
        return None
    code = code.strip()
    division = divisions().get(code) if REGION.match(code) else None
    if division is None:
        raise BadRequest("bad_region", region=code[:12])
    return code[: PREFIX_LENGTH.get(division.level, len(code))]


def check_org(session: Session, org_id: str | None) -> str | None:
    if not org_id:
        return None
    if len(org_id) > 64 or session.get(Organization, org_id.strip()) is None:
        raise BadRequest("bad_org")
    return org_id.strip()


def check_format(value: str | None, default: str = "json") -> str:
    fmt = (value or default).strip().lower()
    if fmt not in FORMATS:
        raise BadRequest("bad_format", choices="、".join(FORMATS))
    return fmt


@dataclass(frozen=True)
class ReportRequest:
    start: date
    end: date  # included
    region: str | None = None
    org_id: str | None = None

    def scope(self) -> queries.CaseScope:
        start, end = period(self.start, self.end)
        return queries.CaseScope(start, end, region_prefix(self.region), self.org_id)


# --- the report ------------------------------------------------------------------------------


@dataclass
class Table:
    key: str
    rows: list[tuple[Any, ...]]

    @property
    def title(self) -> str:
        return texts.REPORT_TABLES[self.key][0]

    @property
    def headers(self) -> tuple[str, ...]:
        return texts.REPORT_TABLES[self.key][1]


@dataclass
class Report:
    request: ReportRequest
    generated_at: datetime
    summary: dict[str, Any]
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def build(
    session: Session, request: ReportRequest, now: datetime, progress: Progress | None = None
) -> Report:
    """Every table of the report, from aggregate queries over the request's cases."""
    step = progress or (lambda _: None)
    scope = request.scope()
    received = queries.count_cases(session, scope)
    parts: dict[str, Any] = {}
    for key, make in _PARTS.items():
        parts[key] = make(session, scope, now)
        step(1)
    summary = _summary(request, received, parts)
    tables = [Table("summary", _summary_rows(summary))]
    tables += [Table(key, parts[key].rows) for key in _TABLE_ORDER]
    return Report(request, now, summary, tables)


@dataclass
class _Part:
    rows: list[tuple[Any, ...]]
    data: dict[str, Any]


def _by_type(session: Session, scope: queries.CaseScope, now: datetime) -> _Part:
    counts = queries.cases_by_element(session, scope, Case.dispute_types)
    rows = [(texts.DISPUTE_NAMES.get(t, t), t, n) for t, n in _descending(counts)]
    return _Part(rows, {})


def _flags(session: Session, scope: queries.CaseScope, now: datetime) -> _Part:
    counts = queries.cases_by_element(session, scope, Case.flags)
    return _Part([], {"collective": counts.get("collective", 0)})


def _by_region(session: Session, scope: queries.CaseScope, now: datetime) -> _Part:
    counts = queries.cases_by_county(session, scope)
    table = divisions()
    rows = [
        (label(table[code]) if code in table else (code or texts.REPORT_NO_REGION), code or "", n)
        for code, n in _descending(counts)
    ]
    return _Part(rows, {})


def _by_org(session: Session, scope: queries.CaseScope, now: datetime) -> _Part:
    found = queries.cases_by_org(session, scope)
    rows = [
        (name or texts.REPORT_NOT_ESCALATED, org_id or "", n)
        for org_id, name, n in sorted(found, key=lambda r: (-r[2], r[1] or ""))
    ]
    return _Part(rows, {})


def _by_channel(session: Session, scope: queries.CaseScope, now: datetime) -> _Part:
    counts = queries.cases_by_channel(session, scope)
    rows = [(texts.REPORT_CHANNELS.get(c, c), c, n) for c, n in _descending(counts)]
    return _Part(rows, {})


def _by_state(session: Session, scope: queries.CaseScope, now: datetime) -> _Part:
    counts = queries.cases_by_state(session, scope)
    rows = [(texts.STATE_NAMES[s], s.value, counts[s.value]) for s in CaseState if s in counts]
    return _Part(rows, {"received": sum(counts.values())})


def _outcomes(session: Session, scope: queries.CaseScope, now: datetime) -> _Part:
    counts = queries.final_outcomes(session, scope)
    concluded = sum(counts.values())
    received = queries.count_cases(session, scope)
    counts["open"] = received - concluded
    rows = [
        (name, key, counts.get(key, 0), _share(counts.get(key, 0), concluded))
        for key, name in texts.REPORT_OUTCOMES.items()
        if key != "open"
    ]
    rows.append((texts.REPORT_OUTCOMES["open"], "open", counts["open"], ""))
    days = [
        (settled - registered).total_seconds() / 86400
        for registered, settled in queries.settle_times(session, scope)
    ]
    median = round(statistics.median(days), 1) if days else None
    return _Part(rows, {"counts": counts, "concluded": concluded, "median_days": median})


def _deadlines(session: Session, scope: queries.CaseScope, now: datetime) -> _Part:
    counts = queries.deadline_counts(session, scope, now)
    kinds = [k for k in deadlines.KINDS if k in counts] + sorted(set(counts) - set(deadlines.KINDS))
    rows = []
    for kind in kinds:
        spec, c = deadlines.KINDS.get(kind), counts[kind]
        rows.append(
            (
                spec.label if spec else kind,
                spec.rule.code if spec else "",
                c["total"],
                c["pending"],
                c["overdue"],
                c["fired"],
                c["done"],
                c["cancelled"],
            )
        )
    data = {
        "overdue": sum(c["overdue"] for c in counts.values()),
        "expired": sum(c["fired"] for k, c in counts.items() if k not in NOT_A_MISS),
        "followups_done": counts.get("instalment", {}).get("fired", 0),
    }
    return _Part(rows, data)


def _money(session: Session, scope: queries.CaseScope, now: datetime) -> _Part:
    """Agreed and paid amounts from each case's current agreement (调解协议书 over 和解协议,
    as follow-up reads it) and the instalments the worker confirmed (facts.paid_instalments)."""
    current: dict[str, tuple[str, Mapping[str, Any], Any]] = {}
    for case_id, kind, terms, paid in queries.effective_agreements(session, scope):
        if case_id not in current or kind == "mediation":
            current[case_id] = (kind, terms or {}, paid)
    agreed: float = 0
    paid_amount: float = 0
    agreed_parts = paid_parts = 0
    for _kind, terms, paid in current.values():
        numbers = set(paid or ())
        parts = list(terms.get("instalments") or ())
        agreed += _number(terms.get("total"))
        agreed_parts += len(parts)
        paid_now = [p for p in parts if p.get("n") in numbers]
        paid_parts += len(paid_now)
        paid_amount += sum(_number(p.get("amount")) for p in paid_now)
    data = {
        "agreements": len(current),
        "amount_agreed": agreed,
        "amount_paid": paid_amount,
        "instalments_agreed": agreed_parts,
        "instalments_paid": paid_parts,
    }
    return _Part([], data)


def _followup(session: Session, scope: queries.CaseScope, now: datetime) -> _Part:
    followup = CaseState.FOLLOWUP.value
    data = {
        "fully_performed": queries.cases_moved(
            session, scope, followup, (CaseState.CLOSED.value,), "ECNMR-11"
        ),
        "not_performed": queries.cases_moved(
            session,
            scope,
            followup,
            (CaseState.ESCALATED.value, CaseState.ARBITRATION_ADVISED.value),
            None,
        ),
    }
    return _Part([], data)


def _risk(session: Session, scope: queries.CaseScope, now: datetime) -> _Part:
    counts = queries.risk_counts(session, scope)
    names = risk_kind_names()
    kinds = [k for k in names if k in counts] + sorted(set(counts) - set(names))
    rows = [
        (
            names.get(k, k),
            k,
            counts[k]["cases"],
            counts[k]["open"],
            counts[k]["acknowledged"],
            counts[k]["closed"],
        )
        for k in kinds
    ]
    return _Part(rows, {"cases": queries.risk_case_count(session, scope)})


_PARTS: dict[str, Callable[[Session, queries.CaseScope, datetime], _Part]] = {
    "by_type": _by_type,
    "flags": _flags,
    "by_region": _by_region,
    "by_org": _by_org,
    "by_channel": _by_channel,
    "by_state": _by_state,
    "outcomes": _outcomes,
    "deadlines": _deadlines,
    "money": _money,
    "followup": _followup,
    "risk": _risk,
}
_TABLE_ORDER = (
    "by_type",
    "by_region",
    "by_org",
    "by_channel",
    "by_state",
    "outcomes",
    "deadlines",
    "risk",
)


def _summary(request: ReportRequest, received: int, parts: Mapping[str, _Part]) -> dict[str, Any]:
    outcomes, money = parts["outcomes"].data, parts["money"].data
    settled = outcomes["counts"].get("negotiated", 0) + outcomes["counts"].get("mediated", 0)
    followup = {
        **{k: money[k] for k in ("agreements", "instalments_agreed", "instalments_paid")},
        "followups_done": parts["deadlines"].data["followups_done"],
        "amount_paid": money["amount_paid"],
        **parts["followup"].data,
    }
    return {
        "from": request.start.isoformat(),
        "to": request.end.isoformat(),
        "region": request.region,
        "org": request.org_id,
        "received": received,
        "concluded": outcomes["concluded"],
        "settled": settled,
        "success_rate": round(settled / outcomes["concluded"], 4)
        if outcomes["concluded"]
        else None,
        "median_days_to_settle": outcomes["median_days"],
        "amount_agreed": money["amount_agreed"],
        "amount_paid": money["amount_paid"],
        "overdue_deadlines": parts["deadlines"].data["overdue"],
        "expired_deadlines": parts["deadlines"].data["expired"],
        "collective_cases": parts["flags"].data["collective"],
        "risk_cases": parts["risk"].data["cases"],
        "outcomes": {k: outcomes["counts"].get(k, 0) for k in texts.REPORT_OUTCOMES},
        "followup": followup,
    }


def _summary_rows(summary: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    start, end = summary["from"], summary["to"]
    rows: list[tuple[Any, ...]] = [
        (texts.REPORT_SUMMARY["period"], texts.REPORT_PERIOD.format(start=start, end=end))
    ]
    for key, name in texts.REPORT_SUMMARY.items():
        if key == "period":
            continue
        value = summary[key]
        if key == "success_rate":
            value = _percent(value)
        rows.append((name, "" if value is None else value))
    rows += [(texts.REPORT_FOLLOWUP[k], v) for k, v in summary["followup"].items()]
    return rows


def risk_kind_names() -> dict[str, str]:
    return {**{r.kind: r.label for r in risk.rules()}, **texts.RISK_KIND_EXTRA}


def _descending(counts: Mapping[Any, int]) -> list[tuple[Any, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0] or "")))


def _share(part: int, whole: int) -> str:
    return _percent(part / whole) if whole else ""


def _percent(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio * 100:.1f}%"


def _number(value: Any) -> int | float:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0


# --- rendering -------------------------------------------------------------------------------


def render(report: Report, fmt: str, progress: Progress | None = None) -> bytes:
    if fmt == "json":
        import json

        return json.dumps(to_json(report), ensure_ascii=False).encode()
    if fmt == "csv":
        return to_csv(report).encode("utf-8-sig")  # the BOM lets Excel read Chinese
    return to_xlsx(report, progress)


def render_steps(fmt: str) -> int:
    """How many progress steps ``render`` reports for this format."""
    return len(_TABLE_ORDER) + 2 if fmt == "xlsx" else 0


def to_json(report: Report) -> dict[str, Any]:
    return {
        "generated_at": report.generated_at.astimezone(CHINA).isoformat(),
        "summary": report.summary,
        "tables": {
            t.key: {
                "title": t.title,
                "headers": list(t.headers),
                "rows": [list(row) for row in t.rows],
            }
            for t in report.tables
        },
    }


def to_csv(report: Report) -> str:
    """Every table in one file: its title, its header row, its rows, a blank line."""
    out = io.StringIO()
    writer = csv.writer(out)
    for table in report.tables:
        writer.writerow([table.title])
        writer.writerow(table.headers)
        writer.writerows(table.rows)
        writer.writerow([])
    return out.getvalue()


def to_xlsx(report: Report, progress: Progress | None = None) -> bytes:
    """One sheet per table (bold Chinese headers), then a sheet of charts."""
    from openpyxl import Workbook

    step = progress or (lambda _: None)
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    sheets = {}
    for table in report.tables:
        sheets[table.key] = _sheet(book, table)
        step(1)
    _charts(book, report, sheets)
    step(1)
    out = io.BytesIO()
    book.save(out)
    step(1)
    return out.getvalue()


def _sheet(book: Any, table: Table) -> Any:
    from openpyxl.styles import Font

    sheet = book.create_sheet(table.title)
    sheet.append(list(table.headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(list(row))
    for index, header in enumerate(table.headers, start=1):
        width = max([len(str(header)), *(len(str(r[index - 1])) for r in table.rows[:200])])
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(60, 2 * width + 2)
    sheet.freeze_panes = "A2"
    return sheet


def _charts(book: Any, report: Report, sheets: Mapping[str, Any]) -> None:
    from openpyxl.chart import BarChart, PieChart, Reference

    sheet = book.create_sheet(texts.REPORT_CHART_SHEET)
    specs = (
        ("by_type", BarChart, texts.REPORT_CHART_TYPES, 3, None, "A1"),
        ("outcomes", PieChart, texts.REPORT_CHART_OUTCOMES, 3, None, "A20"),
        ("by_region", BarChart, texts.REPORT_CHART_REGIONS, 3, 20, "K1"),
    )
    for key, kind, title, column, most, anchor in specs:
        rows = len(report.table(key).rows)
        if rows == 0:
            continue
        last = 1 + min(rows, most or rows)
        chart = kind()
        chart.title = title
        data = Reference(sheets[key], min_col=column, min_row=1, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(sheets[key], min_col=1, min_row=2, max_row=last))
        chart.width, chart.height = 18, 9
        sheet.add_chart(chart, anchor)


# --- the risk ledger export ------------------------------------------------------------------


def risk_alert_json(alert: RiskAlert) -> dict[str, Any]:
    names, places = risk_kind_names(), divisions()
    region = places.get(alert.region_code or "")
    return {
        "id": alert.id,
        "case_id": alert.case_id,
        "kind": alert.kind,
        "label": names.get(alert.kind, alert.kind),
        "status": alert.status,
        "region_code": alert.region_code,
        "region": region.name if region else None,
        "reasons": list(alert.reasons),
        "created_at": alert.created_at.astimezone(CHINA).isoformat(),
    }


def risk_csv(alerts: Iterable[RiskAlert]) -> str:
    """The ledger as CSV with Chinese headers (reasons as 'label（rule）; …')."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(texts.RISK_CSV_HEADERS)
    for alert in alerts:
        data = risk_alert_json(alert)
        writer.writerow(
            (
                data["id"],
                data["created_at"],
                data["label"],
                data["kind"],
                texts.RISK_STATUS_NAMES.get(alert.status, alert.status),
                data["region_code"] or "",
                data["region"] or "",
                data["case_id"] or "",
                "；".join(_reason(r) for r in data["reasons"]),
            )
        )
    return out.getvalue()


def _reason(reason: Mapping[str, Any]) -> str:
    text, rule = str(reason.get("text", "")), reason.get("rule")
    return f"{text}（{rule}）" if rule else text


def risk_filter(
    *,
    status: str | None,
    kind: str | None,
    region: str | None,
    start: str | None,
    end: str | None,
) -> queries.RiskFilter:
    """The ledger filter from what a person typed (BadRequest with a Chinese message)."""
    if status and status not in RISK_STATUSES:
        raise BadRequest("bad_status", choices="、".join(RISK_STATUSES))
    if kind and kind not in risk_kind_names():
        raise BadRequest("bad_kind", kind=kind[:32])
    first = parse_date(start, "from") if start else None
    last = parse_date(end, "to") if end else None
    if first and last and first > last:
        raise BadRequest("bad_range")
    return queries.RiskFilter(
        status=status or None,
        kind=kind or None,
        region_prefix=region_prefix(region),
        start=datetime.combine(first, time(0), tzinfo=CHINA) if first else None,
        end=datetime.combine(last + timedelta(days=1), time(0), tzinfo=CHINA) if last else None,
    )


def parse_int(value: str | None, field: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    if not re.fullmatch(r"\d{1,10}", value.strip()) or not low <= int(value) <= high:
        raise BadRequest("bad_number", field=field, low=low, high=high)
    return int(value)
