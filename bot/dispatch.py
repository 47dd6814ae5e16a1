"""One message through the pipeline of design.md:
dedupe → lock the case → pure handler → apply the event and effects → commit → enqueue."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import handlers
from bot import serialize, tasks
from bot.effects import Context, FollowUps, apply_effects, raise_risk_alerts
from bot.errors import ApiError, not_found_case
from bot.runtime import Runtime
from handlers.states import CaseState
from handlers.types import (
    CancelDeadlines,
    CaseView,
    EraseWorkerData,
    HandlerResult,
    Inbound,
    Role,
    RouteCase,
    ScheduleDeadline,
)
from storage import kv, queries
from storage.models import Case, Party

log = logging.getLogger(__name__)

REDELIVERY_WAIT_SECONDS = 4.0  # a duplicate waits this long for the first copy's answer
DEADLINE_PREFIX = "deadline:"
BEFORE_CONSENT = frozenset(
    {CaseState.INTAKE.value, CaseState.TRIAGE.value}
)  # msg_id of a fired deadline: "deadline:<id>"


# Effects that add or end clocks: after them the summary reads the case's deadlines again
# (the handler's view read them before).
DEADLINE_EFFECTS = (ScheduleDeadline, CancelDeadlines, EraseWorkerData, RouteCase)


# Writes of the caller's that belong to the message (the WeChat push log and its reply): run
# in the message's transaction with its response; returns outbound ids to deliver after commit.
Also = Callable[[Session, dict[str, Any]], list[int]]


def dispatch(
    runtime: Runtime,
    inbound: Inbound,
    *,
    lock_wait: float | None = None,
    session_id: str | None = None,
    claimed: bool = False,
    also: Also | None = None,
) -> dict[str, Any]:
    """Process an inbound message once and return its response (the first one on redelivery).
    ``lock_wait``: raise storage.db.LockBusy rather than wait longer for the case's locks.
    ``session_id``: the sender's login session, checked not revoked in the same transaction.
    ``claimed``: the caller has claimed this delivery in Redis already (the push view).
    ``also``: the caller's own writes, committed with the message (not run on a redelivery)."""
    if not claimed and not _claim(runtime, inbound):
        return _earlier_response(runtime, inbound, session_id)
    try:
        response, followups = _process(runtime, inbound, lock_wait, session_id, also)
    except IntegrityError:
        if not _already_stored(runtime, inbound):
            _release(runtime, inbound, claimed)
            raise
        # Another copy got in between (Redis was down or lost the claim): its answer wins.
        return _earlier_response(runtime, inbound, session_id)
    except Exception:
        _release(runtime, inbound, claimed)
        raise
    tasks.enqueue_followups(runtime, followups)
    return response


def _claim(runtime: Runtime, inbound: Inbound) -> bool:
    if inbound.role is Role.SYSTEM:
        return True  # a timer's own row (status under lock) is its once-only guard
    try:
        return kv.claim_message(runtime.redis, inbound.channel, inbound.msg_id)
    except redis.RedisError as error:
        # The DB unique key still guarantees once-only processing; Redis is the fast path.
        log.warning("dedupe claim skipped, Redis unavailable: %s", type(error).__name__)
        return True


def _release(runtime: Runtime, inbound: Inbound, claimed: bool = False) -> None:
    if claimed or inbound.role is Role.SYSTEM:
        return  # not claimed here: the caller releases its own claim
    try:
        kv.release_message(runtime.redis, inbound.channel, inbound.msg_id)
    except redis.RedisError:
        log.warning("could not release dedupe claim for a failed message")


def _already_stored(runtime: Runtime, inbound: Inbound) -> bool:
    with runtime.store.transaction() as session:
        seen, _ = queries.stored_response(
            session, runtime.store.cipher, inbound.channel, inbound.msg_id
        )
    return seen


def _earlier_response(
    runtime: Runtime, inbound: Inbound, session_id: str | None = None
) -> dict[str, Any]:
    """The response stored with the first copy, waiting briefly if it is still in flight
    (never to a session logged out since)."""
    deadline = time.monotonic() + REDELIVERY_WAIT_SECONDS
    while True:
        with runtime.store.reading() as session:
            if session_id is not None and queries.session_revoked(session, session_id):
                raise ApiError(401, "token_invalid")
            _, response = queries.stored_response(
                session, runtime.store.cipher, inbound.channel, inbound.msg_id
            )
        if response is not None:
            return response
        if time.monotonic() >= deadline:
            raise ApiError(409, "in_progress")
        time.sleep(0.05)


