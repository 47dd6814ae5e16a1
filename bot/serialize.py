"""The JSON shapes of api.md, built from storage rows and handler replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.texts import CHINA
from handlers.types import Reply
from storage.models import Case, Party


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


def case_summary(case: Case, party: Party) -> dict[str, Any]:
    return {
        "id": case.id,
        "state": case.state,
        "dispute_types": list(case.dispute_types),
        "flags": list(case.flags),
        "facts": dict(case.facts),
        "reasons": dict(case.explanation),  # why we read it this way (PIPL-24)
        "deadlines": [],  # filled by the deadlines mechanism once it exists (issue 8)
        "my_role": my_role(case, party),
        "created_at": iso(case.created_at),
        "updated_at": iso(case.updated_at),
    }


def party_login(token: str, party: Party) -> dict[str, Any]:
    return {"token": token, "party_id": party.id, "role": party.role}
