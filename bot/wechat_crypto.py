"""WeChat message push at the edge: signatures, safe-mode (AES) frames, XML/JSON bodies → Push.

wechatpy does the signature and the AES frame (``check_signature``, ``WeChatCrypto``); what it
lacks for mini-programs is added here: JSON bodies (plain and encrypted), the mini-program events
(``user_enter_tempsession``, ``subscribe_msg_popup_event``), strict errors for malformed input,
and encrypted JSON replies (see ../shared/fixtures/wechat/README.md, sections 1–4).
"""

from __future__ import annotations

import binascii
import json
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy.crypto import PrpCrypto, WeChatCrypto, _get_signature
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature


class BadSignature(Exception):
    """The request did not come from WeChat (or not for our token): answer 403, do nothing."""


class MalformedPush(Exception):
    """The body cannot be read as a push (bad XML/JSON, broken AES frame): answer 400."""


@dataclass(frozen=True)
class Subscription:
    """One template's result in a subscribe-message popup (订阅消息弹窗)."""

    template_id: str
    status: str  # "accept" | "reject" | "ban" …


@dataclass(frozen=True)
class Push:
    """A parsed push: a user message or an event, whatever the wire format was."""

    to_user: str
    openid: str  # FromUserName
    create_time: int
    msg_type: str  # text | image | voice | event | …
    msg_id: str | None = None
    content: str = ""
    media_id: str = ""
    event: str = ""
    session_from: str = ""
    subscriptions: tuple[Subscription, ...] = field(default=())

    @property
    def dedupe_key(self) -> str:
        """Messages by MsgId; events (no MsgId) by sender + CreateTime (+ the event)."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"event:{self.openid}:{self.create_time}:{self.event}"


def verify_url(token: str, query: Mapping[str, str]) -> str:
    """GET URL verification: the ``echostr`` to echo, or BadSignature."""
    check_plain_signature(token, query)
    return query.get("echostr", "")


def check_plain_signature(token: str, query: Mapping[str, str]) -> None:
    """sha1(sorted(token, timestamp, nonce)) == signature."""
    signature, timestamp, nonce = (query.get(k, "") for k in ("signature", "timestamp", "nonce"))
    if not (token and signature and timestamp and nonce):
        raise BadSignature("missing signature parameters")
    try:
        check_signature(token, signature, timestamp, nonce)
    except InvalidSignatureException as error:
        raise BadSignature("signature mismatch") from error


class PushCodec:
    """Reads (and, for safe mode, writes) push bodies for one mini-program's token/key/appid."""

    def __init__(self, token: str, aes_key: str, appid: str) -> None:
        self.token, self.aes_key, self.appid = token, aes_key, appid

    def read(self, query: Mapping[str, str], body: bytes) -> Push:
        """Verify and parse a POST. Plain mode checks ``signature``; safe mode (encrypt_type=aes)
        checks ``msg_signature`` over the Encrypt field, decrypts and checks the frame's appid."""
        if query.get("encrypt_type", "raw").lower() == "aes":
            return to_push(self._open(query, _load(body)))
        check_plain_signature(self.token, query)  # before reading a body nobody vouched for
        return to_push(_load(body))

    def _open(self, query: Mapping[str, str], fields: Mapping[str, Any]) -> dict[str, Any]:
        encrypt = fields.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise MalformedPush("safe mode body without Encrypt")
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        signature = query.get("msg_signature", "")
        if not (self.token and self.aes_key and signature and timestamp and nonce):
            raise BadSignature("missing msg_signature parameters")
        crypto = WeChatCrypto(self.token, self.aes_key, self.appid)
        try:
            plaintext = crypto.decrypt_message({"Encrypt": encrypt}, signature, timestamp, nonce)
        except InvalidSignatureException as error:
            raise BadSignature("msg_signature mismatch") from error
        except InvalidAppIdException as error:
            raise BadSignature("frame for another appid") from error
        except (ValueError, TypeError, IndexError, struct.error, binascii.Error) as error:
            raise MalformedPush("cannot decrypt the frame") from error  # includes bad UTF-8
        return _load(plaintext.encode("utf-8"))

    def seal(
        self,
        plaintext: str,
        nonce: str,
        timestamp: int | None = None,
        random16: str | None = None,
        as_json: bool = True,
    ) -> str:
        """An encrypted reply body ({Encrypt, MsgSignature, TimeStamp, Nonce}, JSON or XML).
        ``random16`` fixes the frame's random prefix (test vectors); normally it is random."""
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        crypto = (
            _FixedPrefix(_key(self.aes_key), random16)
            if random16
            else PrpCrypto(_key(self.aes_key))
        )
        encrypt = crypto.encrypt(plaintext, self.appid).decode("ascii")
        signature = _get_signature(self.token, stamp, nonce, encrypt)
        if as_json:
            body = {
                "Encrypt": encrypt,
                "MsgSignature": signature,
                "TimeStamp": int(stamp),
                "Nonce": nonce,
            }
            return json.dumps(body, ensure_ascii=False)
        return xmltodict.unparse(
            {
                "xml": {
                    "Encrypt": encrypt,
                    "MsgSignature": signature,
                    "TimeStamp": stamp,
                    "Nonce": nonce,
                }
            },
            full_document=False,
        )


