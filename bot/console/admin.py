"""Administrators' pages: organizations and mediators, directory import, risk alerts, reports
with charts, and the audit log. Each reuses the module that already does the work (bot/orgs.py,
bot/reports.py, the risk-ledger queries behind /api/v1/admin/risk-alerts)."""

from __future__ import annotations

import math
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from bot import orgs, reports
from bot.admin_views import ALERT_ACTIONS, MAX_ID, _audit_alert
from bot.console import charts, console
from bot.console.cases import _user, row_id
from bot.web import current_runtime
from handlers import texts
from routing.directory import TYPE_NAMES
from storage import queries
from storage.models import Mediator, Organization

PAGE = 20
TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "orgs_template.csv"
IMPORT_SUFFIXES = (".csv", ".xlsx")
MAX_MONTHS = 36  # the by-month chart of a longer period shows its last 36 months
DEFAULT_DAYS = 180
FILINGS = {"filed": "已备案", "unfiled": "未备案", "unknown": "不详"}


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10**6 else 1


def _pages(total: int) -> int:
    return max(1, math.ceil(total / PAGE))


def _arg(name: str, limit: int = 64) -> str:
    return (request.args.get(name) or "").strip()[:limit]


@console.get("/admin/")
def admin_home() -> ResponseReturnValue:
    return redirect(url_for("console.orgs_list"))


# --- organizations and mediators -------------------------------------------------------------


@console.get("/admin/orgs")
def orgs_list() -> ResponseReturnValue:
    runtime, query, page = current_runtime(), _arg("q"), _page()
    with runtime.store.transaction() as db:
        total, found = queries.search_orgs(db, query or None, limit=PAGE, offset=(page - 1) * PAGE)
        roster = queries.org_roster(db, [o.id for o in found])
    return render_template(
        "console/admin_orgs.html",
        user=_user(),
        orgs=found,
        roster=roster,
        q=query,
        page=page,
        pages=_pages(total),
        total=total,
        types=TYPE_NAMES,
    )


def _org_or_404(db: Session, org_id: str) -> Organization:
    org = db.get(Organization, row_id(org_id))
    if org is None:
        abort(404)
    return org


@console.route("/admin/orgs/<org_id>", methods=["GET", "POST"])
def org_edit(org_id: str) -> ResponseReturnValue:
    runtime = current_runtime()
    errors: list[str] = []
    with runtime.store.transaction() as db:
        org = _org_or_404(db, org_id)
        if request.method == "POST":
            changes, errors = _org_changes(org)
            if not errors and changes:
                now = runtime.clock.now()
                for name, value in changes.items():
                    setattr(org, name, value)
                org.updated_at = now  # the routing index reloads on a new directory version
                _audit_admin(db, now, "org_updated", {"org_id": org.id, "fields": sorted(changes)})
            if not errors:
                flash(texts.CONSOLE["org_saved"], "reply")
                return redirect(url_for("console.org_edit", org_id=org.id))
        roster = queries.org_roster(db, [org.id]).get(org.id, [])
    return render_template(
        "console/admin_org.html",
        user=_user(),
        org=org,
        roster=roster,
        errors=errors,
        filings=FILINGS,
        types=TYPE_NAMES,
    )


def _org_changes(org: Organization) -> tuple[dict[str, Any], list[str]]:
    """The edited fields, validated the way an import row is (bot/orgs.py)."""
    form = request.form
    raw = {
        "key": org.key,
        "name": form.get("name", ""),
        "type": org.type,
        "filing_status": form.get("filing_status", ""),
        "admin_codes": ";".join(org.admin_codes),
        "region_code": org.region_code,
        "address": form.get("address", ""),
        "lat": "" if org.lat is None else str(org.lat),
        "lng": "" if org.lng is None else str(org.lng),
        "capacity": form.get("capacity", ""),
        "active": "1" if form.get("active") else "0",
        "hours": form.get("hours", ""),
        "employer_name": org.employer_name or "",
        "mediators": "",
    }
    row, problems = orgs.validate({k: v.strip() for k, v in raw.items()})
    if problems:
        return {}, problems
    fields = ("name", "filing_status", "address", "capacity", "active", "hours")
    return {f: row[f] for f in fields if f in row and row[f] != getattr(org, f)}, []


@console.post("/admin/orgs/<org_id>/deactivate")
def org_deactivate(org_id: str) -> ResponseReturnValue:
    runtime = current_runtime()
    with runtime.store.transaction() as db:
        org = _org_or_404(db, org_id)
        now = runtime.clock.now()
        org.active, org.updated_at = False, now
        _audit_admin(db, now, "org_deactivated", {"org_id": org.id})
    flash(texts.CONSOLE["org_deactivated"], "reply")
    return redirect(url_for("console.org_edit", org_id=org.id))


