"""Administrators' and mediators' desk API under /api/v1: statistics reports, the
risk ledger (风险台账) and the deadlines a person must watch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from bot import reports, serialize
from bot.api_views import _admin, _caller_party, _runtime
from bot.errors import ApiError
from bot.openapi import SCHEMAS, describe
from handlers import deadlines, texts
from handlers.types import CaseEvent
from storage import queries

admin = Blueprint("admin", __name__, url_prefix="/api/v1")

DEADLINE_LIMIT = 500
ALERT_LIMIT = 1000
MAX_ID = 2**62
# What each desk action does to an alert: the statuses it may leave from, and where it goes.
ALERT_ACTIONS = {
    "acknowledge": (("open",), "acknowledged"),
    "close": (("open", "acknowledged"), "closed"),
}

STRING = {"type": "string"}
NULLABLE_STRING = {"type": "string", "nullable": True}
SCHEMAS.update(
    {
        "DeadlineItem": {
            "type": "object",
            "required": ["id", "case_id", "kind", "label", "due_at", "rule", "overdue"],
            "properties": {
                "id": {"type": "integer"},
                "case_id": STRING,
                "kind": STRING,
                "label": STRING,
                "due_at": {"type": "string", "format": "date-time"},
                "rule": STRING,
                "status": STRING,
                "overdue": {"type": "boolean"},
            },
        },
        "DeadlineList": {
            "type": "object",
            "required": ["deadlines"],
            "properties": {
                "now": {"type": "string", "format": "date-time"},
                "deadlines": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/DeadlineItem"},
                },
            },
        },
        "RiskAlert": {
            "type": "object",
            "required": ["id", "kind", "label", "status", "reasons", "created_at"],
            "properties": {
                "id": {"type": "integer"},
                "case_id": NULLABLE_STRING,
                "kind": STRING,
                "label": STRING,
                "status": {"type": "string", "enum": list(reports.RISK_STATUSES)},
                "region_code": NULLABLE_STRING,
                "region": NULLABLE_STRING,
                "reasons": {"type": "array", "items": {"type": "object"}},
                "created_at": {"type": "string", "format": "date-time"},
            },
        },
        "RiskAlertList": {
            "type": "object",
            "required": ["total", "alerts"],
            "properties": {
                "total": {"type": "integer"},
                "alerts": {"type": "array", "items": {"$ref": "#/components/schemas/RiskAlert"}},
            },
        },
        "Report": {
            "type": "object",
            "required": ["generated_at", "summary", "tables"],
            "properties": {
                "generated_at": {"type": "string", "format": "date-time"},
                "summary": {"type": "object"},
                "tables": {"type": "object"},
            },
        },
    }
)


def _bad(error: reports.BadRequest) -> ApiError:
    return ApiError(400, error.code, **error.fmt)


def _args(*names: str) -> dict[str, str | None]:
    return {name: (request.args.get(name) or "").strip()[:64] or None for name in names}


# --- deadlines -------------------------------------------------------------------------------


@admin.get("/deadlines")
@describe("我要关注的期限：逾期的在前，其余按到期时间（调解员：本组织的案件）", ok="DeadlineList")
def list_deadlines() -> ResponseReturnValue:
    runtime = _runtime()
    party = _caller_party(runtime)
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        rows = queries.visible_deadlines(session, party, now, DEADLINE_LIMIT)
        items = [_deadline(row, overdue) for row, overdue in rows]
    return jsonify({"now": serialize.iso(now), "deadlines": items})


def _deadline(row: Any, overdue: bool) -> dict[str, Any]:
    spec = deadlines.KINDS.get(row.kind)
    return {
        "id": row.id,
        "case_id": row.case_id,
        "kind": row.kind,
        "label": spec.label if spec else row.kind,
        "due_at": serialize.iso(row.due_at),
        "rule": row.rule,
        "status": row.status,
        "overdue": overdue,
    }


# --- statistics reports ----------------------------------------------------------------------


@admin.get("/admin/reports")
@describe(
    "统计报告（管理员）：?from=YYYY-MM-DD&to=YYYY-MM-DD&region=&org=&format=json|csv|xlsx",
    ok="Report",
)
def get_report() -> ResponseReturnValue:
    runtime = _runtime()
    _admin(runtime)
    args = _args("from", "to", "region", "org", "format")
    try:
        fmt = reports.check_format(args["format"])
        start = reports.parse_date(args["from"], "from")
        end = reports.parse_date(args["to"], "to")
        with runtime.store.transaction() as session:
            ask = reports.ReportRequest(
                start, end, args["region"], reports.check_org(session, args["org"])
            )
            report = reports.build(session, ask, runtime.clock.now())
    except reports.BadRequest as error:
        raise _bad(error) from error
    if fmt == "json":
        return jsonify(reports.to_json(report))
    name = f"report-{start.isoformat()}-{end.isoformat()}.{fmt}"
    return _download(reports.render(report, fmt), reports.MEDIA_TYPES[fmt], name)


def _download(body: bytes, media_type: str, name: str) -> Response:
    response = Response(body, mimetype=media_type.split(";")[0])
    response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the risk ledger -------------------------------------------------------------------------


def _risk_filter() -> queries.RiskFilter:
    args = _args("status", "kind", "region", "from", "to")
    try:
        return reports.risk_filter(
            status=args["status"],
            kind=args["kind"],
            region=args["region"],
            start=args["from"],
            end=args["to"],
        )
    except reports.BadRequest as error:
        raise _bad(error) from error


@admin.get("/admin/risk-alerts")
@describe(
    "风险台账（管理员）：?status=open|acknowledged|closed&kind=&region=&from=&to=&limit=&offset=",
    ok="RiskAlertList",
)
def list_risk_alerts() -> ResponseReturnValue:
    runtime = _runtime()
    _admin(runtime)
    where = _risk_filter()
    try:
        limit = reports.parse_int(request.args.get("limit"), "limit", 100, 1, ALERT_LIMIT)
        offset = reports.parse_int(request.args.get("offset"), "offset", 0, 0, 10**9)
    except reports.BadRequest as error:
        raise _bad(error) from error
    with runtime.store.transaction() as session:
        total, alerts = queries.risk_alerts(session, where, limit=limit, offset=offset)
        items = [reports.risk_alert_json(a) for a in alerts]
    return jsonify({"total": total, "alerts": items})


@admin.get("/admin/risk-alerts/export")
@describe("导出风险台账 CSV（管理员，筛选条件同列表）", media_type="text/csv")
def export_risk_alerts() -> ResponseReturnValue:
    runtime = _runtime()
    _admin(runtime)
    where = _risk_filter()
    with runtime.store.transaction() as session:
        _, alerts = queries.risk_alerts(session, where)
        text = reports.risk_csv(alerts)
    stamp = runtime.clock.now().astimezone(texts.CHINA).strftime("%Y%m%d")
    return _download(
        text.encode("utf-8-sig"), reports.MEDIA_TYPES["csv"], f"risk-alerts-{stamp}.csv"
    )


@admin.post("/admin/risk-alerts/<int:alert_id>/acknowledge")
@describe("标记风险预警为已知悉（管理员）", ok="RiskAlert")
def acknowledge_risk_alert(alert_id: int) -> ResponseReturnValue:
    return _decide_alert(alert_id, "acknowledge")


@admin.post("/admin/risk-alerts/<int:alert_id>/close")
@describe("关闭风险预警（管理员）", ok="RiskAlert")
def close_risk_alert(alert_id: int) -> ResponseReturnValue:
    return _decide_alert(alert_id, "close")


def _decide_alert(alert_id: int, action: str) -> ResponseReturnValue:
    """Move an alert along open → acknowledged → closed; who and when go to the audit trail."""
    runtime = _runtime()
    party = _admin(runtime)
    sources, target = ALERT_ACTIONS[action]
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        alert = queries.lock_risk_alert(session, alert_id) if 0 < alert_id < MAX_ID else None
        if alert is None:
            raise ApiError(404, "not_found", "alert_not_found")
        if alert.status not in sources:
            status = texts.RISK_STATUS_NAMES.get(alert.status, alert.status)
            raise ApiError(409, "alert_state", state=status, action=texts.RISK_ACTIONS[target])
        alert.status = target
        _audit_alert(session, party.id, alert, target, now)
        data = reports.risk_alert_json(alert)
    return jsonify(data)


def _audit_alert(session: Any, actor_id: str, alert: Any, target: str, now: datetime) -> None:
    event = CaseEvent(reason=f"risk alert {alert.id} ({alert.kind}) {target}")
    queries.audit(session, now, actor_id, alert.case_id, f"risk_alert_{target}", None, None, event)
