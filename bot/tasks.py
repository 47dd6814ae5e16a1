"""RQ jobs: plain importable functions taking ids. Each is idempotent: RQ may run it twice.

Notifications: the committed OutboundMessage row is the truth. Its id is listed in Redis and
one drain job delivers every listed row (``deliver_queued``): under load one RQ job carries
many rows instead of one each (RQ's own bookkeeping is some 60 Redis commands a job). A row
whose delivery fails gets a job of its own, retried with backoff (RETRY). Rows still queued
when a worker starts are listed again (a flushed Redis loses nothing).

Timers: a Deadline row is the truth; its job is armed with ``enqueue_at`` after the commit and
re-armed for every pending row when a worker starts (a flushed Redis loses nothing).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import redis
from rq import Retry, get_current_job
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import runtime as runtimes
from bot.runtime import Runtime
from handlers import texts
from handlers.deadlines import KINDS
from handlers.types import Channel, Inbound, Role
from storage import queries
from storage.models import Case, Deadline, Mediator

if TYPE_CHECKING:
    from bot.effects import FollowUps

log = logging.getLogger(__name__)

RETRY = Retry(max=5, interval=[5, 30, 120, 600, 1800])
# A delivery that failed in a drain: its own job after RETRY's first wait, then RETRY's rest.
RETRY_AFTER_DRAIN = Retry(max=RETRY.max - 1, interval=RETRY.intervals[1:])
DRAIN_LIST = "tj:outbound:pending"  # ids of outbound rows to deliver, oldest first
DRAIN_FLAG = "tj:outbound:drain"  # set while a drain job waits in RQ, not yet started
DRAIN_FLAG_TTL = 300  # a drain job lost with its queue stops holding the next one back
DRAIN_BATCH = 200  # rows per drain job: other jobs (deadlines, pushes) get their turn


# --- notifications ---------------------------------------------------------------------------


def deliver_notification(outbound_id: int) -> str:
    """Deliver one queued outbound message: the in-app inbox (every party has it), WeChat
    customer-service replies and subscribe messages (bot/outbound.py). A transient failure
    raises: RQ retries the job with backoff."""
    from bot import outbound  # outbound enqueues its follow-ups through this module

    return outbound.deliver(runtimes.current(), outbound_id)


def deliver_queued() -> str:
    """The drain: deliver the listed rows, oldest first, up to DRAIN_BATCH of them. A row that
    fails is handed to a job of its own (``deliver_notification``), which RQ retries."""
    runtime = runtimes.current()
    runtime.redis.delete(DRAIN_FLAG)  # rows listed from now on start the next drain
    done = 0
    while done < DRAIN_BATCH:
        listed = runtime.redis.lpop(DRAIN_LIST, DRAIN_BATCH - done)
        if not listed:
            return f"delivered {done}"
        for raw in listed:
            _deliver_or_retry(runtime, int(raw))
            done += 1
    if runtime.redis.llen(DRAIN_LIST):
        _start_drain(runtime)  # the rest in a job of its own, behind the jobs waiting now
    return f"delivered {done}"


def _deliver_or_retry(runtime: Runtime, outbound_id: int) -> None:
    try:
        deliver_notification(outbound_id)
    except Exception as error:  # a transient WeChat error, or any fault: never lose the row
        log.warning("outbound %s: delivery failed (%s), retried", outbound_id, type(error).__name__)
        runtime.queue.enqueue_in(
            timedelta(seconds=RETRY.intervals[0]),
            deliver_notification,
            outbound_id,
            job_id=f"outbound-{outbound_id}",
            retry=RETRY_AFTER_DRAIN,
        )


# --- deadlines -------------------------------------------------------------------------------


def fire_deadline(deadline_id: int) -> str:
    """A clock ran out: the case's handler decides what that means (handlers.ON_DUE)."""
    from bot.dispatch import DEADLINE_PREFIX, dispatch  # dispatch enqueues via this module

    runtime = runtimes.current()
    with runtime.store.transaction() as session:
        row = session.get(Deadline, deadline_id)
        if row is None or row.status != "pending":
            return "not pending"
        case_id, kind = row.case_id, row.kind
    inbound = Inbound(
        channel=Channel.SYSTEM,
        msg_id=f"{DEADLINE_PREFIX}{deadline_id}",
        sender_id="",
        role=Role.SYSTEM,
        received_at=runtime.clock.now(),
        action=f"deadline:{kind}",
        case_id=case_id,
    )
    dispatch(runtime, inbound)
    return "fired"