@console.post("/admin/mediators/<mediator_id>/deactivate")
def mediator_deactivate(mediator_id: str) -> ResponseReturnValue:
    """Off the roster (no new cases) and out of the console."""
    runtime = current_runtime()
    with runtime.store.transaction() as db:
        mediator = db.get(Mediator, row_id(mediator_id))
        if mediator is None:
            abort(404)
        mediator.active = False
        if mediator.party_id:
            for account in queries.console_logins(db, mediator.party_id):
                account.active = False
        _audit_admin(db, runtime.clock.now(), "mediator_deactivated", {"mediator_id": mediator.id})
        org_id, name = mediator.org_id, mediator.name
    flash(texts.CONSOLE["mediator_deactivated"].format(name=name), "reply")
    return redirect(url_for("console.org_edit", org_id=org_id))


def _audit_admin(db: Session, now: datetime, action: str, detail: dict[str, Any]) -> None:
    queries.audit(db, now, _user().party_id, None, action, None, None, None, detail)


# --- directory import ------------------------------------------------------------------------


@console.route("/admin/orgs/import", methods=["GET", "POST"])
def orgs_import() -> ResponseReturnValue:
    """The CSV/XLSX template through bot/orgs.py: every row valid, or nothing imported."""
    if request.method == "GET":
        return render_template("console/admin_import.html", user=_user(), errors=[])
    upload = request.files.get("file")
    suffix = Path(upload.filename or "").suffix.lower() if upload else ""
    if upload is None or suffix not in IMPORT_SUFFIXES:
        flash(texts.CONSOLE["import_no_file"], "error")
        return render_template("console/admin_import.html", user=_user(), errors=[]), 400
    runtime = current_runtime()
    with tempfile.TemporaryDirectory(prefix="tj-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        upload.save(path)
        try:
            raws = orgs.read_rows(path)
        except (ValueError, KeyError, OSError, UnicodeDecodeError):
            flash(texts.CONSOLE["import_no_file"], "error")
            return render_template("console/admin_import.html", user=_user(), errors=[]), 400
    now = runtime.clock.now()
    with runtime.store.transaction() as db:
        report = orgs.import_rows(db, runtime.store.cipher, raws, now)
        if report.ok:
            counts = {"inserted": report.inserted, "updated": report.updated}
            _audit_admin(db, now, "orgs_imported", {**counts, "mediators": report.mediators})
    if not report.ok:
        errors = [texts.CONSOLE["import_row"].format(row=n, problem=p) for n, p in report.errors]
        flash(texts.CONSOLE["import_failed"], "error")
        return render_template("console/admin_import.html", user=_user(), errors=errors), 400
    done = texts.CONSOLE["import_done"].format(
        inserted=report.inserted, updated=report.updated, mediators=report.mediators
    )
    flash(done, "reply")
    return redirect(url_for("console.orgs_list"))


@console.get("/admin/orgs/template.csv")
def orgs_template() -> ResponseReturnValue:
    """docs/orgs_template.csv (its header alone where the docs are not installed)."""
    body = TEMPLATE.read_text("utf-8") if TEMPLATE.exists() else ",".join(orgs.COLUMNS) + "\n"
    response = Response(body.encode("utf-8-sig"), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="orgs_template.csv"'
    return response


# --- risk alerts -----------------------------------------------------------------------------


@console.get("/admin/risk")
def risk_list() -> ResponseReturnValue:
    runtime, page = current_runtime(), _page()
    status, kind = _arg("status", 16), _arg("kind", 32)
    try:
        where = reports.risk_filter(status=status, kind=kind, region=None, start=None, end=None)
    except reports.BadRequest as error:
        flash(str(error), "error")
        where = queries.RiskFilter()
    with runtime.store.transaction() as db:
        total, alerts = queries.risk_alerts(db, where, limit=PAGE, offset=(page - 1) * PAGE)
        items = [reports.risk_alert_json(a) for a in alerts]
    return render_template(
        "console/admin_risk.html",
        user=_user(),
        alerts=items,
        status=status,
        kind=kind,
        statuses=texts.RISK_STATUS_NAMES,
        kinds=reports.risk_kind_names(),
        page=page,
        pages=_pages(total),
        total=total,
    )


@console.post("/admin/risk/<int:alert_id>/<action>")
def risk_decide(alert_id: int, action: str) -> ResponseReturnValue:
    """Acknowledge or close an alert, exactly as POST /api/v1/admin/risk-alerts/… does."""
    if action not in ALERT_ACTIONS or not 0 < alert_id < MAX_ID:
        abort(404)
    runtime = current_runtime()
    sources, target = ALERT_ACTIONS[action]
    with runtime.store.transaction() as db:
        alert = queries.lock_risk_alert(db, alert_id)
        if alert is None:
            abort(404)
        if alert.status not in sources:
            status = texts.RISK_STATUS_NAMES.get(alert.status, alert.status)
            flash(
                texts.ERRORS["alert_state"].format(state=status, action=texts.RISK_ACTIONS[target]),
                "error",
            )
        else:
            alert.status = target
            _audit_alert(db, _user().party_id, alert, target, runtime.clock.now())
            flash(texts.CONSOLE["alert_done"].format(action=texts.RISK_ACTIONS[target]), "reply")
    return redirect(request.referrer or url_for("console.risk_list"))


# --- reports ---------------------------------------------------------------------------------


def _report_request(db: Session, today: date) -> reports.ReportRequest:
    start = _arg("from") or (today - timedelta(days=DEFAULT_DAYS)).isoformat()
    end = _arg("to") or today.isoformat()
    return reports.ReportRequest(
        reports.parse_date(start, "from"),
        reports.parse_date(end, "to"),
        _arg("region") or None,
        reports.check_org(db, _arg("org") or None),
    )


@console.get("/admin/reports")
def reports_page() -> ResponseReturnValue:
    runtime = current_runtime()
    now = runtime.clock.now()
    today = now.astimezone(texts.CHINA).date()
    try:
        with runtime.store.transaction() as db:
            ask = _report_request(db, today)
            report = reports.build(db, ask, now)
            months = _by_month(db, ask)
    except reports.BadRequest as error:
        flash(str(error), "error")
        return render_template(
            "console/admin_reports.html", user=_user(), report=None, form=request.args
        ), 400
    return render_template(
        "console/admin_reports.html",
        user=_user(),
        report=report,
        form={"from": ask.start.isoformat(), "to": ask.end.isoformat(), **request.args},
        charts=_charts(report, months),
        xlsx=_xlsx_url(ask),
    )


def _xlsx_url(ask: reports.ReportRequest) -> str:
    query = {"from": ask.start.isoformat(), "to": ask.end.isoformat()}
    query.update({k: v for k, v in (("region", ask.region), ("org", ask.org_id)) if v})
    return f"{url_for('console.reports_xlsx')}?{urlencode(query)}"


def _by_month(db: Session, ask: reports.ReportRequest) -> list[charts.Bar]:
    """Cases registered per month of the period: one aggregate count per month."""
    scope = ask.scope()
    bars: list[charts.Bar] = []
    month = date(ask.start.year, ask.start.month, 1)
    while month <= ask.end:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        first, last = reports.period(max(month, ask.start), min(following - timedelta(1), ask.end))
        part = queries.CaseScope(first, last, scope.region_prefix, scope.org_id)
        bars.append(charts.Bar(f"{month.year}年{month.month}月", queries.count_cases(db, part)))
        month = following
    return bars[-MAX_MONTHS:]


def _charts(report: reports.Report, months: list[charts.Bar]) -> list[Any]:
    by_type = [charts.Bar(str(r[0]), int(r[2])) for r in report.table("by_type").rows]
    outcomes = [charts.Bar(str(r[0]), int(r[2])) for r in report.table("outcomes").rows]
    titled = (
        (texts.REPORT_CHART_TYPES, by_type),
        (texts.CONSOLE_CHART_MONTHS, months),
        (texts.REPORT_CHART_OUTCOMES, outcomes),
    )
    return [(title, charts.bars(title, bars)) for title, bars in titled]


@console.get("/admin/reports.xlsx")
def reports_xlsx() -> ResponseReturnValue:
    """The same workbook as `tiaojie report --format xlsx` (bot/reports.py)."""
    runtime = current_runtime()
    now = runtime.clock.now()
    try:
        with runtime.store.transaction() as db:
            ask = _report_request(db, now.astimezone(texts.CHINA).date())
            report = reports.build(db, ask, now)
    except reports.BadRequest:
        abort(400)
    body = reports.render(report, "xlsx")
    name = f"report-{ask.start.isoformat()}-{ask.end.isoformat()}.xlsx"
    response = Response(body, mimetype=reports.MEDIA_TYPES["xlsx"])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the audit log ---------------------------------------------------------------------------


@console.get("/admin/audit")
def audit_log() -> ResponseReturnValue:
    runtime, page = current_runtime(), _page()
    form = {k: _arg(k) for k in ("case_id", "actor", "action", "from", "to")}
    try:
        where = _audit_filter(form)
    except reports.BadRequest as error:
        flash(str(error), "error")
        where = queries.AuditFilter()
    with runtime.store.transaction() as db:
        total, rows = queries.audit_events(db, where, limit=PAGE, offset=(page - 1) * PAGE)
    return render_template(
        "console/admin_audit.html",
        user=_user(),
        rows=rows,
        form=form,
        page=page,
        pages=_pages(total),
        total=total,
    )


def _audit_filter(form: dict[str, str]) -> queries.AuditFilter:
    first = reports.parse_date(form["from"], "from") if form["from"] else None
    last = reports.parse_date(form["to"], "to") if form["to"] else None
    start, end = reports.period(first or date(2000, 1, 1), last or date(2099, 12, 30))
    return queries.AuditFilter(
        case_id=form["case_id"] or None,
        actor=form["actor"] or None,
        action=form["action"] or None,
        start=start if first else None,
        end=end if last else None,
    )


def local_time(moment: datetime) -> str:
    return moment.astimezone(texts.CHINA).strftime("%Y-%m-%d %H:%M")


console.add_app_template_filter(local_time, "local_time")
