"""Persistence: the migrations match the models, on whichever database the suite runs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from bot.runtime import Runtime
from storage.db import LockBusy
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


def test_a_worker_reads_while_another_message_holds_the_write_lock(
    chat: Chat, runtime: Runtime
) -> None:
    """Reads (a token's revocation check) never queue behind a write on SQLite: only writers
    take the write lock (BEGIN IMMEDIATE); a reading transaction reads its snapshot."""
    worker = chat.login("worker", "曾师傅")
    worker.says("老板拖欠我三个月工资了", in_case=False)
    with runtime.store.reading() as before:
        stored = before.scalar(select(func.count()).select_from(Message))
    assert stored
    with runtime.store.transaction() as held:  # another message being processed
        held.execute(select(Message).limit(1)).all()
        with runtime.store.reading() as reading:  # at once, without waiting for it
            assert reading.scalar(select(func.count()).select_from(Message)) == stored
        if runtime.store.url.startswith("sqlite"):  # while a second writer still waits
            with pytest.raises(LockBusy), runtime.store.transaction(lock_wait=0.2) as writing:
                writing.execute(select(Message).limit(1)).all()


def test_sqlite_writers_of_every_process_queue_at_the_writer_gate(runtime: Runtime) -> None:
    """Another process of the service holding the gate (between its BEGIN and COMMIT) makes a
    writer here wait for the gate, not poll SQLite: with a budget it gets LockBusy, and it
    gets in as soon as the other lets go."""
    if runtime.store.gate is None:
        pytest.skip("PostgreSQL has row locks, no writer gate")
    with subprocess.Popen(
        [sys.executable, "-c", GATE_HOLDER, str(runtime.store.gate.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as holder:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline() == b"held\n"
        with pytest.raises(LockBusy), runtime.store.transaction(lock_wait=0.2) as writing:
            writing.execute(select(Message).limit(1)).all()
        holder.stdin.write(b"go\n")
        holder.stdin.flush()
        with runtime.store.transaction(lock_wait=10) as writing:  # in once the other is out
            writing.execute(select(Message).limit(1)).all()


GATE_HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""
