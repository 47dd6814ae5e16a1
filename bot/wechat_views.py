"""The WeChat message-push endpoint (消息推送): GET URL verification, POST messages and events.

A push is verified (403 without processing when the signature is wrong), parsed (400 when
malformed), processed once per MsgId (events: sender + CreateTime), and answered ``success``.
Text goes through the same pipeline as the mini-program chat (bot/dispatch.py, channel
WECHAT); the answer leaves as a customer-service reply through an outbound job, never in the
HTTP answer. Processing is inline when it is fast — the handlers are pure, and only the network
calls (the reply) go to RQ — and handed to RQ when it would not be: a case locked by another
message for longer than INLINE_LOCK_WAIT, or an earlier push of the same user still waiting in
RQ (so one user's messages keep their order). Either way WeChat gets ``success`` well within
its 5 s and does not send the message again; the queued push is kept encrypted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import redis
from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from bot import ratelimit, tasks
from bot.dispatch import dispatch
from bot.errors import ApiError
from bot.runtime import Runtime
from bot.web import current_runtime as _runtime
from bot.wechat_crypto import (
    BadSignature,
    MalformedPush,
    Push,
    PushCodec,
    Subscription,
    verify_url,
)
from handlers import texts
from handlers.types import Channel, Inbound, Role
from storage import kv, queries
from storage.db import LockBusy

log = logging.getLogger(__name__)

wechat = Blueprint("wechat", __name__, url_prefix="/wechat")

CLAIM_CHANNEL = "wechat-push"  # the Redis fast-path dedupe of whole pushes
INLINE_LOCK_WAIT = 1.0  # seconds a push waits for a busy case before RQ takes it over
QUEUED_KEY = "tiaojie:wechat-push-queued:{openid}"  # this user's pushes waiting in RQ
QUEUED_TTL = 3600  # a counter left by a job that finally failed stops holding others back
QUOTE_CHARS = 12  # how much of a lost push its sender is shown back
UNSUPPORTED = frozenset({"image", "voice", "video", "shortvideo", "miniprogrampage", "link"})


@wechat.get("/push")
def verify() -> ResponseReturnValue:
    """Server URL verification: echo ``echostr`` exactly when the signature matches."""
    try:
        echo = verify_url(_runtime().settings.wechat_token, request.args)
    except BadSignature as error:
        raise ApiError(403, "bad_signature") from error
    return Response(echo, mimetype="text/plain")


@wechat.post("/push")
def receive() -> ResponseReturnValue:
    runtime = _runtime()
    settings = runtime.settings
    codec = PushCodec(settings.wechat_token, settings.wechat_aes_key, settings.wechat_appid)
    try:
        push = codec.read(request.args, request.get_data(cache=False))
    except BadSignature as error:
        log.warning("push rejected: %s", error)
        raise ApiError(403, "bad_signature") from error
    except MalformedPush as error:
        log.warning("push malformed: %s", error)
        raise ApiError(400, "bad_push") from error
    if not _claim(runtime, push.dedupe_key):
        # A redelivery while (or after) the first copy is processed: nothing to do, and it
        # does not count against the sender's budget a second time.
        return Response("success", mimetype="text/plain")
    try:
        wait = ratelimit.push_wait(runtime, push.openid)
        if wait is None:
            handle(runtime, push)
        elif ratelimit.first_refusal(runtime, push.openid):
            _too_fast(runtime, push, wait)
    except Exception:
        _release(runtime, push.dedupe_key)  # let WeChat's next attempt try again
        raise
    return Response("success", mimetype="text/plain")


def _too_fast(runtime: Runtime, push: Push, wait: int) -> None:
    """Over the sender's budget: not processed; told once per window to send it again later."""
    log.info("push from a sender over the rate limit, not processed")
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        party = queries.wechat_party(session, push.openid, now, name=texts.WECHAT_NEW_USER)
        text = texts.WECHAT_TOO_FAST.format(seconds=wait)
        reply = _reply(session, runtime, party.id, None, text, now)
    tasks.enqueue_notifications(runtime, [reply])


def _reply(
    session: Session,
    runtime: Runtime,
    party_id: str,
    case_id: str | None,
    text: str,
    now: datetime,
) -> int:
    """A customer-service reply to the sender of a push, queued for bot/outbound.py."""
    return queries.add_outbound(
        session,
        runtime.store.cipher,
        party_id=party_id,
        case_id=case_id,
        channel="wechat_cs",
        text=text,
        now=now,
        purpose="reply",
    )


