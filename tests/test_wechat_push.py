"""The push endpoint replays every push fixture: verification, plain XML/JSON, safe mode, events,
duplicates; a wrong signature is 403 and nothing is processed; a malformed body is 400."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest
from flask import Flask
from rq.job import Job
from sqlalchemy import func, select

from bot import tasks, wechat_views
from bot.app import create_app
from bot.clock import Clock
from bot.config import Settings
from bot.runtime import Runtime
from storage.models import (
    Case,
    Message,
    OutboundMessage,
    Party,
    SubscribeGrant,
    WechatPush,
)
from tests.chat import Chat
from tests.fake_wechat import (  # noqa: F401  (pytest fixtures: fake WeChat, configured app)
    FIXTURES,
    TOKEN,
    FakeWeChat,
    fake_wechat_fixture,
    fixture,
    push,
    signed_query,
    text_push,
    wechat_app_fixture,
    wechat_chat_fixture,
    wechat_runtime_fixture,
    wechat_settings_fixture,
)


def count(runtime: Runtime, *where) -> int:  # type: ignore[no-untyped-def]
    model = where[0]
    with runtime.store.transaction() as session:
        query = select(func.count()).select_from(model)
        for condition in where[1:]:
            query = query.where(condition)
        return int(session.scalar(query) or 0)


def cs_replies(runtime: Runtime) -> list[str]:
    with runtime.store.transaction() as session:
        rows = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.channel == "wechat_cs")
            .order_by(OutboundMessage.id)
        )
        return [runtime.store.cipher.decrypt(r.text_enc) for r in rows]


def stored_texts(runtime: Runtime) -> list[str]:
    with runtime.store.transaction() as session:
        rows = session.scalars(
            select(Message)
            .where(Message.channel == "wechat", Message.direction == "in")
            .order_by(Message.id)
        )
        return [runtime.store.cipher.decrypt(r.text_enc) for r in rows]


def app_for(settings: Settings, clock: Clock, **wechat: str) -> Flask:
    return create_app(replace(settings, **wechat), clock=clock)


# --- GET verification ------------------------------------------------------------------------


@pytest.mark.parametrize("case", fixture("verify_get.json")["cases"], ids=lambda c: c["name"])
def test_url_verification_replays_every_vector(
    wechat_settings: Settings, clock: Clock, case: dict
) -> None:
    app = app_for(wechat_settings, clock, wechat_token=case["token"])
    response = app.test_client().get("/wechat/push", query_string=case["query"])
    if case["expect"]["valid"]:
        assert response.status_code == 200
        assert response.get_data(as_text=True) == case["expect"]["body"]  # exactly, no quotes
    else:
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "bad_signature"
    app.extensions["tiaojie"].close()


# --- plain mode ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["text_plain.xml", "text_plain.json", "text_plain_zh.xml", "text_plain_zh.json"]
)
def test_a_plain_text_push_is_answered_success_and_replied_through_a_job(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat, name: str
) -> None:
    raw = (FIXTURES / name).read_text(encoding="utf-8")
    body = json.loads(raw) if name.endswith(".json") else raw
    response = push(wechat_chat.app.test_client(), body)
    assert response.status_code == 200 and response.get_data(as_text=True) == "success"
    expected = json.loads(raw) if name.endswith(".json") else None
    if expected:
        assert stored_texts(wechat_runtime) == [expected["Content"]]
    [reply] = cs_replies(wechat_runtime)
    assert fake_wechat.calls("custom_send") == []  # the HTTP answer is only "success"

    wechat_chat.run_jobs()
    [sent] = fake_wechat.calls("custom_send")
    assert sent.body["msgtype"] == "text" and sent.body["text"]["content"] == reply
    assert sent.body["touser"] in ("fromUser", "oTEST_worker_0001_xxxxxxxxxx")
    replied = (OutboundMessage.channel == "wechat_cs", OutboundMessage.status == "sent")
    assert count(wechat_runtime, OutboundMessage, *replied) == 1


def test_a_worker_complaint_by_push_opens_a_case_through_the_same_pipeline(
    wechat_chat: Chat, wechat_runtime: Runtime
) -> None:
    body = fixture("text_plain_zh.json")
    assert push(wechat_chat.app.test_client(), body).status_code == 200
    with wechat_runtime.store.transaction() as session:
        party = session.scalar(select(Party).where(Party.openid == body["FromUserName"]))
        assert party is not None and party.role == "worker"
        case = session.scalar(select(Case).where(Case.worker_id == party.id))
        assert case is not None and "wage_arrears" in case.dispute_types
    [reply] = cs_replies(wechat_runtime)
    assert "拖欠工资" in reply


def test_cdata_edge_content_is_stored_and_echoed_as_inert_text(
    wechat_chat: Chat, wechat_runtime: Runtime
) -> None:
    raw = (FIXTURES / "text_plain_cdata_edge.xml").read_text(encoding="utf-8")
    assert push(wechat_chat.app.test_client(), raw).status_code == 200
    assert stored_texts(wechat_runtime) == ["<script>alert(1)</script> 工资]]> & 欠薪 ' OR 1=1 --"]
    assert len(cs_replies(wechat_runtime)) == 1


def test_options_become_words_to_type(wechat_chat: Chat, wechat_runtime: Runtime) -> None:
    client = wechat_chat.app.test_client()
    openid = "oTEST_options"
    story = [
        "泉州鑫达鞋业有限公司拖欠我三个月工资，一共两万四",
        "洛江区万安街道",
        "每月八千",
        "干了两年",
        "还在上班",
        "就我自己",
    ]
    for number, text in enumerate(story, start=1):
        assert push(client, text_push(openid, text, 9000 + number)).status_code == 200
    assert "请直接回复：“同意联系单位” 或 “暂不同意”" in cs_replies(wechat_runtime)[-1]
    assert push(client, text_push(openid, "同意联系单位", 9100)).status_code == 200
    assert "邀请单位" in cs_replies(wechat_runtime)[-1]


# --- safe mode -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["json_text_message", "xml_text_message"])
def test_safe_mode_json_and_xml_are_decrypted_and_processed(
    wechat_chat: Chat, wechat_runtime: Runtime, name: str
) -> None:
    [case] = [c for c in fixture("text_aes.json")["cases"] if c["name"] == name]
    data = json.dumps(case["body"]) if "body" in case else case["body_xml"]
    response = wechat_chat.app.test_client().post(
        "/wechat/push", query_string=case["query"], data=data.encode()
    )
    assert response.status_code == 200 and response.get_data(as_text=True) == "success"
    assert stored_texts(wechat_runtime) == [
        "老板欠我3个月工资 一共2万5 厂在泉州洛江区万安街道 咋办啊😭"
    ]
    assert len(cs_replies(wechat_runtime)) == 1


@pytest.mark.parametrize(
    "name",
    [
        "tampered_msg_signature_negative",
        "plain_signature_used_as_msg_signature_negative",
        "wrong_appid_in_frame_negative",
    ],
)
def test_safe_mode_negatives_get_403_and_nothing_is_processed(
    wechat_chat: Chat, wechat_runtime: Runtime, name: str
) -> None:
    [case] = [c for c in fixture("text_aes.json")["cases"] if c["name"] == name]
    response = wechat_chat.app.test_client().post(
        "/wechat/push", query_string=case["query"], data=json.dumps(case["body"]).encode()
    )
    assert response.status_code == 403
    assert count(wechat_runtime, Message) == count(wechat_runtime, WechatPush) == 0
    assert count(wechat_runtime, Party) == 0


def test_the_official_safe_mode_json_example_is_accepted(
    wechat_settings: Settings, clock: Clock, wechat_runtime: Runtime
) -> None:
    vector = fixture("aes_json_official.json")
    app = app_for(
        wechat_settings,
        clock,
        wechat_token=vector["token"],
        wechat_aes_key=vector["encoding_aes_key"],
        wechat_appid=vector["appid"],
    )
    inbound = vector["inbound"]
    response = app.test_client().post(
        "/wechat/push", query_string=inbound["query"], data=json.dumps(inbound["body"]).encode()
    )
    assert response.get_data(as_text=True) == "success"
    assert count(wechat_runtime, WechatPush, WechatPush.kind == "event:debug_demo") == 1
    app.extensions["tiaojie"].close()


@pytest.mark.parametrize("body", ["body_xml", "body_xml_compat_mode"])
def test_the_tencent_sample_xml_is_decrypted_in_both_modes(
    wechat_settings: Settings, clock: Clock, wechat_runtime: Runtime, body: str
) -> None:
    vector = fixture("aes_xml_tencent_sample.json")
    app = app_for(
        wechat_settings,
        clock,
        wechat_token=vector["token"],
        wechat_aes_key=vector["encoding_aes_key"],
        wechat_appid=vector["appid"],
    )
    response = app.test_client().post(
        "/wechat/push", query_string=vector["query"], data=vector[body].encode()
    )
    assert response.get_data(as_text=True) == "success"
    assert stored_texts(wechat_runtime) == [vector["expect"]["parsed"]["Content"]]
    app.extensions["tiaojie"].close()


# --- events ----------------------------------------------------------------------------------


def test_the_official_plain_json_debug_event_is_acknowledged(
    wechat_settings: Settings, clock: Clock, wechat_runtime: Runtime
) -> None:
    vector = fixture("event_debug_demo_plain.json")
    app = app_for(wechat_settings, clock, wechat_token=vector["token"])
    response = push(app.test_client(), vector["body"], vector["query"])
    assert response.status_code == 200
    assert response.get_data(as_text=True) in vector["expect"]["reply_body_any_of"]
    assert cs_replies(wechat_runtime) == []
    app.extensions["tiaojie"].close()


def test_a_subscribe_event_is_logged_without_a_reply(
    wechat_chat: Chat, wechat_runtime: Runtime
) -> None:
    raw = (FIXTURES / "event_subscribe.xml").read_text(encoding="utf-8")
    assert push(wechat_chat.app.test_client(), raw).get_data(as_text=True) == "success"
    assert count(wechat_runtime, WechatPush, WechatPush.kind == "event:subscribe") == 1
    assert cs_replies(wechat_runtime) == []


@pytest.mark.parametrize(
    "name", ["event_user_enter_tempsession.xml", "event_user_enter_tempsession.json"]
)
def test_entering_the_session_gets_one_welcome(
    wechat_chat: Chat, wechat_runtime: Runtime, name: str
) -> None:
    raw = (FIXTURES / name).read_text(encoding="utf-8")
    body = json.loads(raw) if name.endswith(".json") else raw
    assert push(wechat_chat.app.test_client(), body).status_code == 200
    [welcome] = cs_replies(wechat_runtime)
    assert "劳动争议调解助手" in welcome


def test_a_repeated_event_is_welcomed_once(wechat_chat: Chat, wechat_runtime: Runtime) -> None:
    vector = fixture("duplicate_event_delivery.json")
    client = wechat_chat.app.test_client()
    for number, delivery in enumerate(vector["deliveries"]):
        query = signed_query(nonce=str(number))
        assert push(client, delivery, query).get_data(as_text=True) == "success"
    assert len(cs_replies(wechat_runtime)) == vector["expect"]["welcome_messages_sent"]


def test_image_and_voice_are_stored_as_unsupported_with_a_helpful_reply(
    wechat_chat: Chat, wechat_runtime: Runtime
) -> None:
    client = wechat_chat.app.test_client()
    for number, kind in enumerate(("image", "voice"), start=1):
        body = {
            "ToUserName": "gh_0a1b2c3d4e5f",
            "FromUserName": "oTEST_media",
            "CreateTime": 1714300000 + number,
            "MsgType": kind,
            "MediaId": f"media-{kind}",
            "MsgId": 7700 + number,
        }
        assert push(client, body).get_data(as_text=True) == "success"
    with wechat_runtime.store.transaction() as session:
        rows = session.scalars(select(WechatPush).order_by(WechatPush.id)).all()
        assert [(r.kind, r.media_id) for r in rows] == [
            ("image", "media-image"),
            ("voice", "media-voice"),
        ]
    replies = cs_replies(wechat_runtime)
    assert len(replies) == 2 and all("暂时还不能识别图片和语音" in r for r in replies)


@pytest.mark.parametrize("wire", ["json", "xml"])
def test_subscribe_popup_results_fill_the_authorization_ledger(
    wechat_chat: Chat, wechat_runtime: Runtime, wire: str
) -> None:
    items = [("TEMPLATE_ID_NOTICE", "accept"), ("TEMPLATE_ID_OTHER", "reject")]
    if wire == "json":
        body: dict | str = {
            "ToUserName": "gh_0a1b2c3d4e5f",
            "FromUserName": "oTEST_popup",
            "CreateTime": "1620973045",
            "MsgType": "event",
            "Event": "subscribe_msg_popup_event",
            "List": [
                {"TemplateId": t, "SubscribeStatusString": s, "PopupScene": "0"} for t, s in items
            ],
        }
    else:
        lists = "".join(
            f"<List><TemplateId><![CDATA[{t}]]></TemplateId><SubscribeStatusString>"
            f"<![CDATA[{s}]]></SubscribeStatusString><PopupScene>2</PopupScene></List>"
            for t, s in items
        )
        body = (
            "<xml><ToUserName><![CDATA[gh_0a1b2c3d4e5f]]></ToUserName>"
            "<FromUserName><![CDATA[oTEST_popup]]></FromUserName><CreateTime>1610969440"
            "</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[subscribe_msg_popup_event]]></Event>"
            f"<SubscribeMsgPopupEvent>{lists}</SubscribeMsgPopupEvent></xml>"
        )
    client = wechat_chat.app.test_client()
    assert push(client, body).status_code == 200
    assert push(client, body, signed_query(nonce="again")).status_code == 200  # redelivered
    with wechat_runtime.store.transaction() as session:
        grants = session.scalars(select(SubscribeGrant).order_by(SubscribeGrant.id)).all()
        assert [(g.template_id, g.status) for g in grants] == [
            ("TEMPLATE_ID_NOTICE", "granted"),
            ("TEMPLATE_ID_OTHER", "rejected"),
        ]
    assert cs_replies(wechat_runtime) == []


# --- duplicates ------------------------------------------------------------------------------


def test_the_same_msgid_three_times_concurrently_is_processed_once(
    wechat_settings: Settings, clock: Clock, wechat_runtime: Runtime
) -> None:
    vector = fixture("duplicate_delivery.json")
    app = app_for(wechat_settings, clock, wechat_token=vector["deliveries"][0]["token"])
    answers: list[tuple[int, str]] = []
    start = threading.Barrier(len(vector["deliveries"]))

    def deliver(delivery: dict) -> None:
        client = app.test_client()
        start.wait()
        response = push(client, delivery["body"], delivery["query"])
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=deliver, args=(d,)) for d in vector["deliveries"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers) == [(200, "success")] * 3
    assert count(wechat_runtime, Message, Message.direction == "in") == 1
    assert count(wechat_runtime, Case) == vector["expect"]["cases_created"]
    assert len(cs_replies(wechat_runtime)) == vector["expect"]["outbound_replies"]
    with wechat_runtime.store.transaction() as session:
        reply_id = session.scalar(
            select(OutboundMessage.id).where(OutboundMessage.channel == "wechat_cs")
        )
    listed = [int(i) for i in wechat_runtime.redis.lrange(tasks.DRAIN_LIST, 0, -1)]
    assert listed.count(reply_id) == 1  # listed for delivery once (others: notifications)
    assert len(wechat_runtime.queue.job_ids) == 1  # one drain delivers them all
    app.extensions["tiaojie"].close()


def test_a_push_for_a_busy_case_is_answered_at_once_and_processed_by_rq_in_order(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    """WeChat waits 5 s for an answer: a push whose case stays locked (another message of the
    case being processed) goes to RQ, and the user's next push queues behind it."""
    client = wechat_chat.app.test_client()
    openid = "oTEST_busy_case"
    said = ["泉州鑫达鞋业有限公司拖欠我三个月工资，一共两万四", "洛江区万安街道", "每月八千"]
    assert push(client, text_push(openid, said[0], 7001)).get_data(as_text=True) == "success"
    with wechat_runtime.store.transaction() as held:  # SQLite: the write lock; PostgreSQL: the row
        held.execute(select(Party).where(Party.openid == openid).with_for_update())
        answer = push(client, text_push(openid, said[1], 7002, create_time=1714300060))
        assert answer.get_data(as_text=True) == "success"
    answer = push(client, text_push(openid, said[2], 7003, create_time=1714300120))
    assert answer.get_data(as_text=True) == "success"
    assert stored_texts(wechat_runtime) == said[:1]  # the others wait in RQ, in order
    assert len([j for j in wechat_runtime.queue.job_ids if j.startswith("push-")]) == 2

    wechat_chat.run_jobs()
    assert stored_texts(wechat_runtime) == said
    replies = cs_replies(wechat_runtime)
    assert len(replies) == 3 and "每个月工资" in replies[1] and "干了多久" in replies[2]
    # A redelivery of the queued push after it was processed changes nothing.
    answer = push(client, text_push(openid, said[1], 7002, create_time=1714300060))
    assert answer.get_data(as_text=True) == "success"
    wechat_chat.run_jobs()
    assert stored_texts(wechat_runtime) == said and len(cs_replies(wechat_runtime)) == 3


