"""The fake WeChat server answers exactly as the documented fixtures say (so what the suite and
`tiaojie serve --fake-wechat` see is WeChat's real format), and it can be inspected."""

from __future__ import annotations

import json
import urllib.request

import pytest

from bot import fake_wechat
from tests.fake_wechat import APPID, SECRET, FakeWeChat, fixture

ANSWERS = {
    "code2session_ok_minimal.json": fake_wechat.SESSION_OK,
    "access_token_err_40001.json": fake_wechat.TOKEN_INVALID,
    "custom_send_ok.json": fake_wechat.SEND_OK,
    "subscribe_send_ok.json": fake_wechat.SEND_OK,
    "msgseccheck_v2_pass.json": fake_wechat.CHECK_PASS,
    "msgseccheck_v2_review.json": fake_wechat.CHECK_REVIEW,
    "msgseccheck_v2_risky.json": fake_wechat.CHECK_RISKY,
}


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_the_fakes_answers_are_the_documented_fixtures(name: str) -> None:
    assert ANSWERS[name] == fixture(name)


def test_a_tester_sees_what_wechat_received() -> None:
    fake = FakeWeChat(APPID, SECRET)
    try:
        query = f"appid={APPID}&secret={SECRET}&js_code=abc&grant_type=authorization_code"
        with urllib.request.urlopen(f"{fake.url}/sns/jscode2session?{query}", timeout=5) as r:
            assert json.load(r)["openid"] == "o_abc"
        with urllib.request.urlopen(f"{fake.url}/_fake/calls", timeout=5) as r:
            calls = json.load(r)["calls"]
        assert [call["endpoint"] for call in calls] == ["code2session"]
        assert calls[0]["query"]["js_code"] == "abc"
    finally:
        fake.close()