def handle(runtime: Runtime, push: Push) -> None:
    """Process a verified push the view claimed (Redis claims it fast, the push log's unique
    key for sure): inline when that is quick; otherwise RQ processes it (``process_queued``)."""
    if _waiting_in_rq(runtime, push.openid):
        _hand_to_rq(runtime, push)  # behind the user's earlier message, in order
        return
    try:
        _process(runtime, push, lock_wait=INLINE_LOCK_WAIT)
    except LockBusy:
        log.info("push %s: its case is busy, handed to RQ", push.msg_id or "event")
        _hand_to_rq(runtime, push)


def _waiting_in_rq(runtime: Runtime, openid: str) -> bool:
    try:
        return int(runtime.redis.get(QUEUED_KEY.format(openid=openid)) or 0) > 0
    except redis.RedisError:
        return False  # then the DB locks alone keep the order of concurrent messages


def _hand_to_rq(runtime: Runtime, push: Push) -> None:
    """Queue the push, encrypted (it holds the user's words); Redis down → 503, WeChat retries."""
    sealed = runtime.store.cipher.encrypt(json.dumps(asdict(push), ensure_ascii=False))
    key = QUEUED_KEY.format(openid=push.openid)
    pipe = runtime.redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, QUEUED_TTL)
    pipe.execute()
    job_id = "push-" + hashlib.sha1(push.dedupe_key.encode()).hexdigest()
    runtime.queue.enqueue(tasks.process_push, sealed, job_id=job_id, retry=tasks.RETRY)


def process_queued(runtime: Runtime, sealed: str) -> None:
    """The RQ side of ``_hand_to_rq``: process the push, waiting for locks as long as needed.
    A failure raises (RQ retries with backoff); the push log and the message's own unique key
    keep a retried push from being processed twice."""
    push = _unseal(runtime, sealed)
    _process(runtime, push)
    _count_down(runtime, push.openid)


def give_up(runtime: Runtime, sealed: str) -> None:
    """The last attempt at a queued push failed. WeChat had its ``success`` long ago, so the
    sender would never know: they are asked to send it again (quoting its start, never
    logged), and their later pushes stop queueing behind it."""
    push = _unseal(runtime, sealed)
    _count_down(runtime, push.openid)
    start = push.content.strip()
    if push.msg_type != "text" or not start:
        log.warning("push event %s: given up after its last attempt", push.event or "?")
        return  # an event: nothing the user typed to send again
    now = runtime.clock.now()
    quoted = start if len(start) <= QUOTE_CHARS else start[: QUOTE_CHARS - 1] + "…"
    text = texts.WECHAT_NOT_PROCESSED.format(start=quoted)
    with runtime.store.transaction() as session:
        party = queries.wechat_party(session, push.openid, now, name=texts.WECHAT_NEW_USER)
        reply = _reply(session, runtime, party.id, None, text, now)
    log.warning("push %s: given up after its last attempt, sender asked to resend", push.msg_id)
    tasks.enqueue_notifications(runtime, [reply])


def _unseal(runtime: Runtime, sealed: str) -> Push:
    fields = json.loads(runtime.store.cipher.decrypt(sealed))
    fields["subscriptions"] = tuple(Subscription(**s) for s in fields.get("subscriptions", ()))
    return Push(**fields)


def _count_down(runtime: Runtime, openid: str) -> None:
    try:
        runtime.redis.decr(QUEUED_KEY.format(openid=openid))
    except redis.RedisError:
        log.warning("could not count down the queued pushes (the counter expires)")


def _claim(runtime: Runtime, key: str) -> bool:
    try:
        return kv.claim_message(runtime.redis, CLAIM_CHANNEL, key)
    except redis.RedisError as error:
        log.warning("push dedupe claim skipped, Redis unavailable: %s", type(error).__name__)
        return True


def _release(runtime: Runtime, key: str) -> None:
    try:
        kv.release_message(runtime.redis, CLAIM_CHANNEL, key)
    except redis.RedisError:
        log.warning("could not release a push claim")


@dataclass(frozen=True)
class Sender:
    party_id: str
    role: Role
    case_id: str | None