def test_with_redis_down_a_redelivery_still_counts_once(
    wechat_settings: Settings, clock: Clock, wechat_runtime: Runtime
) -> None:
    app = app_for(wechat_settings, clock, redis_url="redis://127.0.0.1:1/0")
    client = app.test_client()
    body = text_push("oTEST_redis_down", "老板拖欠我三个月工资了", 5550001)
    for nonce in ("1", "2", "3"):
        assert push(client, body, signed_query(nonce=nonce)).get_data(as_text=True) == "success"
    assert count(wechat_runtime, Message, Message.direction == "in") == 1
    assert len(cs_replies(wechat_runtime)) == 1
    app.extensions["tiaojie"].close()


# --- refusals --------------------------------------------------------------------------------


def test_a_wrong_signature_gets_403_and_nothing_is_processed(
    wechat_chat: Chat, wechat_runtime: Runtime
) -> None:
    client = wechat_chat.app.test_client()
    body = fixture("text_plain_zh.json")
    for query in (
        signed_query(token="WRONG"),
        {**signed_query(), "signature": "0" * 40},
        {"timestamp": "1714300000", "nonce": "42"},
        {},
    ):
        response = push(client, body, query)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "bad_signature"
    assert count(wechat_runtime, Party) == count(wechat_runtime, WechatPush) == 0


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<xml><FromUserName>a</FromUserName",
        b"{not json",
        b"[1, 2]",
        b'{"MsgType": "text"}',
        b'{"FromUserName": "o", "MsgType": "text", "CreateTime": "soon"}',
        b'{"FromUserName": "o", "MsgType": "text", "MsgId": "12ab"}',
        b'{"FromUserName": {"x": 1}, "MsgType": "text"}',
        "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>".encode("utf-16"),
        b"plain words",
    ],
)
def test_a_malformed_body_gets_400(wechat_chat: Chat, wechat_runtime: Runtime, data: bytes) -> None:
    response = wechat_chat.app.test_client().post(
        "/wechat/push", query_string=signed_query(), data=data
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_push"
    assert count(wechat_runtime, WechatPush) == 0


def test_a_broken_aes_frame_with_a_valid_signature_gets_400(
    wechat_chat: Chat, wechat_runtime: Runtime
) -> None:
    import hashlib

    for encrypt in ("not base64!!", "QUJD", "A" * 44):
        query = {"timestamp": "1714300000", "nonce": "7", "encrypt_type": "aes"}
        parts = sorted([TOKEN, query["timestamp"], query["nonce"], encrypt])
        query["msg_signature"] = hashlib.sha1("".join(parts).encode()).hexdigest()
        response = wechat_chat.app.test_client().post(
            "/wechat/push", query_string=query, data=json.dumps({"Encrypt": encrypt}).encode()
        )
        assert response.status_code == 400, encrypt
    assert count(wechat_runtime, WechatPush) == 0


def test_a_queued_push_that_fails_its_last_attempt_asks_its_sender_to_send_it_again(
    wechat_chat: Chat, wechat_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A push handed to RQ (its case was busy) keeps failing. WeChat had ``success`` long
    ago, so RQ's retries are silent; after the last one the sender hears it was lost, and
    their next push is processed at once instead of queueing behind the lost one."""
    client = wechat_chat.app.test_client()
    openid = "oTEST_lost_push"
    assert push(client, text_push(openid, "鑫达鞋业拖欠我三个月工资", 7101)).status_code == 200
    with wechat_runtime.store.transaction() as held:
        held.execute(select(Party).where(Party.openid == openid).with_for_update())
        assert push(client, text_push(openid, "一共两万四千块钱", 7102)).status_code == 200
    [job_id] = [j for j in wechat_runtime.queue.job_ids if j.startswith("push-")]

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(wechat_views, "_process", broken)
    wechat_chat.run_jobs()  # the first attempt: RQ will retry, nobody is told yet
    assert len(cs_replies(wechat_runtime)) == 1
    job = Job.fetch(job_id, connection=wechat_runtime.redis)
    job.retries_left = 0  # the retries went by (5 s … 30 min): this is the last attempt
    job.save()
    wechat_runtime.queue.enqueue_job(job)
    wechat_chat.run_jobs()
    replies = cs_replies(wechat_runtime)
    assert (
        len(replies) == 2
        and replies[-1] == "抱歉，您刚才发的“一共两万四千块钱”没能处理成功，请再发一次。"
    )
    monkeypatch.undo()
    assert push(client, text_push(openid, "一共两万四千块钱", 7103)).status_code == 200
    assert stored_texts(wechat_runtime) == ["鑫达鞋业拖欠我三个月工资", "一共两万四千块钱"]