def remind_deadline(deadline_id: int) -> str:
    """Tell the parties ahead of time what falls due, when, and what happens then."""
    runtime = runtimes.current()
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        row = session.scalar(
            select(Deadline).where(Deadline.id == deadline_id).with_for_update(key_share=True)
        )
        if row is None or row.status != "pending" or row.reminded_at is not None:
            return "not due"
        if row.remind_at is None or row.remind_at > now:
            return "not yet"
        row.reminded_at = now
        ids = _remind(session, runtime, row, now)
    enqueue_notifications(runtime, ids)
    return "reminded"


AFTER = {
    "invitation": texts.AFTER_INVITATION,
    "invitation_renewed": texts.AFTER_INVITATION_RENEWED,
    "employer_answer": texts.AFTER_EMPLOYER_ANSWER,
    "negotiation": texts.AFTER_NEGOTIATION,
}


def _remind(session: Session, runtime: Runtime, row: Deadline, now: datetime) -> list[int]:
    case = session.get(Case, row.case_id)
    assert case is not None
    label, date = KINDS[row.kind].label, texts.period_end(row.due_at)
    after = AFTER.get(row.kind)
    if after:
        text = texts.DEADLINE_REMINDER.format(label=label, date=date, after=after)
    else:
        text = texts.DEADLINE_REMINDER_PLAIN.format(label=label, date=date)
    recipients = _reminded(session, case, KINDS[row.kind].remind)
    return [
        queries.add_notification(
            session, runtime.store.cipher, party_id=party_id, case_id=case.id, text=text, now=now
        )
        for party_id in recipients
    ]


def _reminded(session: Session, case: Case, roles: tuple[str, ...]) -> list[str]:
    """The parties a kind of deadline reminds, by role (the mediator: the one handling it)."""
    parties = {"worker": case.worker_id, "employer": case.employer_id}
    if "mediator" in roles:
        assignment = queries.current_assignment(session, case.id)
        mediator = (
            session.get(Mediator, assignment.mediator_id)
            if assignment and assignment.mediator_id
            else None
        )
        parties["mediator"] = mediator.party_id if mediator else None
    return [p for role in roles if (p := parties.get(role))]


def fire_due(runtime: Runtime) -> int:
    """Run every reminder and deadline due by the service clock (the dev clock uses this)."""
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        reminders = queries.due_reminders(session, now)
        due = queries.due_deadlines(session, now)
    for deadline_id in reminders:
        remind_deadline(deadline_id)
    for deadline_id in due:
        fire_deadline(deadline_id)
    return len(due)


def process_push(sealed: str) -> None:
    """A WeChat push that could not be processed within WeChat's 5 s (bot/wechat_views.py).
    When its last attempt fails too, the sender is asked to send it again."""
    from bot import wechat_views  # the web side imports this module: import it at run time

    runtime = runtimes.current()
    try:
        wechat_views.process_queued(runtime, sealed)
    except Exception:
        job = get_current_job()
        if job is None or not job.retries_left:
            try:
                wechat_views.give_up(runtime, sealed)
            except Exception as error:  # the job's own failure is what RQ records
                log.error("could not tell a push's sender it failed: %s", type(error).__name__)
        raise


# --- enqueueing ------------------------------------------------------------------------------


def enqueue_followups(runtime: Runtime, followups: FollowUps) -> None:
    enqueue_notifications(runtime, followups.notifications)
    if followups.deadlines:
        with runtime.store.transaction() as session:
            rows = [session.get(Deadline, i) for i in followups.deadlines]
            arm_deadlines(runtime, [r for r in rows if r is not None])


