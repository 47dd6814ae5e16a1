"""Everything that leaves the system: OutboundMessage rows, delivered one per RQ job.

One mechanism, three channels (each row records status queued/sent/failed/fallback and the
WeChat errcode):

- ``inbox``: the in-app inbox, which every party has. A notification that carries another
  party's words is checked with msgSecCheck v2 first; a risky text is never relayed (the row
  fails with ``risky``, the sender is told, a mediator reviews it in the risk ledger). Once in
  the inbox, a party reachable on WeChat with an unused authorization also gets a subscribe
  message pointing to it.
- ``wechat_cs``: a customer-service reply to a message that came through /wechat/push;
  45015 (reply window over) / 45047 (quota) → ``fallback`` to the inbox (+ subscribe message).
- ``subscribe``: one subscribe message, using one authorization from the ledger; 43101 (not
  authorized) → ``fallback``, recorded on the row and the ledger (the inbox copy is there).

Network calls happen between short transactions, never inside one (SQLite's write lock).
Transient WeChat errors raise, so RQ retries with backoff (tasks.RETRY).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from bot.runtime import Runtime
from bot.wechat_api import WeChatApi, WeChatError
from handlers import texts
from storage import queries
from storage.models import OutboundDetail, OutboundMessage, Party, SubscribeGrant

log = logging.getLogger(__name__)

FALLBACK_CODES = frozenset({45015, 45047})  # customer-service window over / quota used up
NOT_AUTHORIZED = 43101
BAD_OPENID = 40003
FINAL_ATTEMPT = 6  # after RQ's retries (tasks.RETRY): stop waiting for msgSecCheck
NOTICE = "notice"  # the template purpose every notification uses
FIELD_LIMITS = {"thing": 20, "phrase": 5, "character_string": 32, "name": 10, "letter": 32}


def real_openid(party: Party | None) -> str | None:
    """The party's WeChat openid; None for dev identities and erased parties."""
    if party is None or not party.openid or party.openid.startswith("dev:"):
        return None
    return party.openid


@dataclass(frozen=True)
class Job:
    id: int
    channel: str
    party_id: str
    case_id: str | None
    openid: str | None
    text: str
    created_at: datetime
    attempts: int
    purpose: str
    template_id: str | None
    relay: tuple[str, str | None, str] | None  # (words, sender's openid, sender id)


@dataclass(frozen=True)
class Check:
    verdict: str  # pass | review | risky | unchecked
    label: int | None = None
    hold: bool = False
    error: str | None = None


def deliver(runtime: Runtime, outbound_id: int) -> str:
    """Deliver one outbound row (idempotent: a row that is no longer queued is left alone).
    A row that needs no network call — an inbox copy whose words need no check, a reply or a
    subscribe message that cannot go out over WeChat — is settled in the transaction that
    loads it; the others make their call between two short transactions."""
    job = _load(runtime, outbound_id)
    if isinstance(job, str):
        return job
    return CHANNELS[job.channel](runtime, job)


