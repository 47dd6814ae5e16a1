"""Retention: the daily purge of what is kept longer than needed (PIPL-19), in batches.

Closed cases past ``TIAOJIE_RETENTION_DAYS`` (three years by default, never below the
one-year limitation for arbitration, LDMAL-27) are erased the way "删除我的信息" erases
(storage.queries.erase_party's path), then the people with nothing left to keep; delivered
notifications, the WeChat push log, revoked sessions and messages outside any case go after
their own, shorter periods. What stays — ids, dispute types, states, times, amounts agreed,
the audit trail — identifies no one and keeps the statistics (统计报告) whole.

Idempotent: a purged case is marked by its ``case_purged`` audit event; running twice, or
two workers at once (rows are locked), erases nothing twice. Each batch is one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.config import Settings
from storage import queries
from storage.db import Store

log = logging.getLogger(__name__)

BATCH = 500
# What the purge counts, in the order it runs (people after their cases).
KINDS = ("cases", "parties", "outbound", "pushes", "sessions", "loose_messages")


@dataclass(frozen=True)
class Cutoffs:
    cases: datetime  # closed cases and the people in them; messages outside cases
    outbound: datetime
    pushes: datetime
    sessions: datetime  # a revoked token has expired by then anyway

    @classmethod
    def at(cls, settings: Settings, now: datetime) -> Cutoffs:
        keep = settings.retention
        return cls(
            cases=now - timedelta(days=keep.case_days),
            outbound=now - timedelta(days=keep.outbound_days),
            pushes=now - timedelta(days=keep.push_days),
            sessions=now - timedelta(days=settings.session_days + 1),
        )


@dataclass
class Purge:
    """Counts of what was (or, in a dry run, would be) erased."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _queries(cutoffs: Cutoffs) -> dict[str, Any]:
    return {
        "cases": queries.purgeable_cases(cutoffs.cases),
        "parties": queries.purgeable_parties(cutoffs.cases),
        "outbound": queries.expired_rows("outbound", cutoffs.outbound),
        "pushes": queries.expired_rows("pushes", cutoffs.pushes),
        "sessions": queries.expired_rows("sessions", cutoffs.sessions),
        "loose_messages": queries.expired_rows("loose_messages", cutoffs.cases),
    }


def purge(
    store: Store, settings: Settings, now: datetime, *, dry_run: bool = False, batch: int = BATCH
) -> Purge:
    """Erase everything past retention at ``now``, or only count it: a dry run counts each kind
    on its own (a message outside any case of someone about to be erased counts as a loose
    message there, while the real run erases it with its author)."""
    result = Purge()
    for kind, query in _queries(Cutoffs.at(settings, now)).items():
        if dry_run:
            with store.transaction() as session:
                result.counts[kind] = queries.count_rows(session, query)
            continue
        result.counts[kind] = _in_batches(store, query, _eraser(kind, settings, now), batch)
    if not dry_run and result.total:
        log.info("purge: %s", ", ".join(f"{k} {n}" for k, n in result.counts.items() if n))
    return result


def _eraser(kind: str, settings: Settings, now: datetime) -> Callable[[Session, list[Any]], None]:
    """How one batch of ids of a kind is erased."""

    def cases(session: Session, ids: list[Any]) -> None:
        for case_id in ids:
            queries.purge_case(session, case_id, now, settings.retention.case_days)

    def parties(session: Session, ids: list[Any]) -> None:
        for party_id in ids:
            queries.purge_party(session, party_id, now)

    def rows(session: Session, ids: list[Any]) -> None:
        queries.delete_rows(session, kind, ids)

    return {"cases": cases, "parties": parties}.get(kind, rows)


def _in_batches(
    store: Store, query: Any, erase: Callable[[Session, list[Any]], None], batch: int
) -> int:
    """Take the first ``batch`` ids, erase them, commit; again until none is left. Erased rows
    no longer match the query, so each round finds the next ones."""
    done = 0
    while True:
        with store.transaction() as session:
            ids = queries.first_ids(session, query, batch)
            if ids:
                erase(session, ids)
        done += len(ids)
        if len(ids) < batch:
            return done