def enqueue_notifications(runtime: Runtime, outbound_ids: Iterable[int]) -> None:
    """List committed rows for delivery, and start a drain unless one is already waiting (it
    will take these too). If Redis is down the rows stay queued and ``requeue_pending`` lists
    them when a worker starts (the DB is the source of truth)."""
    ids = list(outbound_ids)
    if not ids:
        return
    try:
        pipe = runtime.redis.pipeline()  # MULTI: listed before the flag is looked at
        pipe.rpush(DRAIN_LIST, *ids)
        pipe.set(DRAIN_FLAG, 1, nx=True, ex=DRAIN_FLAG_TTL)
        _, first = pipe.execute()
        if first:
            _enqueue_drain(runtime)
    except redis.RedisError as error:
        log.warning("could not enqueue notifications, left queued in DB: %s", type(error).__name__)


def _start_drain(runtime: Runtime) -> None:
    if runtime.redis.set(DRAIN_FLAG, 1, nx=True, ex=DRAIN_FLAG_TTL):
        _enqueue_drain(runtime)


def _enqueue_drain(runtime: Runtime) -> None:
    try:
        runtime.queue.enqueue(deliver_queued, job_id=f"drain-{uuid.uuid4().hex}", result_ttl=0)
    except redis.RedisError:
        runtime.redis.delete(DRAIN_FLAG)  # best effort: the next rows may start one
        raise


def arm_deadlines(runtime: Runtime, rows: Iterable[Deadline]) -> None:
    """Schedule the RQ jobs of pending deadlines (job ids make re-arming idempotent)."""
    try:
        for row in rows:
            runtime.queue.enqueue_at(
                row.due_at, fire_deadline, row.id, job_id=f"deadline-{row.id}", retry=RETRY
            )
            if row.remind_at is not None and row.reminded_at is None:
                runtime.queue.enqueue_at(
                    row.remind_at, remind_deadline, row.id, job_id=f"reminder-{row.id}", retry=RETRY
                )
    except redis.RedisError as error:
        log.warning("could not arm deadlines, re-armed at worker start: %s", type(error).__name__)


def requeue_pending(runtime: Runtime) -> int:
    """At worker start: enqueue undelivered notifications and re-arm every pending deadline
    (and the daily purge)."""
    with runtime.store.transaction() as session:
        pending = queries.queued_outbound(session)
        deadlines = queries.pending_deadlines(session)
        arm_deadlines(runtime, deadlines)
    enqueue_notifications(runtime, pending)
    arm_purge(runtime)
    return len(pending) + len(deadlines)


# --- retention --------------------------------------------------------------------

PURGE_HOUR = 3  # Beijing time: the quietest hour
PURGE_LATE = timedelta(days=1)


def purge_expired(due: str | None = None) -> str:
    """The daily purge (bot/retention.py), then tomorrow's is armed: a timer like the
    deadlines', whose job id (the day) makes arming it again from any worker a no-op. A run
    found more than a day after its ``due`` time (the workers were away, or the job was armed
    on another clock) erases nothing: tomorrow's does, on time."""
    from bot import retention

    runtime = runtimes.current()
    now = runtime.clock.now()
    arm_purge(runtime, now + timedelta(minutes=1))  # first: a purge that fails still recurs
    if due and now - datetime.fromisoformat(due) > PURGE_LATE:
        log.warning("skipped the purge due at %s: found it only at %s", due, now.isoformat())
        return "skipped"
    result = retention.purge(runtime.store, runtime.settings, now)
    return f"purged {result.total}"


def next_purge(now: datetime) -> datetime:
    """The next PURGE_HOUR o'clock in Beijing after ``now``."""
    local = now.astimezone(texts.CHINA)
    run = local.replace(hour=PURGE_HOUR, minute=0, second=0, microsecond=0)
    return run if run > local else run + timedelta(days=1)


def arm_purge(runtime: Runtime, after: datetime | None = None) -> None:
    when = next_purge(after or runtime.clock.now())
    job_id = f"purge-{when.date().isoformat()}"
    try:
        runtime.queue.enqueue_at(when, purge_expired, when.isoformat(), job_id=job_id, retry=RETRY)
    except redis.RedisError as error:
        log.warning("could not arm the purge, armed at worker start: %s", type(error).__name__)