def _load(runtime: Runtime, outbound_id: int) -> Job | str:
    """The row as a Job to deliver, or its final status when there was nothing to call.

    A WeChat send (customer service, subscribe) has no idempotency key: a worker killed after
    WeChat took the message but before the row was settled must not send it again. So the row
    is "sending" from before the call until it is settled (or put back to queued when RQ is to
    retry a transient error). A run that finds it "sending" knows an earlier run died during
    its call, and settles it as interrupted without calling again: the reply's inbox copy
    is the fallback, as for any failed reply. At most once over WeChat, never lost."""
    cipher = runtime.store.cipher
    with runtime.store.transaction() as session:
        loaded = queries.load_outbound(session, outbound_id)
        if loaded is None:
            log.warning("outbound %s no longer exists (erased?)", outbound_id)
            return "missing"
        row, detail, recipient = loaded
        if row.status not in queries.UNSETTLED:
            return row.status  # already delivered by an earlier run of this job
        row.attempts += 1
        purpose = detail.purpose if detail else NOTICE
        relay = None
        sender_id = detail.relay_sender_id if detail else None
        if row.channel == "inbox" and sender_id and _checking(runtime):
            words = cipher.decrypt(detail.relay_words_enc or "") if detail else ""
            relay = (words, real_openid(session.get(Party, sender_id)), sender_id)
        job = Job(
            id=row.id,
            channel=row.channel if row.channel in CHANNELS else "inbox",
            party_id=row.party_id,
            case_id=row.case_id,
            openid=real_openid(recipient),
            text=cipher.decrypt(row.text_enc),
            created_at=row.created_at,
            attempts=row.attempts,
            purpose=purpose,
            template_id=detail.template_id if detail else None,
            relay=relay,
        )
        if row.status == SENDING:
            log.warning("outbound %s: an earlier run died during its WeChat call", row.id)
            offline: WeChatError | None = INTERRUPTED
        else:
            offline = _offline(runtime, job)
        if offline is _ONLINE:
            if job.channel in SENDS:
                row.status = SENDING  # committed before the call
            return job
        followups = SETTLE[job.channel](session, runtime, job, row, offline, runtime.clock.now())
        status = row.status
    _enqueue(runtime, followups)
    return status


_ONLINE = WeChatError(None, "a network call decides")  # marker: not settled offline
SENDING = "sending"
SENDS = frozenset({"wechat_cs", "subscribe"})  # channels whose call must not be repeated
INTERRUPTED = WeChatError(None, "interrupted")  # recorded as error_code "interrupted"


def _error_code(error: WeChatError) -> str:
    """What a row records of a failed WeChat call: WeChat's errcode, else why there was none."""
    if error is INTERRUPTED:
        return "interrupted"
    return str(error.code) if error.code is not None else "unavailable"


def _offline(runtime: Runtime, job: Job) -> WeChatError | None:
    """Why the row cannot (or need not) leave over the network: None for an inbox copy with
    nothing to check, the error to record for WeChat messages that cannot be sent, _ONLINE
    when a call is to be made."""
    enabled = runtime.settings.wechat_enabled
    if job.channel == "inbox":
        return _ONLINE if job.relay else None
    if job.channel == "wechat_cs":
        if job.openid is None or not enabled:
            return WeChatError(None, "no openid or WeChat not configured")
        return _ONLINE
    if job.openid is None or not job.template_id or not enabled:
        return WeChatError(None, "subscribe message cannot be sent")
    return _ONLINE


def _checking(runtime: Runtime) -> bool:
    settings = runtime.settings
    return settings.wechat_enabled and settings.wechat_content_check != "off"


# --- inbox -----------------------------------------------------------------------------------


def _inbox(runtime: Runtime, job: Job) -> str:
    return _settle_after(runtime, job, _check(runtime, job))


def _settle_inbox(
    session: Session,
    runtime: Runtime,
    job: Job,
    row: OutboundMessage,
    check: Check | None,
    now: datetime,
) -> list[int]:
    followups: list[int] = []
    if check is not None:
        _record_check(session, job, check, now)
    if check is not None and check.hold:
        row.status, row.error_code = "failed", check.error
        followups.append(_tell_sender(session, runtime, job, now))
    else:
        row.status, row.sent_at = "sent", now
        nudge = _subscribe_nudge(session, runtime, job, now)
        if nudge is not None:
            followups.append(nudge)
    return followups


def _settle_after(runtime: Runtime, job: Job, outcome: Check | WeChatError | None) -> str:
    """After the network call: record its outcome on the row (if still queued) and queue
    what follows from it."""
    with runtime.store.transaction() as session:
        row = queries.lock_outbound(session, job.id)
        if row is None or row.status not in queries.UNSETTLED:
            return row.status if row else "missing"
        followups = SETTLE[job.channel](session, runtime, job, row, outcome, runtime.clock.now())
        status = row.status
    _enqueue(runtime, followups)
    return status