def _process(runtime: Runtime, push: Push, lock_wait: float | None = None) -> None:
    now = runtime.clock.now()
    sender = _sender(runtime, push, now, lock_wait)
    kind = f"event:{push.event}" if push.msg_type == "event" else push.msg_type
    inbound, reply = _converse(runtime, push, sender, now)
    if inbound is not None:
        written: list[int] = []

        def also(session: Session, response: dict[str, Any]) -> list[int]:
            written.append(1)
            return _log(session, runtime, push, sender, kind, now, render(response["replies"]))

        try:
            # The message, the push log and the reply commit together.
            dispatch(runtime, inbound, lock_wait=lock_wait, claimed=True, also=also)
        except ApiError as error:
            reply = error.message  # e.g. an employer with no case yet: said in words
        else:
            if written:
                log.info("push %s from party %s: %s", push.msg_id, sender.party_id, kind)
            return  # else a redelivery that another copy answered
    with runtime.store.transaction(lock_wait=lock_wait) as session:
        outbound = _log(session, runtime, push, sender, kind, now, reply)
    log.info("push %s from party %s: %s", push.msg_id or "event", sender.party_id, kind)
    tasks.enqueue_notifications(runtime, outbound)


def _sender(runtime: Runtime, push: Push, now: datetime, lock_wait: float | None) -> Sender:
    """Who sent the push and their current case: a read, and a write only on first contact."""
    with runtime.store.reading() as session:
        known = queries.wechat_sender(session, push.openid)
    if known is not None:
        party_id, role, case_id = known
        return Sender(party_id, Role(role), case_id)
    with runtime.store.transaction(lock_wait=lock_wait) as session:
        party = queries.wechat_party(session, push.openid, now, name=texts.WECHAT_NEW_USER)
        case = queries.current_case(session, party)
        return Sender(party.id, Role(party.role), case.id if case else None)


def _log(
    session: Session,
    runtime: Runtime,
    push: Push,
    sender: Sender,
    kind: str,
    now: datetime,
    reply: str,
) -> list[int]:
    """The push log's row (once per push), a popup's grants, and the reply: outbound ids."""
    logged = queries.record_push(
        session,
        dedupe_key=push.dedupe_key,
        party_id=sender.party_id,
        kind=kind,
        now=now,
        media_id=push.media_id,
    )
    if not logged:
        return []  # another copy got here first: its reply is already queued
    if push.event == "subscribe_msg_popup_event":
        results = [(s.template_id, s.status) for s in push.subscriptions]
        queries.add_grants(session, sender.party_id, results, source="popup_event", now=now)
    if not reply:
        return []
    reply_id = _reply(session, runtime, sender.party_id, sender.case_id, reply, now)
    queries.set_push_reply(session, push.dedupe_key, reply_id)
    return [reply_id]


def _converse(
    runtime: Runtime, push: Push, sender: Sender, now: datetime
) -> tuple[Inbound | None, str]:
    """A text push as the chat's Inbound; else (None, what we say back, if anything)."""
    if push.msg_type in UNSUPPORTED:
        return None, texts.WECHAT_UNSUPPORTED  # kept in the push log (media id), not understood
    if push.event == "user_enter_tempsession":
        return None, texts.WECHAT_WELCOME
    if push.msg_type != "text":
        return None, ""  # other events (popup results, sent reports, …) need no answer
    text = push.content.strip()
    if not text:
        return None, texts.ERRORS["missing_text"]
    limit = runtime.settings.max_text_chars
    if len(text) > limit:
        return None, texts.ERRORS["text_too_long"].format(limit=limit)
    inbound = Inbound(
        channel=Channel.WECHAT,
        msg_id=str(push.msg_id),
        sender_id=sender.party_id,
        role=sender.role,
        received_at=now,
        text=text,
        case_id=sender.case_id,
    )
    return inbound, ""


def render(replies: Sequence[Mapping[str, Any]]) -> str:
    """The chat page's replies as one customer-service text: options become words to type
    (typing an option's label does the same as tapping it)."""
    parts = [str(reply["text"]) for reply in replies]
    labels = [str(o["label"]) for reply in replies for o in reply.get("options", ())]
    if labels:
        quoted = texts.WECHAT_OPTION_SEPARATOR.join(f"“{label}”" for label in labels)
        parts.append(texts.WECHAT_OPTIONS.format(labels=quoted))
    return "\n\n".join(parts)
