"""Notifications leave through one drain job at a time: a burst of rows is delivered by one
RQ job, not one job each; a row that fails gets a job of its own with backoff; rows listed
while a drain waits ride with it, and rows listed after it started start the next one."""

from __future__ import annotations

import pytest
from rq.job import Job
from sqlalchemy import select

from bot import tasks
from bot.runtime import Runtime
from storage import queries
from storage.models import OutboundMessage
from tests.chat import Chat, Person
from tests.fake_wechat import (  # noqa: F401  (pytest fixtures: fake WeChat, configured app)
    FakeWeChat,
    fake_wechat_fixture,
    push,
    text_push,
    wechat_app_fixture,
    wechat_chat_fixture,
    wechat_runtime_fixture,
    wechat_settings_fixture,
)


def statuses(runtime: Runtime, channel: str | None = None) -> dict[int, str]:
    query = select(OutboundMessage)
    if channel:
        query = query.where(OutboundMessage.channel == channel)
    with runtime.store.transaction() as session:
        return {r.id: r.status for r in session.scalars(query)}


def remind(runtime: Runtime, person: Person, count: int) -> list[int]:
    """``count`` inbox notifications for one person, each committed and listed on its own."""
    ids = []
    for n in range(count):
        with runtime.store.transaction() as session:
            outbound_id = queries.add_notification(
                session,
                runtime.store.cipher,
                party_id=person.party_id,
                case_id=None,
                text=f"提醒{n + 1}：请在明天前补充工资条。",
                now=runtime.clock.now(),
            )
            ids.append(outbound_id)
        tasks.enqueue_notifications(runtime, [ids[-1]])
    return ids


def test_a_burst_of_notifications_is_delivered_by_one_job(chat: Chat, runtime: Runtime) -> None:
    worker = chat.login("worker", "林阿姨")
    ids = remind(runtime, worker, 12)
    assert len(runtime.queue.job_ids) == 1  # one drain, not twelve jobs
    chat.run_jobs()
    assert {statuses(runtime)[i] for i in ids} == {"sent"}
    assert len(worker.inbox()) == 12
    assert runtime.redis.llen(tasks.DRAIN_LIST) == 0


def test_rows_listed_after_a_drain_started_start_the_next_one(chat: Chat, runtime: Runtime) -> None:
    worker = chat.login("worker", "林阿姨")
    [first] = remind(runtime, worker, 1)
    [job_id] = runtime.queue.job_ids
    runtime.redis.delete(tasks.DRAIN_FLAG)  # the drain job has started (its first step)
    [second] = remind(runtime, worker, 1)
    assert len(runtime.queue.job_ids) == 2 and job_id in runtime.queue.job_ids
    chat.run_jobs()
    assert statuses(runtime)[first] == statuses(runtime)[second] == "sent"


def test_a_long_list_is_drained_in_batches_so_other_jobs_get_their_turn(
    chat: Chat, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "DRAIN_BATCH", 4)
    worker = chat.login("worker", "林阿姨")
    ids = remind(runtime, worker, 10)
    runtime.queue.enqueue(tasks.deliver_notification, 10**9, job_id="another-job")
    done: list[str] = []
    deliver = tasks.deliver_notification

    def watched(outbound_id: int) -> str:
        done.append("another job" if outbound_id == 10**9 else "row")
        return deliver(outbound_id)

    monkeypatch.setattr(tasks, "deliver_notification", watched)
    chat.run_jobs()
    # The first drain takes 4 rows; the job queued meanwhile runs before the rest.
    assert done == ["row"] * 4 + ["another job"] + ["row"] * 6
    assert {statuses(runtime)[i] for i in ids} == {"sent"}


def test_a_reply_wechat_refuses_for_now_gets_its_own_job_and_the_rest_are_delivered(
    wechat_chat: Chat, wechat_runtime: Runtime, fake_wechat: FakeWeChat
) -> None:
    client = wechat_chat.app.test_client()
    fake_wechat.script("custom_send", {"errcode": -1, "errmsg": "system error"})
    assert push(client, text_push("o_drain_a", "老板拖欠我三个月工资了", 71)).status_code == 200
    assert push(client, text_push("o_drain_b", "公司不给交社保", 72)).status_code == 200
    wechat_chat.run_jobs()
    replies = statuses(wechat_runtime, "wechat_cs")
    assert sorted(replies.values()) == ["queued", "sent"]  # b's reply went; a's waits
    [waiting] = [i for i, status in replies.items() if status == "queued"]
    registry = wechat_runtime.queue.scheduled_job_registry
    assert registry.get_job_ids() == [f"outbound-{waiting}"]
    job = Job.fetch(f"outbound-{waiting}", connection=wechat_runtime.redis)
    assert job.retries_left == tasks.RETRY.max - 1  # the drain was its first attempt
    assert tasks.deliver_notification(waiting) == "sent"
    assert len(fake_wechat.calls("custom_send")) == 3