def _check(runtime: Runtime, job: Job) -> Check:
    """msgSecCheck v2 on the relayed words; failures follow the open/closed setting."""
    assert job.relay is not None
    words, openid, _ = job.relay
    closed = runtime.settings.wechat_content_check == "closed"
    if openid is None:
        return Check("unchecked", hold=closed, error="seccheck_no_openid")
    try:
        verdict = WeChatApi(runtime.settings, runtime.redis).check_text(openid, words)
    except WeChatError as error:
        if error.transient and closed and job.attempts < FINAL_ATTEMPT:
            raise  # RQ retries; the words stay unseen meanwhile
        code = f"seccheck_{error.code}" if error.code is not None else "seccheck_unavailable"
        log.warning("outbound %s: msgSecCheck failed (%s)", job.id, code)
        return Check("unchecked", hold=closed, error=code)
    return Check(verdict.suggest, verdict.label, hold=verdict.suggest == "risky", error="risky")


def _record_check(session: Session, job: Job, check: Check, now: datetime) -> None:
    detail = session.get(OutboundDetail, job.id)
    if detail is None:
        detail = OutboundDetail(outbound_id=job.id, purpose=NOTICE)
        session.add(detail)
    detail.verdict, detail.verdict_label = check.verdict, check.label
    if check.verdict == "pass":
        return
    assert job.relay is not None
    reason = {
        "outbound_id": job.id,
        "sender_id": job.relay[2],
        "verdict": check.verdict,
        "label": check.label,
        "relayed": not check.hold,
        "error": check.error if check.hold or check.verdict == "unchecked" else None,
    }
    queries.content_alert(session, case_id=job.case_id, reasons=[reason], now=now)


def _tell_sender(session: Session, runtime: Runtime, job: Job, now: datetime) -> int:
    """The sender learns the words were not passed on, without being accused of anything."""
    assert job.relay is not None
    outbound_id = queries.add_outbound(
        session,
        runtime.store.cipher,
        party_id=job.relay[2],
        case_id=job.case_id,
        channel="inbox",
        text=texts.CONTENT_HELD,
        now=now,
        purpose="held",
        parent_id=job.id,
    )
    return outbound_id


def _subscribe_nudge(session: Session, runtime: Runtime, job: Job, now: datetime) -> int | None:
    """A subscribe message beside the inbox copy, if the party authorized one."""
    template = runtime.settings.wechat_templates.get(NOTICE)
    if not (runtime.settings.wechat_enabled and template and job.openid):
        return None
    template_id = str(template["id"])
    grant = queries.take_grant(session, job.party_id, template_id, now)
    if grant is None:
        return None  # not authorized: the inbox copy is all there is
    outbound_id = queries.add_outbound(
        session,
        runtime.store.cipher,
        party_id=job.party_id,
        case_id=job.case_id,
        channel="subscribe",
        text=job.text,
        now=now,
        purpose=NOTICE,
        parent_id=job.id,
        template_id=template_id,
        grant_id=grant.id,
    )
    grant.outbound_id = outbound_id
    return outbound_id


# --- customer-service replies ----------------------------------------------------------------


def _customer_service(runtime: Runtime, job: Job) -> str:
    assert job.openid is not None  # _offline settled the others
    api = WeChatApi(runtime.settings, runtime.redis)
    call = partial(api.send_text, job.openid, job.text)
    return _settle_after(runtime, job, _called(runtime, job, call))


def _called(runtime: Runtime, job: Job, call: Callable[[], object]) -> WeChatError | None:
    """Make the WeChat call: None when it went out, else the error to record. A transient
    failure raises instead, so RQ retries it (tasks.RETRY), until the last attempt; the row
    is queued again first (it did not go out)."""
    try:
        call()
    except WeChatError as failed:
        if failed.transient and job.attempts < FINAL_ATTEMPT:
            _requeue(runtime, job.id)
            raise
        return failed
    return None


def _requeue(runtime: Runtime, outbound_id: int) -> None:
    with runtime.store.transaction() as session:
        row = queries.lock_outbound(session, outbound_id)
        if row is not None and row.status == SENDING:
            row.status = "queued"


