"""One message through the pipeline of design.md:
dedupe → lock the case → pure handler → apply the event → commit → enqueue effects."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import handlers
from bot import serialize, tasks
from bot.errors import ApiError, not_found_case
from bot.runtime import Runtime
from handlers.states import CaseState
from handlers.types import CaseView, HandlerResult, Inbound, Notify, Role
from storage import kv, queries
from storage.models import Case, Party

log = logging.getLogger(__name__)

REDELIVERY_WAIT_SECONDS = 4.0  # a duplicate waits this long for the first copy's answer


@dataclass(frozen=True)
class Outcome:
    response: dict[str, Any]
    notifications: tuple[int, ...]  # outbound ids to enqueue after the commit


def dispatch(runtime: Runtime, inbound: Inbound) -> dict[str, Any]:
    """Process an inbound message once and return its response (the first one on redelivery)."""
    if not _claim(runtime, inbound):
        return _earlier_response(runtime, inbound)
    try:
        outcome = _process(runtime, inbound)
    except IntegrityError:
        if not _already_stored(runtime, inbound):
            _release(runtime, inbound)
            raise
        # Another copy got in between (Redis was down or lost the claim): its answer wins.
        return _earlier_response(runtime, inbound)
    except Exception:
        _release(runtime, inbound)
        raise
    tasks.enqueue_notifications(runtime, outcome.notifications)
    return outcome.response


def _claim(runtime: Runtime, inbound: Inbound) -> bool:
    try:
        return kv.claim_message(runtime.redis, inbound.channel, inbound.msg_id)
    except redis.RedisError as error:
        # The DB unique key still guarantees once-only processing; Redis is the fast path.
        log.warning("dedupe claim skipped, Redis unavailable: %s", type(error).__name__)
        return True


def _release(runtime: Runtime, inbound: Inbound) -> None:
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


def _earlier_response(runtime: Runtime, inbound: Inbound) -> dict[str, Any]:
    """The response stored with the first copy, waiting briefly if it is still in flight."""
    deadline = time.monotonic() + REDELIVERY_WAIT_SECONDS
    while True:
        with runtime.store.transaction() as session:
            _, response = queries.stored_response(
                session, runtime.store.cipher, inbound.channel, inbound.msg_id
            )
        if response is not None:
            return response
        if time.monotonic() >= deadline:
            raise ApiError(409, "in_progress")
        time.sleep(0.05)


def _process(runtime: Runtime, inbound: Inbound) -> Outcome:
    store = runtime.store
    with store.transaction() as session:
        sender = queries.lock_party(session, inbound.sender_id)
        if sender is None:
            raise ApiError(401, "token_invalid")
        case = _case_for_message(session, sender, inbound)
        view = to_view(case) if case else None
        result = handlers.route(inbound, view)(inbound, view)
        case = _apply(session, case, result, inbound)
        response = {
            "replies": [serialize.reply(r) for r in result.replies],
            "case": serialize.case_summary(case, sender) if case else None,
        }
        queries.record_exchange(
            session,
            store.cipher,
            channel=inbound.channel,
            msg_id=inbound.msg_id,
            sender_id=sender.id,
            case_id=case.id if case else None,
            text=inbound.text,
            replies=[r.text for r in result.replies],
            response=response,
            now=inbound.received_at,
        )
        notifications = _notifications(session, runtime, case, result, inbound)
    return Outcome(response, notifications)


def _case_for_message(session: Session, sender: Party, inbound: Inbound) -> Case | None:
    """The case this message belongs to, locked; None when a worker starts or continues intake."""
    if inbound.case_id:
        case = queries.lock_case(session, inbound.case_id)
        if case is None or sender.id not in (case.worker_id, case.employer_id):
            raise not_found_case()
        return case
    if inbound.role is not Role.WORKER:
        raise ApiError(400, "case_required")
    return queries.intake_in_progress(session, sender.id)


def _apply(
    session: Session, case: Case | None, result: HandlerResult, inbound: Inbound
) -> Case | None:
    if result.event is None:
        return case
    worker_id = case.worker_id if case else inbound.sender_id
    return queries.apply_event(
        session,
        case,
        result.event,
        worker_id=worker_id,
        actor_id=inbound.sender_id,
        now=inbound.received_at,
    )


def _notifications(
    session: Session, runtime: Runtime, case: Case | None, result: HandlerResult, inbound: Inbound
) -> tuple[int, ...]:
    ids = []
    for effect in result.effects:
        if isinstance(effect, Notify):
            row = queries.add_notification(
                session,
                runtime.store.cipher,
                party_id=effect.party_id,
                case_id=case.id if case else None,
                text=effect.text,
                now=inbound.received_at,
            )
            ids.append(row.id)
        else:
            raise TypeError(f"no executor for effect {type(effect).__name__}")
    return tuple(ids)


def to_view(case: Case) -> CaseView:
    """The read-only snapshot handlers get."""
    return CaseView(
        id=case.id,
        state=CaseState(case.state),
        worker_id=case.worker_id,
        employer_id=case.employer_id,
        dispute_types=tuple(case.dispute_types),
        flags=tuple(case.flags),
        facts=dict(case.facts),
        asking=case.asking,
        created_at=case.created_at,
    )
