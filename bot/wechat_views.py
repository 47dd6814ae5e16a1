"""The WeChat message-push endpoint (消息推送): GET URL verification, POST messages and events.

A push is verified (403 without processing when the signature is wrong), parsed (400 when
malformed), processed once per MsgId (events: sender + CreateTime), and answered ``success``.
Text goes through the same pipeline as the mini-program chat (bot/dispatch.py, channel
WECHAT); the answer leaves as a customer-service reply through an outbound job, never in the
HTTP answer. Processing is inline: the handlers are pure and fast, and only the network calls
(the reply) go to RQ, so WeChat gets its answer well within its 5 s.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from bot import tasks
from bot.dispatch import dispatch
from bot.errors import ApiError
from bot.runtime import Runtime
from bot.web import current_runtime as _runtime
from bot.wechat_crypto import BadSignature, MalformedPush, Push, PushCodec, verify_url
from handlers import texts
from handlers.types import Channel, Inbound, Role
from storage import kv, queries

log = logging.getLogger(__name__)

wechat = Blueprint("wechat", __name__, url_prefix="/wechat")

CLAIM_CHANNEL = "wechat-push"  # the Redis fast-path dedupe of whole pushes
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
    handle(runtime, push)
    return Response("success", mimetype="text/plain")


def handle(runtime: Runtime, push: Push) -> None:
    """Process a verified push once: Redis claims it fast, the push log's unique key for sure."""
    if not _claim(runtime, push.dedupe_key):
        return  # a redelivery while (or after) the first copy is processed
    try:
        _process(runtime, push)
    except Exception:
        _release(runtime, push.dedupe_key)  # let WeChat's next attempt try again
        raise


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


def _process(runtime: Runtime, push: Push) -> None:
    now = runtime.clock.now()
    with runtime.store.transaction() as session:
        party = queries.wechat_party(session, push.openid, now, name=texts.WECHAT_NEW_USER)
        case = queries.current_case(session, party)
        sender = Sender(party.id, Role(party.role), case.id if case else None)
    reply = _answer(runtime, push, sender, now)
    kind = f"event:{push.event}" if push.msg_type == "event" else push.msg_type
    outbound: list[int] = []
    with runtime.store.transaction() as session:
        logged = queries.record_push(
            session,
            dedupe_key=push.dedupe_key,
            party_id=sender.party_id,
            kind=kind,
            now=now,
            media_id=push.media_id,
        )
        if logged is None:
            return  # another copy got here first: its reply is already queued
        if push.event == "subscribe_msg_popup_event":
            results = [(s.template_id, s.status) for s in push.subscriptions]
            queries.add_grants(session, sender.party_id, results, source="popup_event", now=now)
        if reply:
            row = queries.add_outbound(
                session,
                runtime.store.cipher,
                party_id=sender.party_id,
                case_id=sender.case_id,
                channel="wechat_cs",
                text=reply,
                now=now,
                purpose="reply",
            )
            logged.reply_id = row.id
            outbound.append(row.id)
    log.info("push %s from party %s: %s", push.msg_id or "event", sender.party_id, kind)
    tasks.enqueue_notifications(runtime, outbound)


def _answer(runtime: Runtime, push: Push, sender: Sender, now: datetime) -> str:
    """What we say back, if anything."""
    if push.msg_type == "text":
        return _converse(runtime, push, sender, now)
    if push.msg_type in UNSUPPORTED:
        return texts.WECHAT_UNSUPPORTED  # kept in the push log (media id), not understood yet
    if push.event == "user_enter_tempsession":
        return texts.WECHAT_WELCOME
    return ""  # other events (popup results, sent reports, …) need no answer


def _converse(runtime: Runtime, push: Push, sender: Sender, now: datetime) -> str:
    text = push.content.strip()
    if not text:
        return texts.ERRORS["missing_text"]
    limit = runtime.settings.max_text_chars
    if len(text) > limit:
        return texts.ERRORS["text_too_long"].format(limit=limit)
    inbound = Inbound(
        channel=Channel.WECHAT,
        msg_id=str(push.msg_id),
        sender_id=sender.party_id,
        role=sender.role,
        received_at=now,
        text=text,
        case_id=sender.case_id,
    )
    try:
        response = dispatch(runtime, inbound)
    except ApiError as error:
        return error.message  # e.g. an employer with no case yet: said in words
    return render(response["replies"])


def render(replies: Sequence[Mapping[str, Any]]) -> str:
    """The chat page's replies as one customer-service text: options become words to type
    (typing an option's label does the same as tapping it)."""
    parts = [str(reply["text"]) for reply in replies]
    labels = [str(o["label"]) for reply in replies for o in reply.get("options", ())]
    if labels:
        quoted = texts.WECHAT_OPTION_SEPARATOR.join(f"“{label}”" for label in labels)
        parts.append(texts.WECHAT_OPTIONS.format(labels=quoted))
    return "\n\n".join(parts)
