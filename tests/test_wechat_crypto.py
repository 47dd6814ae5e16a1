"""The AES and signature vectors of the fixtures, through bot/wechat_crypto.py (wechatpy inside),
and a property: whatever we seal, we open — for any text, in both wire formats."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.wechat_crypto import (
    BadSignature,
    MalformedPush,
    PushCodec,
    _FixedPrefix,
    _key,
    check_plain_signature,
    to_push,
)
from tests.fake_wechat import AES_KEY, TOKEN, fixture


def test_the_official_json_vector_opens_and_the_reply_seals_byte_for_byte() -> None:
    vector = fixture("aes_json_official.json")
    codec = PushCodec(vector["token"], vector["encoding_aes_key"], vector["appid"])
    inbound = vector["inbound"]
    push = codec.read(inbound["query"], json.dumps(inbound["body"]).encode())
    assert (push.msg_type, push.event, push.openid) == (
        "event",
        "debug_demo",
        "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
    )
    reply = vector["outbound_reply"]
    sealed = codec.seal(reply["plaintext"], reply["nonce"], reply["timestamp"], reply["random16"])
    assert json.loads(sealed) == reply["expect_body_json"]


def test_our_own_json_reply_vector_seals_byte_for_byte() -> None:
    vector = fixture("text_aes.json")
    [case] = [c for c in vector["cases"] if c["name"] == "json_encrypted_reply"]
    codec = PushCodec(vector["token"], vector["encoding_aes_key"], vector["appid"])
    sealed = codec.seal(case["reply_plaintext"], case["nonce"], case["timestamp"], case["random16"])
    assert json.loads(sealed) == case["expect_body_json"]


def test_the_java_sample_frame_counts_utf8_bytes_not_characters() -> None:
    vector = fixture("aes_raw_java_sample.json")
    crypto = _FixedPrefix(_key(vector["encoding_aes_key"]), vector["random16"])
    assert crypto.encrypt(vector["plaintext"], vector["appid"]).decode() == vector["expect_encrypt"]


def test_the_tencent_xml_sample_opens_to_the_parsed_fields() -> None:
    vector = fixture("aes_xml_tencent_sample.json")
    codec = PushCodec(vector["token"], vector["encoding_aes_key"], vector["appid"])
    push = codec.read(vector["query"], vector["body_xml"].encode())
    parsed = vector["expect"]["parsed"]
    assert (push.openid, push.content, push.msg_id, push.create_time) == (
        parsed["FromUserName"],
        parsed["Content"],
        str(parsed["MsgId"]),
        parsed["CreateTime"],
    )


@pytest.mark.parametrize("case", fixture("verify_get.json")["cases"], ids=lambda c: c["name"])
def test_plain_signatures(case: dict) -> None:
    if case["expect"]["valid"]:
        check_plain_signature(case["token"], case["query"])
    else:
        with pytest.raises(BadSignature):
            check_plain_signature(case["token"], case["query"])


def test_events_dedupe_by_sender_and_time_and_messages_by_msgid() -> None:
    one, two = fixture("duplicate_event_delivery.json")["deliveries"]
    assert to_push(one).dedupe_key == to_push(two).dedupe_key
    assert to_push(fixture("text_plain.json")).dedupe_key == "msg:1234567890123456"


def test_a_popup_event_with_one_template_in_xml_parses_as_a_list() -> None:
    fields = {
        "FromUserName": "o",
        "MsgType": "event",
        "Event": "subscribe_msg_popup_event",
        "SubscribeMsgPopupEvent": {"List": {"TemplateId": "T", "SubscribeStatusString": "accept"}},
    }
    assert [(s.template_id, s.status) for s in to_push(fields).subscriptions] == [("T", "accept")]
    with pytest.raises(MalformedPush):
        to_push({**fields, "SubscribeMsgPopupEvent": {"List": "T"}})


CODEC = PushCodec(TOKEN, AES_KEY, "wxappid0001")


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=1, max_size=300).filter(lambda t: t.strip() == t and "\x00" not in t))
def test_whatever_we_seal_we_open(text: str) -> None:
    plaintext = json.dumps(
        {"FromUserName": "o_x", "MsgType": "text", "CreateTime": 1, "Content": text, "MsgId": 9},
        ensure_ascii=False,
    )
    sealed = json.loads(CODEC.seal(plaintext, "nonce", 1714200000))
    query = {
        "timestamp": str(sealed["TimeStamp"]),
        "nonce": sealed["Nonce"],
        "encrypt_type": "aes",
        "msg_signature": sealed["MsgSignature"],
    }
    push = CODEC.read(query, json.dumps({"Encrypt": sealed["Encrypt"]}).encode())
    assert push.content == text
