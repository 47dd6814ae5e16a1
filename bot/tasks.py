"""RQ jobs: plain importable functions taking ids. Each is idempotent: RQ may run it twice."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import redis
from rq import Retry
from sqlalchemy import select

from bot import runtime as runtimes
from bot.runtime import Runtime
from storage import queries
from storage.models import OutboundMessage

log = logging.getLogger(__name__)

RETRY = Retry(max=5, interval=[5, 30, 120, 600, 1800])


def deliver_notification(outbound_id: int) -> str:
    """Deliver one queued notification. The in-app inbox is the channel every party has;
    WeChat subscribe messages are added beside it by the WeChat channel (issue 7)."""
    runtime = runtimes.current()
    with runtime.store.transaction() as session:
        query = select(OutboundMessage).where(OutboundMessage.id == outbound_id).with_for_update()
        row = session.scalar(query)
        if row is None:
            log.warning("outbound %s no longer exists (case deleted?)", outbound_id)
            return "missing"
        if row.status != "queued":
            return row.status  # already delivered by an earlier run of this job
        row.attempts += 1
        row.status = "sent"
        row.sent_at = runtime.clock.now()
        return row.status


def enqueue_notifications(runtime: Runtime, outbound_ids: Iterable[int]) -> None:
    """Hand delivered-after-commit work to RQ. If Redis is down the rows stay queued and
    ``requeue_pending`` sends them when a worker starts (the DB is the source of truth)."""
    try:
        for outbound_id in outbound_ids:
            runtime.queue.enqueue(
                deliver_notification,
                outbound_id,
                job_id=f"outbound-{outbound_id}",
                retry=RETRY,
            )
    except redis.RedisError as error:
        log.warning("could not enqueue notifications, left queued in DB: %s", type(error).__name__)


def requeue_pending(runtime: Runtime) -> int:
    """Enqueue every notification still queued in the DB (job ids make this idempotent)."""
    with runtime.store.transaction() as session:
        pending = queries.queued_outbound(session)
    enqueue_notifications(runtime, pending)
    return len(pending)
