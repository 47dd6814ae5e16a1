"""Redis is the fast path, the database the truth: with Redis down a message still counts once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot import tasks
from bot.app import create_app
from bot.config import Settings
from bot.runtime import Runtime
from storage.models import Message, OutboundMessage
from tests.chat import Chat


def test_messages_are_accepted_once_and_notifications_wait_for_redis(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    down = Settings(**{**settings.__dict__, "redis_url": "redis://127.0.0.1:1/0"})
    app = create_app(down)
    offline: Runtime = app.extensions["tiaojie"]
    worker = Chat(app, offline).login("worker", "曾师傅")
    first = worker.says("老板拖欠我三个月工资了", msg_id="m-1")
    again = worker.says("老板拖欠我三个月工资了", msg_id="m-1", in_case=False)
    assert again == first
    with offline.store.transaction() as session:
        assert session.scalar(select(func.count()).where(Message.direction == "in")) == 1
        assert session.scalar(select(OutboundMessage.status)) == "queued"
    offline.close()

    # Redis is back: a starting worker re-enqueues what is still queued, and delivers it.
    assert tasks.requeue_pending(runtime) == 1
    Chat(app, runtime).run_jobs()
    with runtime.store.transaction() as session:
        assert session.scalar(select(OutboundMessage.status)) == "sent"