def _process(
    runtime: Runtime,
    inbound: Inbound,
    lock_wait: float | None = None,
    session_id: str | None = None,
    also: Also | None = None,
) -> tuple[dict[str, Any], FollowUps]:
    store, followups = runtime.store, FollowUps()
    with store.transaction(lock_wait=lock_wait) as session:
        sender = _sender(session, inbound, session_id)
        if sender is not None:
            inbound = replace(inbound, sender_name=sender.display_name)
        case = _case_for_message(session, sender, inbound)
        pending = queries.case_deadlines(session, case.id) if case else None
        clocks = tuple(d.kind for d in pending) if pending is not None else ()
        if inbound.role is Role.SYSTEM and not _take_deadline(session, inbound):
            return {"replies": [], "case": None}, followups  # cancelled or not yet due
        view = to_view(session, case, clocks) if case else None
        result = handlers.route(inbound, view)(inbound, view)
        if result.event is not None:
            worker_id = case.worker_id if case else inbound.sender_id
            case = queries.apply_event(
                session,
                case,
                result.event,
                worker_id=worker_id,
                actor_id=sender.id if sender else None,
                now=inbound.received_at,
            )
        if _clocks_changed(result, case):
            pending = None  # the summary reads them again
        ctx = Context(
            session,
            store.cipher,
            case,
            sender,
            inbound.received_at,
            followups,
            runtime.directory,
            runtime.settings.collective_to_township,
        )
        apply_effects(ctx, result.effects)
        if result.event is not None:
            raise_risk_alerts(ctx)
        response = {
            "replies": [serialize.reply(r) for r in result.replies]
            + [{"text": text} for text in followups.replies],
            "case": _summary(session, case, sender, inbound, pending),
        }
        queries.record_exchange(
            session,
            store.cipher,
            channel=inbound.channel,
            msg_id=inbound.msg_id,
            sender_id=sender.id if sender else None,
            case_id=case.id if case else None,
            text=inbound.text,
            replies=[r.text for r in result.replies],
            response=response,
            now=inbound.received_at,
        )
        if also is not None:
            followups.notifications.extend(also(session, response))
    return response, followups


def _clocks_changed(result: HandlerResult, case: Case | None) -> bool:
    """Whether the case's pending clocks may differ from those read before the handler."""
    if case is None or (result.event is not None and result.event.open_case):
        return True
    return any(isinstance(effect, DEADLINE_EFFECTS) for effect in result.effects)


def _sender(session: Session, inbound: Inbound, session_id: str | None) -> Party | None:
    """The sending party, locked (its first messages open one case, not two); None for timers.
    With ``session_id``: the login session must not be revoked (logged out: nothing of the
    message is processed)."""
    if inbound.role is Role.SYSTEM:
        return None
    if session_id is None:
        sender, revoked = queries.lock_party(session, inbound.sender_id), False
    else:
        sender, revoked = queries.lock_sender(session, inbound.sender_id, session_id)
    if sender is None or sender.erased_at is not None or revoked:
        raise ApiError(401, "token_invalid")
    return sender


def _take_deadline(session: Session, inbound: Inbound) -> bool:
    deadline_id = int(inbound.msg_id.removeprefix(DEADLINE_PREFIX))
    return queries.take_due_deadline(session, deadline_id, inbound.received_at) is not None


def _case_for_message(session: Session, sender: Party | None, inbound: Inbound) -> Case | None:
    """The case this message belongs to, locked; None when a worker starts or continues intake."""
    if inbound.case_id:
        case = queries.lock_case(session, inbound.case_id)
        if case is None or (sender and not _party_to(session, sender, case)):
            raise not_found_case()
        return case
    if inbound.role is not Role.WORKER or sender is None:
        raise ApiError(400, "case_required")
    return queries.intake_in_progress(session, sender.id)


def _party_to(session: Session, sender: Party, case: Case) -> bool:
    """The worker, the joined employer, or a mediator of an organization the case went to."""
    if sender.id in (case.worker_id, case.employer_id):
        return True
    return sender.role == Role.MEDIATOR.value and queries.org_may_see(
        session, sender.org_id, case.id
    )


def _summary(
    session: Session,
    case: Case | None,
    sender: Party | None,
    inbound: Inbound,
    pending: list[queries.PendingDeadline] | None,
) -> dict[str, Any] | None:
    if case is None or sender is None:
        return None
    session.flush()
    return serialize.case_summary(session, case, sender, inbound.received_at, pending)


def to_view(session: Session, case: Case, clocks: tuple[str, ...]) -> CaseView:
    """The read-only snapshot handlers get."""
    # Before consent nothing can be shared, agreed or assigned: skip those reads on the
    # busiest part of the conversation (intake).
    early = case.state in BEFORE_CONSENT
    agreement = None if early else queries.agreement_of(session, case.id)
    return CaseView(
        id=case.id,
        state=CaseState(case.state),
        worker_id=case.worker_id,
        worker_name=serialize.case_worker_name(session, case),
        employer_id=case.employer_id,
        dispute_types=tuple(case.dispute_types),
        flags=tuple(case.flags),
        facts=dict(case.facts),
        asking=case.asking,
        created_at=case.created_at,
        triage=case.triage,
        clocks=clocks,
        proposal=case.proposal,
        agreement=serialize.agreement(agreement) if agreement else None,
        assignment=None if early else serialize.assignment_view(session, case.id),
        consents=() if early else queries.consent_recipients(session, case.id),
    )
