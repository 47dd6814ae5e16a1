"""Persistence: the migrations match the models, on whichever database the suite runs."""

from __future__ import annotations

import os
import threading
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from bot.runtime import Runtime
from storage.models import Base, Message
from tests.chat import Chat


def test_the_suite_runs_on_the_database_it_was_given(runtime: Runtime) -> None:
    wanted = "postgresql" if os.environ.get("TIAOJIE_TEST_DATABASE_URL") else "sqlite"
    assert runtime.store.engine.dialect.name == wanted


def test_migrations_produce_exactly_the_models(runtime: Runtime) -> None:
    with runtime.store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_three_concurrent_deliveries_of_one_message_are_processed_once(
    chat: Chat, runtime: Runtime
) -> None:
    worker = chat.login("worker", "曾师傅")
    answers: list[Any] = []

    def deliver() -> None:
        client = chat.app.test_client()
        body = {"text": "老板拖欠我三个月工资了", "msg_id": "wx-1"}
        answers.append(client.post("/api/v1/messages", json=body, headers=worker.headers))

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.get_data() for a in answers}) == 1  # the same first reply each time
    with runtime.store.transaction() as session:
        assert session.scalar(select(func.count()).where(Message.direction == "in")) == 1
