"""The access token: one per app in Redis for every process, refreshed under a Redis lock ahead
of expiry; two worker processes never fetch it at the same moment."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace

from bot.config import Settings
from bot.runtime import Runtime
from bot.wechat_api import REFRESH_MARGIN, WeChatApi
from tests.fake_wechat import (  # noqa: F401  (pytest fixtures: fake WeChat, configured app)
    FakeWeChat,
    fake_wechat_fixture,
    fixture,
    wechat_app_fixture,
    wechat_runtime_fixture,
    wechat_settings_fixture,
)


def api(runtime: Runtime, settings: Settings | None = None) -> WeChatApi:
    return WeChatApi(settings or runtime.settings, runtime.redis)


def test_the_token_is_fetched_once_and_shared_through_redis(
    wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    one, two = api(wechat_runtime), api(wechat_runtime)  # as two processes would
    assert one.access_token() == two.access_token() == "TOKEN-1"
    one.send_text("o_x", "你好")
    assert len(fake_wechat.calls("token")) == 1
    [call] = fake_wechat.calls("token")
    assert call.query["grant_type"] == "client_credential"


def test_the_token_is_refreshed_ahead_of_expiry(
    wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    client = api(wechat_runtime)
    assert client.access_token() == "TOKEN-1"
    soon = time.time() + REFRESH_MARGIN - 10  # still valid, but inside the margin
    wechat_runtime.redis.set(client.token_key, json.dumps({"token": "TOKEN-1", "expires_at": soon}))
    assert client.access_token() == "TOKEN-2"
    assert client.access_token() == "TOKEN-2"
    assert len(fake_wechat.calls("token")) == 2


def test_while_one_process_refreshes_the_others_keep_the_valid_token(
    wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    client = api(wechat_runtime)
    soon = time.time() + REFRESH_MARGIN - 10
    wechat_runtime.redis.set(client.token_key, json.dumps({"token": "OLD", "expires_at": soon}))
    lock = wechat_runtime.redis.lock(client.lock_key, timeout=5)
    assert lock.acquire(blocking=False)  # another process is refreshing
    try:
        assert client.access_token() == "OLD"
    finally:
        lock.release()
    assert fake_wechat.calls("token") == []


def test_concurrent_40001s_refresh_the_token_once(
    wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    api(wechat_runtime).access_token()
    fake_wechat.invalidate_tokens()  # e.g. refreshed by a tool outside our service
    fake_wechat.token_delay = 0.2
    errors: list[BaseException] = []

    def send(number: int) -> None:
        try:
            api(wechat_runtime).send_text("o_x", f"第{number}条")
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(fake_wechat.calls("token")) == 2  # the first fetch and one refresh for all four
    assert len(fake_wechat.calls("custom_send")) == 8  # each: rejected once, retried once


def test_the_stable_token_endpoint_is_a_setting(
    wechat_runtime: Runtime, wechat_settings: Settings, fake_wechat: FakeWeChat
) -> None:
    stable = replace(wechat_settings, wechat_stable_token=True)
    client = api(wechat_runtime, stable)
    assert client.access_token() == "TOKEN-1"
    [call] = fake_wechat.calls("stable_token")
    assert call.body == {
        "grant_type": "client_credential",
        "appid": stable.wechat_appid,
        "secret": stable.wechat_secret,
        "force_refresh": False,
    }
    # 40001 on a stable token that the endpoint still hands out: forced refresh, once.
    fake_wechat.script("custom_send", fixture("access_token_err_40001.json"))
    client.send_text("o_x", "你好")
    forced = [c.body["force_refresh"] for c in fake_wechat.calls("stable_token")]
    assert forced == [False, False, True]
    assert fake_wechat.calls("token") == []
    sends = fake_wechat.calls("custom_send")
    assert [s.query["access_token"] for s in sends] == ["TOKEN-1", "TOKEN-2"]


WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bot.config import Settings
    from bot.wechat_api import WeChatApi
    from storage import kv

    base, redis_url, appid, secret, start = sys.argv[1:6]
    settings = Settings(
        env="test", data_dir=Path("."), database_url="sqlite:///unused.db",
        redis_url=redis_url, secret_key="x" * 40, wechat_appid=appid,
        wechat_secret=secret, wechat_api_base=base,
    )
    api = WeChatApi(settings, kv.connect(redis_url))
    time.sleep(max(0.0, float(start) - time.time()))
    print(api.access_token())
    """
)


def test_two_worker_processes_never_fetch_the_token_at_the_same_moment(
    wechat_runtime: Runtime, wechat_settings: Settings, fake_wechat: FakeWeChat
) -> None:
    fake_wechat.token_delay = 0.5  # a slow fetch: the second process must wait, not fetch
    start = str(time.time() + 2.0)  # both ask at the same moment, after importing
    args = [
        fake_wechat.url,
        wechat_settings.redis_url or "",
        wechat_settings.wechat_appid,
        wechat_settings.wechat_secret,
        start,
    ]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=60) for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], [err.decode() for _, err in outputs]
    assert [out.decode().strip() for out, _ in outputs] == ["TOKEN-1", "TOKEN-1"]
    assert len(fake_wechat.calls("token")) == 1
    assert fake_wechat.max_in_flight == 1