class _FixedPrefix(PrpCrypto):
    def __init__(self, key: bytes, random16: str) -> None:
        super().__init__(key)
        self._random16 = random16

    def get_random_string(self) -> str:
        return self._random16


def _key(encoding_aes_key: str) -> bytes:
    import base64

    try:
        key = base64.b64decode(encoding_aes_key + "=")
    except binascii.Error as error:
        raise ValueError("EncodingAESKey is not base64") from error
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


def _load(body: bytes) -> dict[str, Any]:
    """XML or JSON (by the body itself: WeChat's data format is chosen in the mp console)."""
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError as error:
        raise MalformedPush("body is not UTF-8") from error
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise MalformedPush("bad JSON") from error
        return _mapping(value)
    if text.startswith("<"):
        try:
            value = xmltodict.parse(text, disable_entities=True)
        except (ExpatError, ValueError) as error:
            raise MalformedPush("bad XML") from error
        return _mapping(value.get("xml") if isinstance(value, dict) else None)
    raise MalformedPush("body is neither XML nor JSON")


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPush("body is not an object")
    return value


def to_push(fields: Mapping[str, Any]) -> Push:
    """Typed at the edge; anything missing or of the wrong shape is MalformedPush."""
    openid, msg_type = _text(fields, "FromUserName"), _text(fields, "MsgType").lower()
    if not openid or not msg_type:
        raise MalformedPush("FromUserName and MsgType are required")
    try:
        create_time = int(fields.get("CreateTime") or 0)
    except (TypeError, ValueError) as error:
        raise MalformedPush("CreateTime is not a number") from error
    msg_id = fields.get("MsgId")
    if msg_id is not None and not str(msg_id).isdigit():
        raise MalformedPush("MsgId is not a number")
    return Push(
        to_user=_text(fields, "ToUserName"),
        openid=openid,
        create_time=create_time,
        msg_type=msg_type,
        msg_id=str(msg_id) if msg_id is not None else None,
        content=_text(fields, "Content"),
        media_id=_text(fields, "MediaId"),
        event=_text(fields, "Event").lower(),
        session_from=_text(fields, "SessionFrom"),
        subscriptions=_subscriptions(fields),
    )


def _text(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedPush(f"{name} has the wrong type")
    return str(value)


def _subscriptions(fields: Mapping[str, Any]) -> tuple[Subscription, ...]:
    """subscribe_msg_popup_event: JSON has a top-level ``List``; XML nests it in
    ``SubscribeMsgPopupEvent`` (one <List> parses as an object, several as a list)."""
    holder = fields.get("SubscribeMsgPopupEvent") or fields
    items = holder.get("List") if isinstance(holder, Mapping) else None
    if items is None:
        return ()
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list):
        raise MalformedPush("List has the wrong type")
    result = []
    for item in items:
        if not isinstance(item, Mapping):
            raise MalformedPush("List entry has the wrong type")
        template_id, status = _text(item, "TemplateId"), _text(item, "SubscribeStatusString")
        if template_id:
            result.append(Subscription(template_id, status.lower()))
    return tuple(result)