def _settle_reply(
    session: Session,
    runtime: Runtime,
    job: Job,
    row: OutboundMessage,
    error: WeChatError | None,
    now: datetime,
) -> list[int]:
    if error is None:
        row.status, row.sent_at = "sent", now
        return []
    row.error_code = _error_code(error)
    # Whatever stopped the reply, the party still reads it in the mini-program.
    row.status = "fallback"
    return [_fall_back_to_inbox(session, runtime, job, now)]


def _fall_back_to_inbox(session: Session, runtime: Runtime, job: Job, now: datetime) -> int:
    outbound_id = queries.add_outbound(
        session,
        runtime.store.cipher,
        party_id=job.party_id,
        case_id=job.case_id,
        channel="inbox",
        text=job.text,
        now=now,
        purpose="fallback",
        parent_id=job.id,
    )
    return outbound_id


# --- subscribe messages ----------------------------------------------------------------------


def _subscribe(runtime: Runtime, job: Job) -> str:
    assert job.openid is not None and job.template_id  # _offline settled the others
    template = runtime.settings.wechat_templates.get(NOTICE) or {}
    data = template_data(template.get("fields", {}), job)
    page = str(template.get("page", "")).replace("{case_id}", job.case_id or "")
    api = WeChatApi(runtime.settings, runtime.redis)
    call = partial(api.send_subscribe, job.openid, job.template_id, data, page)
    return _settle_after(runtime, job, _called(runtime, job, call))


def _settle_subscribe(
    session: Session,
    runtime: Runtime,
    job: Job,
    row: OutboundMessage,
    error: WeChatError | None,
    now: datetime,
) -> list[int]:
    if error is None:
        row.status, row.sent_at = "sent", now
    else:
        _subscribe_failed(session, row, error)
    return []


def _subscribe_failed(session: Session, row: OutboundMessage, error: WeChatError) -> None:
    """43101: the user did not authorize (or the quota is gone): recorded on the row and in the
    ledger, and the inbox copy is the fallback. Other errors free the authorization again."""
    row.error_code = _error_code(error)
    detail = session.get(OutboundDetail, row.id)
    grant = session.get(SubscribeGrant, detail.grant_id) if detail and detail.grant_id else None
    if error.code == NOT_AUTHORIZED:
        row.status = "fallback"
        if grant is not None:
            grant.status = "refused"
        log.info("outbound %s: subscribe refused (43101), inbox copy stands", row.id)
        return
    row.status = "failed"
    log.warning("outbound %s: subscribe failed (%s)", row.id, row.error_code)
    if grant is not None and error.code != BAD_OPENID:
        grant.status, grant.used_at, grant.outbound_id = "granted", None, None


def template_data(fields: Mapping[str, str], job: Job) -> dict[str, str]:
    """The template's keys filled from the notification, within WeChat's per-type limits
    (thing ≤ 20 characters, phrase ≤ 5 …)."""
    values = {
        "title": texts.WECHAT_NOTICE_TITLE,
        "summary": " ".join(job.text.split()),
        "time": job.created_at.astimezone(texts.CHINA).strftime("%Y年%m月%d日 %H:%M"),
        "case_id": job.case_id or "-",
    }
    return {key: _fit(key, values[source]) for key, source in fields.items()}


def _fit(key: str, value: str) -> str:
    kind = key.rstrip("0123456789")
    limit = FIELD_LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def _enqueue(runtime: Runtime, outbound_ids: list[int]) -> None:
    from bot import tasks  # tasks delivers through this module

    tasks.enqueue_notifications(runtime, outbound_ids)


CHANNELS = {"inbox": _inbox, "wechat_cs": _customer_service, "subscribe": _subscribe}
# How each channel records an outcome on its row (in the caller's transaction): follow-ups.
SETTLE: dict[str, Callable[..., list[int]]] = {
    "inbox": _settle_inbox,
    "wechat_cs": _settle_reply,
    "subscribe": _settle_subscribe,
}
