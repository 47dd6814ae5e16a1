"""The JSON shapes of api.md, built from storage rows and handler replies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers import deadlines as clocks
from handlers import rules, settlement, texts
from handlers.states import CaseState
from handlers.texts import CHINA
from handlers.types import Reply
from storage import queries
from storage.models import Agreement, Case, Mediator, Organization, Party

INVITATION_PATH = "/pages/join/join?token={token}"  # the mini-program page an employer opens
# Before the worker's consent a case has no route and no invitation (PIPL-23): not even read.
UNSHARED_STATES = frozenset({"intake", "triage", "awaiting_consent"})
# Why a closed case closed, by the rule its closing move cites (closed_reason in the summary).
CLOSED_BY_RULE = {
    rules.WITHDRAW_CONSENT.code: "withdrawn",  # the worker withdrew (撤回)
    rules.ERASURE.code: "erased",  # the worker's data erased on request (PIPL-47)
    rules.LABOUR_DISPUTE_SCOPE.code: "not_labor",  # not a labour dispute: pointed elsewhere
    rules.SETTLEMENT_BINDING.code: "paid",  # every instalment paid
}


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the Beijing offset (api.md: times for display are Asia/Shanghai)."""
    return moment.astimezone(CHINA).isoformat() if moment else None


def reply(item: Reply) -> dict[str, Any]:
    body: dict[str, Any] = {"text": item.text}
    if item.options:
        body["options"] = [{"label": o.label, "action": o.action} for o in item.options]
    return body


def my_role(case: Case, party: Party) -> str:
    return "worker" if case.worker_id == party.id else party.role


def case_summary(
    session: Session,
    case: Case,
    party: Party,
    now: datetime,
    deadlines: Sequence[queries.PendingDeadline] | None = None,
) -> dict[str, Any]:
    """What this party may see of the case: the worker everything, the employer only what
    the worker consented to share (PIPL-23). ``deadlines``: the case's pending clocks when
    the caller has just read them."""
    role = my_role(case, party)
    if deadlines is None:
        deadlines = queries.case_deadlines(session, case.id)
    summary: dict[str, Any] = {
        "id": case.id,
        "state": case.state,
        "dispute_types": list(case.dispute_types),
        "flags": list(case.flags),
        "facts": dict(case.facts),
        "deadlines": [
            {"kind": d.kind, "due_at": iso(d.due_at), "rule": d.rule, "law": rules.law_of(d.rule)}
            for d in deadlines
        ],
        "not_started": _not_started(d.kind for d in deadlines),
        "my_role": role,
        "route": _route(session, case),
        "closed_reason": closed_reason(session, case),
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
    }
    if role == "worker":
        summary["asking"] = case.asking or None  # the question the worker is to answer
        summary["reasons"] = dict(case.explanation)  # why we read it this way (PIPL-24)
        if case.triage:
            summary["triage"] = dict(case.triage)
        invitation = (
            None
            if case.employer_id is not None or case.state in UNSHARED_STATES
            else queries.open_invitation(session, case.id, now)
        )
        if invitation is not None:
            summary["invitation"] = {
                "token": invitation.token,
                "path": INVITATION_PATH.format(token=invitation.token),
            }
    else:
        shared = queries.consented_fields(session, case.id, role)
        summary["facts"] = {k: v for k, v in case.facts.items() if k in shared}
        if role == "employer":
            summary["flags"] = []  # urgent / risk flags are for the worker and mediators
        else:
            summary["reasons"] = dict(case.explanation)  # a mediator may overrule (PIPL-24)

        if "dispute_types" not in shared:
            summary["dispute_types"] = []
        if "name" in shared:
            summary["worker_name"] = case_worker_name(session, case)
    return summary


def _not_started(pending: Iterable[str]) -> list[dict[str, Any]]:
    """Clocks waiting on their event (the employer's 5 days until it opens the invitation)."""
    kinds = tuple(k for k in pending if k in clocks.KINDS)
    return [
        {
            "kind": kind,
            "starts": clocks.KINDS[kind].starts,
            "length": clocks.KINDS[kind].length,
            "unit": clocks.KINDS[kind].unit,
            "rule": clocks.KINDS[kind].rule.code,
            "law": clocks.KINDS[kind].rule.law,
        }
        for kind in clocks.not_started(kinds)
    ]


def closed_reason(session: Session, case: Case) -> str | None:
    """None while the case is open; else withdrawn, erased, not_labor, paid,
    arbitration_advised (closed after pointing to arbitration) or other."""
    if case.state != CaseState.CLOSED.value:
        return None
    closing = queries.closing_event(session, case.id)
    if closing is None:
        return "other"
    rule, before = closing
    if rule in CLOSED_BY_RULE:
        return CLOSED_BY_RULE[rule]
    return "arbitration_advised" if before == CaseState.ARBITRATION_ADVISED.value else "other"


def agreement(row: Agreement) -> dict[str, Any]:
    """The agreement with its status (draft → confirming → effective) and, until it takes
    effect, who must still sign (worker, employer, mediator, organization)."""
    body = {
        "kind": row.kind,
        "text": row.text,
        "sha256": row.sha256,
        "confirmed_by": list(row.confirmed_by),
        "terms": dict(row.terms),
        "effective_at": iso(row.effective_at),
    }
    status = settlement.status(body)
    missing = [] if status == "effective" else settlement.missing(body)
    words = texts.AGREEMENT_STATUS[status]
    if missing:
        words = texts.AGREEMENT_STATUS_MISSING.format(
            status=words, missing=settlement.missing_words(body)
        )
    return {**body, "status": status, "missing": missing, "status_text": words}


def assignment_view(session: Session, case_id: str) -> dict[str, Any] | None:
    """The case's current organization, as handlers and the case summary see it."""
    row = queries.current_assignment(session, case_id)
    if row is None:
        return None
    org = session.get(Organization, row.org_id)
    mediator = session.get(Mediator, row.mediator_id) if row.mediator_id else None
    return {
        "id": row.id,
        "org_id": row.org_id,
        "org_name": org.name if org else "",
        "org_type": org.type if org else "",
        "status": row.status,
        "offered_at": row.offered_at.isoformat(),
        "step": row.step,
        "reasons": list(row.reasons),
        "alternatives": list(row.alternatives),
        "mediator_party_id": mediator.party_id if mediator else None,
        "mediator_name": mediator.name if mediator else None,
    }


def _route(session: Session, case: Case) -> dict[str, Any] | None:
    """api.md: route {org, reasons}, plus the alternatives the worker may pick instead."""
    if case.state in UNSHARED_STATES:
        return None  # not routed before the worker's consent (PIPL-23)
    view = assignment_view(session, case.id)
    if view is None:
        return None
    return {
        "org": {"id": view["org_id"], "name": view["org_name"], "type": view["org_type"]},
        "status": view["status"],
        "reasons": view["reasons"],
        "alternatives": view["alternatives"],
        "mediator": view["mediator_name"],
    }


def case_worker_name(session: Session, case: Case) -> str:
    worker = session.get(Party, case.worker_id)
    return worker.display_name if worker else ""


def party_login(token: str, party: Party) -> dict[str, Any]:
    return {"token": token, "party_id": party.id, "role": party.role}
